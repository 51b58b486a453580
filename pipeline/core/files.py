"""File helpers every layer shares: whole-or-nothing writes, content hashes, page counts."""
from __future__ import annotations

import hashlib
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path


def fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable (the new name survives a power cut)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path) -> Iterator[Path]:
    """A temporary name beside `path` to write to; it replaces `path` (file and folder fsynced) only
    when the block ends without an error, so a reader never sees half a file and a killed writer
    leaves at most a hidden .tmp."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.tmp")
    try:
        yield tmp
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` (str as UTF-8) to `path` whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks (a decree's id derives from it)."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def page_count(pdf: Path) -> int:
    """Pages of a PDF by PDFium's count; 0 for a file PDFium cannot open (the parser reports why)."""
    import pypdfium2 as pdfium  # noqa: PLC0415 - only callers that count pages pay the import

    try:
        doc = pdfium.PdfDocument(str(pdf))
    except Exception:  # noqa: BLE001 - damaged, encrypted: the parse names the reason
        return 0
    try:
        return len(doc)
    finally:
        doc.close()
