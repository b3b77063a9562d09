"""Per-document limits: what a single file may cost before it is refused, and a loader that enforces them.

Cheap checks run before any parser touches the bytes (file size, magic bytes, ZIP directory sizes); the
expensive ones (time, memory) need a child process: :func:`load_document_guarded` loads in one, under
``RLIMIT_AS`` and a wall-clock timeout, so one bad file cannot stall a nightly batch.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import sys
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import DocumentError, MilestonesError

if TYPE_CHECKING:
    from .text import Document

__all__ = ["Limits", "sniff_type", "check_zip", "load_document_guarded"]

_MB = 1024 * 1024


@dataclass(frozen=True)
class Limits:
    """What one document may cost. Read from ``MILESTONES_<FIELD>`` environment variables by :meth:`from_env`."""

    max_pages: int = 2000
    max_file_mb: float = 256.0
    max_unzipped_mb: float = 512.0  # total uncompressed size declared by a DOCX's ZIP directory
    max_zip_ratio: float = 200.0  # uncompressed / compressed, for members over 1 MB uncompressed
    max_zip_entries: int = 10_000
    max_ocr_pages: int = 300  # image pages OCR'd per document; the rest are reported, not read

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value <= 0:
                raise MilestonesError(f"limit {f.name}={value!r} must be a positive number")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """Defaults overridden by ``MILESTONES_MAX_PAGES`` etc.; a malformed value raises MilestonesError."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f"MILESTONES_{f.name.upper()}")
            if raw is None or raw == "":
                continue
            try:
                values[f.name] = int(raw) if f.type in ("int", int) else float(raw)
            except ValueError as exc:
                raise MilestonesError(
                    f"MILESTONES_{f.name.upper()}={raw!r} is not a number; set it to e.g. {getattr(cls, f.name)}"
                ) from exc
        return cls(**values)


def sniff_type(data: bytes) -> str:
    """What the bytes are, whatever the file is called: pdf, zip, ole, rtf, html, text or binary."""
    head = data[:1024]
    if b"%PDF-" in head:
        return "pdf"
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return "zip"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        return "ole"  # legacy .doc, or an Office file encrypted with a password
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if stripped.startswith(b"{\\rtf"):
        return "rtf"
    if stripped.startswith((b"<!doctype html", b"<html")):
        return "html"
    return "text" if looks_like_text(data) else "binary"


def looks_like_text(data: bytes) -> bool:
    """True when the first 64 KB have a UTF-16 BOM, or no NUL and under 1% other control bytes."""
    sample = data[:65536]
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return True
    if b"\x00" in sample:
        return False
    controls = sum(1 for b in sample if b < 32 and b not in (9, 10, 12, 13) or b == 127)
    return controls <= 0.01 * max(len(sample), 1)


def check_zip(data: bytes, name: str, limits: Limits) -> zipfile.ZipFile:
    """Open a ZIP container after checking its directory for bomb-like sizes; nothing is decompressed here.

    Python's zipfile never inflates a member past the size its directory declares, so checking the
    declared sizes bounds what a later read can allocate.
    """
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
        infos = zf.infolist()
    except (zipfile.BadZipFile, ValueError, OSError) as exc:
        raise DocumentError(
            "docx_corrupt", f"{name}: the ZIP container is damaged ({exc}); re-save or re-export the document"
        ) from exc
    if len(infos) > limits.max_zip_entries:
        raise DocumentError(
            "zip_bomb",
            f"{name}: {len(infos)} entries in the ZIP container (limit {limits.max_zip_entries}); "
            "this is not a normal DOCX, quarantine it and ask the sender for a PDF",
        )
    total = sum(i.file_size for i in infos)
    if total > limits.max_unzipped_mb * _MB:
        raise DocumentError(
            "zip_bomb",
            f"{name}: would unpack to {total / _MB:.0f} MB (limit {limits.max_unzipped_mb:g} MB); "
            "quarantine it, or raise MILESTONES_MAX_UNZIPPED_MB if the file is trusted",
        )
    for i in infos:
        if i.file_size > _MB and i.file_size > limits.max_zip_ratio * max(i.compress_size, 1):
            ratio = i.file_size / max(i.compress_size, 1)
            raise DocumentError(
                "zip_bomb",
                f"{name}: member {i.filename} expands {ratio:.0f}x (limit {limits.max_zip_ratio:g}x) to "
                f"{i.file_size / _MB:.0f} MB; quarantine it and ask the sender for a PDF",
            )
    return zf


# -- the child-process loader -------------------------------------------------------------------------


def _child(conn: Any, path: str, max_memory_mb: float, kwargs: dict[str, Any]) -> None:
    import resource

    try:
        from . import text  # imported before the cap so the cap measures the load, not the imports

        text.warm_up()
        if max_memory_mb:
            # The limit is on top of what the process already maps, so a forked child of a large
            # parent (an Airflow worker) gets the same headroom as a fresh interpreter.
            base = _vm_size()
            limit = int(base + max_memory_mb * _MB)
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        doc = text.load_document(path, **kwargs)
        conn.send(("ok", doc))
    except DocumentError as exc:
        conn.send(("error", exc.reason, str(exc)))
    except MemoryError:
        conn.send(("error", "memory_limit", ""))
    except BaseException as exc:  # report anything else instead of dying silently
        try:
            conn.send(("error", "load_failed", f"{type(exc).__name__}: {exc}"))
        except BaseException:
            pass
    finally:
        conn.close()


def _vm_size() -> int:
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 0


def load_document_guarded(
    path: str | Path,
    timeout_s: float = 60,
    max_memory_mb: float = 1024,
    *,
    start_method: str | None = None,
    **kwargs: Any,
) -> Document:
    """:func:`extractors.text.load_document` in a child process, killed after ``timeout_s`` seconds.

    ``max_memory_mb`` caps the address space the load may add (``RLIMIT_AS``; 0 = no cap). Raises
    DocumentError("timeout" | "memory_limit" | "load_crashed", …) besides the loader's own reasons.
    """
    if timeout_s <= 0 or max_memory_mb < 0:
        raise MilestonesError("timeout_s must be > 0 and max_memory_mb >= 0 (0 = no memory cap)")
    p = Path(path)
    method = start_method or ("fork" if sys.platform.startswith("linux") else "spawn")
    ctx: Any = multiprocessing.get_context(method)
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child, args=(send, str(p), max_memory_mb, kwargs), daemon=True)
    proc.start()
    send.close()
    try:
        if not recv.poll(timeout_s):
            proc.kill()
            proc.join(5)
            raise DocumentError(
                "timeout",
                f"{p.name}: reading took longer than {timeout_s:g} s and was stopped; check the file "
                "(very large or malformed) or raise the timeout for it",
            )
        try:
            msg = recv.recv()
        except EOFError:
            msg = None
    finally:
        recv.close()
    proc.join(timeout_s)
    if proc.is_alive():
        proc.kill()
        proc.join(5)
    if msg is None:
        code = proc.exitcode
        sig = -code if code is not None and code < 0 else None
        name = signal.Signals(sig).name if sig else f"exit code {code}"
        raise DocumentError(
            "load_crashed",
            f"{p.name}: the reader died ({name}) — often memory exhaustion under the {max_memory_mb:g} MB "
            "cap; quarantine the file or re-export it",
        )
    if msg[0] == "ok":
        doc: Document = msg[1]
        return doc
    _, reason, message = msg
    if reason == "memory_limit":
        message = (
            f"{p.name}: reading needed more than {max_memory_mb:g} MB and was stopped; re-export or split "
            "the file, or raise max_memory_mb"
        )
    raise DocumentError(reason, message)
