"""The kind of contract, from its title: "Master Services Agreement" → ``services``.

Titles say what a contract is; the first matching rule wins, so the more specific kinds come first
("Statement of Work" before "Services", "Software License" before "Software"). The result feeds
``dim_contracts.contract_type`` (dashboards group by it); ``None`` when the title says nothing we know.
"""

from __future__ import annotations

import re

__all__ = ["CONTRACT_TYPES", "get_contract_type"]

# (kind, pattern over the title) — most specific first
_RULES: tuple[tuple[str, str], ...] = (
    ("amendment", r"\bamendment\b|\baddendum\b|\bchange\s+order\b"),
    ("statement_of_work", r"\bstatement\s+of\s+work\b|\bSOW\b|\bwork\s+order\b|\bproject\s+order\b"),
    ("nda", r"\bnon[\s-]?disclosure\b|\bconfidentiality\s+agreement\b|\bNDA\b"),
    ("data_processing", r"\bdata\s+processing\b|\bDPA\b|\bdata\s+protection\s+agreement\b|\bbusiness\s+associate\b"),
    ("sla", r"\bservice\s+level\b|\bSLA\b"),
    ("saas", r"\bsubscription\b|\bsoftware[\s-]as[\s-]a[\s-]service\b|\bSaaS\b|\bcloud\s+services?\b"),
    ("hosting", r"\bhosting\b"),
    ("license", r"\blicen[cs]e\b|\blicensing\b"),
    ("franchise", r"\bfranchise\b"),
    ("distribution", r"\bdistribut(?:ion|or|orship)\b|\breseller\b|\bdealer\b|\bresale\b"),
    ("supply", r"\bsupply\b|\bpurchase\b|\bprocurement\b|\bmanufactur\w*\b|\boem\b"),
    ("lease", r"\blease\b|\brental\b|\btenancy\b"),
    ("maintenance", r"\bmaintenance\b|\bsupport\s+agreement\b"),
    ("consulting", r"\bconsult(?:ing|ancy|ant)\b|\badvisory\b"),
    ("joint_venture", r"\bjoint\s+venture\b|\bstrategic\s+alliance\b|\bcollaboration\b|\bco[\s-]?branding\b|\bpartnership\b"),
    ("marketing", r"\bmarketing\b|\bpromotion\b|\bsponsorship\b|\bendorsement\b|\baffiliate\b|\bagency\b|\breferral\b"),
    ("outsourcing", r"\boutsourcing\b|\btransportation\b|\blogistics\b"),
    ("development", r"\bdevelopment\b|\bresearch\b"),
    ("employment", r"\bemployment\b|\bnon[\s-]?compet\w*\b"),
    ("services", r"\bservices?\b|\bMSA\b"),
)
_COMPILED = tuple((kind, re.compile(rx, re.I)) for kind, rx in _RULES)
CONTRACT_TYPES: tuple[str, ...] = tuple(kind for kind, _ in _RULES)


def get_contract_type(title: str | None, text: str = "") -> str | None:
    """The kind of contract from its title, else from the first lines of the text (where a cover page or a
    filing header pushed the title down — only when the title does not read as one); ``None`` when neither names
    a kind we know."""
    for candidate in (title or "", *(m.group(0) for m in _NAMED.finditer(text[:1500]))):
        for kind, rx in _COMPILED:
            if candidate and rx.search(candidate):
                return kind
        if _NAMED.search(candidate or ""):
            return None  # the title names the contract, but as a kind we do not know
    return None


# "…MASTER SUPPLY AGREEMENT", "This Joint Content License Agreement": the words before the word that names a contract
_NAMED = re.compile(r"(?:\b[A-Z][\w&'-]*[ \t]+){0,6}(?:AGREEMENT|Agreement|CONTRACT|Contract|LEASE|Lease|AMENDMENT|Amendment)\b")
