"""The run: raw/ -> parse (cached by content hash) -> tables -> curated/, with a summary.

File I/O lives here and in publish; the stages themselves are functions over records/frames."""
from __future__ import annotations

import csv
import hashlib
import json
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from pipeline.core.progress import progress
from pipeline.core.result import Failure, RunResult
from pipeline.core.schema import CONTRACT_VERSION, CURATED_TABLES
from pipeline.core.settings import Settings
from pipeline.parse.cache import code_version, payload_path
from pipeline.report import draw_ahead, write_html_report
from pipeline.run.executors import EXECUTORS, Executor
from pipeline.run.pool import sniff
from pipeline.stages.normalise import load_aliases, normalise
from pipeline.stages.publish import clean_versions, discard, stage, swap
from pipeline.stages.score import publish_scores, report as score_report, score
from pipeline.stages.tables import build_tables
from pipeline.stages.validate import Validator

PACKAGE = Path(__file__).resolve().parents[1]


@dataclass
class Source:
    path: Path
    sha256: str
    names: list[str]


def discover(settings: Settings, result: RunResult) -> list[Source]:
    """Every *.pdf in raw/ once per content; odd names are fine, links out of raw/ are refused."""
    raw = settings.raw.resolve()
    by_hash: dict[str, Source] = {}
    for p in sorted(settings.raw.iterdir(), key=lambda p: p.name):
        if p.name.startswith(".") or not p.name.lower().endswith(".pdf"):
            continue
        if p.is_symlink() and raw not in p.resolve().parents:
            result.failures.append(Failure(p.name, "", "discover", None, "symlink pointing outside raw/: refused"))
            continue
        if not p.is_file():
            continue
        data = p.read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        reason = sniff(p, data[:2048], len(data), settings.max_file_mb)
        if reason:
            result.failures.append(Failure(p.name, digest, "sniff", None, reason))
            continue
        if digest in by_hash:
            by_hash[digest].names.append(p.name)
            result.warnings.append({"file": p.name, "page": None, "position_no": None,
                                    "message": f"same bytes as {by_hash[digest].names[0]}: read once"})
            continue
        by_hash[digest] = Source(p, digest, [p.name])
    return sorted(by_hash.values(), key=lambda s: s.names[0])


def parse_all(sources: list[Source], settings: Settings, result: RunResult, executor: Executor) -> None:
    """Parse what the cache does not have yet, in parallel, each PDF guarded."""
    cache = settings.parsed_dir
    cache.mkdir(parents=True, exist_ok=True)
    version = code_version(settings.reader)
    todo = []
    for src in sources:
        out = payload_path(cache, src.sha256, version)
        if not out.exists():
            todo.append((src.path, out))
    todo.sort(key=lambda job: -job[0].stat().st_size)  # biggest first, so no worker is left with a long tail
    result.cached = len(sources) - len(todo)
    result.parsed = len(todo)
    with progress([pdf for pdf, _ in todo]) as tracker:
        executor.parse(todo, tracker)  # writes each job's payload file
    for src in sources:
        payload = json.loads(payload_path(cache, src.sha256, version).read_text(encoding="utf-8"))
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


def _read(settings: Settings, result: RunResult, executor: Executor) -> None:
    sources = discover(settings, result)
    result.files = len(sources) + len({f.file for f in result.failures})
    parse_all(sources, settings, result, executor)
    for rec in result.records:
        result.pages += rec["n_pages"]
        result.positions += len(rec["positions"])
        result.indicators += sum(len(p["indicators"]) for p in rec["positions"])


def _executor(settings: Settings) -> Executor:
    """The run's executor; its parse workers draw the report's pictures of each file they read."""
    return EXECUTORS[settings.executor](settings, after_file=draw_ahead)


def parse_only(settings: Settings) -> RunResult:
    """raw/ -> interim/ alone, so the parse stage can be run and timed on its own."""
    started = time.monotonic()
    result = RunResult()
    with _executor(settings) as executor:
        _read(settings, result, executor)
    result.seconds = time.monotonic() - started
    write_reports(result, settings)
    return result


