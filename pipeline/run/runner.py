"""The whole run: what was read (reading) -> tables -> validated -> curated/, with a summary.

File I/O lives here, in reading and in publish; the stages themselves are functions over records/frames."""
from __future__ import annotations

import hashlib
import json
import time
from dataclasses import asdict
from pathlib import Path

from pipeline.core.files import atomic_write
from pipeline.core.result import Failure, RunResult
from pipeline.core.schema import CONTRACT_VERSION, CURATED_TABLES
from pipeline.core.settings import Settings
from pipeline.run.executors import Executor
from pipeline.run.reading import as_utf8, executor_for, guarded, read_all, write_reports
from pipeline.stages.cells import EMPTY_IN_PDF, Empty, check_empty_cells
from pipeline.stages.normalise import load_aliases, normalise
from pipeline.stages.publish import clean_versions, discard, stage, swap, versions_dir
from pipeline.stages.score import publish_scores, score
from pipeline.stages.score import report as score_report
from pipeline.stages.tables import build_tables
from pipeline.stages.validate import Validator, Verdict, add_flags, decide

PACKAGE = Path(__file__).resolve().parents[1]


def fingerprint(settings: Settings, result: RunResult) -> str:
    """Everything the published tables depend on: what was read, the code, the reference files,
    the suites and the realisation inputs. Equal fingerprints mean nothing to re-publish."""
    h = hashlib.sha256(f"{CONTRACT_VERSION}|{settings.layout}".encode())
    for p in sorted(PACKAGE.rglob("*.py")):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + p.read_bytes())
    for rec in sorted(result.records, key=lambda r: r["decree_id"]):
        h.update(f"{rec['decree_id']}|{rec['source_file']}|".encode())
    inputs = [settings.aliases, settings.policy, *sorted(settings.expectations.glob("*.json"))]
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
    result.withheld = saved["withheld"]
    result.warnings += saved["warnings"]
    result.failures += [Failure(**f) for f in saved["failures"]]
    result.published = result.unchanged = True
    return True


def run(settings: Settings, strict: bool = False) -> RunResult:
    """Publish everything that passed; with `strict`, publish only when nothing was withheld,
    failed or warned (curated/ then stays exactly as it was)."""
    started = time.monotonic()
    result = RunResult()
    with guarded(settings, versions_dir(settings.curated)):
        validator = Validator()
        validator.start()  # imports Great Expectations at lowest priority: on what the parse leaves idle
        try:
            with executor_for(settings) as executor:  # its picture Drawer goes on beside the report's own work
                _publish(settings, result, validator, executor, strict)
                executor.release()  # its workers are let go while the report is written
                result.seconds = time.monotonic() - started
                write_reports(result, settings)  # while the validator writes its Data Docs
        finally:
            validator.close()
    return result


def _publish(settings: Settings, result: RunResult, validator: Validator, executor: Executor, strict: bool) -> None:
    """Validate everything read once, withhold the units it decides, flag rows, stage the rest, swap."""
    clean_versions(settings.curated)
    paths = read_all(settings, result, executor)
    if not result.records:  # validating no rows would only report the empty tables as critical
        result.refused = (f"nothing to read: no PDF in {settings.raw}" if not result.files
                          else "no file could be read as a decree")
        return
    fp = fingerprint(settings, result)
    if _unchanged(settings, result, fp):
        return
    n_read_warnings, n_read_failures = len(result.warnings), len(result.failures)
    empty = _check_cells(settings, result, paths)
    tables = _normalise(settings, result, executor)
    staging = _stage(settings, result, tables)
    report = validator.validate(staging.resolve(), settings.expectations.resolve(),
                                (settings.reports / "validation").resolve())
    verdict = decide(report)
    result.validation = report.lines()
    result.warnings += [{"file": None, "page": None, "position_no": None, "message": w} for w in result.normalise_warnings]
    result.warnings += [{"file": None, "page": None, "position_no": None, "message": f"validation: {f.title}"}
                        for f in report.warnings]
    if verdict.fail_run:
        result.critical += [f.title for f in verdict.fail_run]
        discard(staging)
        return
    if verdict.withheld:  # the tables again without them: keys and catalogue as if never read
        _withhold(result, verdict, empty)
        if not result.records:  # publishing no rows would wipe curated/
            result.refused = "no decree passed validation"
            discard(staging)
            return
        tables = _normalise(settings, result, executor)
    if verdict.withheld or verdict.flags:
        staging = _stage(settings, result, add_flags(tables, verdict.flags))
    if settings.realisasi.is_dir():
        result.scoring = []
        score_into(staging, settings, result)
    if strict and (result.failures or result.warnings or result.critical):
        result.refused = (f"--strict: {len(result.failures)} failure(s) or withheld unit(s), "
                          f"{len(result.warnings)} warning(s)")
        discard(staging)
        return
    if result.critical:  # the scores failed their own expectations
        discard(staging)
        return
    memo = {"fingerprint": fp, "validation": result.validation, "scoring": result.scoring,
            "review": result.review, "warnings": result.warnings[n_read_warnings:], "withheld": result.withheld,
            "failures": [asdict(f) for f in result.failures[n_read_failures:]]}
    (staging / RUN_MEMO).write_text(json.dumps(memo, ensure_ascii=False, indent=1), encoding="utf-8")
    _mark_stale(settings)
    swap(staging, settings.curated)
    result.published = True


