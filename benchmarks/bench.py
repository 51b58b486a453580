"""Benchmark: how fast the parse stage and the whole pipeline read decrees, against the floor any
pdfplumber-based extractor pays, plain `extract_tables`, 1 vs 2 workers, and peak memory.

    python -m benchmarks.bench [--n 12] [--out reports/bench.json] [--profile [cprofile|pyinstrument]]

run from the repository root (`make bench`): the corpus comes from the test fixture generator, imported as
the package tests.fixtures.

The corpus is N decrees rendered by the test fixture generator (tests/fixtures, LibreOffice; cached
under .cache/bench/) over a few layout variants, plus the sample decree in raw/. Every measurement
reads the same pages in this one run. Whole-pipeline runs and the per-worker memory probe run in a
fresh interpreter each, like `iki all`, so nothing measured earlier here (caches, heap) leaks in.

Each page reader (pdfplumber, PDFium) gets its pages/s, its speed against the floor, its time
against bare PDFium text extraction, and the peak RSS of a fresh worker parsing the largest decree.

Targets (reported, never asserted): parse within 1.5x the floor; parse faster than extract_tables;
2 workers >= 1.7x one worker; peak RSS per worker < 400 MB; the PDFium reader's parse stage 10x the
floor or faster and within 5x of bare PDFium text extraction, its peak RSS no higher than pdfplumber's."""
from __future__ import annotations

import argparse
import io
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.core.files import page_count
from pipeline.core.settings import PROJECT, usable_cores

SAMPLE = PROJECT / "raw" / "mojokerto-diskominfo-2025.office.pdf"
CACHE = PROJECT / ".cache" / "bench"
DEFAULT_N = 12
# A spread of page sizes, fonts and table layouts (names in tests/fixtures/generator.VARIANTS).
BENCH_VARIANTS = ("reference", "a4p_serif_split", "dejavu_flow", "small_serif_flow", "large_type",
                  "a4l_empty_text")
SEED0 = 7000
READERS = ("pdfplumber", "pdfium")

TARGETS = {"parse_vs_floor": 1.5, "speedup_2_vs_1": 1.7, "worker_peak_mb": 400.0, "in_process_pages_s": 300.0,
           "make_parse_pages_s": 200.0}


# --- corpus ----------------------------------------------------------------------------------

def build_corpus(n: int, dest: Path, cache: Path = CACHE) -> list[Path]:
    """N generated decrees (cached renders) plus the sample decree, copied into `dest`."""
    from tests.fixtures.content import make_content  # noqa: PLC0415 - test code, only needed here
    from tests.fixtures.generator import VARIANTS, render  # noqa: PLC0415

    jobs = [(make_content(SEED0 + i), VARIANTS[BENCH_VARIANTS[i % len(BENCH_VARIANTS)]]) for i in range(n)]
    dest.mkdir(parents=True, exist_ok=True)
    pdfs = render(jobs, dest, cache=cache / "pdfs") if jobs else []
    sample = dest / SAMPLE.name
    shutil.copyfile(SAMPLE, sample)
    return [*pdfs, sample]


LONG_PAGES = 200


def long_decree(dest: Path, pages: int = LONG_PAGES) -> Path:
    """A decree of at least `pages` pages: the sample's pages repeated (its positions read again
    and again), for the memory target on a long decree."""
    import pypdfium2 as pdfium  # noqa: PLC0415

    src, out = pdfium.PdfDocument(SAMPLE), pdfium.PdfDocument.new()
    while len(out) < pages:
        out.import_pages(src)
    path = dest / f"long-{len(out)}-pages.pdf"
    out.save(path)
    out.close()
    src.close()
    return path


# --- measurements ----------------------------------------------------------------------------

def warm_up(pdfs: list[Path]) -> None:
    """Imports, font metrics and CMaps loaded once (for both readers), so the first measurement
    does not pay for them."""
    import pdfplumber  # noqa: PLC0415

    from pipeline.readers import open_pages  # noqa: PLC0415

    for p in pdfs[:1] + pdfs[-1:]:
        with pdfplumber.open(p) as pdf:
            pdf.pages[0].extract_words()
        next(iter(open_pages(p, reader="pdfium")))


def measure_floor(pdfs: list[Path]) -> tuple[float, int]:
    """(a) Open every page and read its chars, rects and lines: what pdfplumber costs by itself."""
    import pdfplumber  # noqa: PLC0415

    pages = 0
    t = time.perf_counter()
    for p in pdfs:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                _ = (len(page.chars), len(page.rects), len(page.lines))
                page.flush_cache()
                pages += 1
    return time.perf_counter() - t, pages


