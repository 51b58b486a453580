"""Seeded mutation fuzzing (issue 21): damaged copies of the sample and of a generated decree, in
batches beside the two good decrees, each batch through `iki all`. Per batch: no traceback, every
file published or listed with a plain reason, the good decrees published exactly, and no decree
published shorter than its source without a warning or failure naming it.

CI runs a few dozen files; `make fuzz` (python -m tests.test_fuzz --files 1000) a large run, and
prints the figures."""
from __future__ import annotations

import argparse
import json
import random
import re
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path

import pandas as pd

sys.path.insert(0, str(Path(__file__).parent))

from conftest import SAMPLE, read_curated  # noqa: E402
from fixtures.content import make_content  # noqa: E402
from fixtures.generator import VARIANTS, expected_content, render  # noqa: E402
from goldlib import compare, load_gold  # noqa: E402
from pipeline.core.files import sha256_file  # noqa: E402

IKI = [sys.executable, "-m", "pipeline.cli"]  # the pipeline this interpreter imports
VARIANT = VARIANTS["reference"]


def _flip(r: random.Random, b: bytes) -> bytes:
    out = bytearray(b)
    for _ in range(r.randint(1, 20)):
        out[r.randrange(len(out))] ^= 1 << r.randrange(8)
    return bytes(out)


def _truncate(r: random.Random, b: bytes) -> bytes:
    return b[:r.randrange(1, len(b))]


def _delete(r: random.Random, b: bytes) -> bytes:
    at = r.randrange(len(b))
    return b[:at] + b[at + r.randint(1, 20_000):]


def _duplicate(r: random.Random, b: bytes) -> bytes:
    at, n = r.randrange(len(b)), r.randint(1, 20_000)
    return b[:at + n] + b[at:at + n] + b[at + n:]


def _xref(r: random.Random, b: bytes) -> bytes:
    at = b.rfind(b"startxref")
    tail = r.choice([b"startxref\n999999999\n%%EOF\n", b"startxref\n0\n%%EOF\n", b"%%EOF\n", b""])
    return b[:at] + tail if at >= 0 else b + tail


def _trailer(r: random.Random, b: bytes) -> bytes:
    return re.sub(rb"/Root\s+\d+\s+\d+\s+R", r.choice([b"/Root 9999 0 R", b"/Root null", b""]), b)


def _lengths(r: random.Random, b: bytes) -> bytes:
    return re.sub(rb"/Length (\d+)", lambda m: b"/Length %d" % max(0, int(m.group(1)) + r.randint(-500, 500))
                  if r.random() < 0.3 else m.group(0), b)


def _counts(r: random.Random, b: bytes) -> bytes:
    return re.sub(rb"/Count \d+", lambda m: r.choice([b"/Count 0", b"/Count 99999999", b"/Count -1"]), b)


def _stream(r: random.Random, b: bytes) -> bytes:
    """A random stream's bytes replaced by noise of the same length (a font, an image, a page)."""
    spans = [(m.end(), b.find(b"endstream", m.end())) for m in re.finditer(rb"stream\r?\n", b)]
    spans = [(s, e) for s, e in spans if e > s]
    if not spans:
        return _flip(r, b)
    s, e = r.choice(spans)
    return b[:s] + r.randbytes(e - s) + b[e:]


def _cycle(r: random.Random, b: bytes) -> bytes:
    """A page tree that holds itself."""
    m = re.search(rb"(\d+) 0 obj\s*<<[^>]*?/Type\s*/Pages", b)
    if not m:
        return _counts(r, b)
    return re.sub(rb"/Kids\s*\[", b"/Kids [" + m.group(1) + b" 0 R ", b, count=1)


def _nesting(r: random.Random, b: bytes) -> bytes:
    at = r.randrange(len(b))
    return b[:at] + b"[" * r.randint(1_000, 100_000) + b[at:]


def _garbage(r: random.Random, b: bytes) -> bytes:
    return b"%PDF-1.7\n" + r.randbytes(r.randint(10, 50_000))


def _renamed(r: random.Random, b: bytes) -> bytes:
    return r.choice([b"PK\x03\x04", b"\x89PNG\r\n\x1a\n", b"<!DOCTYPE html><html><body>", b"\xff\xd8\xff\xe0"]) \
        + r.randbytes(r.randint(10, 5_000))


MUTATIONS = {f.__name__[1:]: f for f in (_flip, _truncate, _delete, _duplicate, _xref, _trailer, _lengths, _counts,
                                         _stream, _cycle, _nesting, _garbage, _renamed)}


def good_decrees(folder: Path) -> dict[str, tuple[Path, dict]]:
    """name -> (PDF, gold): the sample and a decree the fixture generator renders."""
    content = make_content(71)
    [generated] = render([(content, VARIANT)], folder / "rendered")
    return {"sample.pdf": (SAMPLE, load_gold()), "generated.pdf": (generated, expected_content(content, VARIANT))}


