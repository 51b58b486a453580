"""Scanned decrees (issue 8): the OCR page reader against the text-PDF result of the same decree.

Each text PDF is turned into a 'scan' (tests/fixtures/scan.py: 170 dpi, rotated 0.5-0.7 degrees,
grain and specks, image-only), read back with pipeline.ocr and parsed by the shared parse stage;
every indicator cell is compared with the text reader's after normalisation (normalise.match_form:
case, spacing, punctuation, abbreviations). A differing cell counts as flagged when its row goes to
interim/review.csv, i.e. its ocr_confidence is below normalise.OCR_REVIEW_BELOW. Prints, per
document and overall: % of indicator cells equal, positions with the right jabatan key, flagged
differing cells, rows sent to review, seconds per page, and the cells equal after snapping to the
catalogue of the *other* documents (what snapping adds without seeing the decree itself).

    .venv/bin/python -m pytest tests/test_ocr.py -s

Issue 19 (scans as exact as text): a generated decree scanned under the conditions of CONDITIONS is
read by OCR and parsed, and every cell (decree fields, jabatan, tugas, fungsi, every indicator
field) is compared *exactly* (case and punctuation count) with the parse of its text PDF. Figures
per condition (cells exact, CPU seconds per page on one core, titles read empty), and the second
engine (RapidOCR) against Tesseract on the same page images:

    .venv/bin/python -m tests.test_ocr [--engines]
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

cv2 = pytest.importorskip("cv2")
pytesseract = pytest.importorskip("pytesseract")

from pipeline.readers import ocr  # noqa: E402
from pipeline.stages.normalise import (OCR_REVIEW_BELOW, SNAP_MIN, SNAPPED, Aliases, _catalogue,  # noqa: E402
                                jabatan_form, match_form, snap)
from pipeline.parse.document import parse_pages  # noqa: E402
from pipeline.readers.plumber import read_pdf  # noqa: E402
from tests.fixtures.scan import scan  # noqa: E402

pytestmark = pytest.mark.skipif(not ocr.available(), reason="tesseract-ocr with tesseract-ocr-ind not installed")

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "raw" / "mojokerto-diskominfo-2025.office.pdf"
SAMPLE_PAGES = 6  # positions 1-4 lie wholly on these pages; keeps the test near a minute
CELLS = ("sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab")


def _compare(name: str, ref: dict, pages: list, secs: float, others: list[dict]) -> dict:
    """Figures for one document: `ref` the text reader's parse, `pages` the OCR pages, `others`
    the text parses of the other documents (their catalogue, for the snapping figure)."""
    got = parse_pages(pages)
    cats = {"jabatan": _catalogue([p["jabatan"] for o in others for p in o["positions"]], "jabatan", Aliases())}
    for col, kind in SNAPPED.items():
        cats[col] = _catalogue([i[col] for o in others for p in o["positions"] for i in p["indicators"]], kind, Aliases())
    agency_r, agency_g = ref["decree"]["agency"], got["decree"]["agency"]
    out = {"name": name, "pages": len(pages), "secs": secs, "positions": len(ref["positions"]), "positions_ok": 0,
           "cells": 0, "equal": 0, "diff": [], "flagged": 0, "rows": 0, "rows_review": 0, "equal_snapped": 0}
    for pr, pg in zip(ref["positions"], got["positions"]):
        out["positions_ok"] += jabatan_form(pr["jabatan"], agency_r) == jabatan_form(pg["jabatan"], agency_g)
    for pr, pg in zip(ref["positions"], got["positions"]):
        for n, a in enumerate(pr["indicators"]):
            b = pg["indicators"][n] if n < len(pg["indicators"]) else None
            conf = b["ocr_confidence"] if b else None
            review = b is None or (conf is not None and conf < OCR_REVIEW_BELOW)
            out["rows"] += 1
            out["rows_review"] += review
            for c in CELLS:
                out["cells"] += 1
                read = (b or {}).get(c) or ""
                hit = snap(read, SNAPPED[c], cats[c]) if c in SNAPPED and b else None
                out["equal_snapped"] += match_form(a[c] or "") == match_form(hit[0] if hit else read)
                if match_form(a[c] or "") == match_form(read):
                    out["equal"] += 1
                else:
                    out["diff"].append((a["page"], c, a[c], read, conf))
                    out["flagged"] += review
    return out


@pytest.fixture(scope="module")
def documents(tmp_path_factory):
    """(name, text PDF, scan, pages) of the sample's first pages and two generated fixtures."""
    tmp = tmp_path_factory.mktemp("ocr")
    docs = [("sample", SAMPLE, scan(SAMPLE, tmp / "sample.scan.pdf", max_pages=SAMPLE_PAGES, seed=0), SAMPLE_PAGES)]
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
    """Issue 8's acceptance: >= 98% of indicator cells equal, every position with the right
    jabatan key, every differing cell on the review list."""
    refs = {name: parse_pages(list(read_pdf(text_pdf))[:n]) for name, text_pdf, _, n in documents}
    results = []
    for name, _, scanned, n in documents:
        pages, secs = ocr.timed_read(scanned, threads=2)  # the same pages as one thread gives (next test)
        results.append(_compare(name, refs[name], pages, secs, [r for k, r in refs.items() if k != name]))
    for r in results:
        print(f"\n[{r['name']}] {r['pages']} pages, {r['secs']:.1f} s/page; positions {r['positions_ok']}/"
              f"{r['positions']} with the right jabatan key; indicator cells equal {r['equal']}/{r['cells']} = "
              f"{100 * r['equal'] / r['cells']:.1f}%; differing cells flagged for review {r['flagged']}/"
              f"{len(r['diff'])}; rows sent to review {r['rows_review']}/{r['rows']}; cells equal after snapping "
              f"to the other documents' catalogue {r['equal_snapped']}/{r['cells']}")
        for page, col, a, b, conf in r["diff"]:
            print(f"   p{page} {col} row confidence {conf}: {a!r} -> {b!r}")
    tot = {k: sum(r[k] for r in results) for k in ("pages", "secs", "positions", "positions_ok", "cells", "equal",
                                                    "flagged", "rows", "rows_review", "equal_snapped")}
    diff = sum(len(r["diff"]) for r in results)
    secs = sum(r["secs"] * r["pages"] for r in results) / tot["pages"]
    print(f"\n[all] {tot['pages']} pages, {secs:.1f} s/page; positions {tot['positions_ok']}/{tot['positions']}; "
          f"cells equal {tot['equal']}/{tot['cells']} = {100 * tot['equal'] / tot['cells']:.1f}%; differing cells "
          f"flagged {tot['flagged']}/{diff}; rows sent to review {tot['rows_review']}/{tot['rows']}; after "
          f"snapping {100 * tot['equal_snapped'] / tot['cells']:.1f}%")
    assert tot["equal"] / tot["cells"] >= 0.98
    assert tot["positions_ok"] == tot["positions"]
    assert tot["flagged"] == diff
    for r in results:  # no document far below the rest
        assert r["equal"] / r["cells"] >= 0.95, r["name"]