def measure_extract_tables(pdfs: list[Path]) -> tuple[float, int]:
    """(b) Plain pdfplumber table extraction with its default settings, every page."""
    import pdfplumber  # noqa: PLC0415

    pages = 0
    t = time.perf_counter()
    for p in pdfs:
        with pdfplumber.open(p) as pdf:
            for page in pdf.pages:
                page.extract_tables()
                page.flush_cache()
                pages += 1
    return time.perf_counter() - t, pages


def measure_parse(pdfs: list[Path], reader: str = "pdfplumber") -> tuple[float, int]:
    """(c) Our parse stage alone, serial, in this process, through one page reader."""
    from pipeline.parse.document import parse_pdf  # noqa: PLC0415

    pages = 0
    t = time.perf_counter()
    for p in pdfs:
        pages += parse_pdf(p, reader=reader)["n_pages"]
    return time.perf_counter() - t, pages


def measure_pdfium_text(pdfs: list[Path]) -> tuple[float, int]:
    """Bare PDFium text extraction of every page: the physical limit for reading these pages."""
    import pypdfium2 as pdfium  # noqa: PLC0415

    pages = 0
    t = time.perf_counter()
    for p in pdfs:
        doc = pdfium.PdfDocument(p)
        for page in doc:
            page.get_textpage().get_text_range()
            pages += 1
        doc.close()
    return time.perf_counter() - t, pages


_CHILD = """
import json, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})


def hwm_kb():
    # VmHWM is this process's own peak; ru_maxrss after exec also carries the spawning parent's
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


args = json.loads(sys.argv[1])
if args["mode"] == "pipeline":
    from pipeline.run import reading, runner
    from pipeline.core.settings import Settings
    phases = {{}}
    parse_children = {{}}

    def timed(name, fn):
        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return fn(*a, **k)
            finally:
                phases[name] = phases.get(name, 0.0) + time.perf_counter() - t0
                if name == "parse_all":  # before the report's picture workers start
                    parse_children["kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        return wrapper

    for name in args["phases"]:
        for module in (reading, runner):  # each module's own name: the one its functions call
            if callable(getattr(module, name, None)):
                setattr(module, name, timed(name, getattr(module, name)))
    w = Path(args["work"])
    s = Settings(raw=Path(args["raw"]), interim=w / "interim", curated=w / "curated", reports=w / "reports",
                 workers=args["workers"], reader=args.get("reader", "pdfium"))
    if args.get("noop"):
        runner.run(s)  # the first run publishes; the timed one finds nothing to do
        phases.clear()
    t = time.perf_counter()
    cpu0 = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
    r = runner.run(s)
    dt = time.perf_counter() - t
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    out = {{"seconds": dt, "pages": r.pages, "files": r.files, "parsed": r.parsed, "cached": r.cached,
            "cpu_s": own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime - cpu0,
            "failures": [[f.stage, f.file + ": " + f.reason] for f in r.failures], "phases": phases,
            "parse_children_maxrss_kb": parse_children.get("kb", 0)}}
else:
    from pipeline.parse.document import parse_pdf
    base = hwm_kb()
    t = time.perf_counter()
    n = parse_pdf(Path(args["pdf"]), reader=args["reader"])["n_pages"]
    out = {{"seconds": time.perf_counter() - t, "pages": n, "baseline_kb": base}}
out["self_hwm_kb"] = hwm_kb()
out["self_maxrss_kb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
out["children_maxrss_kb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(json.dumps(out))
"""

# runner-level functions timed inside the whole-pipeline runs (those that exist are wrapped)
PHASES = ("parse_all", "build_tables", "normalise", "stage", "score_into", "validate_staged",
          "swap", "write_reports")


def _fresh_python(args: dict, cwd: Path) -> dict:
    """Run one measurement in a new interpreter (memory in kB). `cwd` is an empty work folder, so
    settings that default to relative folders (realisasi/, ...) find nothing of the repo's."""
    proc = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(PROJECT)), json.dumps(args)],
                          capture_output=True, text=True, cwd=cwd, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"benchmark child failed ({args['mode']}):\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def measure_pipeline(raw: Path, workers: int, reader: str = "pdfium", noop: bool = False) -> dict:
    """(d)/(e) The whole pipeline (discover, guarded parse in forked workers, tables, publish,
    reports) into a fresh interim/curated: nothing comes from the cache. With `noop`, the time of
    a second run over the same raw/ (everything cached, nothing to re-publish)."""
    with tempfile.TemporaryDirectory(prefix="iki-bench-run-") as work:
        out = _fresh_python({"mode": "pipeline", "raw": str(raw), "work": work, "workers": workers,
                             "phases": PHASES, "reader": reader, "noop": noop}, Path(work))
    unread = [msg for stage, msg in out["failures"] if stage != "validate"]
    if unread:
        raise RuntimeError(f"pipeline run failed on: {unread}")
    # an annex read in full but quarantined by validation (a render that lost rows) is parsed work all the same
    out["quarantined"] = sorted(msg for stage, msg in out["failures"] if stage == "validate")
    assert out["cached"] == (out["files"] if noop else 0), "unexpected use of the parse cache"
    return out


