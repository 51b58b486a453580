"""Fingerprint of what the pipeline publishes, to prove a refactoring changes no behaviour.

    python -m tests.snapshot before.json        # on the old code
    python -m tests.snapshot after.json         # on the new code
    python -m tests.snapshot --compare before.json after.json

Runs `iki all` (the installed command, as `make all` does) on the sample decree and on generated
decrees of several layout variants, and records the sha256 of every curated file and the content of
every interim parse (keyed by the PDF's hash, not by the code hash in its file name)."""
from __future__ import annotations

import argparse
import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANT_JOBS = [  # (content seed, content options, variant)
    (3, {"columns": "target"}, "a4p_serif_split"),
    (7, {"n_positions": 4, "columns": "satuan_target"}, "a4l_empty_text"),
    (11, {"n_positions": 5}, "dejavu_flow"),
    (13, {"n_positions": 4}, "furniture"),
    (17, {"n_positions": 3}, "f4_repeat_nosplit"),
]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _interim(parsed: Path) -> dict[str, str]:
    """Interim parses by source hash; the code hash in the file name is left out on purpose."""
    out = {}
    for p in sorted(parsed.glob("*.json")):
        data = json.loads(p.read_text())
        data.pop("code_version", None)
        out[p.name.split("-")[0]] = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    return out


def fingerprint(pdfs: list[Path], work: Path) -> dict:
    raw = work / "raw"
    raw.mkdir(parents=True)
    for p in pdfs:
        shutil.copy(p, raw / p.name)
    iki = Path(sys.executable).with_name("iki")
    cmd = [str(iki), "all", "--raw", str(raw), "--interim", str(work / "interim"), "--curated",
           str(work / "curated"), "--reports", str(work / "reports"), "--realisasi", str(work / "none"),
           "--workers", "1"]
    proc = subprocess.run(cmd, capture_output=True, text=True)
    curated = (work / "curated").resolve()
    return {"exit": proc.returncode,
            "curated": {p.relative_to(curated).as_posix(): _sha(p)  # .run.json holds the code's hash
                        for p in sorted(curated.rglob("*")) if p.is_file() and p.name != ".run.json"},
            "interim": _interim(work / "interim" / "parsed"),
            "review": _sha(work / "interim" / "review.csv") if (work / "interim" / "review.csv").exists() else None}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", nargs="?")
    ap.add_argument("--compare", nargs=2, metavar=("BEFORE", "AFTER"))
    ap.add_argument("--pdfs", type=Path, default=ROOT / ".cache" / "snapshot",
                    help="generated decrees, rendered once and kept, so both runs read the same bytes")
    args = ap.parse_args()
    if args.compare:
        a, b = (json.loads(Path(p).read_text()) for p in args.compare)
        diff = [k for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
        for k in diff:
            print(f"DIFFERS {k}:\n  before {json.dumps(a.get(k))[:400]}\n  after  {json.dumps(b.get(k))[:400]}")
        print("identical" if not diff else f"{len(diff)} difference(s)")
        return 1 if diff else 0
    sys.path.insert(0, str(ROOT))
    from tests.fixtures.content import make_content
    from tests.fixtures.generator import VARIANTS, render
    result = {}
    with tempfile.TemporaryDirectory(prefix="iki-snapshot-") as tmp:
        tmp = Path(tmp)
        result["sample"] = fingerprint([ROOT / "raw" / "mojokerto-diskominfo-2025.office.pdf"], tmp / "sample")
        pdfs = sorted(args.pdfs.glob("*.pdf"))
        if not pdfs:
            pdfs = render([(make_content(seed, **opts), VARIANTS[v]) for seed, opts, v in VARIANT_JOBS], args.pdfs)
        result["variants"] = fingerprint(pdfs, tmp / "variants")
    Path(args.out).write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    print(f"{args.out}: {sum(len(r['curated']) for r in result.values())} curated files, "
          f"{sum(len(r['interim']) for r in result.values())} interim parses")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
