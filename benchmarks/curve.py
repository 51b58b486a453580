"""The cost curve: time and peak memory of each stage of a whole run (`iki all`, 2 workers) on 10,
100, 1,000 (and 10,000) decrees, the slope of each, `iki parse` end to end with one worker, and the
Dask executor against the local one on the same bytes.

    python -m benchmarks.curve [--to 1000] [--out reports/curve.json]

(`make bench` runs it after the reader table, up to N decrees.)

A corpus of 1,000 decrees is not rendered 1,000 times: a pool of POOL decrees is rendered once by
the fixture generator (LibreOffice, cached under .cache/bench/), and decree i is pool decree
i % POOL with a PDF comment after its end (`%bench-copy i`), so its bytes, content hash and decree
id differ while PDFium reads the same pages (checked: the same parse, sha256 aside). The catalogue
of distinct texts therefore stops growing at the pool's size: the curve shows what grows with the
decrees, not with the variety of their wording.

Each run is a fresh interpreter (like `iki all`). Its runner functions are wrapped to time the
stages; before each stage the driver's peak RSS is reset (/proc/self/clear_refs), so a stage's
driver peak is its own; the stage's other processes (parse workers, the validator, the picture
drawer) are measured where they run."""
from __future__ import annotations

import argparse
import json
import math
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from pipeline.core.files import page_count
from pipeline.core.settings import PROJECT

POOL = 48  # distinct rendered decrees behind every corpus
SIZES = (10, 100, 1000, 10000)
STAGES = ("parse", "cells", "normalise", "validate", "publish", "report")
DRIVER = ("cells", "normalise", "validate", "publish", "report")  # the driver's share of a run
WORKERS = 2
PARSE_E2E_MAX = 1000  # `iki parse` with one worker is measured up to this many decrees
DASK_PAIRS = 2  # local and Dask runs alternated at the largest size (see _dask_pairs)
# issue 20's targets at the scale it set them (its bench corpus was 968 pages): reported, never asserted
RUN_PAGES_S, PARSE_CLI_PAGES_S, DASK_RATIO = 150.0, 200.0, 0.85

# --- corpus ----------------------------------------------------------------------------------


def render_pool(k: int, dest: Path, cache: Path) -> list[Path]:
    """The first k decrees of the bench's generated corpus (rendered once, then from the cache)."""
    from benchmarks.bench import BENCH_VARIANTS, SEED0  # noqa: PLC0415
    from tests.fixtures.content import make_content  # noqa: PLC0415 - test code, only needed here
    from tests.fixtures.generator import VARIANTS, render  # noqa: PLC0415

    jobs = [(make_content(SEED0 + i), VARIANTS[BENCH_VARIANTS[i % len(BENCH_VARIANTS)]]) for i in range(k)]
    dest.mkdir(parents=True, exist_ok=True)
    return render(jobs, dest, cache=cache / "pdfs")


def copy_corpus(n: int, pool: list[Path], dest: Path) -> list[Path]:
    """n decrees in `dest`: the pool's files, then copies whose bytes differ by a trailing comment."""
    dest.mkdir(parents=True, exist_ok=True)
    data = [p.read_bytes() for p in pool]
    out = []
    for i in range(n):
        src = pool[i % len(pool)]
        path = dest / f"{i:05d}-{src.name}"
        body = data[i % len(pool)]
        path.write_bytes(body if i < len(pool) else body + b"%%bench-copy %06d\n" % i)
        out.append(path)
    return out


# --- one run, in a fresh interpreter --------------------------------------------------------