OCR_PAGES = 3


def measure_ocr(tmp: Path, dpi: int = 170) -> dict | None:
    """(h) Seconds per page of the OCR reader on a scan (tests/fixtures/scan.py) of the sample's
    first pages; None without Tesseract's Indonesian data."""
    from pipeline.readers import ocr  # noqa: PLC0415 - only this row needs OpenCV and Tesseract
    if not ocr.available():
        return None
    from tests.fixtures.scan import scan  # noqa: PLC0415 - test code, only needed here
    scanned = scan(SAMPLE, tmp / "scan.pdf", dpi=dpi, max_pages=OCR_PAGES)
    pages, s_per_page = ocr.timed_read(scanned)
    threaded, s_threaded = ocr.timed_read(scanned, threads=2)  # page-range parallelism within one file
    assert threaded == pages, "OCR in threads read other words"
    return {"pages": len(pages), "dpi": dpi, "s_per_page": round(s_per_page, 2),
            "s_per_page_2_threads": round(s_threaded, 2)}


def measure_worker_memory(pdf: Path, reader: str) -> dict:
    """(f) Peak RSS of one worker parsing `pdf` through `reader`: a fresh interpreter that imports
    the parse stage (the baseline every forked worker inherits) and parses the file. The same
    probe for every reader, so their peaks compare."""
    with tempfile.TemporaryDirectory(prefix="iki-bench-mem-") as work:
        return _fresh_python({"mode": "worker", "pdf": str(pdf), "reader": reader}, Path(work))


# --- machine ---------------------------------------------------------------------------------

def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    import pdfminer  # noqa: PLC0415
    import pdfplumber  # noqa: PLC0415

    try:
        load = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        load = None
    return {"cpu": cpu, "cores": os.cpu_count(), "usable_cores": usable_cores(), "python": platform.python_version(),
            "load_average_at_start": load,
            "platform": platform.platform(), "pdfplumber": pdfplumber.__version__,
            "pdfminer": getattr(pdfminer, "__version__", "?")}


# --- profile ---------------------------------------------------------------------------------

def _parse_path(pdfs: list[Path], out: Path) -> None:
    """What a parse worker does per file: parse (pdfium reader, the default) and write the payload."""
    from pipeline.core.settings import Settings  # noqa: PLC0415
    from pipeline.parse.cache import write_payload  # noqa: PLC0415
    from pipeline.run.pool import parse_payload  # noqa: PLC0415

    settings = Settings(reader="pdfium")
    out.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(pdfs):
        write_payload(out / f"{i}.json", parse_payload(p, settings))


def profile_parse(pdfs: list[Path], tool: str = "cprofile", top: int = 25, html: Path | None = None) -> str:
    """Where the parse path's time goes (parse through the pdfium reader, payload written):
    cProfile's top functions by cumulative time (and by own time), or pyinstrument's call tree
    (also as HTML to `html`)."""
    warm_up(pdfs)
    with tempfile.TemporaryDirectory(prefix="iki-bench-prof-") as tmp:
        if tool == "pyinstrument":
            from pyinstrument import Profiler  # noqa: PLC0415

            prof = Profiler(interval=0.001)
            prof.start()
            _parse_path(pdfs, Path(tmp))
            prof.stop()
            if html is not None:
                html.parent.mkdir(parents=True, exist_ok=True)
                html.write_text(prof.output_html(), encoding="utf-8")
            return prof.output_text(unicode=True, color=False, show_all=False)
        import cProfile  # noqa: PLC0415
        import pstats  # noqa: PLC0415

        prof = cProfile.Profile()
        prof.enable()
        _parse_path(pdfs, Path(tmp))
        prof.disable()
    buf = io.StringIO()
    stats = pstats.Stats(prof, stream=buf).strip_dirs()
    buf.write(f"=== parse stage (c) under cProfile: top {top} by cumulative time ===\n")
    stats.sort_stats("cumulative").print_stats(top)
    buf.write(f"=== top {top} by own time ===\n")
    stats.sort_stats("tottime").print_stats(top)
    return buf.getvalue()


# --- the run ---------------------------------------------------------------------------------

def _row(name: str, label: str, seconds: float, pages: int, floor: float | None) -> dict:
    return {"name": name, "label": label, "pages": pages, "seconds": round(seconds, 3),
            "pages_per_s": round(pages / seconds, 2) if seconds > 0 else 0.0,
            "ratio_to_floor": round(seconds / floor, 2) if floor else 1.0}


def _best(fn, repeat: int, *args):
    results = [fn(*args) for _ in range(max(1, repeat))]
    return min(results, key=lambda r: r[0] if isinstance(r, tuple) else r["seconds"])