def test_pages_read_in_threads_equal_pages_read_one_by_one(documents):
    """Page-range parallelism changes when a page is read, never what is read, nor the order."""
    _, _, scanned, _ = documents[0]
    one = list(ocr.read_pdf(scanned, pages=[1, 2, 3]))
    two = list(ocr.read_pdf(scanned, pages=[1, 2, 3], threads=2))
    assert [p.number for p in two] == [1, 2, 3]
    assert two == one and sum(len(p.words) for p in one) > 100


def test_words_in_no_dictionary_are_doubted():
    assert ocr.known("Tersosialisasi Perizinannya SPBE KTP-el dan/atau 100% (satu)")
    for misread in ("perhitungari", "Peiaksanaan", "ses'ai", "Kab:ipaten"):
        assert not ocr.known(misread), misread
    w = ocr.OcrWord("perhitungari", 0, 5, 10, 20, 9.0, False, 91.0)
    assert ocr.tidy([w])[0].conf == ocr.UNKNOWN_WORD_CONF


def test_snap_repairs_misreads_not_other_entries():
    cat = _catalogue(["Persentase usulan Musrenbang yang diakomodir dalam RKPD", "Kepala Seksi Pemerintahan"],
                     "indikator", Aliases())
    text, score = snap("Persentase silan Musrenbang yang diakomodir dalam RKPD", "indikator", cat)
    assert text == "Persentase usulan Musrenbang yang diakomodir dalam RKPD" and SNAP_MIN <= score < 100
    assert snap("Jumlah usulan Musrenbang yang diakomodir dalam RKPD", "indikator", cat) is None  # meaning word
    assert snap("Persentase usulan Musrenbang yang diakomodir dalam RKPD", "indikator", cat) is None  # as known
    assert snap("Kepala Seksi Perekonomian", "jabatan", cat) is None


