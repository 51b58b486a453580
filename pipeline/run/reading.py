"""The reading side of a run: raw/ -> interim/ (discover, parse, cached by content hash), the
output folders guarded, and what every run ends with (reports and the console summary).

`iki parse` needs only this; the stages after the parse (normalise, validate, publish, score:
pandas, pyarrow, Great Expectations) are imported by the runner, so reading starts without them."""
from __future__ import annotations

import csv
import errno
import fcntl
import io
import json
import os
import stat
import time
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.core.errors import UserError
from pipeline.core.files import atomic_write, printable, sha256_stream, unwritable
from pipeline.core.progress import progress
from pipeline.core.result import Failure, RunResult
from pipeline.core.settings import Settings
from pipeline.parse.cache import RETRY, code_version, payload_path, read_payload
from pipeline.report import Drawer, write_html_report
from pipeline.run.executors import EXECUTORS, Executor
from pipeline.run.pool import sniff


@dataclass
class Source:
    path: Path
    sha256: str
    names: list[str]


def discover(settings: Settings, result: RunResult) -> list[Source]:
    """Every *.pdf in raw/ once per content. Names are kept as printable() shows them (a name that
    is not UTF-8 or holds a newline cannot break a report); what is not read is said: a hidden
    file, a folder, a FIFO or a dangling link is skipped with why, an unreadable, empty, too large
    or not-PDF file is a failure line, a link out of raw/ is refused."""
    raw = settings.raw.resolve()
    by_hash: dict[str, Source] = {}
    for entry in sorted(os.scandir(settings.raw), key=lambda e: e.name):
        if not entry.name.lower().endswith(".pdf"):
            continue
        name, path = printable(entry.name), Path(entry.path)
        why = _not_a_file(entry, raw)
        if why:
            result.warnings.append({"file": name, "page": None, "position_no": None, "message": f"skipped: {why}"})
            continue
        if path.is_symlink() and raw not in path.resolve().parents:
            result.failures.append(Failure(name, "", "discover", None, "symlink pointing outside raw/: refused"))
            continue
        try:
            digest, reason = _sniffed(path, settings.max_file_mb)
        except OSError as e:
            result.failures.append(Failure(name, "", "discover", None, f"cannot be read: {e.strerror or e}"))
            continue
        if reason:
            result.failures.append(Failure(name, digest, "sniff", None, reason))
            continue
        if digest in by_hash:
            by_hash[digest].names.append(name)
            result.warnings.append({"file": name, "page": None, "position_no": None,
                                    "message": f"same bytes as {by_hash[digest].names[0]}: read once"})
            continue
        by_hash[digest] = Source(path, digest, [name])
    return sorted(by_hash.values(), key=lambda s: s.names[0])


def _not_a_file(entry: os.DirEntry, raw: Path) -> str | None:
    """Why a *.pdf entry of raw/ is no file to read (said as skipped), or None."""
    if entry.name.startswith("."):
        return "hidden file (its name starts with a dot)"
    try:
        mode = entry.stat().st_mode  # follows a link
    except FileNotFoundError:
        return "symbolic link to nothing (its target is gone)"
    except OSError as e:
        return f"cannot be looked at: {e.strerror or e}"
    if stat.S_ISDIR(mode):
        return "a folder, not a file"
    if not stat.S_ISREG(mode):
        return "not a regular file (a FIFO, socket or device)"
    return None


def _sniffed(path: Path, max_mb: int) -> tuple[str, str | None]:
    """(sha256, why it is not worth parsing or None): the size and the first bytes are looked at
    before anything else is read, so a huge file is refused unread (no hash: ""); the hash streams."""
    with open(path, "rb") as f:
        size = os.fstat(f.fileno()).st_size
        head = f.read(2048)
        reason = sniff(head, size, max_mb)
        if size > max_mb * 1024 * 1024:
            return "", reason
        f.seek(0)
        return sha256_stream(f), reason


