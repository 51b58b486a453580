"""Fail small (issue 17, issue 21 point 1): on a batch mixing good decrees with damaged ones, every
good unit is published cell-exact, each damaged one is withheld or flagged at its smallest unit and
named with its cell in failures.csv and run.json; --strict publishes nothing."""
import copy
import csv
import hashlib
import json

import pytest
from pypdf import PdfReader, PdfWriter
from pypdf.generic import ContentStream, NameObject

from conftest import SAMPLE, read_curated
from fixtures.content import make_content
from fixtures.generator import VARIANTS, expected_content, render
from goldlib import compare
from pipeline.core.settings import Settings
from pipeline.parse.document import parse_pdf
from pipeline.run.runner import run

VARIANT = VARIANTS["reference"]
DRAWING = {b"m", b"l", b"c", b"v", b"y", b"h", b"re", b"S", b"s", b"f", b"F", b"f*", b"B", b"B*", b"b", b"b*",
           b"n", b"W", b"W*"}


def _strip_rulings(src, dst, pages: set[int] | None = None):
    """The PDF with every drawn line and box removed from the given 1-based pages (all when None):
    the text stays, the table grid is gone, so no table can be read there."""
    reader = PdfReader(src)
    writer = PdfWriter()
    for n, page in enumerate(reader.pages, 1):
        if pages is None or n in pages:
            content = ContentStream(page.get_contents(), reader)
            content.operations = [(ops, op) for ops, op in content.operations if op not in DRAWING]
            page[NameObject("/Contents")] = writer._add_object(content)
        writer.add_page(page)
    with open(dst, "wb") as f:
        writer.write(f)
    return dst


def _without_position(gold: dict, order: int) -> dict:
    out = copy.deepcopy(gold)
    out["positions"] = [p for p in out["positions"] if p["order"] != order]
    return out


@pytest.fixture(scope="module")
def batch(tmp_path_factory):
    """Two good decrees, one with a formula cell empty in the PDF, one whose position 2 has no
    readable table (its page's rulings removed), one with no table at all."""
    tmp = tmp_path_factory.mktemp("fail_small")
    contents = {name: make_content(seed) for name, seed in
                (("good_a", 51), ("good_b", 52), ("empty_cell", 53), ("position_lost", 54), ("no_table", 55))}
    cell = contents["empty_cell"]["positions"][1]["sasaran"][0]["indicators"][0]
    cell["formula"] = {"text": "", "numerator": None, "denominator": None}
    pdfs = dict(zip(contents, render([(c, VARIANT) for c in contents.values()], tmp / "rendered")))
    raw = tmp / "raw"
    raw.mkdir()
    for name in ("good_a", "good_b", "empty_cell"):
        (raw / f"{name}.pdf").write_bytes(pdfs[name].read_bytes())
    pos2 = parse_pdf(pdfs["position_lost"], reader="pdfium")["positions"][1]
    _strip_rulings(pdfs["position_lost"], raw / "position_lost.pdf", set(range(pos2["page_first"], pos2["page_last"] + 1)))
    _strip_rulings(pdfs["no_table"], raw / "no_table.pdf")
    gold = {name: expected_content(c, VARIANT) for name, c in contents.items()}
    return tmp, raw, gold


def _settings(tmp, raw, curated="curated"):
    return Settings(raw=raw, interim=tmp / "interim", curated=tmp / curated, reports=tmp / f"reports-{curated}")


def _ids(raw):
    return {p.stem: hashlib.sha256(p.read_bytes()).hexdigest()[:16] for p in raw.glob("*.pdf")}