def test_colon_and_percent_repairs():
    w = lambda t, x: ocr.OcrWord(t, x, x + 5, 10, 20, 9.0, False, 90.0)  # noqa: E731
    out = [x.text for x in ocr.tidy([w("1,", 0), w("Jumlah", 10), w("X", 20), w("100Y6", 30)])]
    assert out == ["1.", "Jumlah", "X", "100%"]


def test_scanned_decree_goes_through_the_whole_pipeline(tmp_path, sample_run):
    """A scan in raw/ is routed to OCR by itself and published with source_kind=ocr; run with the
    text-layer sample, its misread indicators, sasaran and responsible entries are snapped to the
    sample's texts with the text as read and the score kept, and every snap is on the review list.
    The scan is a poor one (150 dpi, heavy grain) so that there are misreads to snap."""
    from conftest import run_on

    scanned = scan(SAMPLE, tmp_path / "pindaian.pdf", max_pages=4, seed=3, dpi=150, noise=25.0, speckle=0.004)
    result, settings = run_on(tmp_path, [scanned, SAMPLE])
    assert not result.failures, result.failures
    ind = pd.read_parquet(settings.curated / "indicators.parquet")
    pos = pd.read_parquet(settings.curated / "positions.parquet")
    dec = pd.read_parquet(settings.curated / "decrees.parquet").set_index("source_file")
    ocr_id, text_id = dec.decree_id["pindaian.pdf"], dec.decree_id[SAMPLE.name]
    scan_ind, text_ind = ind[ind.decree_id == ocr_id], ind[ind.decree_id == text_id]
    assert set(scan_ind.source_kind) == {"ocr"} and set(pos[pos.decree_id == ocr_id].source_kind) == {"ocr"}
    assert scan_ind.ocr_confidence.between(0, 1).all()
    assert (text_ind.ocr_text.map(len) == 0).all() and text_ind.snap_score.isna().all()
    want = text_ind.set_index(["position_no", "indicator_no"])
    snapped = scan_ind[scan_ind.ocr_text.map(len) > 0]
    assert len(snapped) >= 2
    n_cells = 0
    for r in snapped.itertuples():
        read = dict(r.ocr_text)
        assert read and r.snap_score >= SNAP_MIN and r.snap_score < 100
        for col, text in read.items():  # the value is the sample's text; what was read is kept
            n_cells += 1
            assert getattr(r, col) == want.loc[(r.position_no, r.indicator_no), col] != text
    review = pd.read_csv(settings.interim / "review.csv")
    assert len(review[(review.kind == "snap") & (review.decree_id == ocr_id)]) == n_cells + \
        pos[pos.decree_id == ocr_id].jabatan_ocr.notna().sum()
    _, _, text = sample_run
    keys = text["positions"].set_index("position_no").jabatan_key
    got = pos[pos.decree_id == ocr_id].set_index("position_no").jabatan_key
    assert list(got.loc[[1, 2, 3]]) == list(keys.loc[[1, 2, 3]])  # pages 1-4: positions 1-3 whole


# --- issue 19: cells exact per scan condition --------------------------------------------------------

HAVE_SOFFICE = bool(shutil.which("soffice") or Path("/usr/bin/soffice").exists())
# name -> scan() options; the first two are the acceptance conditions (CI), the rest the figures
CONDITIONS = {
    "200dpi": {"dpi": 200, "angle": 0.6, "quality": 60},
    "150dpi_2deg": {"dpi": 150, "angle": 2.0, "quality": 60},
    "300dpi": {"dpi": 300, "angle": 0.5, "quality": 80},
    "150dpi_3deg_q50_shadow": {"dpi": 150, "angle": 3.0, "quality": 50, "background": 70.0},
    "200dpi_upside_down": {"dpi": 200, "angle": 1.0, "quality": 60, "upside_down": (1, 2, 3)},
}
ACCEPT = {"200dpi": 0.99, "150dpi_2deg": 0.97}  # issue 19's acceptance (reached: docs/ocr.md)