def bench(n: int = DEFAULT_N, repeat: int = 1, cache: Path = CACHE, log=print) -> dict:
    """Every measurement on one corpus, and the targets they meet or miss."""
    host = machine()  # load average before this run adds its own
    with tempfile.TemporaryDirectory(prefix="iki-bench-") as tmp:
        raw = Path(tmp) / "raw"
        t = time.perf_counter()
        pdfs = build_corpus(n, raw, cache)
        log(f"corpus: {len(pdfs)} PDFs ready in {time.perf_counter() - t:.1f} s")
        counts = {p: page_count(p) for p in pdfs}
        warm_up(pdfs)
        serial = measure_serial(pdfs, repeat, log)
        runs = measure_pipelines(raw, repeat, log)
        log(f"measuring (h) OCR of the sample's first {OCR_PAGES} pages, scanned ...")
        ocr = measure_ocr(Path(tmp))
        log("measuring (g) no-op pipeline run ...")
        noop = _best(measure_pipeline, repeat, raw, 2, "pdfium", True)
        log("measuring (i) iki parse (make parse), fresh cache, 1 worker, end to end ...")
        from benchmarks.curve import measure_parse_cli  # noqa: PLC0415
        parse_cli = _best(measure_parse_cli, repeat, raw, 1)
        mem = measure_memory(pdfs, counts, Path(tmp), log)
        self_maxrss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        pages = serial["pages"]
        assert pages == runs["w1"]["pages"] == runs["w2"]["pages"] == sum(counts.values()), \
            (pages, runs["w1"]["pages"], runs["w2"]["pages"])
        corpus = corpus_summary(pdfs, counts, n)
    memory = _memory(mem, runs, self_maxrss)
    readers = _readers(serial, mem)
    speed = _speedups(runs)
    rows = _rows(serial, runs, mem["largest_runs"]["pdfium"])
    rows.insert(6, _row("parse_cli_w1", "(i) iki parse (make parse), 1 worker, end to end", parse_cli["seconds"],
                        serial["pages"], serial["floor"]))
    w1, w2 = runs["w1"], runs["w2"]
    return {"machine": host, "corpus": corpus, "repeat": repeat, "rows": rows,
            "noop_rerun_s": round(noop["seconds"], 3),
            "quarantined": w1["quarantined"],
            "speedup_2_vs_1": round(speed["whole"], 2), "speedup_2_vs_1_pdfplumber": round(speed["plumber"], 2),
            "ocr": ocr,
            "parse_phase_speedup_2_vs_1": round(speed["parse"], 2) if speed["parse"] else None,
            "pipeline_phases_s": {"workers_1": {k: round(v, 3) for k, v in w1["phases"].items()},
                                  "workers_2": {k: round(v, 3) for k, v in w2["phases"].items()}},
            # CPU seconds of the whole process tree: how much work a run is, and how many cores it kept busy
            "pipeline_cpu_s": {"workers_1": round(w1["cpu_s"], 2), "workers_2": round(w2["cpu_s"], 2)},
            "memory": memory, "readers": readers,
            "targets": _targets(serial, rows, speed, memory, readers, noop, ocr, len(pdfs))}


def measure_serial(pdfs: list[Path], repeat: int, log) -> dict:
    """(a)-(c') pdfplumber's floor and extract_tables, the parse stage through each reader and bare
    PDFium text extraction, serial in this process: seconds each, and the pages read."""
    log("measuring (a) floor ...")
    floor_s, pages = _best(measure_floor, repeat, pdfs)
    log("measuring (b) extract_tables ...")
    tables_s, tables_pages = _best(measure_extract_tables, repeat, pdfs)
    log("measuring (c) parse stage, pdfplumber reader ...")
    parse_s, parse_pages = _best(measure_parse, repeat, pdfs)
    log("measuring (c') parse stage, pdfium reader, and bare PDFium text extraction ...")
    pdfium_s, _ = _best(measure_parse, repeat, pdfs, "pdfium")
    bare_s, _ = _best(measure_pdfium_text, repeat, pdfs)
    assert pages == tables_pages == parse_pages, (pages, tables_pages, parse_pages)
    return {"floor": floor_s, "extract_tables": tables_s, "parse": parse_s, "pdfium": pdfium_s, "bare": bare_s,
            "pages": pages}


def measure_pipelines(raw: Path, repeat: int, log) -> dict[str, dict]:
    """(d)/(e) The whole pipeline with 1 and 2 workers, through the PDFium reader (the default) and
    through pdfplumber."""
    log("measuring (d) pipeline, 1 worker ...")
    w1 = _best(measure_pipeline, repeat, raw, 1)
    log("measuring (e) pipeline, 2 workers ...")
    w2 = _best(measure_pipeline, repeat, raw, 2)
    log("measuring (d'/e') pipeline through the pdfplumber reader, 1 and 2 workers ...")
    p1 = _best(measure_pipeline, repeat, raw, 1, "pdfplumber")
    p2 = _best(measure_pipeline, repeat, raw, 2, "pdfplumber")
    return {"w1": w1, "w2": w2, "plumber_w1": p1, "plumber_w2": p2}


