"""Per-file protection: a bad PDF is explained and stopped, never allowed to stop the run.

Each PDF is first sniffed (empty, not a PDF, too big), then parsed in its own forked process with
an address-space limit and a wall-clock limit, so a decompression bomb, an endless loop or a crash
inside the PDF library costs that one file only."""
from __future__ import annotations

import faulthandler
import json
import mmap
import os
import resource
import select
import signal
import struct
import time
import traceback
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from .parse import ParseError, parse_pdf
from .progress import Tracker
from .reader import PageLimitExceeded
from .settings import Settings

MAGIC = [
    (b"PK\x03\x04", "not a PDF: starts with PK (a .docx or .xlsx renamed?)"),
    (b"\xd0\xcf\x11\xe0", "not a PDF: an old Word/Excel file (.doc/.xls renamed?)"),
    (b"\x89PNG", "not a PDF: a PNG image"),
    (b"\xff\xd8\xff", "not a PDF: a JPEG image"),
    (b"<!DOCTYPE html", "not a PDF: a web page (download error?)"),
    (b"<html", "not a PDF: a web page (download error?)"),
]


@dataclass
class Failure:
    file: str
    sha256: str
    stage: str
    page: int | None
    reason: str
    detail: str = ""


def sniff(path: Path, head: bytes, size: int, max_mb: int) -> str | None:
    """A reason the file is not worth opening, or None."""
    if size == 0:
        return "empty file (0 bytes)"
    if size > max_mb * 1024 * 1024:
        return f"file too large: {size / 1e6:.0f} MB (limit {max_mb} MB)"
    if b"%PDF-" not in head[:1024]:
        for magic, reason in MAGIC:
            if head.lstrip().startswith(magic):
                return reason
        return f"not a PDF: starts with {head[:8]!r}"
    return None


def explain(exc: BaseException) -> tuple[str, int | None]:
    """A data officer's sentence for what the PDF library raised."""
    while type(exc).__name__ == "PdfminerException" and exc.args and isinstance(exc.args[0], BaseException):
        exc = exc.args[0]  # pdfplumber wraps what pdfminer raised
    name = type(exc).__name__
    if isinstance(exc, ParseError):
        return exc.reason, exc.page
    if isinstance(exc, PageLimitExceeded):
        return str(exc), None
    if isinstance(exc, MemoryError):
        return "too large to read: exceeds the memory limit (decompression bomb?)", None
    if "Password" in name or "Encrypt" in name or "password" in str(exc).lower():
        return "encrypted: needs a password", None
    if name in ("PSEOF", "PDFSyntaxError", "PSSyntaxError", "PDFNoValidXRef", "PdfminerException",
                "PDFNoPageTree", "PDFNoOutlines", "PSTypeError", "PDFTypeError", "PDFValueError"):
        return f"damaged PDF: cannot be read ({name}: {str(exc)[:80]}) — truncated or corrupt?", None
    return f"unreadable PDF ({name}: {str(exc)[:80]})", None


def parse_payload(path: Path, settings: Settings, on_page=None) -> dict:
    """Parse one PDF; whatever goes wrong becomes a reported failure, never an exception."""
    try:
        return {"ok": True, "result": parse_pdf(path, max_pages=settings.max_pages, reader=settings.reader,
                                                on_page=on_page)}
    except BaseException as exc:  # noqa: BLE001 - everything becomes a reported failure
        reason, page = explain(exc)
        return {"ok": False, "reason": reason, "page": page,
                "detail": "".join(traceback.format_exception_only(type(exc), exc)).strip()[:500]}