def cells(parsed: dict) -> dict:
    """Every text cell of a parse, keyed by where it sits (positions in order, indicators in order)."""
    out = {("decree", k): v for k, v in parsed["decree"].items() if isinstance(v, str)}
    for n, p in enumerate(parsed["positions"]):
        for f in ("jabatan", "tugas", "fungsi"):
            out[(n, f)] = p.get(f)
        for j, ind in enumerate(p["indicators"]):
            for f, v in ind.items():
                if f not in ("page", "ocr_confidence", "cells"):
                    out[(n, j, f)] = v
    return out


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (Tesseract runs as a child process):
    the one-core cost of a read, whatever else the machine is doing."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def measure(pdf: Path, scanned: Path) -> dict:
    """Cells exact (OCR parse against the text PDF's parse), CPU s/page, empty titles, differences."""
    want = cells(parse_pages(list(read_pdf(pdf))))
    t0 = cpu_seconds()
    pages = list(ocr.read_pdf(scanned))
    secs = (cpu_seconds() - t0) / len(pages)
    parsed = parse_pages(pages)
    got = cells(parsed)
    diff = [(k, v, got.get(k)) for k, v in want.items() if got.get(k) != v]
    return {"cells": len(want), "exact": len(want) - len(diff), "secs": secs, "pages": len(pages), "diff": diff,
            "empty_titles": sum(not (p.get("jabatan") or "").strip() for p in parsed["positions"])}


def generated_decree(tmp: Path) -> Path:
    """A small generated decree (3 positions, 3 pages) as a text PDF; rendered once, then cached."""
    from tests.fixtures.content import make_content
    from tests.fixtures.generator import VARIANTS, render
    return render([(make_content(3, n_positions=3), VARIANTS["reference"])], tmp)[0]


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice missing")
@pytest.mark.parametrize("name", list(ACCEPT))
def test_scan_cells_exact(name, tmp_path):
    """Issue 19's acceptance: cells exact (punctuation counts) under the acceptance conditions, no
    title empty."""
    pdf = generated_decree(tmp_path)
    r = measure(pdf, scan(pdf, tmp_path / f"{name}.pdf", seed=1, **CONDITIONS[name]))
    print(f"\n[{name}] cells exact {r['exact']}/{r['cells']} = {100 * r['exact'] / r['cells']:.1f}%, "
          f"{r['secs']:.1f} CPU s/page")
    for k, a, b in r["diff"]:
        print(f"   {k}: {a!r} -> {b!r}")
    assert r["empty_titles"] == 0
    assert r["exact"] / r["cells"] >= ACCEPT[name]


@pytest.mark.skipif(not HAVE_SOFFICE, reason="LibreOffice missing")
def test_upside_down_page_is_turned(tmp_path):
    """A sheet fed the wrong way round is read upright: its first line is the LAMPIRAN line at the
    top of the page, as in the text PDF."""
    pdf = generated_decree(tmp_path)
    scanned = scan(pdf, tmp_path / "turned.pdf", dpi=200, angle=1.0, quality=60, seed=2, upside_down=(1,))
    page = next(ocr.read_pdf(scanned, pages=[1]))
    first = min(page.words, key=lambda w: (round(w.top), w.x0))
    assert first.text == "LAMPIRAN" and first.top < 0.2 * page.height


def test_list_items_close_alike():
    """A ';' read as ',' or ':' in a numbered list whose other items close with ';' is given ';'
    (and doubted); the last item keeps its '.', an item with no mark gets none."""
    def line(y, *texts):
        return [ocr.OcrWord(t, 100 + 30 * i, 125 + 30 * i, y, y + 10, 9.0, False, 95.0) for i, t in enumerate(texts)]
    words = (line(0, "1.", "Menyusun", "rencana;") + line(12, "2.", "Menghimpun", "data,")
             + line(24, "3.", "Melaksanakan", "evaluasi:") + line(36, "4.", "Memberikan", "saran;")
             + line(48, "5.", "Menyiapkan", "bahan;") + line(60, "6.", "Menyusun", "laporan")
             + line(72, "7.", "Mengelola", "kegiatan;") + line(84, "8.", "Melaksanakan", "tugas,", "dan")
             + line(96, "9.", "Melaksanakan", "tugas."))
    out = {w.text: w.conf for w in ocr.lists_alike(words)}
    assert "data;" in out and "evaluasi;" in out and out["data;"] <= ocr.UNKNOWN_WORD_CONF
    assert "tugas;" in out  # '...; dan' before the last item
    assert "tugas." in out and "laporan" in out and out["rencana;"] == 95.0


def test_a_mark_read_twice_is_kept_once_and_a_lone_speck_is_no_mark():
    """'Jember;' with a lone ',' (or find_colons' ':') against it is one ';'; a '.' read 20 pt
    after a title is a speck; a sure ':' apart from its label stays ('Jabatan :')."""
    w = lambda t, x0, x1, c=95.0: ocr.OcrWord(t, x0, x1, 10, 20, 9.0, False, c)  # noqa: E731
    assert [x.text for x in ocr.doubled_marks([w("Jember;", 100, 130), w(",", 130.5, 131.5)])] == ["Jember;"]
    assert len(ocr.doubled_marks([w("Jember", 100, 130), w(",", 130.5, 131.5)])) == 2
    out = ocr.tidy([w("KEPENDIDIKAN", 100, 160), w(".", 181, 182, 72.0), w("Jabatan", 10, 40), w(":", 60, 61, 90.0)])
    assert [x.text for x in out] == ["Jabatan", ":", "KEPENDIDIKAN"]


