"""Redact personal data from text before it leaves the system (alerts, task descriptions, calendar entries).

Contract evidence is quoted in every reminder, and contracts carry signatories' names, phone numbers, bank
details and the odd SSN. Outbound text passes through :func:`redact` (on by default); :func:`get_redactions`
yields what would be removed, with offsets, so reviewers and tests can see why.

Patterns are deliberately conservative where contract text is full of look-alikes: phone numbers need a
phone shape (3-3-4 groups, parentheses or a leading +), account and routing numbers need their label
nearby, IBANs and card numbers must pass their checksums, names are only taken from signature-block lines
("By:", "Name:", "/s/ …", "Attn:") and never when they look like a company.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from extractors.errors import MilestonesError

__all__ = ["Redaction", "RedactionSettings", "KINDS", "get_redactions", "redact", "settings_from_env"]

KINDS: tuple[str, ...] = (
    "email", "phone", "iban", "card_number", "account_number", "routing_number", "ssn", "national_id",
    "signature_name",
)  # fmt: skip


@dataclass(frozen=True)
class Redaction:
    kind: str
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class RedactionSettings:
    """What to redact. `allow_emails` keeps addresses (or `@domain` suffixes) that are not personal data."""

    enabled: bool = True
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(KINDS))
    allow_emails: tuple[str, ...] = ()
    placeholder: str = "[{kind}]"

    def __post_init__(self) -> None:
        unknown = set(self.kinds) - set(KINDS)
        if unknown:
            raise MilestonesError(
                f"unknown redaction kinds {sorted(unknown)}; choose from {', '.join(KINDS)}"
            )
        if not self.placeholder:
            raise MilestonesError("redaction placeholder must not be empty (e.g. '[{kind}]' or '[REDACTED]')")


def settings_from_env(env: Mapping[str, str] | None = None) -> RedactionSettings:
    """MILESTONES_REDACT=on|off, MILESTONES_REDACT_KINDS=email,phone,…, MILESTONES_REDACT_ALLOW_EMAILS=@corp.com,…"""
    env = os.environ if env is None else env
    flag = env.get("MILESTONES_REDACT", "on").strip().lower()
    if flag not in ("on", "off", "true", "false", "1", "0", "yes", "no"):
        raise MilestonesError(f"MILESTONES_REDACT={flag!r}: use on or off")
    kinds_raw = env.get("MILESTONES_REDACT_KINDS", "").strip()
    kinds = frozenset(k.strip() for k in kinds_raw.split(",") if k.strip()) if kinds_raw else frozenset(KINDS)
    allow = tuple(
        a.strip().lower() for a in env.get("MILESTONES_REDACT_ALLOW_EMAILS", "").split(",") if a.strip()
    )
    return RedactionSettings(enabled=flag in ("on", "true", "1", "yes"), kinds=kinds, allow_emails=allow)


# --- patterns -------------------------------------------------------------------------------------------

_EMAIL = re.compile(r"(?<![\w.+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")

# North American 3-3-4 with separators or parentheses, or an international number starting with +.
_PHONE = re.compile(
    r"(?<![\w/.-])(?:"
    r"(?:\+?1[\s.-]?)?\(\d{3}\)\s?\d{3}[\s.-]\d{4}"
    r"|(?:\+?1[\s.-])?\d{3}[.-]\d{3}[.-]\d{4}"
    r"|(?:\+?1\s)?\d{3}\s\d{3}\s\d{4}(?=\s*(?:$|[,;)\n]|ext|x\d))"
    r"|\+(?!1\b)\d{1,3}(?:[\s.-]?\(?\d{1,4}\)?){2,5}"
    r")(?:\s*(?:ext\.?|x)\s*\d{1,5})?(?![\w-]|\.\d)"
)
_PHONE_LABEL = re.compile(
    r"(?:phone|tel(?:ephone)?|fax|mobile|cell)\.?\s*(?:no\.?|number|#)?\s*[:.]?\s*$", re.I
)
_PHONE_LOOSE = re.compile(r"\+?\d[\d\s().-]{6,18}\d")

_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?:[ ]?[A-Z0-9]{4}){2,7}(?:[ ]?[A-Z0-9]{1,3})?\b")
_CARD = re.compile(r"(?<![\d-])(?:\d{4}([ -])\d{4}\1\d{4}\1\d{1,7}|\d{4}([ -])\d{6}\2\d{4,5})(?![\d-])")
_CARD_LABELLED = re.compile(
    r"(?:card|visa|mastercard|amex)\s*(?:number|no\.?|#)?\s*[:#]?\s*(\d{13,19})\b", re.I
)
_SSN = re.compile(r"(?<![\d-])(?!000|666|9\d\d)\d{3}-(?!00)\d{2}-(?!0000)\d{4}(?![\d-])")
_SSN_LABELLED = re.compile(
    r"(?:SSN|social\s+security\s+(?:no\.?|number|#))\s*[:#]?\s*(\d{9}|\d{3}\s\d{2}\s\d{4})\b", re.I
)
_NINO = re.compile(
    r"\b(?![DFIQUV])[A-Z](?![DFIOQUV])[A-Z](?<!BG)(?<!GB)(?<!NK)(?<!KN)(?<!TN)(?<!NT)(?<!ZZ)"
    r" ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
)
_ACCOUNT = re.compile(
    r"(?:account|acct\.?|a/c)\s*(?:number|no\.?|num\.?|#)?\s*[:#]?\s*(?:is\s+)?([0-9][0-9 -]{4,20}[0-9])",
    re.I,
)
_ROUTING = re.compile(
    r"(?:routing|ABA|transit|RTN)\s*(?:number|no\.?|num\.?|#)?\s*[:#]?\s*(?:is\s+)?(\d{9})\b", re.I
)
_SIG_LINE = re.compile(
    r"^[ \t]*(?:By|Name|Signed|Signature|Signatory|Print(?:ed)?\s+Name|Attn|Attention|Contact|Witness)[ \t]*:[ \t]*"
    r"(?:/s/[ \t]*)?(?P<name>[^\n]+?)[ \t]*$",
    re.M | re.I,
)
_SLASH_S = re.compile(r"/s/[ \t]*(?P<name>[A-Z][^\n/]{2,60}?)(?=[ \t]*(?:\n|$|,|\())")
_NAME_TOKEN = re.compile(
    r"^(?:[A-Z][a-z'’-]+(?:-[A-Z][a-z'’]+)?|[A-Z]\.|[A-Z][a-z]?\.|Mc[A-Z][a-z]+|O'[A-Z][a-z]+)$"
)
_NAME_PARTICLES = {"de", "van", "von", "der", "da", "di", "la", "le", "bin", "al"}
_NAME_TITLES = {"mr.", "mrs.", "ms.", "dr.", "prof.", "mr", "mrs", "ms", "dr"}
_COMPANY_WORDS = re.compile(
    r"\b(?:Inc|Incorporated|Corp|Corporation|Company|Co|LLC|LLP|PLLC|Ltd|Limited|LP|PLC|GmbH|AG|SA|BV|NV|Pty|"
    r"Group|Holdings|Partners|Trust|Bank|University|Foundation|Department|Services|Solutions|Technologies|"
    r"Systems|Traders|Engineering|Health|Telecom|Counsel|Officer|President|Director|Manager|Administration|"
    r"Administrator|Department|Dept|Office|Team|Legal|Affairs|Desk|Division|Operations|Secretary|Treasurer|"
    r"Accounts|Payable|Receivable|Contracts|Procurement|Finance|Compliance|Notices)\b\.?",
)


def _iban_ok(candidate: str) -> bool:
    s = candidate.replace(" ", "")
    if not 15 <= len(s) <= 34:
        return False
    rearranged = s[4:] + s[:4]
    digits = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(digits) % 97 == 1


def _luhn_ok(digits: str) -> bool:
    total = 0
    for i, ch in enumerate(reversed(digits)):
        d = int(ch)
        if i % 2:
            d *= 2
            d -= 9 if d > 9 else 0
        total += d
    return total % 10 == 0


def _aba_ok(digits: str) -> bool:
    d = [int(c) for c in digits]
    return (
        len(d) == 9 and (3 * (d[0] + d[3] + d[6]) + 7 * (d[1] + d[4] + d[7]) + (d[2] + d[5] + d[8])) % 10 == 0
    )


def _looks_like_person(name: str) -> bool:
    """Two to five capitalised name tokens (initials allowed), no company words, no digits or blanks."""
    if _COMPANY_WORDS.search(name) or any(ch.isdigit() for ch in name) or "_" in name:
        return False
    tokens = [t for t in re.split(r"\s+", name.strip().rstrip(",")) if t]
    tokens = [t for t in tokens if t.lower() not in _NAME_TITLES]
    if not 2 <= len(tokens) <= 5:
        return False
    core = [t for t in tokens if t.lower() not in _NAME_PARTICLES]
    if not all(_NAME_TOKEN.match(t.rstrip(",")) for t in core):
        return False
    return sum(1 for t in core if len(t.rstrip(".,")) > 1) >= 2  # at least a first and a last name


def _email_allowed(address: str, allow: tuple[str, ...]) -> bool:
    a = address.lower()
    return any(a == x or (x.startswith("@") and a.endswith(x)) for x in allow)


def _candidates(text: str, settings: RedactionSettings) -> Iterator[Redaction]:
    kinds = settings.kinds
    if "email" in kinds:
        for m in _EMAIL.finditer(text):
            if not _email_allowed(m.group(0), settings.allow_emails):
                yield Redaction("email", m.start(), m.end(), m.group(0))
    if "iban" in kinds:
        for m in _IBAN.finditer(text):
            if _iban_ok(m.group(0)):
                yield Redaction("iban", m.start(), m.end(), m.group(0))
    if "ssn" in kinds:
        for m in _SSN.finditer(text):
            yield Redaction("ssn", m.start(), m.end(), m.group(0))
        for m in _SSN_LABELLED.finditer(text):
            yield Redaction("ssn", m.start(1), m.end(1), m.group(1))
    if "national_id" in kinds:
        for m in _NINO.finditer(text):
            yield Redaction("national_id", m.start(), m.end(), m.group(0))
    if "routing_number" in kinds:
        for m in _ROUTING.finditer(text):
            if _aba_ok(m.group(1)):
                yield Redaction("routing_number", m.start(1), m.end(1), m.group(1))
    if "account_number" in kinds:
        for m in _ACCOUNT.finditer(text):
            digits = re.sub(r"\D", "", m.group(1))
            if 6 <= len(digits) <= 17:
                yield Redaction("account_number", m.start(1), m.end(1), m.group(1))
    if "card_number" in kinds:
        for m in _CARD.finditer(text):
            digits = re.sub(r"\D", "", m.group(0))
            if 13 <= len(digits) <= 19 and _luhn_ok(digits) and len(set(digits)) > 1:
                yield Redaction("card_number", m.start(), m.end(), m.group(0))
        for m in _CARD_LABELLED.finditer(text):
            if _luhn_ok(m.group(1)):
                yield Redaction("card_number", m.start(1), m.end(1), m.group(1))
    if "phone" in kinds:
        for m in _PHONE.finditer(text):
            yield Redaction("phone", m.start(), m.end(), m.group(0).rstrip())
        for label in re.finditer(
            r"(?:phone|tel(?:ephone)?|fax|mobile|cell)\b\.?\s*(?:no\.?|number|#)?\s*[:.]?\s*", text, re.I
        ):
            if not _PHONE_LABEL.search(text[label.start() : label.end()]):
                continue
            loose = _PHONE_LOOSE.match(text, label.end())
            if loose and 7 <= len(re.sub(r"\D", "", loose.group(0))) <= 15:
                yield Redaction("phone", loose.start(), loose.end(), loose.group(0))
    if "signature_name" in kinds:
        for m in _SIG_LINE.finditer(text):
            name = m.group("name")
            if _looks_like_person(name):
                yield Redaction("signature_name", m.start("name"), m.end("name"), name)
        for m in _SLASH_S.finditer(text):
            name = m.group("name").strip()
            if _looks_like_person(name):
                yield Redaction("signature_name", m.start("name"), m.start("name") + len(name), name)


def get_redactions(text: str | None, settings: RedactionSettings | None = None) -> Iterator[Redaction]:
    """Non-overlapping spans of personal data in `text`, in order (the longest wins where two overlap)."""
    settings = settings or RedactionSettings()
    if not text or not settings.enabled:
        return
    found = sorted(_candidates(text, settings), key=lambda r: (r.start, -(r.end - r.start)))
    last_end = -1
    for r in found:
        if r.start >= last_end:
            yield r
            last_end = r.end


def redact(text: str | None, settings: RedactionSettings | None = None) -> str:
    """`text` with each personal-data span replaced by its placeholder (e.g. "[phone]")."""
    if not text:
        return text or ""
    settings = settings or RedactionSettings()
    out: list[str] = []
    pos = 0
    for r in get_redactions(text, settings):
        out.append(text[pos : r.start])
        out.append(settings.placeholder.format(kind=r.kind))
        pos = r.end
    out.append(text[pos:])
    return "".join(out)
