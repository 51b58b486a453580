"""Scanned decrees (issue 8): the OCR page reader against the text-PDF result of the same decree.

Each text PDF is turned into a 'scan' (tests/fixtures/scan.py: 170 dpi, rotated 0.5-0.7 degrees,
grain and specks, image-only), read back with pipeline.ocr and parsed by the shared parse stage;
every indicator cell is compared with the text reader's after light normalisation
(normalise.match_form: case, spacing, punctuation). Prints, per document and overall: % of
indicator cells equal, positions found with the right jabatan key, seconds per page, and how many
differing cells a confidence threshold would send to review.

    .venv/bin/python -m pytest tests/test_ocr.py -s
"""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

cv2 = pytest.importorskip("cv2")
pytesseract = pytest.importorskip("pytesseract")

from pipeline import ocr  # noqa: E402
from pipeline.normalise import jabatan_form, match_form  # noqa: E402
from pipeline.parse import parse_pages  # noqa: E402
from pipeline.reader import read_pdf  # noqa: E402
from tests.fixtures.scan import scan  # noqa: E402


def _tesseract_ind() -> bool:
    try:
        return "ind" in pytesseract.get_languages(config="")
    except Exception:  # noqa: BLE001 - no tesseract binary
        return False


pytestmark = pytest.mark.skipif(not _tesseract_ind(), reason="tesseract-ocr with tesseract-ocr-ind not installed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "raw" / "mojokerto-diskominfo-2025.office.pdf"
SAMPLE_PAGES = 6  # positions 1-4 lie wholly on these pages; keeps the test near a minute
CELLS = ("sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab")
REVIEW_BELOW = 0.80  # a cell whose lowest word confidence is below this goes to review


def _compare(text_pdf: Path, scanned: Path, n_pages: int, catalogue: dict[str, list[str]]) -> dict:
    """Figures for one document; `catalogue` the known texts per kind (what the normalise stage's
    catalogue holds) used by ocr.snap for positions, sasaran and indicators."""
    ref = parse_pages(list(read_pdf(text_pdf))[:n_pages])
    t0 = time.perf_counter()
    pages = list(ocr.read_pdf(scanned, pages=range(1, n_pages + 1)))
    secs = (time.perf_counter() - t0) / n_pages
    got = parse_pages(pages)
    words = [(pg.number, w) for pg in pages for w in pg.words]
    agency_r, agency_g = ref["decree"]["agency"], got["decree"]["agency"]
    out = {"pages": n_pages, "s_per_page": secs, "positions": len(ref["positions"]), "positions_ok": 0,
           "cells": 0, "equal": 0, "diff": [], "flagged": 0, "flagged_equal": 0,
           "positions_snapped": 0, "equal_snapped": 0}
    got_by_key = {}
    for p in got["positions"]:
        got_by_key.setdefault(jabatan_form(p["jabatan"], agency_g), []).append(p)
    for pr, pg in zip(ref["positions"], got["positions"]):
        if jabatan_form(pr["jabatan"], agency_r) == jabatan_form(pg["jabatan"], agency_g):
            out["positions_ok"] += 1
        snapped, _ = ocr.snap(pg["jabatan"], catalogue["jabatan"])
        out["positions_snapped"] += jabatan_form(pr["jabatan"], agency_r) == jabatan_form(snapped, agency_g)
        for n, a in enumerate(pr["indicators"]):
            b = pg["indicators"][n] if n < len(pg["indicators"]) else None
            for c in CELLS:
                out["cells"] += 1
                conf = ocr.cell_confidence(words, b["cells"].get(c, [])) if b else 0.0
                low = conf is not None and conf < REVIEW_BELOW
                same = b is not None and match_form(a[c] or "") == match_form(b[c] or "")
                snapped = ocr.snap(b[c], catalogue[c])[0] if b is not None and c in catalogue else (b or {}).get(c)
                out["equal_snapped"] += b is not None and match_form(a[c] or "") == match_form(snapped or "")
                if same:
                    out["equal"] += 1
                    out["flagged_equal"] += low
                else:
                    out["diff"].append((a["page"], c, a[c], b[c] if b else None, conf))
                    out["flagged"] += low or b is None
    return out


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("ocr")
    docs = [("sample", SAMPLE, scan(SAMPLE, tmp / "sample.scan.pdf", max_pages=SAMPLE_PAGES, seed=0),
             SAMPLE_PAGES)]
    if shutil.which("soffice") or Path("/usr/bin/soffice").exists():
        from tests.fixtures.content import make_content
        from tests.fixtures.generator import VARIANTS, render
        jobs = {"a4p_serif_split": (make_content(3, columns="target"), VARIANTS["a4p_serif_split"]),
                "a4l_empty_text": (make_content(7, n_positions=4, columns="satuan_target"),
                                   VARIANTS["a4l_empty_text"])}
        pdfs = render(list(jobs.values()), tmp / "fixtures")
        import pypdfium2 as pdfium
        for seed, (name, pdf) in enumerate(zip(jobs, pdfs), 1):
            doc = pdfium.PdfDocument(str(pdf))
            n = len(doc)
            doc.close()
            docs.append((name, pdf, scan(pdf, tmp / f"{name}.scan.pdf", seed=seed), n))
    return docs


def test_ocr_matches_text_reader(documents):
    total = {"cells": 0, "equal": 0, "positions": 0, "positions_ok": 0, "pages": 0, "secs": 0.0,
             "diff": 0, "flagged": 0, "flagged_equal": 0, "positions_snapped": 0, "equal_snapped": 0}
    per_doc = {}
    # the catalogue: what the text readers found in all documents (in production: the normalise
    # stage's catalogue of positions, sasaran and indicators from earlier runs)
    catalogue: dict[str, list[str]] = {"jabatan": [], "sasaran": [], "indikator": []}
    for _, text_pdf, _, n in documents:
        for p in parse_pages(list(read_pdf(text_pdf))[:n])["positions"]:
            catalogue["jabatan"].append(p["jabatan"])
            for ind in p["indicators"]:
                catalogue["sasaran"].append(ind["sasaran"])
                catalogue["indikator"].append(ind["indikator"])
    for name, text_pdf, scanned, n in documents:
        r = _compare(text_pdf, scanned, n, catalogue)
        per_doc[name] = r
        print(f"\n[{name}] {r['pages']} pages, {r['s_per_page']:.1f} s/page; "
              f"positions {r['positions_ok']}/{r['positions']} with the right jabatan key; "
              f"indicator cells equal {r['equal']}/{r['cells']} = {100 * r['equal'] / max(r['cells'], 1):.1f}%; "
              f"differing cells under confidence {REVIEW_BELOW}: {r['flagged']}/{len(r['diff'])}; "
              f"equal cells also flagged: {r['flagged_equal']}; after snapping to the catalogue: "
              f"positions {r['positions_snapped']}/{r['positions']}, cells {r['equal_snapped']}/{r['cells']}")
        for page, col, a, b, conf in r["diff"]:
            print(f"   p{page} {col} conf={conf}: {a!r} -> {b!r}")
        for k in ("cells", "equal", "positions", "positions_ok", "pages", "flagged", "flagged_equal",
                  "positions_snapped", "equal_snapped"):
            total[k] += r[k]
        total["secs"] += r["s_per_page"] * r["pages"]
        total["diff"] += len(r["diff"])
    print(f"\n[all] {total['pages']} pages, {total['secs'] / total['pages']:.1f} s/page; positions "
          f"{total['positions_ok']}/{total['positions']}; cells equal {total['equal']}/{total['cells']} = "
          f"{100 * total['equal'] / total['cells']:.1f}%; differing cells flagged {total['flagged']}/{total['diff']}; "
          f"after snapping: positions {total['positions_snapped']}/{total['positions']}, cells "
          f"{100 * total['equal_snapped'] / total['cells']:.1f}%")
    sample = per_doc["sample"]
    # what holds today (see the report of issue 8 for the acceptance figures still open)
    assert sample["equal"] / sample["cells"] >= 0.98
    assert sample["positions_ok"] == sample["positions"]
    for r in per_doc.values():
        assert r["positions_snapped"] == r["positions"]
        assert r["equal"] / r["cells"] >= 0.90


def test_snap_repairs_near_misses():
    known = ["Persentase ruang kelas yang dalam kondisi baik", "Jumlah guru yang bersertifikat pendidik"]
    assert ocr.snap("Persentase tuang kelas yang dalam kondisi baik", known) == (known[0], 97.8)
    text, score = ocr.snap("Jumlah desa", known)
    assert text == "Jumlah desa" and score < ocr.SNAP_MIN


def test_colon_and_percent_repairs():
    w = lambda t, x: ocr.OcrWord(t, x, x + 5, 10, 20, 9.0, False, 90.0)  # noqa: E731
    out = [x.text for x in ocr.tidy([w("1,", 0), w("Jumlah", 10), w("X", 20), w("100Y6", 30)])]
    assert out == ["1.", "Jumlah", "X", "100%"]


def test_scanned_decree_goes_through_the_whole_pipeline(tmp_path, sample_run):
    """A scan in raw/ is routed to OCR by itself, published with source_kind=ocr, and its positions
    get the same jabatan_key as the text PDF's."""
    from conftest import run_on

    scanned = scan(SAMPLE, tmp_path / "pindaian.pdf", max_pages=4, seed=3)
    result, settings = run_on(tmp_path, [scanned])
    assert not result.failures, result.failures
    ind = pd.read_parquet(settings.curated / "indicators.parquet")
    pos = pd.read_parquet(settings.curated / "positions.parquet")
    assert set(ind.source_kind) == {"ocr"} and set(pos.source_kind) == {"ocr"}
    assert ind.ocr_confidence.between(0, 1).all()
    _, _, text = sample_run
    want = text["positions"].set_index("position_no").jabatan_key
    got = pos.set_index("position_no").jabatan_key
    # the first 4 pages hold positions 1-3 whole and the start of 4
    assert list(got.loc[[1, 2, 3]]) == list(want.loc[[1, 2, 3]])
    review = pd.read_csv(settings.interim / "review.csv")
    low = ind[ind.ocr_confidence < 0.8]
    assert len(review[review.kind == "ocr"]) == len(low)