_CHILD = r"""
import hashlib, json, os, resource, sys, time
from pathlib import Path
sys.path.insert(0, {root!r})
args = json.loads(sys.argv[1])
from pipeline.core.settings import Settings
from pipeline.report import pictures
from pipeline.run import reading, runner

ME = os.getpid()


def hwm(pid="self"):
    try:
        with open(f"/proc/{{pid}}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def reset():
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # the peak RSS starts again from the current RSS
    except OSError:
        pass


def kids_kb():
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss


stages = {{}}


def note(stage, seconds, driver_kb, other_kb):
    s = stages.setdefault(stage, {{"seconds": 0.0, "calls": 0, "driver_peak_kb": 0, "processes_peak_kb": 0}})
    s["seconds"] += seconds
    s["calls"] += 1
    s["driver_peak_kb"] = max(s["driver_peak_kb"], driver_kb)
    s["processes_peak_kb"] = max(s["processes_peak_kb"], other_kb)


def timed(stage, fn, other=None):
    def wrapper(*a, **k):
        reset()
        before = kids_kb()
        t0 = time.perf_counter()
        try:
            return fn(*a, **k)
        finally:
            dt = time.perf_counter() - t0
            after = kids_kb()
            extra = other(*a) if other else 0
            # children reaped in the stage (parse workers, normalise's pool): their largest peak
            note(stage, dt, hwm(), max(extra, after if after > before else 0))
    return wrapper


def validator_kb(self, *a):  # the spawned validator process (alive): its own peak
    proc = getattr(self, "_proc", None)
    return hwm(proc.pid) if proc is not None else 0


drawer_peak = {{"kb": 0}}
_wait = pictures.Drawer.wait


def drawer_wait(self):  # called by the report (its time is the report's): the drawer's peak so far
    proc = self._proc
    if proc is not None:
        drawer_peak["kb"] = max(drawer_peak["kb"], hwm(proc.pid))
        note("report", 0.0, 0, drawer_peak["kb"])
    _wait(self)


pictures.Drawer.wait = drawer_wait
for name, stage in (("parse_all", "parse"), ("_check_cells", "cells"), ("build_tables", "normalise"),
                    ("normalise", "normalise"), ("stage", "publish"), ("swap", "publish"),
                    ("score_into", "score"), ("write_reports", "report")):
    for module in (reading, runner):  # each module's own name: the one its functions call
        if callable(getattr(module, name, None)):
            setattr(module, name, timed(stage, getattr(module, name)))
runner.Validator.validate = timed("validate", runner.Validator.validate, validator_kb)

w = Path(args["work"])
s = Settings(raw=Path(args["raw"]), interim=w / "interim", curated=w / "curated", reports=w / "reports",
             workers=args["workers"], reader="pdfium", executor=args["executor"])
t = time.perf_counter()
r = runner.run(s)
total = time.perf_counter() - t
curated = (w / "curated").resolve()
files = {{p.relative_to(curated).as_posix(): p for p in sorted(curated.rglob("*")) if p.is_file()
          and p.name != ".run.json"}}
me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime  # driver, workers, drawer, validator, Dask workers
out = {{"seconds": total, "cpu_seconds": cpu, "pages": r.pages, "files": r.files, "parsed": r.parsed, "published": r.published,
        "failures": [[f.stage, f.file, f.reason] for f in r.failures], "stages": stages,
        "driver_peak_kb": hwm(), "curated": {{k: hashlib.sha256(p.read_bytes()).hexdigest() for k, p in files.items()}}}}
print(json.dumps(out))
"""


def measure_run(raw: Path, workers: int = WORKERS, executor: str = "local") -> dict:
    """A whole run (`iki all`) into fresh folders, its stages timed: seconds and peak kB."""
    with tempfile.TemporaryDirectory(prefix="iki-curve-run-") as work:
        args = {"raw": str(raw), "work": work, "workers": workers, "executor": executor}
        proc = subprocess.run([sys.executable, "-c", _CHILD.format(root=str(PROJECT)), json.dumps(args)],
                              capture_output=True, text=True, cwd=work, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"curve run failed ({executor}, {raw}):\n{proc.stderr[-3000:]}")
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    unread = [f for f in out["failures"] if f[0] not in ("validate",)]
    if unread:
        raise RuntimeError(f"curve run could not read: {unread[:5]}")
    return out


