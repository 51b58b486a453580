"""File helpers every layer shares: whole-or-nothing writes, content hashes, page counts, names
fit to print, folders checked writable."""
from __future__ import annotations

import hashlib
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import BinaryIO


def fsync_dir(directory: Path) -> None:
    """Make a rename inside `directory` durable (the new name survives a power cut)."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_path(path: Path, durable: bool = True) -> Iterator[Path]:
    """A temporary name beside `path` to write to; it replaces `path` only when the block ends
    without an error, so a reader never sees half a file and a killed writer leaves at most a
    hidden .tmp. `durable`: file and folder are fsynced too (off for derived files that are cheap
    to make again, such as the report's pictures, where two fsyncs cost more than the drawing)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.tmp")
    try:
        yield tmp
        if durable:
            with open(tmp, "rb") as f:
                os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    if durable:
        fsync_dir(path.parent)


def atomic_write(path: Path, data: bytes | str) -> None:
    """Write `data` (str as UTF-8) to `path` whole or not at all."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)


def sha256_file(path: Path) -> str:
    """Hex sha256 of a file (a decree's id derives from it)."""
    with open(path, "rb") as f:
        return sha256_stream(f)


def sha256_stream(f: BinaryIO) -> str:
    """Hex sha256 of the rest of an open file, read in 1 MiB chunks: never the whole file in memory."""
    h = hashlib.sha256()
    for chunk in iter(lambda: f.read(1 << 20), b""):
        h.update(chunk)
    return h.hexdigest()


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """`text` safe to print on one line and to write as UTF-8: bytes of a file name that are not
    UTF-8 (surrogates, as os gives them) as \\xff, control characters (newline, ESC) and text
    direction overrides as \\n, \\x1b, \\u202e, so a name cannot forge lines or colours in a summary."""
    try:
        text = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a surrogate no file name gives (from a PDF's text)
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return _UNPRINTABLE.sub(lambda m: repr(m.group())[1:-1], text)


def unwritable(folder: Path) -> str | None:
    """Why nothing can be written in `folder` (made if absent), or None: a page of data is written
    and synced there, so a full disk shows too, not only a read-only one."""
    try:
        Path(folder).mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder) as f:
            f.write(b"\0" * 4096)
            f.flush()
            os.fsync(f.fileno())
    except OSError as e:
        return e.strerror or str(e)
    return None


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