def measure_memory(pdfs: list[Path], counts: dict[Path, int], tmp: Path, log) -> dict:
    """(f) Peak memory of one worker on the largest decree and on a long one, through each reader,
    and of the pipeline's workers on 10 decrees (to compare with the whole corpus)."""
    largest = max(pdfs, key=lambda p: (counts[p], p.stat().st_size))
    largest_runs = {}
    for reader in READERS:
        log(f"measuring (f) worker memory on {largest.name}, {reader} reader ...")
        largest_runs[reader] = measure_worker_memory(largest, reader)
    long_pdf = long_decree(tmp)
    longs = {}
    for reader in READERS:
        log(f"measuring (f) worker memory on {long_pdf.name}, {reader} reader ...")
        longs[reader] = measure_worker_memory(long_pdf, reader)
    few = tmp / "raw-10"
    few.mkdir()
    for p in pdfs[:10]:
        shutil.copyfile(p, few / p.name)
    log(f"measuring (f) pipeline workers' memory on {len(pdfs[:10])} decrees ...")
    return {"largest": largest, "largest_runs": largest_runs, "long": longs, "few": measure_pipeline(few, 2)}


def corpus_summary(pdfs: list[Path], counts: dict[Path, int], n: int) -> dict:
    """The corpus, and the best 2-worker makespan at file granularity (largest files first)."""
    pages = sum(counts.values())
    loads = [0, 0]
    for c in sorted(counts.values(), reverse=True):
        loads[loads.index(min(loads))] += c
    return {"decrees": len(pdfs), "generated": n, "pages": pages,
            "two_worker_ceiling": round(pages / max(loads), 2),
            "variants": list(BENCH_VARIANTS[:max(1, n)]),
            "files": [{"name": p.name, "pages": counts[p], "bytes": p.stat().st_size} for p in pdfs]}


def _rows(serial: dict, runs: dict, worker: dict) -> list[dict]:
    """The timing table: every measurement against the floor's time for the same pages."""
    floor_s, pages = serial["floor"], serial["pages"]
    w1, w2 = runs["w1"], runs["w2"]
    rows = [
        _row("floor", "(a) floor: pdfplumber chars+rects+lines", floor_s, pages, floor_s),
        _row("extract_tables", "(b) pdfplumber extract_tables()", serial["extract_tables"], pages, floor_s),
        _row("parse", "(c) parse stage, pdfplumber reader (serial)", serial["parse"], pages, floor_s),
        _row("parse_pdfium", "(c') parse stage, pdfium reader (serial)", serial["pdfium"], pages, floor_s),
        _row("pdfium_text", "    bare PDFium text extraction", serial["bare"], pages, floor_s),
        _row("pipeline_w1", "(d) whole pipeline, workers=1 (pdfium)", w1["seconds"], pages, floor_s),
        _row("pipeline_w2", "(e) whole pipeline, workers=2 (pdfium)", w2["seconds"], pages, floor_s),
        _row("pipeline_plumber_w1", "(d') whole pipeline, workers=1 (pdfplumber)", runs["plumber_w1"]["seconds"],
             pages, floor_s),
        _row("pipeline_plumber_w2", "(e') whole pipeline, workers=2 (pdfplumber)", runs["plumber_w2"]["seconds"],
             pages, floor_s),
    ]
    if "parse_all" in w1["phases"] and "parse_all" in w2["phases"]:
        rows += [_row("pipeline_parse_w1", "    its guarded parse phase, workers=1", w1["phases"]["parse_all"],
                      pages, floor_s),
                 _row("pipeline_parse_w2", "    its guarded parse phase, workers=2", w2["phases"]["parse_all"],
                      pages, floor_s)]
    rows.append(_row("worker_largest", f"(f) one worker, largest decree ({worker['pages']} p., pdfium)",
                     worker["seconds"], worker["pages"], floor_s * worker["pages"] / pages))
    return rows


