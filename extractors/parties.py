"""The parties to a contract: names as written, their defined aliases ("Company", "Distributor"), offsets.

Found in the preamble ("… by and between Acme Widgets, Inc., a Delaware corporation ("Company"), and Beta
LLC ("Distributor")") and in the signature blocks after "IN WITNESS WHEREOF"; :func:`resolve_party` maps a
mention such as "the Company" or "Licensee" back to the party.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .structure import get_definitions, get_sentences

__all__ = ["Party", "get_parties", "resolve_party", "ROLE_WORDS"]


@dataclass(frozen=True)
class Party:
    name: str  # as written: "Acme Widgets, Inc."
    start: int  # offsets of the name where first found
    end: int
    aliases: tuple[str, ...] = ()  # defined terms naming the party: ("Company",), ("Kubient",)
    role: str | None = None  # the alias that is a contract role (Licensee, Distributor, …), if any
    source: str = "preamble"  # preamble | signature | preamble+signature


ROLE_WORDS = frozenset(
    "company distributor client licensee licensor supplier customer vendor buyer seller consultant contractor "
    "subcontractor manufacturer purchaser provider service-provider reseller franchisee franchisor employee "
    "executive employer sponsor agent principal lender borrower landlord tenant lessor lessee developer publisher "
    "partner investor shipper transporter host co-host owner operator contributor recipient discloser "
    "disclosing receiving member manager guarantor bank trustee assignor assignee affiliate marketer promoter "
    "endorser talent artist producer collaborator institution university sublicensee sublicensor".split()
)
_GENERIC_TERMS = {"agreement", "party", "parties", "effective date", "contract", "amendment", "term",
                  "execution date", "commencement date", "closing date", "closing", "exhibit", "schedule"}  # fmt: skip
_SUFFIX = (
    r"(?:Inc|Incorporated|Corp|Corporation|Co|Company|LLC|L\.L\.C|Ltd|Limited|LP|L\.P|LLP|L\.L\.P|PLC|plc|N\.A|"
    r"S\.A|SA|S\.p\.A|GmbH|AG|KG|B\.V|BV|N\.V|NV|Pty|PTE|Pte|S\.A\.R\.L|SARL|SE|AB|ASA|A/S|Oy|KK|S\.L|SRL|S\.r\.l)\.?"
)
_SUFFIX_RE = re.compile(_SUFFIX + r"\.?$")
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december"}  # fmt: skip
_NAME_CONNECTORS = {"of", "and", "&", "de", "du", "la", "le", "des", "der", "für", "the", "for", "y", "e", "van", "von"}
_ANCHOR = re.compile(r"\b(?:(?:entered\s+into\s+|made\s+)?(?:by|BY)\s+(?:and|AND)\s+(?:between|among|BETWEEN|AMONG)|"
                     r"between|among|BETWEEN|AMONG|Between|Among|entered\s+into\s+by|made\s+by)\b:?")  # fmt: skip
_PREAMBLE_END = re.compile(
    r"\b(?:WHEREAS|Whereas|RECITALS|Recitals|WITNESSETH|Witnesseth|NOW,?\s+THEREFORE|Now,?\s+Therefore|BACKGROUND|"
    r"agree\s+as\s+follows|hereby\s+agree|Preamble|PREAMBLE|Table\s+of\s+Contents|TABLE\s+OF\s+CONTENTS)\b"
)
_SPLIT = re.compile(
    r";\s*(?:and\s+)?|,?\s+(?:and|And|AND)\s*:?\s+(?=(?:the\s+)?[\"“'(\[]?[A-Z0-9\[])|\n\s*\(?\d\)\s*|\s+[—–]\s+and\s+"
)
_UNQUOTED_ALIAS = re.compile(
    r"hereinafter\s+(?:referred\s+to\s+as|called)\s+(?:the\s+)?[\"“]?(?P<alias>[A-Z][\w&.-]*(?:\s+[A-Z][\w&.-]*){0,3})"
)


def _name_at(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The party name at the start of text[start:end]: capitalised words and corporate suffixes, up to the
    first descriptor (", a Delaware corporation", an address, a parenthesis)."""
    seg = text[start:end]
    m = re.match(r"[\s,:;—–-]*(?:(?:AND|And|and)\s*:\s*)?(?:\(?\d\)|\([a-z]\)|\d\.)?\s*(?:the\s+undersigned,?\s*)?", seg)
    pos = m.end() if m else 0
    tokens = list(re.finditer(r"[^\s,()]+|,|\(", seg[pos:]))
    name_end = None
    k = 0
    while k < len(tokens):
        tok = tokens[k].group(0)
        word = tok.strip("\"“”'’")
        if tok == "(":
            break
        if tok == ",":
            nxt = tokens[k + 1].group(0) if k + 1 < len(tokens) else ""
            if _SUFFIX_RE.match(nxt):
                k += 1
                continue
            break
        low = word.lower()
        if low in _MONTHS and name_end is not None:
            break
        if word[:1].isupper() or (word[:1].isdigit() and name_end is None) or word in "&" or (
            name_end is not None and _SUFFIX_RE.match(word)
        ):
            name_end = pos + tokens[k].end()
            if _SUFFIX_RE.match(word) and name_end is not None and k > 0:
                # a suffix ends the name unless another suffix follows ("Co. KG", "Inc., Ltd.")
                nxt = tokens[k + 1].group(0) if k + 1 < len(tokens) else ""
                if not _SUFFIX_RE.match(nxt) and nxt not in (",", "&"):
                    break
        elif low in _NAME_CONNECTORS and name_end is not None:
            pass
        else:
            break
        k += 1
    if name_end is None:
        return None
    name_start = start + pos
    while name_end > pos and seg[name_end - 1] in ",;:":
        name_end -= 1
    # drop connectors left dangling at the end ("Acme and")
    words = seg[pos:name_end].split()
    while words and words[-1].lower() in _NAME_CONNECTORS:
        words.pop()
    if not words:
        return None
    name_end = pos + seg[pos:name_end].rfind(words[-1]) + len(words[-1])
    return name_start, start + name_end


