"""The benchmark runs end to end on a tiny corpus and reports every measurement (no timing asserted)."""
import json
import shutil
from pathlib import Path

import pytest

from benchmarks import bench

EXPECTED_ROWS = {"floor", "extract_tables", "parse", "parse_pdfium", "pdfium_text", "pipeline_w1", "pipeline_w2",
                 "pipeline_plumber_w1", "pipeline_plumber_w2", "worker_largest"}


@pytest.mark.skipif(shutil.which("soffice") is None and not Path("/usr/bin/soffice").exists(),
                    reason="the fixture generator needs LibreOffice")
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

    printed = capsys.readouterr().out
    assert "pages/s" in printed and "speedup" in printed
