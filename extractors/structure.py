"""Contract structure: sentences, numbered sections and clause references as printed, defined terms.

Regex-based and legal-abbreviation aware; every record keeps its offsets into the text it was given.
A section's ``reference`` is the clause reference a reader would cite ("4.2(a)", "ARTICLE IV",
"Exhibit B, ¶3"), so ``section_at(sections, offset).reference`` is what a milestone's clause_reference holds.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

__all__ = [
    "Sentence",
    "Section",
    "DefinedTerm",
    "ClauseReference",
    "get_sentences",
    "get_sections",
    "section_at",
    "clause_reference_at",
    "get_defined_terms",
    "get_definitions",
    "get_clause_references",
]


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str
    lead_in: str | None = None  # for a list item split out of "X shall: (a) …; (b) …", the "X shall:" part
    lead_start: int | None = None


@dataclass(frozen=True)
class Section:
    start: int
    reference: str  # as cited: "4.2", "4.2(a)", "ARTICLE IV", "Exhibit B", "Exhibit B, ¶3"
    heading: str | None
    end: int | None = None  # exclusive; None when built by hand (then section_at falls back to order)
    level: int = 0  # 0 article/exhibit, 1 "4.", 2 "4.2", …; subclauses one deeper than their parent
    kind: str = "section"  # article | exhibit | section | subclause
    label: str | None = None  # the marker exactly as printed: "(a)", "4.2.", "ARTICLE IV", "Section 5"


# -- sentences --------------------------------------------------------------------------------------------

# Abbreviations after which a period never ends a sentence ("No. 5", "Sec. 4", "e.g. the").
_ALWAYS_CONTINUE = {
    "no", "nos", "sec", "secs", "art", "arts", "para", "paras", "e.g", "i.e", "mr", "mrs", "ms", "dr", "vs", "v",
    "cf", "approx", "dept", "exh", "fig", "p", "pp", "ss", "st", "jr", "sr", "viz", "et al", "al", "u.s.c",
    "par", "cl", "subsec", "ch", "vol", "attn",
}  # fmt: skip
# Abbreviations that may also end a sentence: they do when the next word is a typical sentence opener.
_MAY_END = {
    "inc", "corp", "co", "ltd", "llc", "l.l.c", "lp", "l.p", "llp", "l.l.p", "plc", "s.a", "n.a", "b.v", "n.v",
    "a.g", "ag", "gmbh", "u.s", "u.k", "etc", "a.m", "p.m", "n.y", "d.c",
}  # fmt: skip
_OPENERS = {
    "the", "this", "each", "any", "all", "if", "in", "such", "no", "either", "neither", "notwithstanding",
    "upon", "within", "as", "for", "a", "an", "these", "those", "it", "its", "company", "licensee", "licensor",
    "whereas", "now", "except", "subject", "nothing", "unless", "after", "before", "during", "on", "to",
    "payment", "delivery", "we", "you", "our", "however", "further", "thereafter",
}  # fmt: skip
_CONTAINER_WORDS = {
    "exhibit", "schedule", "annex", "appendix", "attachment", "article", "section", "part", "class",
    "series", "item", "phase", "tranche", "level", "tier", "grade", "type", "option", "plan", "stage",
}  # fmt: skip

_PERIOD_END = re.compile(r"[.!?](?P<close>[\"'’”)\]]*)(?=\s+[\"'“‘(\[]?[A-Z0-9(]|\s*$)")
_HARD_BREAK = re.compile(r"\n[ \t]*\n|\f")
_SUBCLAUSE_MARK = r"\((?:[a-z]{1,2}|[ivxl]{1,6}|[A-Z]{1,2}|[IVXL]{1,6}|\d{1,2})\)"
_LINE_MARKER = re.compile(
    r"[ \t]*(?:(?:ARTICLE|Article|SECTION|Section|EXHIBIT|Exhibit|SCHEDULE|Schedule|ANNEX|Annex|APPENDIX|Appendix)"
    r"\s+[0-9IVXLA-Z]|\d{1,2}(?:\.\d{1,2}){0,3}\.?[ \t]+[A-Z\"“(])"
)  # list items "(a)" do not open a new sentence here: a list stays with its lead-in unless split_items
_KEYWORD_LINE = re.compile(r"[ \t]*(?:ARTICLE|Article|SECTION|EXHIBIT|SCHEDULE|ANNEX|APPENDIX)\s+\S+\s*$")
_SMALL_WORDS = {"a", "an", "and", "as", "at", "by", "for", "in", "of", "on", "or", "the", "to", "with", "its", "from"}
_TRAILING_CONNECTOR = re.compile(
    r"\b(?:AND|OR|THE|OF|TO|IN|FOR|A|AN|ANY|BY|WITH|ON|AS|OTHER|SUCH|ITS|BE|IS|ARE|NOT|THAT|WHICH|FROM|AT|ALL|"
    r"EACH|THIS|THEIR|NO|SHALL|WILL|MAY)$",
    re.I,
)
_MODAL = re.compile(r"\b(?:shall|will|must|may|agrees?|is|are)\b", re.I)  # headings do not say what to do


def _line_start(text: str, pos: int) -> int:
    """Start of the line holding ``pos``; a page break starts a line too."""
    return max(text.rfind("\n", 0, pos), text.rfind("\f", 0, pos)) + 1


def _token_before(text: str, pos: int, floor: int) -> str:
    m = re.search(r"([A-Za-z][A-Za-z.]*|\d+(?:\.\d+)*)$", text[max(floor, pos - 16) : pos])
    return m.group(1) if m else ""


def _is_period_boundary(text: str, pos: int, floor: int, next_word: str) -> bool:
    """Whether the '.' at ``pos`` ends a sentence."""
    token = _token_before(text, pos, floor)
    low = token.lower().rstrip(".")
    if low in _ALWAYS_CONTINUE:
        return False
    if low in _MAY_END:
        return not next_word.startswith("(") and next_word.lstrip("\"'“‘[").lower() in _OPENERS
    if re.fullmatch(r"\d+(?:\.\d+)*", token):
        line_start = _line_start(text, pos)
        if not text[line_start : pos - len(token)].strip():
            return False  # "4.2." numbering at the start of a line
        return True
    if re.fullmatch(r"[A-Z]", token):  # an initial ("J. Smith") unless it names a container ("Exhibit A.")
        before = re.search(r"([A-Za-z]+)\s+$", text[max(floor, pos - 20) : pos - 1])
        return bool(before and before.group(1).lower() in _CONTAINER_WORDS)
    if re.fullmatch(r"(?:[A-Za-z]\.)+[A-Za-z]", token):  # "U.S.A." style not in the lists
        return next_word.lower() in _OPENERS
    return True


def _is_heading_line(line: str) -> bool:
    """A short line that reads as a heading: upper-case or Title Case, no closing punctuation."""
    s = line.strip()
    if not s or len(s) > 70 or s[-1] in ".,;:" or _TRAILING_CONNECTOR.search(s) or _MODAL.search(s):
        return False
    letters = [c for c in s if c.isalpha()]
    if len(letters) < 2:
        return False
    if sum(c.isupper() for c in letters) >= 0.8 * len(letters):
        return True
    words = [w for w in re.findall(r"[A-Za-z][A-Za-z'’-]*", s) if w.lower() not in _SMALL_WORDS]
    return bool(words) and sum(w[0].isupper() for w in words) >= 0.8 * len(words) and len(words) <= 8


def _line_boundaries(text: str) -> Iterator[int]:
    """Single newlines that end a sentence: after a heading line, or before a line opening a new clause."""
    for m in re.finditer(r"\n", text):
        i = m.start()
        prev_start = text.rfind("\n", 0, i) + 1
        prev = text[prev_start:i]
        if _LINE_MARKER.match(text, i + 1):
            yield i
        elif _is_heading_line(prev) and _starts_block(text, prev_start):
            yield i


def _starts_block(text: str, line_start: int, for_heading: bool = False) -> bool:
    """Whether the line at ``line_start`` begins a block: the line before it ends a sentence or is blank.

    For a short upper-case line this tells a heading from the middle of a wrapped ALL-CAPS paragraph; with
    ``for_heading`` (a keyword heading such as "Schedule A") it tells a heading from a wrapped
    cross-reference, and a page number or an upper-case running header before it also counts as a break.
    """
    if line_start == 0 or text[line_start - 1] == "\f":
        return True
    if not for_heading and _LINE_MARKER.match(text, line_start):
        return True
    before = text[text.rfind("\n", 0, line_start - 1) + 1 : line_start - 1].rstrip()
    if not before or before[-1] in ".:;!?\f" or _KEYWORD_LINE.match(before):
        return True
    return for_heading and (before.strip().isdigit() or (before.isupper() and len(before.strip()) <= 70))


def _emit(text: str, start: int, end: int) -> Iterator[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield Sentence(start, end, text[start:end])


_ITEM = re.compile(r"(?:(?<=[:;])|(?<=[:;] and)|(?<=[:;] or)|(?<=\n))\s*(?=" + _SUBCLAUSE_MARK + r"\s)")


def _split_items(text: str, sent: Sentence) -> list[Sentence]:
    """"X shall: (a) …; and (b) …" → one sentence per item, each carrying the "X shall:" lead-in."""
    marks = [m.end() for m in _ITEM.finditer(text, sent.start, sent.end)]
    if len(marks) < 2:
        return [sent]
    lead = list(_emit(text, sent.start, marks[0]))
    lead_in = lead[0] if lead and lead[0].text.endswith(":") else None
    out: list[Sentence] = [] if lead_in else list(lead)
    for a, b in zip(marks, marks[1:] + [sent.end], strict=True):
        for piece in _emit(text, a, b):
            end = piece.end
            tail = re.search(r"[;,]?\s*(?:and|or)?\s*$", text[piece.start : end])
            if tail and tail.start() > 0 and b != sent.end:
                end = piece.start + tail.start()
            out.append(Sentence(piece.start, end, text[piece.start : end],
                                lead_in.text if lead_in else None, lead_in.start if lead_in else None))  # fmt: skip
    return out


def get_sentences(text: str, split_items: bool = False) -> Iterator[Sentence]:
    """Sentences in order. Ends: . ! ? (not after "Inc." mid-name, "No.", "U.S.", "e.g.", initials or "4.2."
    numbering), blank lines, page breaks, heading lines and lines opening a new clause. Semicolons do not end
    a sentence; with ``split_items`` a "(a) …; (b) …" list becomes one sentence per item with its lead-in.
    """
    cuts: set[int] = set()
    hard: set[int] = set()
    for m in _HARD_BREAK.finditer(text):
        hard.add(m.start())
        cuts.add(m.start())
    cuts.update(_line_boundaries(text))
    for m in _PERIOD_END.finditer(text):
        nxt = re.match(r"\s*([\"'“‘(\[]?[A-Za-z0-9]+)", text[m.end() : m.end() + 40])
        if _is_period_boundary(text, m.start(), max(0, m.start() - 40), nxt.group(1) if nxt else ""):
            cuts.add(m.end())
    start = 0
    for cut in sorted(cuts):
        for sent in _emit(text, start, cut):
            yield from (_split_items(text, sent) if split_items else (sent,))
        start = cut + 1 if cut in hard else cut
    for sent in _emit(text, start, len(text)):
        yield from (_split_items(text, sent) if split_items else (sent,))


# -- sections ---------------------------------------------------------------------------------------------

_KEYWORD_HEADING = re.compile(
    r"(?m)(?:^|(?<=\f))[ \t]*(?P<kw>ARTICLE|Article|SECTION|Section|EXHIBIT|Exhibit|SCHEDULE|Schedule|ANNEX|Annex|APPENDIX|"
    r"Appendix|ATTACHMENT|Attachment|(?<!\w)§)(?:(?<=§)[ \t]*|[ \t]+)(?P<id>\d{1,3}(?:\.\d{1,3}){0,3}|[IVXLC]{1,7}\b|[A-Z](?:-\d{1,2})?\b|"
    r"(?:ONE|TWO|THREE|FOUR|FIVE|SIX|SEVEN|EIGHT|NINE|TEN|ELEVEN|TWELVE)\b)(?P<subs>(?:\([a-z0-9]{1,4}\))*)"
    r"(?P<dot>\.?)(?P<rest>[^\n\f]*)"
)
_NUMBER_HEADING = re.compile(r"(?m)(?:^|(?<=\f))[ \t]*(?P<id>\d{1,2}(?:\.\d{1,2}){0,3})(?P<dot>\.?)(?P<rest>[ \t]+[^\n\f]*)(?=[\n\f]|$)")
_SUBCLAUSE = re.compile(
    r"(?:(?m:^)[ \t]*|(?<=\f)[ \t]*|(?<=[:;.])[ \t]+(?:and[ \t]+|or[ \t]+)?|(?<=[:;][ \t]and)[ \t]|(?<=[:;][ \t]or)[ \t])"
    r"\((?P<id>[a-z]{1,2}|[ivxl]{1,6}|[A-Z]{1,2}|[IVXL]{1,6}|\d{1,2})\)(?=[ \t]+\S|[ \t]*\n)"
)
# Headings run into the text (CUAD's .txt and some PDFs lose line breaks): "…as follows: ARTICLE I DEFINITIONS
# Section 1.1 Defined Terms. (a) …" — accepted only after sentence punctuation or an upper-case heading word,
# and only with a Title Case heading ending in a period, so "pursuant to Section 4.2 hereof" is not one.
_INLINE_SECTION = re.compile(
    r"(?:(?<=[.:;])|(?<=[A-Z]{3}))[ \t]+(?P<kw>Section|SECTION)?[ \t]*(?P<id>\d{1,2}(?:\.\d{1,2}){0,3})\.?"
    r"[ \t]+(?P<head>[A-Z][A-Za-z ,&'’/-]{1,60}?)\.(?=[ \t]|$)"
)
_INLINE_ARTICLE = re.compile(
    r"(?:(?<=[.:;])|(?<=^))[ \t]*(?P<kw>ARTICLE)[ \t]+(?P<id>[IVXL]{1,6}|\d{1,2})\b\.?[ \t]+"
    r"(?P<head>[A-Z][A-Z ,&'’/-]{2,60}?)(?=[ \t]+(?:Section|SECTION|\d|[A-Z][a-z]))",
    re.M,
)
_ROMAN = re.compile(r"^(?:x{0,3})(?:ix|iv|v?i{0,3})$", re.I)
_ARTICLE_KW = {"article"}
_EXHIBIT_KW = {"exhibit", "schedule", "annex", "appendix", "attachment"}


def _roman_value(s: str) -> int:
    values = {"i": 1, "v": 5, "x": 10, "l": 50, "c": 100}
    total = 0
    s = s.lower()
    for k, ch in enumerate(s):
        v = values[ch]
        total += -v if k + 1 < len(s) and values[s[k + 1]] > v else v
    return total


def _sub_style(marker: str, last_in_style: dict[str, str]) -> str:
    """Style of a "(x)" marker: digit, lower, roman, upper, upper_roman — "(i)" after "(h)" is a letter."""
    if marker.isdigit():
        return "digit"
    lower = marker.islower()
    if _ROMAN.match(marker):
        letter_style, roman_style = ("lower", "roman") if lower else ("upper", "upper_roman")
        if len(marker) == 1:
            prev_letter = last_in_style.get(letter_style)
            prev_roman = last_in_style.get(roman_style)
            if prev_letter and len(prev_letter) == 1 and ord(marker.lower()) == ord(prev_letter.lower()) + 1:
                return letter_style
            if prev_roman and _roman_value(marker) == _roman_value(prev_roman) + 1:
                return roman_style
            return roman_style if marker.lower() == "i" else letter_style
        prev_letter = last_in_style.get(letter_style) or ""
        if len(marker) == 2 and marker[0] == marker[1] and len(prev_letter) == 2 and (
            ord(marker[0].lower()) == ord(prev_letter[0].lower()) + 1
        ):
            return letter_style  # "(ii)" after "(hh)"
        return roman_style
    if len(marker) == 2 and marker[0] != marker[1]:
        return "other"
    return "lower" if lower else "upper"


def _heading_text(rest: str, text: str, line_end: int) -> str | None:
    rest = rest.strip().lstrip(".:–—-").strip()
    if not rest:  # "ARTICLE IV" alone: the heading is the next line
        nxt = re.match(r"\n[ \t]*([^\n]{2,80})", text[line_end : line_end + 90])
        return nxt.group(1).strip().rstrip(".") if nxt and _is_heading_line(nxt.group(1)) else None
    head = re.split(r"(?<=[a-z)\]])\.(?:\s|$)|\.\s+(?=[A-Z])", rest, maxsplit=1)[0].strip().rstrip(".:")
    if len(head) > 80 or not head:
        return None
    if head is not rest.strip() and _is_heading_line(head):
        return head
    return head if _is_heading_line(head) else None


@dataclass
class _Open:
    start: int
    level: int
    kind: str
    reference: str
    label: str
    heading: str | None
    number: str = ""


def get_sections(text: str) -> list[Section]:
    """Headings and subclauses in order, each with its end, nesting level and citable reference."""
    found: list[tuple[int, str, str, str, str | None, int]] = []  # start, kind, id, label, heading, level
    for m in _KEYWORD_HEADING.finditer(text):
        kw, ident, rest = m.group("kw"), m.group("id"), m.group("rest")
        after = rest.lstrip()
        if after[:1].islower() or (after[:1] == "," and not rest.startswith(",")):
            continue  # a cross-reference wrapped onto a new line ("Section 4.2 hereof")
        low = kw.lower()
        if low in _EXHIBIT_KW and re.fullmatch(r"\d+\.\d+", ident):
            continue  # "Exhibit 10.14": the filing's exhibit number, not a contract exhibit
        if not _starts_block(text, _line_start(text, m.start("kw")), for_heading=True):
            continue  # "…identified in detail in\nSchedule A." — a wrapped cross-reference
        label = f"{kw} {ident}{m.group('subs')}" if kw != "§" else f"§{ident}{m.group('subs')}"
        heading = _heading_text(rest, text, m.end())
        if low in _ARTICLE_KW:
            found.append((m.start("kw"), "article", ident, label, heading, 0))
        elif low in _EXHIBIT_KW:
            found.append((m.start("kw"), "exhibit", ident, label, heading, 0))
        elif re.fullmatch(r"\d+(?:\.\d+)*", ident):
            found.append((m.start("kw"), "section", ident + m.group("subs"), label, heading, ident.count(".") + 1))
        else:
            found.append((m.start("kw"), "article", ident, label, heading, 0))  # "Section IV"
    last_top = 0
    for m in _NUMBER_HEADING.finditer(text):
        ident, dot, rest = m.group("id"), m.group("dot"), m.group("rest")
        after = rest.lstrip()
        if not after or not (after[0].isupper() or after[0] in "\"“(["):
            continue
        parts = ident.split(".")
        if len(parts) == 1:
            n = int(parts[0])
            if not dot and n != last_top + 1:
                continue  # a bare "7 Widgets" line is a table row unless it continues the numbering
            if n == 0:
                continue
            last_top = n
        found.append((m.start("id"), "section", ident, ident + dot, _heading_text(rest, text, m.end()), len(parts)))
    for m in _INLINE_SECTION.finditer(text):
        ident, kw, head = m.group("id"), m.group("kw"), m.group("head").strip()
        if (not kw and "." not in ident) or not _is_heading_line(head):
            continue
        label = f"{kw} {ident}" if kw else ident
        found.append((m.start("kw") if kw else m.start("id"), "section", ident, label, head, ident.count(".") + 1))
    for m in _INLINE_ARTICLE.finditer(text):
        found.append((m.start("kw"), "article", m.group("id"), f"ARTICLE {m.group('id')}", m.group("head").strip(), 0))
    for m in _SUBCLAUSE.finditer(text):
        found.append((m.start("id") - 1, "subclause", m.group("id"), f"({m.group('id')})", None, -1))
    found.sort(key=lambda f: (f[0], f[5] if f[5] >= 0 else 99))

    out: list[tuple[_Open, int]] = []
    stack: list[_Open] = []
    styles: list[str] = []  # subclause styles open under the current numbered heading, outermost first
    last_in_style: dict[str, str] = {}
    seen_start = -1

    def close(level: int, at: int) -> None:
        while stack and stack[-1].level >= level:
            out.append((stack.pop(), at))

    for start, kind, ident, label, heading, level in found:
        if start == seen_start:
            continue  # "Section 4.2" matched twice (keyword and number): keep the first
        seen_start = start
        if kind == "subclause":
            style = _sub_style(ident, last_in_style)
            if style in styles:
                del styles[styles.index(style) + 1 :]
            else:
                styles.append(style)
            last_in_style[style] = ident
            parent = next((o for o in reversed(stack) if o.kind != "subclause"), None)
            base = parent.level if parent else 0
            level = base + styles.index(style) + 1
            close(level, start)
            outer = stack[-1] if stack else None
            if outer is None:
                reference = label
            elif outer.kind in ("section", "subclause"):
                reference = outer.reference + label
            else:
                reference = f"{outer.reference}, {label}"
            stack.append(_Open(start, level, kind, reference, label, None))
            continue
        styles.clear()
        last_in_style.clear()
        close(level, start)
        if kind == "section":
            exhibit = next((o for o in stack if o.kind == "exhibit"), None)
            printed = label.rstrip(".") if not label[:1].isdigit() else ident  # "Section 7" stays "Section 7"
            reference = f"{exhibit.reference}, ¶{ident}" if exhibit else printed
        else:
            reference = label
        stack.append(_Open(start, level, kind, reference, label, heading, ident))
    close(-1, len(text))
    out.sort(key=lambda item: (item[0].start, item[0].level))
    return [Section(o.start, o.reference, o.heading, end, o.level, o.kind, o.label) for o, end in out]


_LAST_INDEX: list[tuple[Sequence[Section], int, list[int], bool]] = []


def _index(sections: Sequence[Section]) -> tuple[list[int], bool]:
    """Start offsets of ``sections`` and whether all have ends, remembered for the last list seen (callers
    ask once per sentence, so recomputing would make a long contract quadratic)."""
    if _LAST_INDEX and _LAST_INDEX[0][0] is sections and _LAST_INDEX[0][1] == len(sections):
        return _LAST_INDEX[0][2], _LAST_INDEX[0][3]
    starts = [s.start for s in sections]
    nested = all(s.end is not None for s in sections)
    _LAST_INDEX[:] = [(sections, len(sections), starts, nested)]
    return starts, nested


def section_at(sections: Sequence[Section], offset: int) -> Section | None:
    """The innermost section containing ``offset`` (the last one starting before it, for hand-built lists)."""
    starts, nested = _index(sections)
    i = bisect.bisect_right(starts, offset) - 1
    if not nested:
        return sections[i] if i >= 0 else None
    # Ends nest (they come from a stack), so the last section starting at or before the offset that still
    # contains it is the innermost one.
    while i >= 0:
        if offset < (sections[i].end or 0):
            return sections[i]
        i -= 1
    return None


def clause_reference_at(text_or_sections: str | Sequence[Section], offset: int) -> str | None:
    """The printed reference of the clause containing ``offset``: "4.2(a)", "ARTICLE IV", "Exhibit B, ¶3"."""
    sections = get_sections(text_or_sections) if isinstance(text_or_sections, str) else text_or_sections
    found = section_at(sections, offset)
    return found.reference if found else None


# -- cross-references -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClauseReference:
    start: int
    end: int
    text: str  # as printed: "Section 4.2(a)", "Exhibit B", "Schedule 1", "¶3"
    kind: str  # section | article | exhibit | paragraph


_XREF = re.compile(
    r"\b(?P<kw>Sections?|SECTIONS?|Articles?|ARTICLES?|Exhibits?|EXHIBITS?|Schedules?|SCHEDULES?|Annex(?:es)?|"
    r"Appendix|Appendices|Attachments?|[Pp]aragraphs?|[Cc]lauses?)[ \t]+"
    r"(?P<id>\d{1,3}(?:\.\d{1,3}){0,4}(?:\([a-zA-Z0-9]{1,4}\))*|[IVXL]{1,6}\b|[A-Z](?:-\d{1,2})?\b)"
    r"|(?P<para>[¶§]{1,2}[ \t]*\d{1,3}(?:\.\d{1,3})*(?:\([a-z0-9]{1,4}\))*)"
)


def get_clause_references(text: str) -> list[ClauseReference]:
    """Cross-references in running text ("as set out in Section 4.2(a)", "Exhibit B", "¶3")."""
    out: list[ClauseReference] = []
    for m in _XREF.finditer(text):
        if m.group("para"):
            kind = "paragraph"
        else:
            low = m.group("kw").lower().rstrip("s")
            kind = {"section": "section", "article": "article", "paragraph": "paragraph", "clause": "section"}.get(
                low, "exhibit"
            )
        out.append(ClauseReference(m.start(), m.end(), m.group(0), kind))
    return out


# -- defined terms ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DefinedTerm:
    term: str
    start: int  # the term inside its quotes
    end: int
    def_start: int  # the defining construct: the parenthetical, the "hereinafter" phrase, or "X" means
    def_end: int
    kind: str  # parenthetical | hereinafter | means


_Q_OPEN, _Q_CLOSE = "\"“", "\"”"
_TERM = r"[\"“](?P<term>[A-Z0-9][^\"“”\n]{0,58}?)[\"”]"
_PAREN = re.compile(r"\((?P<body>[^()\n]{2,220})\)")
_QUOTED = re.compile(r"[\"“](?P<term>[A-Za-z0-9][^\"“”\n]{0,58}?)[\"”]")
_FILLER = {
    "the", "a", "an", "each", "collectively", "together", "individually", "hereinafter", "herein", "hereafter",
    "referred", "to", "as", "and", "or", "respectively", "called", "also", "known", "this", "jointly",
    "severally", "any", "all", "of", "them", "with", "its", "their", "affiliates", "subsidiaries", "being",
    "sometimes", "further", "below", "above", "such", "in", "either", "both", "may", "be", "defined",
}  # fmt: skip
_HEREINAFTER = re.compile(
    r"\bhereinafter,?[ \t]+(?:(?:referred[ \t]+to|called|known)[ \t]+as[ \t]+|called[ \t]+)?(?:the[ \t]+)?" + _TERM
)
_MEANS = re.compile(
    _TERM + r"[ \t]*(?:,[ \t]*)?(?:shall[ \t]+)?(?:means?|has[ \t]+the[ \t]+meaning|shall[ \t]+have[ \t]+the[ \t]+"
    r"meaning|refers?[ \t]+to|includes?|is[ \t]+defined)\b|" + _TERM.replace("term", "term2") + r"[ \t]*:[ \t]"
)


def _plausible_term(term: str) -> bool:
    words = term.split()
    return 0 < len(words) <= 8 and not term.rstrip().endswith((".", ",", ";")) and (term[:1].isupper() or term[:1].isdigit())


def get_definitions(text: str) -> list[DefinedTerm]:
    """Every definition in order: ("Effective Date"), (the "Company"), (each a "Party" and together the
    "Parties"), hereinafter "Distributor", "Confidential Information" means …."""
    out: list[DefinedTerm] = []
    for m in _PAREN.finditer(text):
        body = m.group("body")
        terms = list(_QUOTED.finditer(body))
        if not terms:
            continue
        rest = _QUOTED.sub(" ", body)
        if any(w.lower() not in _FILLER for w in re.findall(r"[A-Za-z]+", rest)):
            continue
        for t in terms:
            term = t.group("term").strip()
            if _plausible_term(term):
                s = m.start("body") + t.start("term")
                out.append(DefinedTerm(term, s, s + len(t.group("term")), m.start(), m.end(), "parenthetical"))
    for m in _HEREINAFTER.finditer(text):
        if any(d.def_start <= m.start() < d.def_end for d in out):
            continue
        term = m.group("term").strip()
        if _plausible_term(term):
            out.append(DefinedTerm(term, m.start("term"), m.start("term") + len(m.group("term")), m.start(), m.end(),
                                   "hereinafter"))  # fmt: skip
    for m in _MEANS.finditer(text):
        group = "term" if m.group("term") is not None else "term2"
        if group == "term2":
            line_start = text.rfind("\n", 0, m.start()) + 1
            if not re.fullmatch(r"[ \t]*(?:\(?[0-9a-z]{1,4}[.)]|\d+(?:\.\d+)*\.?)?[ \t]*", text[line_start : m.start()]):
                continue  # '"X": ' only counts at the start of a definitions-list line
        term = m.group(group).strip()
        if _plausible_term(term) and not any(d.start == m.start(group) for d in out):
            out.append(DefinedTerm(term, m.start(group), m.start(group) + len(m.group(group)), m.start(), m.end(), "means"))
    out.sort(key=lambda d: d.start)
    return out


def get_defined_terms(text: str) -> dict[str, tuple[int, int]]:
    """Defined term → offsets of its (first) defining construct, e.g. the "(the "Company")" parenthetical."""
    terms: dict[str, tuple[int, int]] = {}
    for d in get_definitions(text):
        terms.setdefault(d.term, (d.def_start, d.def_end))
    return terms
