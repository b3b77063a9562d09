"""Contract structure: sentences, numbered sections as printed, defined terms and parties.

First version: regex-based and legal-abbreviation aware; every record keeps its offsets.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass

__all__ = ["Sentence", "Section", "get_sentences", "get_sections", "section_at", "get_defined_terms"]

_ABBREVIATIONS = {
    "inc", "corp", "co", "ltd", "llc", "l.l.c", "no", "nos", "sec", "secs", "art", "arts", "para", "e.g",
    "i.e", "etc", "u.s", "mr", "mrs", "ms", "dr", "st", "jr", "sr", "vs", "v", "cf", "approx", "dept",
    "exh", "ex", "fig", "p", "pp", "s.a", "n.a", "b.v", "n.v", "a.g", "gmbh", "plc", "lp", "l.p", "u.k",
}  # fmt: skip


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Section:
    start: int
    reference: str  # as printed: "4.2", "4.2(a)", "ARTICLE IV", "Exhibit B"
    heading: str | None


_BOUNDARY = re.compile(r"[.;:!?](?=[\"')\]]*\s+[\"'(\[]?[A-Z0-9(])|\n\s*\n|\f")


def get_sentences(text: str) -> Iterator[Sentence]:
    """Split on sentence ends, blank lines and page breaks; keep abbreviations ("Inc.", "Sec.") whole."""
    start = 0
    for m in _BOUNDARY.finditer(text):
        ch = m.group(0)
        if ch == ".":
            word = re.search(r"([A-Za-z.]+)$", text[max(start, m.start() - 12) : m.start()])
            if word and word.group(1).lower().strip(".") in _ABBREVIATIONS:
                continue
            if re.search(r"\b\d+$", text[max(start, m.start() - 6) : m.start()]) and re.match(r"\.\d", text[m.start() : m.start() + 2]):
                continue
        if ch in ";:":
            continue  # clauses joined by semicolons stay one sentence
        end = m.end() if ch not in ("\f",) and not ch.startswith("\n") else m.start()
        yield from _emit(text, start, end)
        start = m.end()
    yield from _emit(text, start, len(text))


def _emit(text: str, start: int, end: int) -> Iterator[Sentence]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        yield Sentence(start, end, text[start:end])


_SECTION = re.compile(
    r"(?m)^[ \t]*(?:(?P<kw>Section|SECTION|Article|ARTICLE|Exhibit|EXHIBIT|Schedule|SCHEDULE)\s+)?"
    r"(?P<ref>(?:\d{1,2}(?:\.\d{1,2}){0,3}\.?(?:\s*\([a-z0-9]{1,4}\))?)|[IVXL]{1,6}\.?|[A-Z](?=[.\s]))"
    r"[ \t]+(?P<heading>[A-Z][^\n]{0,80})?"
)


def get_sections(text: str) -> list[Section]:
    """Numbered headings at line starts, in order."""
    out: list[Section] = []
    for m in _SECTION.finditer(text):
        ref = m.group("ref").rstrip(".").replace(" ", "")
        if m.group("kw"):
            ref = f"{m.group('kw').title()} {ref}"
        elif not re.match(r"\d", ref):
            continue  # a bare roman numeral or letter without a keyword is too ambiguous
        heading = m.group("heading")
        if heading:
            heading = re.split(r"(?<=[a-z])\.\s", heading, maxsplit=1)[0].strip().rstrip(".")
        out.append(Section(m.start("ref") if not m.group("kw") else m.start("kw"), ref, heading or None))
    return out


def section_at(sections: list[Section], offset: int) -> Section | None:
    starts = [s.start for s in sections]
    i = bisect.bisect_right(starts, offset) - 1
    return sections[i] if i >= 0 else None


_DEFINED = re.compile(r"\(\s*(?:hereinafter\s+)?(?:the\s+|each,?\s+an?\s+)?[\"“](?P<term>[A-Z][\w\s&.-]{1,40}?)[\"”]\s*\)")


def get_defined_terms(text: str) -> dict[str, tuple[int, int]]:
    """Defined terms in parentheses ("the "Effective Date"") with the offsets of the definition."""
    return {m.group("term").strip(): m.span() for m in _DEFINED.finditer(text)}