def measure_parse_cli(raw: Path, workers: int = 1) -> dict:
    """`iki parse` (what `make parse` runs) from a fresh cache, timed from outside: interpreter start,
    imports, the workers, the cache, the report and its pictures."""
    iki = Path(sys.executable).with_name("iki")
    with tempfile.TemporaryDirectory(prefix="iki-curve-parse-") as work:
        cmd = [str(iki), "parse", "--raw", str(raw), "--interim", f"{work}/interim", "--reports", f"{work}/reports",
               "--workers", str(workers), "--reader", "pdfium"]
        t, before = time.perf_counter(), _children_cpu()
        proc = subprocess.run(cmd, capture_output=True, text=True, cwd=work, check=False)
        seconds, cpu = time.perf_counter() - t, _children_cpu() - before
        pictures = len(list(Path(work, "reports", "img").glob("*.png")))
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"iki parse failed:\n{proc.stderr[-3000:]}")
    return {"seconds": seconds, "cpu_seconds": cpu, "pictures": pictures}


def _children_cpu() -> float:
    """CPU seconds (user + system) of the processes this one has waited for, and theirs."""
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


# --- slopes ----------------------------------------------------------------------------------


def slope(points: list[tuple[float, float]]) -> float | None:
    """Least-squares slope of y over x."""
    if len(points) < 2:
        return None
    mx = sum(x for x, _ in points) / len(points)
    my = sum(y for _, y in points) / len(points)
    den = sum((x - mx) ** 2 for x, _ in points)
    return sum((x - mx) * (y - my) for x, y in points) / den if den else None


def growth(points: list[tuple[float, float]]) -> float | None:
    """How a stage grows between the two largest sizes: 1 linear, 2 with the square."""
    pts = [(x, y) for x, y in points if x > 0 and y > 0]
    if len(pts) < 2:
        return None
    (x1, y1), (x2, y2) = pts[-2], pts[-1]
    return math.log(y2 / y1) / math.log(x2 / x1) if x2 != x1 else None


def summarise(points: list[dict]) -> dict:
    """Per stage: seconds per 1,000 decrees at the margin (least squares over the sizes), pages/s at
    each size, the growth exponent, and the driver's peak per 1,000 decrees."""
    out = {}
    for stage in (*STAGES, "total"):
        xs = [(p["decrees"], p["stages"].get(stage, {}).get("seconds", 0.0) if stage != "total" else p["seconds"])
              for p in points]
        b = slope(xs)
        out[stage] = {"s_per_1000_decrees": round(1000 * b, 2) if b is not None else None,
                      "growth_exponent": round(growth(xs), 2) if growth(xs) is not None else None,
                      "pages_per_s": [round(p["pages"] / y, 1) if y else None for p, (_, y) in zip(points, xs)]}
    mem = slope([(p["decrees"], p["driver_peak_kb"] / 1024) for p in points])
    out["driver_peak_mb_per_1000_decrees"] = round(1000 * mem, 1) if mem is not None else None
    return out


# --- the run ---------------------------------------------------------------------------------


def curve(to: int = 1000, cache: Path | None = None, dask: bool = True, log=print, sizes: list[int] | None = None,
          pool_size: int = POOL) -> dict:
    """Every size up to `to` (10, 100, 1,000, 10,000 and `to` itself), or `sizes`, then Dask against
    the local executor at the largest, in DASK_PAIRS alternated pairs."""
    from benchmarks.bench import CACHE  # noqa: PLC0415
    cache = cache or CACHE
    sizes = sorted(set(sizes)) if sizes else sorted({s for s in SIZES if s <= to} | {to})
    points = []
    with tempfile.TemporaryDirectory(prefix="iki-curve-") as tmp:
        tmp = Path(tmp)
        t = time.perf_counter()
        pool = render_pool(min(pool_size, max(sizes)), tmp / "pool", cache)
        log(f"curve: pool of {len(pool)} rendered decrees ready in {time.perf_counter() - t:.1f} s")
        largest = None
        for n in sizes:
            raw = tmp / f"raw-{n}"
            t = time.perf_counter()
            pdfs = copy_corpus(n, pool, raw)
            made = time.perf_counter() - t
            pages = sum(page_count(p) for p in pdfs)
            log(f"curve: {n} decrees ({pages} pages) made in {made:.2f} s; whole run, {WORKERS} workers ...")
            run = measure_run(raw)
            point = {"decrees": n, "pages": pages, "corpus_seconds": round(made, 3), **run}
            if n <= PARSE_E2E_MAX:
                log(f"curve: {n} decrees, iki parse with 1 worker ...")
                point["parse_cli_w1"] = measure_parse_cli(raw, 1)
            points.append(point)
            if largest is not None:
                shutil.rmtree(largest)
            largest = raw
        pairs = []
        for k in range(DASK_PAIRS if dask and largest is not None else 0):
            log(f"curve: {sizes[-1]} decrees, pair {k + 1} of {DASK_PAIRS}: the local executor, then EXECUTOR=dask "
                f"({WORKERS} workers, local cluster) ...")
            pairs.append((measure_run(largest), measure_run(largest, executor="dask")))
    for p in points:
        p.pop("failures", None)
    top = points[-1]
    report = {"sizes": sizes, "pool": len(pool), "workers": WORKERS, "points": points, "slopes": summarise(points)}
    if pairs:
        report["dask"] = _dask_pairs(pairs, top)
    for p in points:
        p["curated_files"] = len(p.pop("curated"))
    return report