def _memory(mem: dict, runs: dict, self_maxrss: int) -> dict:
    """Peak memory in MB (the probes report kB)."""
    mb = 1024.0
    worker, longs, w1, w2 = mem["largest_runs"]["pdfium"], mem["long"], runs["w1"], runs["w2"]
    return {
        "largest_decree": mem["largest"].name,
        "largest_pages": worker["pages"],
        # VmHWM of a fresh interpreter parsing the largest decree (its own peak RSS)
        "worker_peak_mb": round(worker["self_hwm_kb"] / mb, 1),
        "worker_baseline_mb": round(worker["baseline_kb"] / mb, 1),
        # ru_maxrss after exec also includes the spawning (bench) process: kept for reference only
        "worker_ru_maxrss_mb": round(worker["self_maxrss_kb"] / mb, 1),
        # RUSAGE_CHILDREN of the pipeline process after its parse phase: the largest forked parse
        # worker (RSS shared with the parent at fork time included). Taken before the report's
        # picture workers, whose spawn briefly forks the whole driver.
        "pipeline_w1_children_peak_mb": round(w1["parse_children_maxrss_kb"] / mb, 1),
        "pipeline_w2_children_peak_mb": round(w2["parse_children_maxrss_kb"] / mb, 1),
        "pipeline_w1_parent_peak_mb": round(w1["self_hwm_kb"] / mb, 1),
        "bench_process_peak_mb": round(self_maxrss / mb, 1),
        # the same probe on a long decree, and the pipeline's workers on 10 decrees instead of all
        "long_decree_pages": longs["pdfium"]["pages"],
        "long_decree_peak_mb": {r: round(longs[r]["self_hwm_kb"] / mb, 1) for r in READERS},
        "long_decree_seconds": {r: round(longs[r]["seconds"], 2) for r in READERS},
        "few_decrees": mem["few"]["files"],
        "pipeline_w2_children_peak_mb_few_decrees": round(mem["few"]["parse_children_maxrss_kb"] / mb, 1),
    }


def _readers(serial: dict, mem: dict) -> list[dict]:
    """Each page reader's parse speed against the floor and bare PDFium, and its worker's peak memory."""
    mb = 1024.0
    pages, runs = serial["pages"], mem["largest_runs"]
    return [{"reader": r, "pages_per_s": round(pages / s, 2), "speedup_vs_floor": round(serial["floor"] / s, 2),
             "ratio_to_bare_pdfium": round(s / serial["bare"], 2),
             "worker_peak_mb": round(runs[r]["self_hwm_kb"] / mb, 1),
             "worker_baseline_mb": round(runs[r]["baseline_kb"] / mb, 1)}
            for r, s in (("pdfplumber", serial["parse"]), ("pdfium", serial["pdfium"]))]


def _speedups(runs: dict) -> dict:
    """2 workers against 1: the whole pipeline through each reader, and its parse phase alone."""
    w1, w2, p1, p2 = runs["w1"], runs["w2"], runs["plumber_w1"], runs["plumber_w2"]
    parse1, parse2 = w1["phases"].get("parse_all"), w2["phases"].get("parse_all")
    return {"whole": w1["seconds"] / w2["seconds"] if w2["seconds"] > 0 else 0.0,
            "plumber": p1["seconds"] / p2["seconds"] if p2["seconds"] > 0 else 0.0,
            "parse": parse1 / parse2 if parse1 and parse2 else None}


