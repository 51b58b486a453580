"""Broken annexes, rendered like real ones, fail validation by name (file, page, position) and
leave the curated/ of an earlier good run byte-identical."""
import json

import pytest

from conftest import SAMPLE, run_on
from fixtures.content import make_content
from fixtures.generator import VARIANTS, render


def _broken(kind: str) -> dict:
    c = make_content(31)
    pos = c["positions"][1]
    if kind == "empty_formula":
        pos["sasaran"][0]["indicators"][0]["formula"] = {"text": "", "numerator": None, "denominator": None}
    elif kind == "missing_column":
        for p in c["positions"]:
            p["columns"] = [h for h in p["columns"] if "SUMBER" not in h]
    elif kind == "no_indicators":
        pos["sasaran"] = []
    elif kind == "no_denominator":
        num = "Jumlah dokumen yang disusun tepat waktu X 100%"
        pos["sasaran"][0]["indicators"][0]["formula"] = {"text": num, "numerator": num, "denominator": ""}
    elif kind == "duplicated_row":
        s = pos["sasaran"][0]
        copy = json.loads(json.dumps(s["indicators"][-1]))
        copy["row"] = max(i["row"] for p in c["positions"] for x in p["sasaran"] for i in x["indicators"]) + 1
        s["indicators"].append(copy)
    return c


@pytest.fixture(scope="module")
def broken_pdfs(tmp_path_factory):
    kinds = ["empty_formula", "missing_column", "no_indicators", "no_denominator", "duplicated_row"]
    out = tmp_path_factory.mktemp("broken")
    pdfs = render([(_broken(k), VARIANTS["reference"]) for k in kinds], out)
    return dict(zip(kinds, pdfs))


@pytest.mark.parametrize("kind, check", [
    ("empty_formula", "formulasi not empty"),
    ("missing_column", "sumber_data"),
    ("no_indicators", "positions has indicators"),
    ("no_denominator", "fraction complete"),
])
def test_broken_annex_fails_by_name_and_keeps_curated(tmp_path, broken_pdfs, kind, check):
    good, settings = run_on(tmp_path, [SAMPLE])
    assert good.published
    before = {p.name: p.read_bytes() for p in settings.curated.glob("*.parquet")}
    bad, _ = run_on(tmp_path, [broken_pdfs[kind]])
    assert bad.exit_code == 1  # the broken annex is quarantined, the good one still published
    reasons = [f.reason for f in bad.failures if f.file == broken_pdfs[kind].name and f.stage == "validate"]
    assert any(check in r for r in reasons), bad.failures
    summary = json.loads((settings.reports / "validation" / "summary.json").read_text())
    failed = [f for f in summary["critical"]
              if check in f"{f['table']}.{','.join(f['columns'])} {f['check']}" or check in f"{f['table']} {f['check']}"]
    assert failed
    rows = [r for f in failed for r in f["rows"]]
    if kind != "missing_column":  # a missing column has no row to point at; it names the file
        assert any(r["source_file"] == broken_pdfs[kind].name and r["page"] and r["position_no"] == 2 for r in rows), rows
    else:
        assert broken_pdfs[kind].name in json.dumps(failed)
    after = {p.name: p.read_bytes() for p in settings.curated.glob("*.parquet")}
    assert after == before


def test_duplicated_row_is_a_warning_naming_its_place(tmp_path, broken_pdfs):
    result, settings = run_on(tmp_path, [broken_pdfs["duplicated_row"]])
    assert result.published and result.exit_code == 0  # a warning: shown, fails only with --strict
    summary = json.loads((settings.reports / "validation" / "summary.json").read_text())
    dup = [f for f in summary["warnings"] if f["check"] == "printed once"]
    assert dup and all(r["source_file"] == broken_pdfs["duplicated_row"].name and r["page"] and
                       r["position_no"] == 2 for r in dup[0]["rows"])