def _dask_pairs(pairs: list[tuple[dict, dict]], top: dict) -> dict:
    """Dask against the local executor, each Dask run right after a local one on the same corpus:
    the host's own speed drifts by tens of percent within minutes, so a ratio of runs far apart
    measures the host as much as the executor. The ratio is that of the pairs' summed seconds."""
    local_s, dask_s = sum(loc["seconds"] for loc, _ in pairs), sum(d["seconds"] for _, d in pairs)
    last = pairs[-1][1]
    return {"decrees": top["decrees"], "pages": last["pages"], "stages": last["stages"],
            "pairs": [{"local_seconds": round(loc["seconds"], 3), "dask_seconds": round(d["seconds"], 3),
                       "local_cpu_seconds": round(loc["cpu_seconds"], 2), "dask_cpu_seconds": round(d["cpu_seconds"], 2),
                       "ratio": round(loc["seconds"] / d["seconds"], 3)} for loc, d in pairs],
            "seconds": round(dask_s / len(pairs), 3), "cpu_seconds": round(sum(d["cpu_seconds"] for _, d in pairs) / len(pairs), 2),
            "driver_peak_kb": max(d["driver_peak_kb"] for _, d in pairs),
            "same_bytes": bool(top["curated"]) and all(r["curated"] == top["curated"] for pair in pairs for r in pair),
            "throughput_vs_local": round(local_s / dask_s, 3)}


def targets(c: dict) -> list[dict]:
    """The whole run's and `iki parse`'s pages/s on the largest corpus each was measured on, and Dask's ratio."""
    out = []
    run = c["points"][-1]
    out.append({"target": f"whole run, {c['workers']} workers, {run['decrees']} decrees ({run['pages']} pages) "
                          f">= {RUN_PAGES_S:.0f} pages/s", "value": round(run["pages"] / run["seconds"], 1),
                "met": run["pages"] / run["seconds"] >= RUN_PAGES_S})
    cli = [p for p in c["points"] if "parse_cli_w1" in p]
    if cli:
        p = cli[-1]
        v = p["pages"] / p["parse_cli_w1"]["seconds"]
        out.append({"target": f"iki parse (make parse) end to end, 1 worker, {p['decrees']} decrees ({p['pages']} pages) "
                              f">= {PARSE_CLI_PAGES_S:.0f} pages/s", "value": round(v, 1), "met": v >= PARSE_CLI_PAGES_S})
    if c.get("dask"):
        d = c["dask"]
        out.append({"target": f"EXECUTOR=dask within 15% of the local executor on {d['decrees']} decrees, same bytes",
                    "value": d["throughput_vs_local"], "met": d["throughput_vs_local"] >= DASK_RATIO and d["same_bytes"]})
    return out