def _targets(serial: dict, rows: list[dict], speed: dict, memory: dict, readers: list[dict], noop: dict,
             ocr: dict | None, decrees: int) -> list[dict]:
    """Each target with its value and whether it is met (reported, never asserted)."""
    floor_s, tables_s, parse_s, pdfium_s, bare_s = (serial[k] for k in ("floor", "extract_tables", "parse",
                                                                         "pdfium", "bare"))
    plumber_mb, pdfium_mb = readers[0]["worker_peak_mb"], readers[1]["worker_peak_mb"]
    worker_peak = max(memory["worker_peak_mb"], memory["pipeline_w1_children_peak_mb"],
                      memory["pipeline_w2_children_peak_mb"], *memory["long_decree_peak_mb"].values())
    two = TARGETS["speedup_2_vs_1"]
    targets = [
        {"target": "parse within 1.5x the floor (pdfplumber reader)", "value": rows[2]["ratio_to_floor"],
         "met": rows[2]["ratio_to_floor"] <= TARGETS["parse_vs_floor"]},
        {"target": "parse faster than extract_tables (pdfplumber reader; extract_tables s / parse s)",
         "value": round(tables_s / parse_s, 2), "met": parse_s < tables_s},
        {"target": "parse faster than extract_tables (pdfium reader, the default; extract_tables s / parse s)",
         "value": round(tables_s / pdfium_s, 2), "met": pdfium_s < tables_s},
        {"target": "2 workers >= 1.7x one worker (whole pipeline)", "value": round(speed["whole"], 2),
         "met": speed["whole"] >= two},
    ]
    if speed["parse"] is not None:
        targets.append({"target": "2 workers >= 1.7x one worker (parse phase only)",
                        "value": round(speed["parse"], 2), "met": speed["parse"] >= two})
    targets += [
        {"target": "2 workers >= 1.7x one worker (whole pipeline, pdfplumber reader)",
         "value": round(speed["plumber"], 2), "met": speed["plumber"] >= two},
        {"target": f"peak RSS per worker < 400 MB (largest of the probes, {memory['long_decree_pages']}-page "
                   "decree included, and the pipeline workers)",
         "value": worker_peak, "met": worker_peak < TARGETS["worker_peak_mb"]},
        {"target": f"pipeline workers' peak RSS the same for {memory['few_decrees']} and {decrees} decrees "
                   "(MB, at most 10% apart)",
         "value": f"{memory['pipeline_w2_children_peak_mb_few_decrees']} vs {memory['pipeline_w2_children_peak_mb']}",
         "met": memory["pipeline_w2_children_peak_mb"] <= 1.1 * memory["pipeline_w2_children_peak_mb_few_decrees"]},
        {"target": "pdfium parse stage >= 10x the pdfplumber floor", "value": round(floor_s / pdfium_s, 2),
         "met": floor_s / pdfium_s >= 10},
        {"target": "pdfium parse stage within 5x of bare PDFium text extraction",
         "value": round(pdfium_s / bare_s, 2), "met": pdfium_s / bare_s <= 5},
        {"target": "pdfium worker peak RSS no higher than pdfplumber's (largest decree, MB)",
         "value": f"{pdfium_mb} vs {plumber_mb}", "met": pdfium_mb <= plumber_mb},
        {"target": f"no-op rerun over {decrees} decrees < 2 s", "value": round(noop["seconds"], 2),
         "met": noop["seconds"] < 2},
    ]
    by_name = {r["name"]: r for r in rows}
    for name, what, floor in (("parse_pdfium", "in-process parse (pdfium reader)", TARGETS["in_process_pages_s"]),
                              ("parse_cli_w1", "make parse end to end (fresh cache, 1 worker)",
                               TARGETS["make_parse_pages_s"])):
        if name in by_name:
            v = by_name[name]["pages_per_s"]
            targets.append({"target": f"{what} >= {floor:.0f} pages/s, on {by_name[name]['pages']} pages "
                                      "(fixed start-up costs weigh on a small corpus: the curve's targets below)",
                            "value": v, "met": v >= floor})
    if ocr is not None:
        targets.append({"target": "OCR of a scanned page < 10 s", "value": ocr["s_per_page"],
                        "met": ocr["s_per_page"] < 10})
    return targets


