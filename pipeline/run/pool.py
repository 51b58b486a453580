"""Per-file protection: a bad PDF is explained and stopped, never allowed to stop the run.

Each PDF is first sniffed (empty, not a PDF, too big), then parsed in its own forked process with
a heap limit (RLIMIT_DATA) and a limit on the time without reading a page, so a decompression bomb, an endless loop or a crash
inside the PDF library costs that one file only."""
from __future__ import annotations

import faulthandler
import mmap
import os
import resource
import select
import signal
import struct
import time
import traceback
from collections import deque
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from pipeline.core.errors import PageLimitExceeded, ParseError
from pipeline.core.progress import Tracker
from pipeline.core.settings import Settings
from pipeline.parse.document import parse_pdf
from pipeline.parse.cache import RETRY, write_payload

MAGIC = [
    (b"PK\x03\x04", "not a PDF: starts with PK (a .docx or .xlsx renamed?)"),
    (b"\xd0\xcf\x11\xe0", "not a PDF: an old Word/Excel file (.doc/.xls renamed?)"),
    (b"\x89PNG", "not a PDF: a PNG image"),
    (b"\xff\xd8\xff", "not a PDF: a JPEG image"),
    (b"<!DOCTYPE html", "not a PDF: a web page (download error?)"),
    (b"<html", "not a PDF: a web page (download error?)"),
]


def sniff(head: bytes, size: int, max_mb: int) -> str | None:
    """A reason the file is not worth opening, or None; from its size and first bytes alone, so a
    huge file is refused before it is read."""
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


def parse_payload(path: Path, settings: Settings, on_page=None, ocr_threads: int = 1) -> dict:
    """Parse one PDF; whatever goes wrong becomes a reported failure, never an exception."""
    try:
        return {"ok": True, "result": parse_pdf(path, max_pages=settings.max_pages, reader=settings.reader,
                                                on_page=on_page, ocr_threads=ocr_threads)}
    except BaseException as exc:  # noqa: BLE001 - everything becomes a reported failure
        reason, page = explain(exc)
        return {"ok": False, "reason": reason, "page": page,
                "detail": "".join(traceback.format_exception_only(type(exc), exc)).strip()[:500]}