def fuzzed(r: random.Random, goods: dict, n: int) -> dict[str, tuple[bytes, str, str]]:
    """n damaged files: name -> (bytes, source name, mutation); none equal to its source."""
    out = {}
    sources = {name: pdf.read_bytes() for name, (pdf, _) in goods.items()}
    while len(out) < n:
        source, kind = r.choice(sorted(sources)), r.choice(sorted(MUTATIONS))
        data = MUTATIONS[kind](r, sources[source])
        if data != sources[source]:
            out[f"fuzz-{len(out):04d}-{kind}-{source}"] = (data, source, kind)
    return out


def run_batch(work: Path, goods: dict, files: dict) -> dict:
    """One `iki all` over the good decrees and `files`; returns its figures and what went wrong."""
    raw = work / "raw"
    raw.mkdir(parents=True)
    for name, (pdf, _) in goods.items():
        (raw / name).write_bytes(pdf.read_bytes())
    for name, (data, _, _) in files.items():
        (raw / name).write_bytes(data)
    proc = subprocess.run([*IKI, "all", "--raw", str(raw), "--interim", str(work / "interim"),
                           "--curated", str(work / "curated"), "--reports", str(work / "reports"),
                           "--realisasi", str(work / "none")], cwd=work, capture_output=True, text=True, timeout=3600)
    problems = []
    if "Traceback" in proc.stderr or proc.returncode not in (0, 1):
        problems.append(f"exit {proc.returncode}: {proc.stderr[-2000:]}")
        return {"tracebacks": 1, "lost": 0, "harmed": 0, "unpublished": 1, "short": 0, "problems": problems}
    report = json.loads((work / "reports" / "run.json").read_text(encoding="utf-8"))
    curated = read_curated(work / "curated") if report["published"] else {}
    decrees = curated.get("decrees", pd.DataFrame(columns=["decree_id", "source_file"]))
    published = set(decrees.source_file)
    named: dict[str, list[str]] = {}
    for item in [*report["warnings"], *report["failures"]]:
        named.setdefault(item.get("file"), []).append(item.get("reason") or item.get("message") or "")
    lost = [n for n in files if n not in published and not any(named.get(n, []))]
    problems += [f"lost: {n} (neither published nor named)" for n in lost]
    harmed = []
    for name, (pdf, gold) in goods.items():
        diff = compare(gold, sha256_file(pdf)[:16], curated) if curated else ["nothing published"]
        if diff:
            harmed.append(name)
            problems.append(f"good decree {name} harmed: {diff[:3]}")
    short = []
    if curated:
        count = curated["indicators"].groupby("decree_id").size()
        by_name = dict(zip(decrees.source_file, decrees.decree_id))
        for name, (_, source, kind) in files.items():
            if name in by_name and count.get(by_name[name], 0) < count.get(by_name.get(source), 0) \
                    and not named.get(name):
                short.append(name)
                problems.append(f"{name} ({kind}) published with {count.get(by_name[name], 0)} indicators of "
                                f"{count.get(by_name[source], 0)}, without a warning naming it")
    return {"tracebacks": 0, "lost": len(lost), "harmed": len(harmed), "unpublished": int(not report["published"]),
            "short": len(short), "problems": problems}


def fuzz(n_files: int, batch: int, seed: int, work: Path) -> dict:
    """Figures of `n_files` fuzzed files in batches of `batch` beside the good decrees."""
    r = random.Random(seed)
    goods = good_decrees(work)
    totals, kinds, problems = Counter(), Counter(), []
    for k in range(0, n_files, batch):
        files = fuzzed(r, goods, min(batch, n_files - k))
        kinds.update(kind for _, _, kind in files.values())
        got = run_batch(work / f"batch-{k // batch:03d}", goods, files)
        problems += got.pop("problems")
        totals.update(got)
        totals["batches"] += 1
        totals["files"] += len(files)
    return {**{key: totals[key] for key in ("files", "batches", "tracebacks", "lost", "harmed", "unpublished",
                                             "short")}, "mutations": dict(sorted(kinds.items())),
            "problems": problems}


def test_fuzzed_batches_beside_good_decrees(tmp_path):
    figures = fuzz(n_files=36, batch=12, seed=21, work=tmp_path)
    assert figures["problems"] == [], figures["problems"][:10]
    assert figures["files"] == 36 and figures["batches"] == 3


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tests.test_fuzz")
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--batch", type=int, default=50)
    ap.add_argument("--seed", type=int, default=21)
    args = ap.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="iki-fuzz-") as tmp:
        figures = fuzz(args.files, args.batch, args.seed, Path(tmp))
    for line in figures["problems"]:
        print(line)
    print(json.dumps({k: v for k, v in figures.items() if k != "problems"}, indent=1))
    return 1 if figures["problems"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