def fingerprint(settings: Settings, result: RunResult) -> str:
    """Everything the published tables depend on: what was read, the code, the reference files,
    the suites and the realisation inputs. Equal fingerprints mean nothing to re-publish."""
    h = hashlib.sha256(f"{CONTRACT_VERSION}|{settings.layout}".encode())
    for p in sorted(PACKAGE.rglob("*.py")):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + p.read_bytes())
    for rec in sorted(result.records, key=lambda r: r["decree_id"]):
        h.update(f"{rec['decree_id']}|{rec['source_file']}|".encode())
    inputs = [settings.reference / "aliases.csv", settings.policy, *sorted(settings.expectations.glob("*.json"))]
    if settings.realisasi.is_dir():
        inputs += sorted(p for p in settings.realisasi.iterdir() if p.is_file())
    for p in inputs:
        if p.exists():
            h.update(p.name.encode() + p.read_bytes())
    return h.hexdigest()


RUN_MEMO = ".run.json"  # kept in each published version: what its run said


def _unchanged(settings: Settings, result: RunResult, fp: str) -> bool:
    memo = settings.curated / RUN_MEMO
    if not (settings.curated.is_symlink() and memo.exists()):
        return False
    saved = json.loads(memo.read_text(encoding="utf-8"))
    if saved["fingerprint"] != fp:
        return False
    result.validation, result.scoring, result.review = saved["validation"], saved["scoring"], saved["review"]
    result.warnings += saved["warnings"]
    result.failures += [Failure(**f) for f in saved["failures"]]
    result.published = result.unchanged = True
    return True


def run(settings: Settings) -> RunResult:
    started = time.monotonic()
    result = RunResult()
    validator = Validator()
    validator.start()  # imports Great Expectations at lowest priority: on what the parse leaves idle
    try:
        with _executor(settings) as executor:
            _publish(settings, result, validator, executor)
        result.seconds = time.monotonic() - started
        write_reports(result, settings)  # while the validator writes its Data Docs
    finally:
        validator.close()
    return result


def _publish(settings: Settings, result: RunResult, validator: Validator, executor: Executor) -> None:
    clean_versions(settings.curated)
    _read(settings, result, executor)
    fp = fingerprint(settings, result)
    if _unchanged(settings, result, fp):
        return
    n_read_warnings, n_read_failures = len(result.warnings), len(result.failures)
    staging, report = _stage_and_validate(settings, result, validator, executor)
    blamed = _blamed_files(report, {r["source_file"] for r in result.records})
    if blamed:  # quarantine the annexes that fail, publish the others
        for f in report.critical:
            for name in sorted(blamed & _files_of(f)):
                page = next((r.get("page") for r in f.rows if r.get("source_file") == name), None)
                result.failures.append(Failure(name, _sha_of(result, name), "validate", page,
                                               f"failed validation: {f.title}", "; ".join(f.lines())[:500]))
        result.records = [r for r in result.records if r["source_file"] not in blamed]
        discard(staging)
        staging, report = _stage_and_validate(settings, result, validator, executor, docs=False)
    result.validation = report.lines()
    result.warnings += [{"file": None, "page": None, "position_no": None, "message": w} for w in result.normalise_warnings]
    result.critical += [f.title for f in report.critical]
    result.warnings += [{"file": None, "page": None, "position_no": None, "message": f"validation: {f.title}"}
                        for f in report.warnings]
    if not result.critical:
        memo = {"fingerprint": fp, "validation": result.validation, "scoring": result.scoring,
                "review": result.review, "warnings": result.warnings[n_read_warnings:],
                "failures": [asdict(f) for f in result.failures[n_read_failures:]]}
        (staging / RUN_MEMO).write_text(json.dumps(memo, ensure_ascii=False, indent=1), encoding="utf-8")
        swap(staging, settings.curated)
        result.published = True
    else:
        discard(staging)