def _check_cells(settings: Settings, result: RunResult, paths: dict[str, Path]) -> dict[str, Empty]:
    """Flags for cells empty in the PDF itself, each also a warning naming its cell; per decree, why
    its other empty cells are misreads."""
    out = {}
    for rec in result.records:
        out[rec["decree_id"]] = empty = check_empty_cells(rec, paths[rec["sha256"]], settings.reader)
        result.warnings += [{"file": rec["source_file"], "page": page, "position_no": p,
                             "message": f"indicator {i}: {col} is empty in the PDF; published with the flag "
                                        f"{EMPTY_IN_PDF.format(col)}"}
                            for (p, i, col), (page, why) in sorted(empty.items()) if not why]
    return out


def _normalise(settings: Settings, result: RunResult, executor: Executor) -> dict:
    normalised = normalise(build_tables(result.records), load_aliases(settings.aliases), executor.map_blocks)
    normalised.review.to_csv(settings.interim / "review.csv", index=False)
    result.review = len(normalised.review)
    result.normalise_warnings = normalised.warnings
    return normalised.tables


def _stage(settings: Settings, result: RunResult, tables: dict) -> Path:
    """The tables written to a fresh staging folder (the same one again on a second call)."""
    staging, result.partitions = stage(tables, CURATED_TABLES, settings.curated, dataset=settings.layout == "dataset")
    return staging


def _withhold(result: RunResult, verdict: Verdict, empty: dict[str, Empty]) -> None:
    """Take the withheld decrees and positions out of what is published, one failure line per
    offending cell; a decree left without positions is withheld whole."""
    units = set(verdict.withheld)
    for rec in result.records:
        kept = [p for p in rec["positions"] if (rec["decree_id"], p["position_no"]) not in units]
        if not kept and (rec["decree_id"], None) not in units:
            units.add((rec["decree_id"], None))
            result.failures.append(Failure(rec["source_file"], rec["sha256"], "validate", None,
                                           "withheld decree: none of its positions passed validation"))
    sha = {r["decree_id"]: r["sha256"] for r in result.records}
    lines = []
    for (decree_id, position_no), found in verdict.withheld.items():
        what = f"withheld position {position_no}" if position_no is not None else "withheld decree"
        for f, u in found:
            why = empty.get(decree_id, {}).get((u["position_no"], u["indicator_no"], f.column), (None, ""))[1]
            lines.append(Failure(u["source_file"], sha[decree_id], "validate", u["page"], f"{what}: failed {f.title}",
                                 "; ".join(x for x in (f.meaning, why and f"{f.column}: {why}") if x),
                                 u["position_no"], u["indicator_no"], f.column or ""))
    result.failures += sorted(lines, key=lambda x: (x.file, x.position_no or 0, x.indicator_no or 0, x.cell, x.reason))
    result.records = [r for r in result.records if (r["decree_id"], None) not in units]
    for rec in result.records:
        rec["positions"] = [p for p in rec["positions"] if (rec["decree_id"], p["position_no"]) not in units]
    result.withheld = {"decrees": sum(1 for _, p in units if p is None),
                       "positions": sum(1 for d, p in units if p is not None and (d, None) not in units)}


def score_into(staging: Path, settings: Settings, result: RunResult) -> None:
    """Score the filled realisation files against the staged tables; a bad workbook is reported
    and skipped, the others still score."""
    scored = score(staging, settings.realisasi, settings.policy, settings.expectations)
    for e in scored.errors:
        result.failures.append(Failure(str(e.workbook), "", "score", None, str(e)))
    if scored.accepted:
        try:
            publish_scores(scored, staging)
        except ValueError as exc:  # the computed scores failed their own expectations
            result.critical.append(f"scores: {exc}")
    result.scoring = score_report(scored).splitlines()


STALE = ("a later run was publishing a new version of curated/ when it stopped: this report describes "
         "the version before; curated/.run.json describes what is published")


def _mark_stale(settings: Settings) -> None:
    """Just before the swap: the last run's run.json says it may no longer describe curated/, so a
    run killed between its swap and its own reports leaves no report that tells of the wrong tables."""
    path = settings.reports / "run.json"
    try:
        last = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        last = {}
    atomic_write(path, as_utf8(json.dumps({"stale": STALE, **last}, ensure_ascii=False, indent=1)))


