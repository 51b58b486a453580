"""Upright pages from every reader (issue 16 part 1): the same decree stored turned (/Rotate 90, 180,
270, as print-to-PDF drivers write it) or drawn turned on an unrotated page gives, through pdfplumber
and PDFium alike, the words and ruling lines of the unturned render in upright coordinates, and the
whole pipeline reads it cell-exact."""
import dataclasses
import hashlib

import pytest

from conftest import read_curated, run_on
from fixtures.content import make_content
from fixtures.generator import VARIANTS, expected_content, render
from goldlib import compare
from pipeline.readers import open_pages

READERS = ("pdfplumber", "pdfium")
BASE = VARIANTS["reference"]
TURNS = {f"{mode}{angle}": dataclasses.replace(BASE, rotate=angle, rotate_mode=mode)
         for mode in ("attribute", "content") for angle in (90, 180, 270)}
TOL = 0.5  # points


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    content = make_content(500, n_positions=3, stacked=0.6)
    names = ["upright", *TURNS]
    pdfs = render([(content, v) for v in (BASE, *TURNS.values())], tmp_path_factory.mktemp("turned"))
    return content, dict(zip(names, pdfs))


def _page_diffs(a, b) -> list[str]:
    """What differs between two reads of one page beyond TOL (words sorted by line, then x)."""
    if abs(a.width - b.width) > TOL or abs(a.height - b.height) > TOL:
        return [f"size {a.width:.1f}x{a.height:.1f} vs {b.width:.1f}x{b.height:.1f}"]
    wa = sorted(a.words, key=lambda w: (round(w.top), w.x0))
    wb = sorted(b.words, key=lambda w: (round(w.top), w.x0))
    if [w.text for w in wa] != [w.text for w in wb]:
        return [f"words {[w.text for w in wa][:12]} vs {[w.text for w in wb][:12]}"]
    out = [f"{x} vs {y}" for x, y in zip(wa, wb)
           if max(abs(x.x0 - y.x0), abs(x.x1 - y.x1), abs(x.top - y.top), abs(x.bottom - y.bottom)) > TOL
           or x.bold != y.bold or abs(x.size - y.size) > 1e-3]
    sa = sorted(tuple(round(v, 1) for v in (s.x0, s.y0, s.x1, s.y1)) for s in a.segments)
    sb = sorted(tuple(round(v, 1) for v in (s.x0, s.y0, s.x1, s.y1)) for s in b.segments)
    if len(sa) != len(sb) or any(max(abs(u - v) for u, v in zip(p, q)) > TOL for p, q in zip(sa, sb)):
        out.append(f"{len(sa)} ruling segments vs {len(sb)}")
    return out


@pytest.mark.parametrize("reader", READERS)
@pytest.mark.parametrize("turn", sorted(TURNS))
def test_turned_pages_read_as_the_upright_one(rendered, reader, turn):
    _, pdfs = rendered
    upright = list(open_pages(pdfs["upright"], reader=reader))
    turned = list(open_pages(pdfs[turn], reader=reader))
    assert len(upright) == len(turned)
    diffs = [f"page {a.number}: {d}" for a, b in zip(upright, turned) for d in _page_diffs(a, b)]
    assert not diffs, "\n".join(diffs[:10])
    # a picture of the page must be turned as much as the reader turned it from the displayed page
    v = TURNS[turn]
    assert {p.turned for p in turned} == {v.rotate if v.rotate_mode == "content" else 0}


@pytest.mark.parametrize("reader", READERS)
def test_pipeline_reads_turned_decrees_cell_exact(rendered, tmp_path, reader):
    content, pdfs = rendered
    turned = [pdfs[t] for t in sorted(TURNS)]
    result, settings = run_on(tmp_path, turned, reader=reader)
    assert not result.failures, result.failures
    assert result.published, (result.refused, result.critical)
    curated = read_curated(settings.curated)
    report = []
    for name, pdf in zip(sorted(TURNS), turned):
        decree_id = hashlib.sha256(pdf.read_bytes()).hexdigest()[:16]
        mismatches = compare(expected_content(content, TURNS[name]), decree_id, curated, limit=5)
        if mismatches:
            report.append(f"{name}: " + "; ".join(mismatches))
    assert not report, "\n".join(report)
