"""Hostile input: every bad file gets a DocumentError with a short reason, the file is never modified, and
the guarded loader stops slow or memory-hungry loads.

Fixtures: tests/fixtures/hostile/, synthetic, written by make_hostile.py (see its docstring); EXPECTED.json
maps each file to its reason. The 1000+-page PDF and the oversized text file are generated into tmp here.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import time
from pathlib import Path

import pytest

from extractors.errors import DocumentError, MilestonesError
from extractors.guard import Limits, check_zip, load_document_guarded, sniff_type
from extractors.ocr import ocr_available
from extractors.text import load_document, page_at

HOSTILE = Path(__file__).resolve().parents[1] / "fixtures" / "hostile"
EXPECTED: dict[str, str] = json.loads((HOSTILE / "EXPECTED.json").read_text())
EXPECTED_WARNINGS: dict[str, list[str]] = json.loads((HOSTILE / "EXPECTED_WARNINGS.json").read_text())
HAS_OCR = ocr_available()


def _make_hostile():
    spec = importlib.util.spec_from_file_location("make_hostile", HOSTILE / "make_hostile.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_corpus_is_complete_and_small():
    files = {p.name for p in HOSTILE.iterdir() if p.suffix != ".py" and not p.name.startswith("EXPECTED")}
    assert files == set(EXPECTED), "EXPECTED.json and the committed files disagree; rerun make_hostile.py"
    assert all((HOSTILE / n).stat().st_size < 200_000 for n in files)
    assert {"ok"} < set(EXPECTED.values())  # good files and bad ones
    assert set(EXPECTED_WARNINGS) <= set(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_hostile_file_gives_expected_reason(name: str):
    path = HOSTILE / name
    before = _sha(path)
    expected = EXPECTED[name]
    if expected == "ocr":
        expected = "ok" if HAS_OCR else "no_text_layer"
    try:
        doc = load_document(path)
    except DocumentError as exc:
        assert exc.reason == expected, f"{name}: {exc}"
        assert name in str(exc), "the message must name the file"
        assert len(str(exc)) > len(name) + 20, "the message must say what to do"
    else:
        assert expected == "ok", f"{name} loaded but should raise {expected}"
        assert doc.text.strip()
        assert doc.content_hash == hashlib.sha256(path.read_bytes()).hexdigest()
        assert set(EXPECTED_WARNINGS.get(name, [])) <= set(doc.warning_codes)
    assert _sha(path) == before, "the original file must be byte-identical after loading"


def test_same_bytes_same_hash_whatever_the_name():
    a = load_document(HOSTILE / "good_contract.pdf")
    b = load_document(HOSTILE / "pdf_named.docx")
    assert a.content_hash == b.content_hash and a.text == b.text
    assert "extension_mismatch" in b.warning_codes and "extension_mismatch" not in a.warning_codes


def test_clean_files_have_no_warnings():
    for name in ("good_contract.pdf", "good_contract.docx", "good_contract.txt", "owner_password_only.pdf"):
        assert load_document(HOSTILE / name).warnings == (), name


@pytest.mark.parametrize(
    "head, kind",
    [
        (b"%PDF-1.7\n", "pdf"),
        (b"\n\n  %PDF-1.4 junk before the header", "pdf"),
        (b"PK\x03\x04rest", "zip"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(20), "ole"),
        (b"{\\rtf1\\ansi hello}", "rtf"),
        (b"<!DOCTYPE html><html>", "html"),
        (b"This Agreement is made on 1 May 2020.\n", "text"),
        (b"\xff\xfeT\x00h\x00i\x00s\x00", "text"),  # UTF-16 with BOM
        (b"text\x00with a NUL", "binary"),
        (bytes(range(256)) * 4, "binary"),
        (b"Caf\xe9 cr\xe8me \x80 price", "text"),  # cp1252 bytes are text, not binary
    ],
)
def test_sniff_type(head: bytes, kind: str):
    assert sniff_type(head) == kind


def test_zip_limits_are_checked_before_reading():
    data = (HOSTILE / "good_contract.docx").read_bytes()
    check_zip(data, "good_contract.docx", Limits())  # a normal DOCX passes
    with pytest.raises(DocumentError) as exc:
        check_zip(data, "good_contract.docx", Limits(max_unzipped_mb=0.001))
    assert exc.value.reason == "zip_bomb"
    with pytest.raises(DocumentError) as exc:
        check_zip(data, "good_contract.docx", Limits(max_zip_entries=3))
    assert exc.value.reason == "zip_bomb"


def test_thousand_page_pdf_loads_and_page_limit_applies(tmp_path: Path):
    path = _make_hostile().write_many_pages_pdf(tmp_path / "long.pdf", 1200)
    doc = load_document(path)
    assert len(doc.pages) == 1200
    assert page_at(doc, doc.text.index("report 1000 ")) == 1000
    with pytest.raises(DocumentError) as exc:
        load_document(path, limits=Limits(max_pages=1000))
    assert exc.value.reason == "too_many_pages" and "1200 pages" in str(exc.value)


def test_file_size_limit(tmp_path: Path):
    path = tmp_path / "big.txt"
    path.write_text("The Supplier shall deliver the goods. " * 40_000)
    with pytest.raises(DocumentError) as exc:
        load_document(path, limits=Limits(max_file_mb=1))
    assert exc.value.reason == "file_too_large"


@pytest.mark.parametrize(
    "kwargs",
    [{"max_pages": 0}, {"max_file_mb": -1}, {"max_zip_ratio": "200"}, {"max_ocr_pages": True}],
)
def test_bad_limits_raise_milestones_error(kwargs):
    with pytest.raises(MilestonesError):
        Limits(**kwargs)


def test_limits_from_env():
    assert Limits.from_env({"MILESTONES_MAX_PAGES": "50"}).max_pages == 50
    assert Limits.from_env({}) == Limits()
    with pytest.raises(MilestonesError, match="MILESTONES_MAX_PAGES"):
        Limits.from_env({"MILESTONES_MAX_PAGES": "lots"})


def test_env_limit_reaches_load_document(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    path = tmp_path / "three.txt"
    path.write_text("Page one.\fPage two.\fPage three.")
    monkeypatch.setenv("MILESTONES_MAX_PAGES", "2")
    with pytest.raises(DocumentError) as exc:
        load_document(path)
    assert exc.value.reason == "too_many_pages"


def test_missing_tesseract_gives_no_text_layer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("MILESTONES_TESSERACT", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))  # a PATH without tesseract on it
    with pytest.raises(DocumentError) as exc:
        load_document(HOSTILE / "scanned.pdf")
    assert exc.value.reason == "no_text_layer"
    assert "tesseract-ocr" in str(exc.value)


# -- the guarded loader -----------------------------------------------------------------------------------


def test_guarded_load_returns_the_same_document():
    path = HOSTILE / "good_contract.pdf"
    assert load_document_guarded(path) == load_document(path)


def test_guarded_load_passes_reasons_through():
    with pytest.raises(DocumentError) as exc:
        load_document_guarded(HOSTILE / "encrypted.pdf")
    assert exc.value.reason == "pdf_encrypted" and "encrypted.pdf" in str(exc.value)


def test_guard_kills_a_slow_load(tmp_path: Path):
    path = _make_hostile().write_many_pages_pdf(tmp_path / "slow.pdf", 1500)
    started = time.perf_counter()
    with pytest.raises(DocumentError) as exc:
        load_document_guarded(path, timeout_s=0.02)
    assert exc.value.reason == "timeout" and "slow.pdf" in str(exc.value)
    assert time.perf_counter() - started < 5


def test_guard_stops_a_memory_hungry_load(tmp_path: Path):
    path = tmp_path / "huge.txt"
    path.write_bytes(b"The Supplier shall deliver the goods. " * 1_200_000)  # ~45 MB, decoded twice over
    with pytest.raises(DocumentError) as exc:
        load_document_guarded(path, max_memory_mb=30)
    assert exc.value.reason == "memory_limit" and "huge.txt" in str(exc.value)
    assert len(load_document_guarded(path, max_memory_mb=1024).text) > 40_000_000


def test_guard_rejects_bad_settings():
    with pytest.raises(MilestonesError):
        load_document_guarded(HOSTILE / "good_contract.txt", timeout_s=0)