def render_curve(c: dict) -> str:
    mb = 1024.0
    out = [f"cost curve: whole run (iki all), {c['workers']} workers, corpora of copies of {c['pool']} rendered "
           "decrees (seconds / peak MB: driver, then the stage's other processes)"]
    head = f"{'decrees':>7} {'pages':>6} {'total s':>8} {'pages/s':>8}  " + "  ".join(f"{s:>17}" for s in STAGES)
    out += [head, "-" * len(head)]
    for p in c["points"]:
        cells = []
        for s in STAGES:
            st = p["stages"].get(s)
            cells.append(f"{st['seconds']:>6.2f}s {st['driver_peak_kb'] / mb:>4.0f}/{st['processes_peak_kb'] / mb:<4.0f}"
                         if st else f"{'-':>17}")
        out.append(f"{p['decrees']:>7} {p['pages']:>6} {p['seconds']:>8.2f} {p['pages'] / p['seconds']:>8.1f}  "
                   + "  ".join(f"{x:>17}" for x in cells))
    sl = c["slopes"]
    out += ["", "slope per stage (least squares over the sizes): s per 1,000 decrees at the margin; growth exponent "
                "between the two largest sizes (1 = linear, 2 = with the square); pages/s at each size"]
    for s in (*STAGES, "total"):
        x = sl[s]
        out.append(f"  {s:<10} {x['s_per_1000_decrees'] if x['s_per_1000_decrees'] is not None else '-':>8} s/1000  "
                   f"exponent {x['growth_exponent'] if x['growth_exponent'] is not None else '-':>5}  pages/s "
                   + " / ".join(f"{v}" for v in x["pages_per_s"]))
    out.append("")
    for p in c["points"]:
        driver = sum(p["stages"].get(s, {}).get("seconds", 0.0) for s in DRIVER)
        parse = p["stages"].get("parse", {}).get("seconds", 0.0)
        line = (f"{p['decrees']:>6} decrees: {p['pages'] / p['seconds']:.1f} pages/s whole run "
                f"({p['cpu_seconds']:.1f} CPU s in all processes); parse phase "
                f"{p['pages'] / parse:.1f} pages/s; driver's share (cells, normalise, validate, publish, report) "
                f"{driver:.2f} s = {driver / p['seconds']:.0%} of the run; driver peak {p['driver_peak_kb'] / mb:.0f} MB")
        if "parse_cli_w1" in p:
            e = p["parse_cli_w1"]
            line += (f"; iki parse, 1 worker, end to end {e['seconds']:.2f} s = {p['pages'] / e['seconds']:.1f} pages/s "
                     f"({e['cpu_seconds']:.1f} CPU s)")
        out.append(line)
    out.append(f"driver peak RSS per 1,000 decrees (slope): {sl['driver_peak_mb_per_1000_decrees']} MB")
    if c.get("dask"):
        d = c["dask"]
        runs = ", ".join(f"{p['local_seconds']:.2f} s / {p['dask_seconds']:.2f} s ({p['ratio']:.2f}x)" for p in d["pairs"])
        out.append(f"EXECUTOR=dask on {d['decrees']} decrees, each run right after a local one (local / dask): {runs}; "
                   f"{d['pages'] / d['seconds']:.1f} pages/s on average ({d['cpu_seconds']:.1f} CPU s), "
                   f"{d['throughput_vs_local']:.2f}x the local executor's throughput; same curated bytes: {d['same_bytes']}")
    out.append("targets of the curve:")
    out += [f"  [{'   met' if t['met'] else 'MISSED'}] {t['target']}: {t['value']}" for t in targets(c)]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.curve", description=__doc__.split("\n\n")[0])
    ap.add_argument("--to", type=int, default=1000, help="largest corpus (decrees); 10, 100, 1000, 10000 below it")
    ap.add_argument("--out", type=Path, default=Path("reports/curve.json"))
    ap.add_argument("--sizes", type=lambda v: [int(x) for x in v.split(",")], help="e.g. 2,4 instead of --to")
    ap.add_argument("--pool", type=int, default=POOL, help=f"distinct rendered decrees (default {POOL})")
    ap.add_argument("--no-dask", action="store_true", help="skip the Dask run")
    args = ap.parse_args(argv)
    log = lambda msg: print(msg, file=sys.stderr, flush=True)  # noqa: E731
    c = curve(args.to, dask=not args.no_dask, log=log, sizes=args.sizes, pool_size=args.pool)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(c, indent=1), encoding="utf-8")
    print(render_curve(c))
    print(f"\nwritten: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