def _data_in_use() -> int:
    """Bytes of data segment (heap and private mappings) this process already has."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


def _child(path: Path, out: Path, settings: Settings, on_page) -> None:
    faulthandler.disable()  # a native crash here is the parent's to report, in plain words
    limit = _data_in_use() + settings.memory_limit_mb * 1024 * 1024  # on top of what the fork inherited
    resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))  # heap, not shared library code
    write_payload(out, parse_payload(path, settings, on_page))


def write_payload(out: Path, payload: dict) -> None:
    """The cache file, whole or not at all (a killed writer leaves only a .tmp)."""
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(payload, ensure_ascii=False, sort_keys=True), encoding="utf-8")
    os.replace(tmp, out)


WARM_UP = Path(__file__).with_name("warmup.pdf")  # two pages of the sample decree, one position


def _warm_up(reader: str) -> None:
    """Parse a known small decree here once, so each forked child starts with the reader imported
    and its lazy imports, regex and font caches filled; cold, the first parse in a process costs
    about 50 ms more, which on short decrees was half the parse time."""
    if reader != "ocr":
        parse_pdf(WARM_UP, reader=reader)


def parse_guarded(jobs: list[tuple[Path, Path]], settings: Settings, tracker: Tracker | None = None) -> None:
    """Parse each (pdf, payload path) in a forked child, `settings.n_workers` at a time, each under
    the memory limit and killed when it reads no page for `settings.time_limit` seconds (a limit on
    the whole file would fail long scanned decrees); every payload path is written, with the result
    or the failure. The parent sleeps on the children's pidfds, so a finished child is replaced at
    once; children count their pages in shared memory, for the progress bar and the time limit."""
    tracker = tracker or Tracker()
    _warm_up(settings.reader)
    counters = mmap.mmap(-1, 16 * max(1, len(jobs)))  # per job: highest page read, pages done (any pass)
    slot = {pdf: k for k, (pdf, _) in enumerate(jobs)}
    seen = 0
    pending = list(jobs)
    running: dict[int, list] = {}  # pid -> [pdf, out, pidfd, pages done, when that count last moved]
    while pending or running:
        while pending and len(running) < settings.n_workers:
            pdf, out = pending.pop(0)
            pid = os.fork()
            if pid == 0:  # child
                code = 0
                try:
                    _child(pdf, out, settings, partial(_count_page, counters, 16 * slot[pdf]))
                except BaseException:  # noqa: BLE001
                    code = 1
                os._exit(code)
            running[pid] = [pdf, out, os.pidfd_open(pid), 0, time.monotonic()]
        select.select([r[2] for r in running.values()], [], [], 0.1)
        read = sum(struct.unpack_from("q", counters, 16 * k)[0] for k in range(len(jobs)))
        if read != seen:
            seen = read
            tracker.pages_read(read)
        now = time.monotonic()
        for pid, job in list(running.items()):
            pdf, out, fd, done_before, moved = job
            highest, done_pages = struct.unpack_from("qq", counters, 16 * slot[pdf])
            if done_pages != done_before:
                job[3:] = [done_pages, now]
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished == 0 and now - job[4] > settings.time_limit:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                write_payload(out, {"ok": False, "page": None, "detail": "killed",
                                    "reason": f"took longer than the time limit: no page read for "
                                              f"{settings.time_limit:.0f} s (after page {highest})"})
            elif finished == 0:
                continue
            elif not out.exists():
                sig = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
                reason = "the PDF library crashed on this file"
                if sig == signal.SIGABRT:  # native code aborts when an allocation fails under the limit
                    reason = (f"too large to read: the PDF library aborted at the memory limit "
                              f"({settings.memory_limit_mb} MB; a decompression bomb?)")
                write_payload(out, {"ok": False, "reason": reason, "page": None,
                                    "detail": f"exit status {status}, signal {sig}"})
            os.close(fd)
            del running[pid]
            tracker.file_done(pdf)


def _count_page(counters: mmap.mmap, at: int, number: int) -> None:
    """A child's page callback: the highest page number read (the bar) and one more page done
    (the time limit; OCR passes report their pages again)."""
    highest, done = struct.unpack_from("qq", counters, at)
    struct.pack_into("qq", counters, at, max(highest, number), done + 1)