def render_report(report: dict) -> str:
    """The same figures as the JSON, as plain text."""
    m, c = report["machine"], report["corpus"]
    out = [f"machine: {m['cpu']}, {m['cores']} cores ({m['usable_cores']} usable), Python {m['python']}, "
           f"pdfplumber {m['pdfplumber']}",
           f"corpus: {c['decrees']} decrees ({c['generated']} generated + sample), {c['pages']} pages; "
           f"2-worker ceiling at file granularity: {c['two_worker_ceiling']:.2f}x",
           ""]
    load, usable = m.get("load_average_at_start"), m.get("usable_cores") or 1
    if load and load[0] > 0.5 * usable:
        out[1:1] = [f"WARNING: load average {load[0]:.1f} on {usable} cores before the run: timings, "
                    "and the 2-worker speedup above all, are disturbed by other work"]
    head = f"{'measurement':<48} {'pages':>6} {'seconds':>9} {'pages/s':>9} {'x floor':>8}"
    out += [head, "-" * len(head)]
    for r in report["rows"]:
        out.append(f"{r['label']:<48} {r['pages']:>6} {r['seconds']:>9.2f} {r['pages_per_s']:>9.1f} "
                   f"{r['ratio_to_floor']:>8.2f}")
    mem = report["memory"]
    rows = {r["name"]: r for r in report["rows"]}
    head = (f"{'page reader (parse stage, serial)':<36} {'pages/s':>9} {'x floor speed':>14} {'x bare PDFium time':>19} "
            f"{'peak MB':>8}")
    out += ["", head, "-" * len(head)]
    for r in report["readers"]:
        out.append(f"{r['reader']:<36} {r['pages_per_s']:>9.1f} {r['speedup_vs_floor']:>14.2f} "
                   f"{r['ratio_to_bare_pdfium']:>19.2f} {r['worker_peak_mb']:>8.0f}")
    out += ["",
            f"speedup, 2 workers vs 1: {report['speedup_2_vs_1']:.2f}x whole pipeline"
            + (f", {report['parse_phase_speedup_2_vs_1']:.2f}x its parse phase"
               if report.get("parse_phase_speedup_2_vs_1") else ""),
            f"speedup, 2 workers vs 1, whole pipeline through the pdfplumber reader: "
            f"{report['speedup_2_vs_1_pdfplumber']:.2f}x",
            (f"OCR (tesseract, scan at {report['ocr']['dpi']} dpi): {report['ocr']['s_per_page']:.1f} s per page "
             f"over {report['ocr']['pages']} pages; {report['ocr']['s_per_page_2_threads']:.1f} s with the pages of "
             f"the file read 2 at a time (page-range parallelism: "
             f"{report['ocr']['s_per_page'] / report['ocr']['s_per_page_2_threads']:.2f}x)"
             if report.get("ocr") else "OCR: tesseract-ocr-ind not installed"),
            *(f"quarantined by validation in the pipeline runs (read in full, not published): {q}"
              for q in report.get("quarantined", [])),
            f"no-op rerun of the whole pipeline (everything cached, nothing to re-publish): "
            f"{report['noop_rerun_s']:.2f} s",
            "whole pipeline CPU time (all processes), workers=1 / workers=2: " + " / ".join(
                f"{report['pipeline_cpu_s'][k]:.1f} s ({report['pipeline_cpu_s'][k] / r['seconds']:.2f} cores busy)"
                for k, r in (("workers_1", rows["pipeline_w1"]), ("workers_2", rows["pipeline_w2"]))),
            "pipeline phases, s (workers=1 / workers=2): " + ", ".join(
                f"{k} {v:.2f}/{report['pipeline_phases_s']['workers_2'].get(k, 0):.2f}"
                for k, v in report["pipeline_phases_s"]["workers_1"].items()),
            f"peak RSS, one worker parsing {mem['largest_decree']} ({mem['largest_pages']} pages): " + ", ".join(
                f"{r['reader']} {r['worker_peak_mb']:.0f} MB" for r in report["readers"])
            + " VmHWM (interpreter + imports: " + " / ".join(
                f"{r['worker_baseline_mb']:.0f}" for r in report["readers"]) + " MB)",
            f"peak RSS, one worker parsing a {mem['long_decree_pages']}-page decree: " + ", ".join(
                f"{r} {mem['long_decree_peak_mb'][r]:.0f} MB ({mem['long_decree_seconds'][r]:.1f} s)" for r in READERS),
            f"peak RSS of pipeline workers (RUSAGE_CHILDREN): workers=1 {mem['pipeline_w1_children_peak_mb']:.0f} MB, "
            f"workers=2 {mem['pipeline_w2_children_peak_mb']:.0f} MB ({mem['pipeline_w2_children_peak_mb_few_decrees']:.0f} MB "
            f"on {mem['few_decrees']} decrees); pipeline parent {mem['pipeline_w1_parent_peak_mb']:.0f} MB",
            "",
            "targets:"]
    for t in report["targets"]:
        out.append(f"  [{'met' if t['met'] else 'MISSED':>6}] {t['target']}: {t['value']}")
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, default=DEFAULT_N, help=f"generated decrees (default {DEFAULT_N}), "
                                                             "plus the sample decree")
    ap.add_argument("--out", type=Path, default=Path("reports/bench.json"), help="JSON report path")
    ap.add_argument("--repeat", type=int, default=1, help="repeat each timing, keep the fastest")
    ap.add_argument("--cache", type=Path, default=CACHE, help="where rendered corpus PDFs are cached")
    ap.add_argument("--profile", nargs="?", const="cprofile", choices=("cprofile", "pyinstrument"),
                    help="also profile the parse path (parse + payload) and write where the time goes to "
                         "bench-profile.txt (and .html) beside --out")
    ap.add_argument("--curve-to", type=int, default=0, metavar="DECREES",
                    help="also the cost curve (benchmarks.curve) on 10, 100, 1000, 10000 decrees up to this "
                         "many, and EXECUTOR=dask at the largest (0: no curve)")
    ap.add_argument("--no-dask", action="store_true", help="the cost curve without its Dask run")
    args = ap.parse_args(argv)
    if args.n < 0:
        ap.error("--n must be >= 0")
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    report = bench(args.n, args.repeat, args.cache, log)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    if args.profile:
        with tempfile.TemporaryDirectory(prefix="iki-bench-prof-") as tmp:
            pdfs = build_corpus(args.n, Path(tmp), args.cache)
            text = profile_parse(pdfs, args.profile, html=args.out.with_name("bench-profile.html")
                                 if args.profile == "pyinstrument" else None)
        args.out.with_name("bench-profile.txt").write_text(text, encoding="utf-8")
        report["profile"] = {"tool": args.profile, "text": text}
    if args.curve_to > 0:
        from benchmarks import curve  # noqa: PLC0415
        report["curve"] = curve.curve(args.curve_to, args.cache, dask=not args.no_dask, log=log)
    args.out.write_text(json.dumps(report, ensure_ascii=False, indent=1), encoding="utf-8")
    print(render_report(report))
    if args.profile:
        print()
        print(report["profile"]["text"])
        print(f"profile written: {args.out.with_name('bench-profile.txt')}")
    if report.get("curve"):
        from benchmarks import curve  # noqa: PLC0415
        print()
        print(curve.render_curve(report["curve"]))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