def parse_all(sources: list[Source], settings: Settings, result: RunResult, executor: Executor) -> None:
    """Parse what the cache does not have yet, in parallel, each PDF guarded. A cached payload that
    does not read whole (left short by a power cut: payloads are not fsynced) is parsed again."""
    cache = settings.parsed_dir
    cache.mkdir(parents=True, exist_ok=True)
    version = code_version(settings.reader)
    cached: dict[str, dict] = {}
    todo = []
    for src in sources:
        out = payload_path(cache, src.sha256, version)
        payload = read_payload(out) if out.exists() else None
        if payload is None:
            todo.append((src.path, out))
        else:
            cached[src.sha256] = payload
    todo.sort(key=lambda job: -job[0].stat().st_size)  # biggest first, so no worker is left with a long tail
    result.cached = len(cached)
    result.parsed = len(todo)
    with progress([pdf for pdf, _ in todo]) as tracker:
        executor.parse(todo, tracker)  # writes each job's payload file
    for src in sources:
        path = payload_path(cache, src.sha256, version)
        payload = cached.pop(src.sha256, None) or json.loads(path.read_text(encoding="utf-8"))
        if payload.get(RETRY):  # the machine's failure, not the file's: read it again next run
            path.unlink()
        if not payload["ok"]:
            result.failures.append(Failure(src.names[0], src.sha256, "parse", payload["page"], payload["reason"],
                                           payload["detail"]))
            continue
        rec = payload["result"]
        rec["source_file"] = src.names[0]
        rec["source_files"] = src.names
        result.records.append(rec)
        for w in rec["warnings"]:
            result.warnings.append({"file": src.names[0], **w})


def read_all(settings: Settings, result: RunResult, executor: Executor) -> dict[str, Path]:
    """Discover and parse; returns each read decree's PDF by sha256 (its name may be printed escaped)."""
    sources = discover(settings, result)
    result.files = len(sources) + len({f.file for f in result.failures})
    parse_all(sources, settings, result, executor)
    for rec in result.records:
        result.pages += rec["n_pages"]
        result.positions += len(rec["positions"])
        result.indicators += sum(len(p["indicators"]) for p in rec["positions"])
    return {src.sha256: src.path for src in sources}


def executor_for(settings: Settings) -> Executor:
    """The run's executor; the report's pictures of each file it parsed are drawn in the background
    (a Drawer beside the parse workers, then beside normalise), not in the parse workers."""
    return EXECUTORS[settings.executor](settings, after_file=Drawer(settings.reports))


def parse_only(settings: Settings) -> RunResult:
    """raw/ -> interim/ alone, so the parse stage can be run and timed on its own."""
    started = time.monotonic()
    result = RunResult()
    with guarded(settings), executor_for(settings) as executor:
        read_all(settings, result, executor)
        result.seconds = time.monotonic() - started
        write_reports(result, settings)
    return result


MACHINE_ERRORS = {errno.ENOSPC, errno.EROFS, errno.EDQUOT, errno.EACCES, errno.EPERM, errno.EIO, errno.EFBIG}


@contextmanager
def guarded(settings: Settings, curated_versions: Path | None = None) -> Iterator[None]:
    """The output folders (and curated/'s versions when the run publishes) checked writable
    before any work, one run at a time on them (a second run is refused with a line naming the
    folder), and a write that fails later (a full disk, a read-only one) one UserError line naming
    the folder: curated/ is then left as it was."""
    folders = {settings.interim: settings.parsed_dir, settings.reports: settings.reports}
    if curated_versions is not None:
        folders[settings.curated] = curated_versions
    for shown, folder in folders.items():
        if why := unwritable(folder):
            raise UserError(f"cannot write to {shown} ({folder}): {why}")
    with ExitStack() as locks:
        for shown, folder in folders.items():
            if shown != settings.reports:
                locks.enter_context(_lock(shown, folder / ".iki.lock"))
        try:
            yield
        except OSError as e:
            if e.errno not in MACHINE_ERRORS:
                raise
            where = next((shown for shown, folder in folders.items()
                          if e.filename and Path(os.path.abspath(e.filename)).is_relative_to(folder.resolve())),
                         "an output folder (interim/, curated/ or reports/)")
            raise UserError(f"cannot write to {where}: {e.strerror}; curated/ is left as it was") from None


