"""Both page readers over the same PDFs: every cell that comes out differently.

    python -m pipeline.tools.crosscheck [--raw raw] [--readers pdfplumber,pdfium] [--box-tol 0.5]

Each PDF is parsed by pipeline.parse.document.parse_pdf once per reader; the interim records are compared
field by field: the decree fields, each position's fields, and each indicator's columns (decree,
position, indicator, column, both values). Page and bounding-box provenance is compared too, with a
tolerance in points (the readers' boxes agree to ~0.2 pt: pdfplumber uses advance widths, PDFium
falls back to glyph boxes for fonts that state no ascent/descent). A file one reader rejects must be
rejected by the other with the same reason. Exit 0 when nothing differs, 1 otherwise."""
from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from pipeline.core.text import shorten
from pipeline.parse.document import parse_pdf
from pipeline.run.pool import explain

SKIP = {"parser_version", "source_file", "sha256", "decree_id"}


def _read(path: Path, reader: str) -> tuple[dict | None, str | None]:
    try:
        return parse_pdf(path, reader=reader), None
    except Exception as exc:  # noqa: BLE001 - a failure is an outcome to compare
        return None, explain(exc)[0]


def _boxes_differ(a, b, tol: float) -> bool:
    """Provenance: nested lists of [page, x0, top, x1, bottom] (or dicts of them)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() != b.keys() or any(_boxes_differ(a[k], b[k], tol) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) != len(b) or any(_boxes_differ(x, y, tol) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return abs(a - b) > tol
    return a != b


def _cmp(where: tuple, a, b, out: list, tol: float) -> None:
    if a == b:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b), key=str):
            if k in SKIP:
                continue
            if k in ("cells", "decree_cells"):
                if _boxes_differ(a.get(k), b.get(k), tol):
                    out.append((*where, k, a.get(k), b.get(k)))
                continue
            if k in ("positions", "indicators") and isinstance(a.get(k), list) and isinstance(b.get(k), list):
                la, lb = a[k], b[k]
                if len(la) != len(lb):
                    out.append((*where, f"n_{k}", len(la), len(lb)))
                for i, (x, y) in enumerate(zip(la, lb), 1):
                    _cmp((*where, f"{k[:-1]} {i}"), x, y, out, tol)
                continue
            _cmp((*where, k), a.get(k), b.get(k), out, tol)
        return
    out.append((*where, a, b))


def compare(path: Path, readers: tuple[str, str] = ("pdfplumber", "pdfium"), tol: float = 0.5) -> tuple[list, dict]:
    """The differences between the readers on one PDF, and seconds per reader."""
    results, secs = {}, {}
    for r in readers:
        t = time.perf_counter()
        results[r] = _read(path, r)
        secs[r] = time.perf_counter() - t
    (ra, ea), (rb, eb) = results[readers[0]], results[readers[1]]
    diffs: list = []
    if ea or eb:
        if ea != eb:
            diffs.append(("failure", ea, eb))
        return diffs, secs
    _cmp((), ra, rb, diffs, tol)
    return diffs, secs


def _short(v, n: int = 160) -> str:
    return shorten(repr(v), n)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m pipeline.tools.crosscheck", description=__doc__.split("\n\n")[0])
    ap.add_argument("--raw", type=Path, default=Path("raw"), help="folder of PDFs (default raw/)")
    ap.add_argument("--readers", default="pdfplumber,pdfium", help="the two readers to compare")
    ap.add_argument("--box-tol", type=float, default=0.5, help="points two provenance boxes may differ by")
    args = ap.parse_args(argv)
    readers = tuple(args.readers.split(","))
    if len(readers) != 2:
        ap.error("--readers takes two readers")
    pdfs = sorted(p for p in args.raw.rglob("*") if p.is_file() and p.suffix.lower() == ".pdf")
    if not pdfs:
        print(f"no PDFs in {args.raw}", file=sys.stderr)
        return 2
    n_diff, secs = 0, {r: 0.0 for r in readers}
    for pdf in pdfs:
        diffs, s = compare(pdf, readers, args.box_tol)
        for r in readers:
            secs[r] += s[r]
        name = pdf.relative_to(args.raw)
        if not diffs:
            print(f"same  {name}")
            continue
        n_diff += 1
        print(f"DIFF  {name}: {len(diffs)} cell(s)")
        for d in diffs:
            *where, va, vb = d
            print(f"      {' / '.join(map(str, where))}:\n        {readers[0]}: {_short(va)}\n        {readers[1]}: {_short(vb)}")
    print(f"{len(pdfs)} PDFs, {n_diff} with differences; seconds: "
          + ", ".join(f"{r} {secs[r]:.2f}" for r in readers))
    return 1 if n_diff else 0


if __name__ == "__main__":
    sys.exit(main())
