"""The benchmark runs end to end on a tiny corpus and reports every measurement (no timing asserted)."""
import hashlib
import json
import shutil
from pathlib import Path

import pytest

from benchmarks import bench, curve
from pipeline.parse.document import parse_pdf

EXPECTED_ROWS = {"floor", "extract_tables", "parse", "parse_pdfium", "pdfium_text", "pipeline_w1", "pipeline_w2",
                 "pipeline_plumber_w1", "pipeline_plumber_w2", "worker_largest", "parse_cli_w1"}
NEEDS_SOFFICE = pytest.mark.skipif(shutil.which("soffice") is None and not Path("/usr/bin/soffice").exists(),
                                   reason="the fixture generator needs LibreOffice")


@NEEDS_SOFFICE
def test_bench_reports_every_row(tmp_path, capsys):
    out = tmp_path / "bench.json"
    assert bench.main(["--n", "1", "--out", str(out)]) == 0
    report = json.loads(out.read_text(encoding="utf-8"))

    rows = {r["name"]: r for r in report["rows"]}
    assert EXPECTED_ROWS <= set(rows), sorted(rows)
    corpus_pages = report["corpus"]["pages"]
    assert report["corpus"]["decrees"] == 2 and corpus_pages > 0
    for name, r in rows.items():
        assert r["pages"] > 0 and r["seconds"] > 0 and r["pages_per_s"] > 0, r
        assert r["ratio_to_floor"] > 0, r
        if name != "worker_largest":
            assert r["pages"] == corpus_pages, r
    assert rows["floor"]["ratio_to_floor"] == 1.0
    assert report["speedup_2_vs_1"] > 0 and report["speedup_2_vs_1_pdfplumber"] > 0
    assert {r["reader"] for r in report["readers"]} == {"pdfplumber", "pdfium"}
    assert all(r["pages_per_s"] > 0 and r["worker_peak_mb"] > 0 for r in report["readers"])
    if report["ocr"] is not None:  # tesseract-ocr-ind installed
        assert report["ocr"]["pages"] == bench.OCR_PAGES and report["ocr"]["s_per_page"] > 0
    assert report["memory"]["worker_peak_mb"] > 0
    assert report["memory"]["pipeline_w1_children_peak_mb"] > 0
    assert {"cpu", "cores", "python"} <= set(report["machine"])
    assert len(report["targets"]) >= 4 and all(isinstance(t["met"], bool) for t in report["targets"])
    for named in ("in-process parse (pdfium reader) >= 300 pages/s",
                  "make parse end to end (fresh cache, 1 worker) >= 200 pages/s"):
        assert any(t["target"].startswith(named) for t in report["targets"]), named

    printed = capsys.readouterr().out
    assert "pages/s" in printed and "speedup" in printed


def test_copies_differ_in_bytes_and_read_the_same(tmp_path):
    """The curve's large corpora are copies: each has its own hash (so its own decree), the same reading."""
    pdfs = curve.copy_corpus(3, [bench.SAMPLE], tmp_path / "raw")
    assert len({hashlib.sha256(p.read_bytes()).hexdigest() for p in pdfs}) == 3
    first, copy = (parse_pdf(p, reader="pdfium") for p in (pdfs[0], pdfs[2]))
    for rec in (first, copy):
        for key in ("sha256", "decree_id", "source_file"):
            rec.pop(key)
    assert first == copy


def test_slopes():
    assert curve.slope([(10, 1.0), (100, 10.0), (1000, 100.0)]) == pytest.approx(0.1)
    assert curve.growth([(100, 1.0), (1000, 10.0)]) == pytest.approx(1.0)
    assert curve.growth([(100, 1.0), (1000, 100.0)]) == pytest.approx(2.0)


@NEEDS_SOFFICE
def test_curve_times_every_stage_at_each_size(tmp_path, capsys):
    """Two tiny sizes of copies of one rendered decree: every stage timed with its peak memory, the
    slopes computed, `iki parse` end to end measured (no timing asserted)."""
    out = tmp_path / "curve.json"
    assert curve.main(["--sizes", "2,4", "--pool", "1", "--no-dask", "--out", str(out)]) == 0
    c = json.loads(out.read_text(encoding="utf-8"))
    assert [p["decrees"] for p in c["points"]] == [2, 4]
    for p in c["points"]:
        assert p["published"] and p["curated_files"] > 0 and p["pages"] > 0
        assert set(curve.STAGES) <= set(p["stages"]), sorted(p["stages"])
        for stage in curve.STAGES:
            assert p["stages"][stage]["seconds"] > 0 and p["stages"][stage]["driver_peak_kb"] >= 0
        assert p["stages"]["parse"]["processes_peak_kb"] > 0  # the parse workers
        assert p["stages"]["validate"]["processes_peak_kb"] > 0  # the validator process
        assert p["parse_cli_w1"]["seconds"] > 0 and p["parse_cli_w1"]["pictures"] > 0
    assert c["points"][1]["pages"] == 2 * c["points"][0]["pages"]
    assert set(curve.STAGES) | {"total", "driver_peak_mb_per_1000_decrees"} <= set(c["slopes"])
    assert c["slopes"]["parse"]["s_per_1000_decrees"] is not None
    printed = capsys.readouterr().out
    assert "pages/s" in printed and "driver's share" in printed
    assert [t["target"].split(",")[0] for t in curve.targets(c)] == ["whole run", "iki parse (make parse) end to end"]
    assert "targets of the curve:" in printed