def _stage_and_validate(settings: Settings, result: RunResult, validator: Validator, executor: Executor,
                        docs: bool = True):
    """Normalise, stage, score and validate; Data Docs describe the first pass (all that was read)."""
    normalised = normalise(build_tables(result.records), load_aliases(settings.reference / "aliases.csv"),
                           executor.map_blocks)
    normalised.review.to_csv(settings.interim / "review.csv", index=False)
    result.review = len(normalised.review)
    staging, result.partitions = stage(normalised.tables, CURATED_TABLES, settings.curated,
                                       dataset=settings.layout == "dataset")
    if settings.realisasi.is_dir():
        result.scoring = []
        score_into(staging, settings, result)
    report = validate_staged(validator, staging, settings, docs)
    result.normalise_warnings = normalised.warnings
    return staging, report


def validate_staged(validator: Validator, staging: Path, settings: Settings, docs: bool):
    return validator.validate(staging.resolve(), settings.expectations.resolve(),
                              (settings.reports / "validation").resolve() if docs else None)


def _files_of(failure) -> set[str]:
    """The files an expectation's offending rows come from (all its files when it names no row)."""
    rows = {r["source_file"] for r in failure.rows if r.get("source_file")}
    return rows or set(failure.files)


def _blamed_files(report, files: set[str]) -> set[str]:
    """Files a critical failure points at, when some files are left to publish."""
    blamed = set().union(*(_files_of(f) for f in report.critical)) & files if report.critical else set()
    return blamed if blamed and blamed != files else set()


def _sha_of(result: RunResult, name: str) -> str:
    return next(r["sha256"] for r in result.records if r["source_file"] == name)


def score_into(staging: Path, settings: Settings, result: RunResult) -> None:
    """Score the filled realisation files against the staged tables; a bad workbook is reported
    and skipped, the others still score."""
    scored = score(staging, settings.realisasi, settings.policy)
    for e in scored.errors:
        result.failures.append(Failure(str(e.workbook), "", "score", None, str(e)))
    if scored.accepted:
        try:
            publish_scores(scored, staging)
        except ValueError as exc:  # the computed scores failed their own expectations
            result.critical.append(f"scores: {exc}")
    result.scoring = score_report(scored).splitlines()


def write_reports(result: RunResult, settings: Settings) -> None:
    """run.json, failures.csv and the visual report index.html."""
    settings.reports.mkdir(parents=True, exist_ok=True)
    with open(settings.reports / "failures.csv", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["file", "sha256", "stage", "page", "reason", "detail"])
        for x in result.failures:
            w.writerow([x.file, x.sha256, x.stage, x.page or "", x.reason, x.detail])
    summary = {k: getattr(result, k) for k in ("files", "pages", "positions", "indicators", "parsed", "cached",
                                                 "published", "critical")}
    summary["dataset_partitions"] = dict(zip(("written", "kept"), result.partitions))
    summary["warnings"] = result.warnings
    summary["failures"] = [asdict(x) for x in result.failures]
    summary["seconds"] = round(result.seconds, 2)
    (settings.reports / "run.json").write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    write_html_report(result, settings)


def summary_lines(result: RunResult) -> list[str]:
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
        page = f", p.{x.page}" if x.page else ""
        lines.append(f"ERROR {x.file}{page}: {x.reason}")
    lines += [ln for ln in result.scoring if not ln.startswith("error:")]
    lines += [ln for ln in result.validation if ln.startswith(("CRITICAL", "validation:"))]
    if result.review:
        lines.append(f"{result.review} uncertain match(es) to review in interim/review.csv")
    if result.critical:
        lines.append("NOT PUBLISHED: critical validation failures; curated/ left as it was")
    if result.failures:
        lines.append(f"{len(result.failures)} file(s) failed; see reports/failures.csv")
    return lines