@contextmanager
def _lock(shown: Path, path: Path):
    """An exclusive lock on `path` for the run; held, it names the run that holds it."""
    with open(path, "a+", encoding="utf-8") as f:
        try:
            fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            f.seek(0)
            raise UserError(f"another iki run (pid {f.read().strip() or '?'}) is using {shown}; "
                            f"run again when it has finished") from None
        f.truncate(0)
        f.write(str(os.getpid()))
        f.flush()
        yield


def write_reports(result: RunResult, settings: Settings) -> None:
    """run.json, failures.csv and the visual report index.html, each whole or not at all; run.json
    names the version of curated/ that is live (the one it describes when `published`)."""
    settings.reports.mkdir(parents=True, exist_ok=True)
    rows = io.StringIO(newline="")
    w = csv.writer(rows)
    w.writerow(["file", "sha256", "stage", "page", "position_no", "indicator_no", "cell", "reason", "detail"])
    for x in result.failures:
        w.writerow([x.file, x.sha256, x.stage, x.page or "", x.position_no or "", x.indicator_no or "", x.cell,
                    x.reason, x.detail])
    atomic_write(settings.reports / "failures.csv", as_utf8(rows.getvalue()))
    summary = {k: getattr(result, k) for k in ("files", "pages", "positions", "indicators", "parsed", "cached",
                                                 "published", "withheld", "critical", "refused")}
    live = settings.curated.resolve()
    summary["curated_version"] = live.name if settings.curated.is_symlink() else None
    summary["dataset_partitions"] = dict(zip(("written", "kept"), result.partitions))
    summary["warnings"] = result.warnings
    summary["failures"] = [asdict(x) for x in result.failures]
    summary["seconds"] = round(result.seconds, 2)
    atomic_write(settings.reports / "run.json", as_utf8(json.dumps(summary, ensure_ascii=False, indent=1)))
    write_html_report(result, settings)


def as_utf8(text: str) -> bytes:
    """UTF-8 even for a stray surrogate in a PDF's text (written as its \\u escape)."""
    return text.encode("utf-8", "backslashreplace")


def summary_lines(result: RunResult) -> list[str]:
    """The console summary: counts, then a line per warning (the first 20) and per failure."""
    lines = [("nothing changed since the last publish; curated/ is up to date\n" if result.unchanged else "") +
             f"files {result.files}, pages {result.pages}, positions {result.positions}, "
             f"indicators {result.indicators}, warnings {len(result.warnings)}, "
             f"errors {len(result.failures) + len(result.critical)}, seconds {result.seconds:.1f} "
             f"(parsed {result.parsed}, from cache {result.cached})"
             + (f"; dataset partitions: {result.partitions[0]} written, {result.partitions[1]} unchanged"
                if any(result.partitions) else "")]
    for w in result.warnings[:20]:
        where = ", ".join(x for x in (w.get("file"), f"p.{w['page']}" if w.get("page") else None,
                                      f"position {w['position_no']}" if w.get("position_no") else None) if x)
        lines.append(f"WARNING {where + ': ' if where else ''}{w['message']}")
    for x in result.failures:
        where = [f"p.{x.page}" if x.page else "", f"position {x.position_no}" if x.position_no else "",
                 f"indicator {x.indicator_no}" if x.indicator_no else "", x.cell]
        lines.append(f"ERROR {', '.join([x.file, *filter(None, where)])}: {x.reason}")
    lines += [ln for ln in result.scoring if not ln.startswith("error:")]
    lines += [ln for ln in result.validation if ln.startswith(("CRITICAL", "validation:"))]
    if result.review:
        lines.append(f"{result.review} uncertain match(es) to review in interim/review.csv")
    if result.critical:
        lines.append("NOT PUBLISHED: critical validation failures; curated/ left as it was")
    if result.refused:
        lines.append(f"NOT PUBLISHED ({result.refused}); curated/ left as it was")
    if any(result.withheld.values()):
        lines.append(f"withheld by validation: {result.withheld['decrees']} whole decree(s) and "
                     f"{result.withheld['positions']} position(s) of others; the rest is published")
    if result.failures:
        lines.append(f"{len({x.file for x in result.failures})} file(s) failed; see reports/failures.csv")
    return [lines[0], *map(printable, lines[1:])]  # texts from PDFs cannot forge lines or colours