def _failures(settings):
    with open(settings.reports / "failures.csv", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def _state(curated):
    return {p.name: p.read_bytes() for p in sorted(curated.glob("*.parquet"))}


def test_good_units_published_exactly_bad_ones_named_by_cell(batch):
    tmp, raw, gold = batch
    settings = _settings(tmp, raw)
    result = run(settings)
    assert result.published and result.exit_code == 1  # published, and CI notices the withheld units
    tables = read_curated(settings.curated)
    ids = _ids(raw)
    assert compare(gold["good_a"], ids["good_a"], tables) == []
    assert compare(gold["good_b"], ids["good_b"], tables) == []
    # the empty cell is the decree's own gap: published as printed, flagged, named in a warning
    assert compare(gold["empty_cell"], ids["empty_cell"], tables) == []
    ind = tables["indicators"]
    row = ind[(ind.decree_id == ids["empty_cell"]) & (ind.position_no == 2) & (ind.indicator_no == 1)].iloc[0]
    assert row.formulasi == "" and "formulasi_empty_in_pdf" in list(row["flags"])
    assert not any("formulasi_empty_in_pdf" in list(f) for f in ind[ind.decree_id != ids["empty_cell"]]["flags"])
    warned = [w for w in result.warnings if w["file"] == "empty_cell.pdf" and "formulasi is empty in the PDF" in w["message"]]
    assert [(w["page"], w["position_no"]) for w in warned] == [(row.page, 2)]
    # the position without a readable table is withheld alone, the rest of its decree published exactly
    assert compare(_without_position(gold["position_lost"], 2), ids["position_lost"], tables) == []
    # the decree without any table is withheld whole
    assert ids["no_table"] not in set(tables["decrees"].decree_id)
    assert result.withheld == {"decrees": 1, "positions": 1}
    failures = _failures(settings)
    lost = [f for f in failures if f["file"] == "position_lost.pdf"]
    assert lost and {f["position_no"] for f in lost} == {"2"} and all(f["page"] for f in lost)
    assert "withheld position 2" in lost[0]["reason"]
    none = [f for f in failures if f["file"] == "no_table.pdf"]
    assert any(f["reason"].startswith("withheld decree") for f in none)
    assert {f["file"] for f in failures} == {"position_lost.pdf", "no_table.pdf"}
    summary = json.loads((settings.reports / "run.json").read_text(encoding="utf-8"))
    assert summary["withheld"] == {"decrees": 1, "positions": 1}
    html = (settings.reports / "index.html").read_text(encoding="utf-8")  # named, with the cells as read
    items = [x for x in html.split('<div class="item') if "withheld position 2" in x and "position_lost.pdf, hal. " in x]
    assert items and all("jabatan 2" in x and "<img" in x for x in items)
    assert {(f["file"], f["position_no"]) for f in summary["failures"]} >= {("position_lost.pdf", 2)}


def test_strict_publishes_nothing_and_keeps_curated(batch):
    tmp, raw, _ = batch
    fresh = _settings(tmp, raw, "curated-strict")
    result = run(fresh, strict=True)
    assert not result.published and result.exit_code == 1 and result.refused
    assert not fresh.curated.exists()
    published = _settings(tmp, raw)
    if not published.curated.exists():
        run(published)
    before = _state(published.curated)
    assert before
    again = run(published, strict=True)  # unchanged inputs: nothing to publish, still failing
    assert again.exit_code == 1 and _state(published.curated) == before
    (raw / "extra.pdf").write_bytes(SAMPLE.read_bytes())  # a change strict would have to publish
    try:
        changed = run(published, strict=True)
        assert not changed.published and changed.refused and _state(published.curated) == before
    finally:
        (raw / "extra.pdf").unlink()


def test_two_damaged_copies_of_the_sample_cost_their_positions_only(batch, tmp_path):
    """Issue 21's reproduction: a good decree and two copies of the sample, each with a 10,000-byte
    range deleted from its middle. Either alone is withheld at position level; together as well."""
    _, rendered_raw, gold = batch
    raw = tmp_path / "raw"
    raw.mkdir()
    (raw / "good_a.pdf").write_bytes((rendered_raw / "good_a.pdf").read_bytes())
    data = SAMPLE.read_bytes()
    middle = len(data) // 2
    for name, at in (("cut0.pdf", middle), ("cut1.pdf", middle - 5000)):
        (raw / name).write_bytes(data[:at] + data[at + 10000:])
    settings = Settings(raw=raw, interim=tmp_path / "interim", curated=tmp_path / "curated",
                        reports=tmp_path / "reports")
    result = run(settings)
    assert result.published and not result.critical and result.exit_code == 1
    tables = read_curated(settings.curated)
    ids = _ids(raw)
    assert compare(gold["good_a"], ids["good_a"], tables) == []
    failures = _failures(settings)
    for name in ("cut0", "cut1"):
        mine = [f for f in failures if f["file"] == f"{name}.pdf"]
        assert mine and all(f["reason"].startswith("withheld position") and f["position_no"] and f["page"]
                            for f in mine), mine
        withheld = {int(f["position_no"]) for f in mine}
        published = set(tables["positions"][tables["positions"].decree_id == ids[name]].position_no)
        assert published and not withheld & published and len(withheld) <= 2
    cells = [f for f in failures if f["cell"]]
    assert cells and all(f["indicator_no"] for f in cells)  # a misread cell is named down to its indicator