def ocr_threads(settings: Settings, n_files: int) -> int:
    """Scanned pages read at once within one file: the cores the other files leave idle (a run of
    one long scan on four workers reads four pages at a time; a run of many files, one)."""
    return max(1, settings.n_workers // max(1, n_files))


def _data_in_use() -> int:
    """Bytes of data segment (heap and private mappings) this process already has."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmData:"):
                return int(line.split()[1]) * 1024
    return 0


WARM_UP = Path(__file__).with_name("warmup.pdf")  # two pages of the sample decree, one position
MB = 1024 * 1024

# A worker that could not write a payload exits with this plus the errno (mod 100).
WRITE_FAILED = 128


@dataclass
class _Worker:
    pid: int
    pidfd: int
    inbox: int  # the parent writes a job's index here; closing it tells the worker to finish
    outbox: int  # the worker answers b"D" (done, next please) or b"R" (done, retiring)
    job: int | None = None
    pages_done: int = 0
    moved: float = 0.0  # when the current job last read a page
    retiring: bool = False


class GuardedPool:
    """Parse each (pdf, payload path) in `settings.n_workers` forked worker processes, biggest
    first as given; every payload path is written, with the result or the failure. A worker that
    reads no page for `settings.time_limit` seconds is killed (a limit per page, not per file,
    which would fail long scanned decrees), as is its file only; one that crashes or aborts at
    the heap limit costs its file only; both are replaced. Workers live for many files, so
    forking and warming up are paid once per worker; they count pages in shared memory, for the
    progress bar and the time limit, and the parent sleeps on their pipes and pidfds."""

    def __init__(self, settings: Settings):
        self.settings = settings

    def warm_up(self) -> None:
        """Parse a known small decree here once, so each forked child starts with the reader
        imported and its lazy imports, regex and font caches filled; cold, the first parse in a
        process costs about 50 ms more, which on short decrees was half its time."""
        if self.settings.reader != "ocr":
            parse_pdf(WARM_UP, reader=self.settings.reader)

    def run(self, jobs: list[tuple[Path, Path]], tracker: Tracker | None = None) -> None:
        if not jobs:
            return
        self.jobs, self.tracker = jobs, tracker or Tracker()
        self.warm_up()  # before forking: every worker starts warm
        self.counters = mmap.mmap(-1, 16 * len(jobs))  # per job: highest page read, pages done (any pass)
        self.pending = deque(range(len(jobs)))
        self.workers: list[_Worker] = []
        self.write_error: OSError | None = None
        self.pages_over = 0  # pages read in the files finished (the others are counted where they run)
        seen = 0
        while self.pending or self.workers:
            while self.pending and sum(not w.retiring for w in self.workers) < self.settings.n_workers:
                self._give(self._start())
            ready = set(select.select([f for w in self.workers for f in (w.outbox, w.pidfd)], [], [], 0.1)[0])
            read = self.pages_over + sum(struct.unpack_from("q", self.counters, 16 * w.job)[0]
                                         for w in self.workers if w.job is not None)
            if read != seen:
                seen = read
                self.tracker.pages_read(read)
            now = time.monotonic()
            for worker in list(self.workers):
                self._tend(worker, ready, now)
        if self.write_error:
            raise self.write_error

    def _start(self) -> _Worker:
        to_r, to_w = os.pipe()
        from_r, from_w = os.pipe()
        pid = os.fork()
        if pid == 0:  # the worker
            code = 0
            try:
                for fd in (to_w, from_r, *(f for w in self.workers for f in (w.inbox, w.outbox, w.pidfd))):
                    os.close(fd)  # others' pipe ends held here would keep them from seeing the end
                self._work(to_r, from_w)
            except BaseException:  # noqa: BLE001
                code = 1
            os._exit(code)
        os.close(to_r)
        os.close(from_w)
        worker = _Worker(pid, os.pidfd_open(pid), to_w, from_r)
        self.workers.append(worker)
        return worker

    def _work(self, inbox: int, outbox: int) -> None:
        """A forked parse worker: parses the jobs the parent sends, one at a time, each under the
        heap limit set on top of what the fork inherited. It retires once its heap has grown by a
        quarter of the limit, so what one file leaves behind cannot eat into the next ones' limit."""
        settings = self.settings
        faulthandler.disable()  # a native crash here is the parent's to report, in plain words
        start = _data_in_use()
        limit = start + settings.memory_limit_mb * MB
        resource.setrlimit(resource.RLIMIT_DATA, (limit, limit))  # heap, not shared library code
        threads = ocr_threads(settings, len(self.jobs))
        while msg := os.read(inbox, 32):
            k = int(msg)
            pdf, out = self.jobs[k]
            payload = parse_payload(pdf, settings, partial(_count_page, self.counters, 16 * k), threads)
            try:
                write_payload(out, payload)
            except OSError as e:  # the machine's fault, not the file's: the parent says which folder
                os._exit(WRITE_FAILED + (e.errno or 0) % 100)
            retire = _data_in_use() - start > settings.memory_limit_mb * MB // 4
            os.write(outbox, b"R" if retire else b"D")
            if retire:
                return

    def _give(self, worker: _Worker) -> None:
        worker.job, worker.pages_done, worker.moved = self.pending.popleft(), 0, time.monotonic()
        os.write(worker.inbox, b"%d" % worker.job)

    def _retire(self, worker: _Worker) -> None:
        if not worker.retiring:
            worker.retiring = True
            os.close(worker.inbox)

    def _finish(self, worker: _Worker, failure: dict | None = None) -> None:
        """The worker's current file is over: done, or failed with `failure` if it wrote nothing."""
        pdf, out = self.jobs[worker.job]
        if failure and not out.exists():
            write_payload(out, failure)
        self._over(worker)
        self.tracker.file_done(pdf)

    def _over(self, worker: _Worker) -> None:
        """The worker's file is no longer under way: its pages count among the finished ones."""
        self.pages_over += struct.unpack_from("q", self.counters, 16 * worker.job)[0]
        worker.job = None

    def _tend(self, worker: _Worker, ready: set[int], now: float) -> None:
        """Hand the worker its next file, kill it past the time limit, or bury it."""
        settings = self.settings
        if worker.outbox in ready:
            answer = os.read(worker.outbox, 1)
            if answer:
                self._finish(worker)
                if answer == b"D" and self.pending:
                    self._give(worker)
                else:
                    self._retire(worker)
                return
        exited, status = os.waitpid(worker.pid, os.WNOHANG)
        if not exited and worker.job is not None:
            highest, done = struct.unpack_from("qq", self.counters, 16 * worker.job)
            if done != worker.pages_done:
                worker.pages_done, worker.moved = done, now
            elif now - worker.moved > settings.time_limit:
                os.kill(worker.pid, signal.SIGKILL)
                os.waitpid(worker.pid, 0)
                exited = worker.pid
                self._finish(worker, {"ok": False, "page": None, "detail": "killed",
                                      "reason": f"took longer than the time limit: no page read for "
                                                f"{settings.time_limit:.0f} s (after page {highest})"})
        if not exited:
            return
        if worker.job is not None:  # died on a file
            self._died(worker, status)
        for fd in (worker.outbox, worker.pidfd, *(() if worker.retiring else (worker.inbox,))):
            os.close(fd)
        self.workers.remove(worker)

    def _died(self, worker: _Worker, status: int) -> None:
        """A worker died on its file. Killed by a signal, the PDF library crashed or aborted on it: that
        verdict is the file's and cached. Exited, it was this program or the machine (a payload it could
        not write, a bug): nothing is cached, so the next run reads the file again, and a failed write
        stops the run once the workers are done."""
        if not os.WIFSIGNALED(status):
            code = os.waitstatus_to_exitcode(status)
            pdf, out = self.jobs[worker.job]
            if code >= WRITE_FAILED:
                errno = code - WRITE_FAILED
                self.write_error = OSError(errno, os.strerror(errno), str(out.parent))
                self.pending.clear()
            elif not out.exists():
                write_payload(out, {"ok": False, "page": None, "detail": f"exit status {code}", RETRY: True,
                                    "reason": "the parse worker stopped on this file: not the file's fault, "
                                              "read again next run"})
            self._over(worker)
            self.tracker.file_done(pdf)
            return
        sig = os.WTERMSIG(status)
        reason = "the PDF library crashed on this file"
        if sig == signal.SIGABRT:  # native code aborts when an allocation fails under the limit
            reason = (f"too large to read: the PDF library aborted at the memory limit "
                      f"({self.settings.memory_limit_mb} MB; a decompression bomb?)")
        self._finish(worker, {"ok": False, "reason": reason, "page": None, "detail": f"signal {sig}"})


def _count_page(counters: mmap.mmap, at: int, number: int) -> None:
    """A child's page callback: the highest page number read (the bar) and one more page done
    (the time limit; OCR passes report their pages again)."""
    highest, done = struct.unpack_from("qq", counters, at)
    struct.pack_into("qq", counters, at, max(highest, number), done + 1)