def _plausible_name(name: str) -> bool:
    low = name.lower().strip(". ")
    if low in _GENERIC_TERMS or low in ROLE_WORDS or low.startswith(("the parties", "each ", "this ", "such ")):
        return False
    return 2 <= len(name) <= 120 and any(c.isupper() for c in name) and not name.isdigit()


def _key(name: str) -> str:
    words = re.sub(r"[^\w&\s]", " ", name.lower()).split()
    suffixes = {"inc", "incorporated", "corp", "corporation", "co", "company", "llc", "l", "c", "ltd", "limited",
                "lp", "p", "llp", "plc", "n", "a", "s", "gmbh", "ag", "kg", "bv", "b", "v", "nv", "the"}  # fmt: skip
    return " ".join(w for w in words if w not in suffixes)


def _role_of(aliases: Sequence[str]) -> str | None:
    return next((a for a in aliases if a.lower() in ROLE_WORDS), None)


def _preamble_parties(text: str, limit: int = 8000) -> list[Party]:
    head = text[:limit]
    anchor = _ANCHOR.search(head)
    if not anchor:
        return []
    stop = _PREAMBLE_END.search(head, anchor.end())
    end = stop.start() if stop else min(len(head), anchor.end() + 2500)
    line_start = head.rfind("\n", 0, anchor.start()) + 1
    for sent in get_sentences(head[line_start:end]):  # the parties are named in the anchor's sentence
        if sent.end + line_start > anchor.end() and sent.text.rstrip("\"”')").endswith((".", "!", "?")):
            end = min(end, line_start + sent.end)  # (title-page lines without a period do not end it)
            break
    defs = [d for d in get_definitions(text[:end]) if d.def_start >= anchor.end()]
    aliases = [(d.def_start, d.def_end, d.term) for d in defs if d.term.lower() not in _GENERIC_TERMS]
    aliases += [(m.start(), m.end(), m.group("alias")) for m in _UNQUOTED_ALIAS.finditer(text, anchor.end(), end)
                if m.group("alias").lower() not in _GENERIC_TERMS]  # fmt: skip
    aliases.sort()
    # a chunk per party: split at top-level "; and", ", and X", numbered "(1)", never inside parentheses
    cuts = [anchor.end()]
    depth_ok = _outside_parens(text, anchor.end(), end)
    for m in _SPLIT.finditer(text, anchor.end(), end):
        if depth_ok(m.start()):
            cuts.append(m.end())
    for m in re.finditer(r",\s+(?=[A-Z0-9])", text[anchor.end() : end]):
        at = anchor.end() + m.end()  # "…, a Pennsylvania corporation, Gulf Houghton Lubricants Ltd., a …"
        span = _name_at(text, at, min(end, at + 150))
        if span and depth_ok(at) and len(text[span[0] : span[1]].split()) >= 2 and _SUFFIX_RE.search(text[span[0] : span[1]]):
            cuts.append(at)
    cuts = sorted(set(cuts))
    cuts.append(end)
    parties: list[Party] = []
    for a, b in zip(cuts, cuts[1:], strict=False):
        span = _name_at(text, a, b)
        if not span:
            continue
        name = text[span[0] : span[1]]
        if not _plausible_name(name):
            continue
        own = tuple(dict.fromkeys(t for s, _e, t in aliases if a <= s < b))
        if not own and not (re.search(_SUFFIX + r"$", name) or name.isupper()):
            continue  # without an alias, only an obvious company name counts
        parties.append(Party(name, span[0], span[1], own, _role_of(own), "preamble"))
    return parties