def test_blank_bands_are_cut_before_tesseract():
    """A region's blank margins and the paper between its lines are not sent to Tesseract; each
    row kept maps back to the region's own row."""
    img = np.full((400, 300), 255, np.uint8)
    img[50:60, 100:200] = 0
    img[300:310, 120:180] = 0
    small, rows, x0 = ocr._compact(img, 128, 10)
    assert small.shape == (60, 120) and x0 == 90
    assert list(rows[:3]) == [40, 41, 42] and rows[30] == 290 and rows[-1] == 319


def test_respelling_uses_the_page_and_the_word_list():
    w = lambda t, c=91.0: ocr.OcrWord(t, 0, 5, 10, 20, 9.0, False, c)  # noqa: E731
    out = ocr.respell(ocr.tidy([w("vana"), w("yang"), w("yang"), w("NDIKATOR"), w("oendidik"), w("Elektonik")]))
    assert [x.text for x in out] == ["yang", "yang", "yang", "INDIKATOR", "pendidik", "Elektonik"]
    assert out[0].conf <= ocr.UNKNOWN_WORD_CONF  # corrected: the row goes to review


def rapid_page(engine, gray) -> tuple[str, float]:
    """RapidOCR's text of one page image and its CPU seconds."""
    import cv2 as cv
    t0 = cpu_seconds()
    result, _ = engine(cv.cvtColor(gray, cv.COLOR_GRAY2BGR))
    return " ".join(r[1] for r in result or []), cpu_seconds() - t0


def compare_engines(pdf: Path, scanned: Path) -> None:
    """Tesseract (this reader) against RapidOCR (PP-OCR models of its wheel) on the same page
    images: words of the text layer found and characters found ignoring spaces (both as
    multisets: the engines read a table in different orders), CPU s/page."""
    from collections import Counter
    import pypdfium2 as pdfium
    from rapidocr_onnxruntime import RapidOCR
    engine = RapidOCR()
    truth = [" ".join(w.text for w in p.words) for p in read_pdf(pdf)]
    doc = pdfium.PdfDocument(str(scanned))
    for name in ("tesseract", "rapidocr"):
        words = chars = total_w = total_c = secs = 0.0
        for i, want in enumerate(truth):
            if name == "tesseract":
                t0 = cpu_seconds()
                text = " ".join(w.text for w in next(ocr.read_pdf(scanned, pages=[i + 1])).words)
                t = cpu_seconds() - t0
            else:
                text, t = rapid_page(engine, ocr.page_image(doc[i])[0])
            secs += t
            words += sum((Counter(want.split()) & Counter(text.split())).values())
            total_w += len(want.split())
            a, b = Counter(want.replace(" ", "")), Counter(text.replace(" ", ""))  # reading order differs
            chars += sum((a & b).values())
            total_c += sum(a.values())
        print(f"{name:10} words exact {100 * words / total_w:5.1f}%  characters {100 * chars / total_c:5.1f}%  "
              f"{secs / len(truth):5.1f} CPU s/page")
    doc.close()


def main(argv: list[str]) -> None:
    import tempfile
    with tempfile.TemporaryDirectory(prefix="iki-ocr-") as tmp:
        tmp = Path(tmp)
        pdf = generated_decree(tmp)
        print(f"{'condition':26} {'cells exact':>18} {'CPU s/page':>10} {'empty titles':>12}")
        for name, opts in CONDITIONS.items():
            r = measure(pdf, scan(pdf, tmp / f"{name}.pdf", seed=1, **opts))
            print(f"{name:26} {r['exact']:>5}/{r['cells']:<5} {100 * r['exact'] / r['cells']:6.1f}% "
                  f"{r['secs']:10.1f} {r['empty_titles']:12}")
            for k, a, b in r["diff"][:8]:
                print(f"    {k}: {str(a)[:90]!r} -> {str(b)[:90]!r}")
        if "--engines" in argv:
            compare_engines(pdf, scan(pdf, tmp / "engines.pdf", seed=1, **CONDITIONS["200dpi"]))


if __name__ == "__main__":
    main(sys.argv[1:])
