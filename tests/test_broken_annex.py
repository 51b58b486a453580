"""Broken annexes, rendered like real ones: a broken position is withheld alone and named (file,
page, position), a cell or column the decree itself leaves empty is published flagged."""
import hashlib
import json

import pytest

from conftest import SAMPLE, read_curated, run_on
from goldlib import compare, load_gold
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


def _decree_id(pdf) -> str:
    return hashlib.sha256(pdf.read_bytes()).hexdigest()[:16]


@pytest.mark.parametrize("kind, table, check", [
    ("no_indicators", "positions", "has indicators"),
    ("no_denominator", "indicators", "fraction complete"),
])
def test_broken_position_is_withheld_alone_by_name(tmp_path, broken_pdfs, kind, table, check):
    """Position 2 is broken: it alone is withheld and named (file, page, position); the rest of its
    decree and the sample beside it are published."""
    pdf = broken_pdfs[kind]
    result, settings = run_on(tmp_path, [SAMPLE, pdf])
    assert result.published and result.exit_code == 1  # published, and CI notices
    mine = [f for f in result.failures if f.file == pdf.name]
    assert mine and all(f.stage == "validate" and f.position_no == 2 and f.page for f in mine), mine
    assert any(check in f.reason for f in mine), mine
    assert result.withheld == {"decrees": 0, "positions": 1}
    tables = read_curated(settings.curated)
    assert compare(load_gold(), _decree_id(SAMPLE), tables) == []
    published = set(tables["positions"][tables["positions"].decree_id == _decree_id(pdf)].position_no)
    assert 2 not in published and {1, 3} <= published
    summary = json.loads((settings.reports / "validation" / "summary.json").read_text())
    failed = [f for f in summary["critical"] if (f["table"], f["check"]) == (table, check)]
    assert failed and all(u["source_file"] == pdf.name and u["position_no"] == 2 for f in failed for u in f["units"])


@pytest.mark.parametrize("kind, flag", [
    ("empty_formula", "formulasi_empty_in_pdf"),  # one cell printed empty
    ("missing_column", "sumber_data_empty_in_pdf"),  # the decree prints no SUMBER DATA column
])
def test_gap_in_the_pdf_is_published_flagged(tmp_path, broken_pdfs, kind, flag):
    pdf = broken_pdfs[kind]
    result, settings = run_on(tmp_path, [pdf])
    assert result.published and result.exit_code == 0 and not result.failures
    ind = read_curated(settings.curated)["indicators"]
    flagged = ind[ind["flags"].map(lambda f: flag in f)]
    column = flag.removesuffix("_empty_in_pdf")
    assert len(flagged) and (flagged[column] == "").all()
    if kind == "empty_formula":
        assert [(r.position_no, r.indicator_no) for r in flagged.itertuples()] == [(2, 1)]
    else:
        assert len(flagged) == len(ind)


def test_duplicated_row_is_a_warning_naming_its_place(tmp_path, broken_pdfs):
    result, settings = run_on(tmp_path, [broken_pdfs["duplicated_row"]])
    assert result.published and result.exit_code == 0  # a warning: shown, fails only with --strict
    summary = json.loads((settings.reports / "validation" / "summary.json").read_text())
    dup = [f for f in summary["warnings"] if f["check"] == "printed once"]
    assert dup and all(r["source_file"] == broken_pdfs["duplicated_row"].name and r["page"] and
                       r["position_no"] == 2 for r in dup[0]["rows"])
    ind = read_curated(settings.curated)["indicators"]
    assert [r.position_no for r in ind[ind["flags"].map(lambda f: "printed_twice" in f)].itertuples()] == [2]