def _outside_parens(text: str, start: int, end: int):  # type: ignore[no-untyped-def]
    depth_at: dict[int, int] = {}
    depth = 0
    for i in range(start, end):
        depth_at[i] = depth
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth = max(0, depth - 1)
    return lambda i: depth_at.get(i, 0) == 0


_BY_LINE = re.compile(r"(?m)^[ \t]*(?:By|BY|Signature|SIGNATURE)[ \t]*:")
_LABEL_LINE = re.compile(r"^[ \t]*(?:Name|NAME|Title|TITLE|Date|DATE|Its|ITS|Print(?:ed)? Name|Witness|Attest)\b")


def _signature_parties(text: str) -> list[tuple[str, int, int, str | None]]:
    """(name, start, end, role label) for organisations named just above "By:" lines after IN WITNESS WHEREOF."""
    w = text.rfind("IN WITNESS WHEREOF")
    if w < 0:
        w = text.lower().rfind("in witness whereof")
    if w < 0:
        return []
    region_end = min(len(text), w + 6000)
    found: list[tuple[str, int, int, str | None]] = []
    for by in _BY_LINE.finditer(text, w, region_end):
        # walk back over the lines above "By:", stopping at the previous block's labels
        pos = text.rfind("\n", w, by.start())
        role: str | None = None
        for _ in range(4):
            if pos <= w:
                break
            line_start = text.rfind("\n", w, pos) + 1
            line = text[line_start:pos]
            pos = line_start - 1
            stripped = line.strip()
            if not stripped:
                continue
            if _LABEL_LINE.match(line) or _BY_LINE.match(line) or "WHEREOF" in stripped.upper():
                break
            label = re.match(r"^\s*([A-Z][A-Za-z-]+)\s*:\s*(.*)$", line)
            if label and label.group(1).lower() in ROLE_WORDS:
                role = label.group(1).title()
                if not label.group(2).strip():
                    continue
                offset = line_start + label.start(2)
            else:
                offset = line_start + (len(line) - len(line.lstrip()))
            span = _name_at(text, offset, line_start + len(line))
            if span:
                name = text[span[0] : span[1]]
                if _plausible_name(name) and (re.search(_SUFFIX + r"$", name) or sum(c.isupper() for c in name) >= 3):
                    if role is None:  # a role label on the line above: "LICENSEE:\nPSI MEDIA LLC"
                        above_end = text.rfind("\n", w, line_start - 1)
                        above = text[above_end + 1 : line_start - 1] if above_end >= w else ""
                        label = re.match(r"^\s*([A-Z][A-Za-z-]+)\s*:\s*$", above)
                        role = label.group(1).title() if label and label.group(1).lower() in ROLE_WORDS else None
                    found.append((name, span[0], span[1], role))
                    break
    return found


def get_parties(text: str) -> list[Party]:
    """Parties in preamble order, then any signing organisation the preamble did not name."""
    parties = _preamble_parties(text)
    keys = [_key(p.name) for p in parties]
    extra: list[Party] = []
    for name, start, end, role in _signature_parties(text):
        k = _key(name)
        match = next((i for i, pk in enumerate(keys) if pk and k and (pk == k or pk.startswith(k) or k.startswith(pk))),
                     None)  # fmt: skip
        if match is not None:
            p = parties[match]
            if "signature" not in p.source:
                parties[match] = Party(p.name, p.start, p.end, p.aliases, p.role, "preamble+signature")
        elif len(parties) < 2 and all(_key(e.name) != k for e in extra):
            aliases = (role,) if role else ()
            extra.append(Party(name, start, end, aliases, role, "signature"))
    return parties + extra


def resolve_party(mention: str, parties: Sequence[Party]) -> Party | None:
    """The party a mention refers to: "the Company" / "Licensee" / "Acme" → the Party (None if unsure)."""
    m = re.sub(r"^(?:the|The|THE|such|Such)\s+", "", mention.strip())
    m = re.sub(r"(?:['’]s|s['’])$", "", m).strip(" .,;:\"“”")
    low = m.lower()
    if not low or low in ("party", "parties", "each party", "either party", "both parties"):
        return None
    for p in parties:
        if any(a.lower() == low for a in p.aliases):
            return p
    key = _key(m)
    for p in parties:
        if key and _key(p.name) == key:
            return p
    first_words = [p for p in parties if key and _key(p.name).split()[:1] == key.split()[:1] and len(key.split()) == 1]
    return first_words[0] if len(first_words) == 1 else None
