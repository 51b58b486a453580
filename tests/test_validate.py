"""The validate stage on the sample decree and on annexes broken one way at a time.

Tables come from the gold content (tests/goldlib.py) with plausible pages, n_pages and
source_file; pipeline.normalise adds the contract-v2 columns as it does in the pipeline.
"""
from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from pipeline.stages import normalise as nm
from pipeline.stages import validate as v
from pipeline.core.schema import CURATED_TABLES
from pipeline.core.settings import DEFAULT_REFERENCE
from tests.goldlib import gold_frames, load_gold

DECREE_ID = "91bf572334d74e78"
SOURCE = "mojokerto-diskominfo-2025.office.pdf"
N_PAGES = 30

ALIASES = DEFAULT_REFERENCE / "aliases.csv"


def sample_tables() -> dict[str, pd.DataFrame]:
    """The sample decree as curated tables: gold content, pages spread over its 30 pages, then
    pipeline.normalise for the contract-v2 columns and the catalogue."""
    f = gold_frames(load_gold(), DECREE_ID)
    dec, pos, ind = f["decrees"], f["positions"], f["indicators"]
    dec["source_file"] = SOURCE
    dec["n_pages"] = N_PAGES
    ind["page"] = [1 + i * N_PAGES // len(ind) for i in range(len(ind))]
    pages = ind.groupby("position_no")["page"].agg(["min", "max"])
    pos["page_first"] = pos["position_no"].map(pages["min"])
    pos["page_last"] = pos["position_no"].map(pages["max"])
    # what the run's cell check finds: the one empty cell of the sample is empty in the PDF itself
    pos["flags"] = [[] for _ in range(len(pos))]
    ind["flags"] = [[] if pj else ["penanggung_jawab_empty_in_pdf"] for pj in ind["penanggung_jawab"]]
    aliases = nm.load_aliases(ALIASES) if ALIASES.exists() else nm.parse_aliases("")
    normalised = nm.normalise({"decrees": dec, "positions": pos, "indicators": ind}, aliases).tables
    out = {}
    for name, table in CURATED_TABLES.items():
        df = normalised[name][table.names].copy()
        for c in table.columns:  # the dtypes publish writes and a Parquet read gives back
            if str(c.type) == "int32":
                df[c.name] = df[c.name].astype("int32")
        out[name] = df
    return out


# --- suites ------------------------------------------------------------------------------------

def test_committed_suites_are_the_generated_ones():
    """Regenerate with `python -m pipeline.stages.validate --write-suites` after a schema or rule change."""
    built = v.build_suites()
    assert sorted(built) == sorted(CURATED_TABLES)  # scores/realisasi suites belong to pipeline/stages/score.py
    for name, suite in built.items():
        assert (v.SUITES_DIR / f"{name}.json").read_text(encoding="utf-8") == v.suite_text(suite), name


@pytest.mark.parametrize("name", sorted(CURATED_TABLES))
def test_suite_columns_and_types_follow_schema(name):
    table = CURATED_TABLES[name]
    exps = v.load_suites(v.SUITES_DIR)[name]["expectations"]
    by_type = {}
    for e in exps:
        by_type.setdefault(e["type"], []).append(e["kwargs"])
    (colset,) = by_type["expect_table_columns_to_match_set"]
    assert colset["exact_match"] is True
    assert colset["column_set"] == table.names + list(v.HELPERS.get(name, ()))
    typed = {k["column"]: k.get("type_") or k.get("type_list")
             for t in ("expect_column_values_to_be_of_type", "expect_column_values_to_be_in_type_list")
             for k in by_type.get(t, [])}
    want = {"string": "str", "int32": ["int32", "int64", "Int32Dtype", "Int64Dtype"],
            "list<item: string>": "list", "map<string, string>": "dict", "double": ["float64", "float32"]}
    assert typed == {c.name: want[str(c.type)] for c in table.columns}
    not_null = {k["column"] for k in by_type["expect_column_values_to_not_be_null"]}
    assert not_null == {c.name for c in table.columns if not c.nullable}
    keys = list(table.keys)
    uniq = ([k["column_list"] for k in by_type.get("expect_compound_columns_to_be_unique", [])]
            + [[k["column"]] for k in by_type.get("expect_column_values_to_be_unique", [])])
    assert keys in uniq


def test_every_expectation_has_action_and_meaning():
    gx = v._gx()
    for name, spec in v.load_suites(v.SUITES_DIR).items():
        if name not in CURATED_TABLES:
            continue
        for e in spec["expectations"]:
            meta = e["meta"]
            assert meta["action"] in v.ACTIONS, (name, e)
            assert meta["meaning"] and "\n" not in meta["meaning"], (name, e)
            # a warned row carries a flag where the table has flags; nothing but a warning flags
            assert bool(meta.get("flag")) == (meta["action"] == v.WARN and name in v.FLAGGED_TABLES), (name, e)
        suite = v._suite_object(gx, spec)  # GX accepts every expectation as written
        assert len(suite.expectations) == len(spec["expectations"])


def test_defaults_withhold_no_more_than_a_position_for_a_cell():
    """A misread cell (any row-level check of positions or indicators) costs at most its position;
    only a broken contract stops the run; the decree-wide checks are the decree's own rows."""
    suites = v.load_suites(v.SUITES_DIR)
    for name in ("positions", "indicators"):
        for e in suites[name]["expectations"]:
            contract = e["meta"]["check"] in ("type", "not null", "columns match contract", "has rows") or (
                e["meta"]["check"] == "unique" and e["meta"]["action"] == v.FAIL_RUN)
            assert e["meta"]["action"] in ((v.FAIL_RUN,) if contract else (v.WARN, v.DROP_POSITION)), e
    empty = {e["kwargs"]["column"]: e["meta"] for e in suites["indicators"]["expectations"]
             if e["meta"]["check"] == "not empty"}
    assert set(empty) == {"sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab"}
    assert all(m["action"] == v.DROP_POSITION and m["unless_flag"] == f"{c}_empty_in_pdf" for c, m in empty.items())
    decree = {e["meta"]["check"]: e["meta"]["action"] for e in suites["decrees"]["expectations"]}
    assert decree["has indicators"] == decree["has positions"] == v.DROP_DECREE


# --- the sample decree -------------------------------------------------------------------------

def _where(f: v.Failure) -> set:
    return {(r["position_no"], r["indicator_no"]) for r in f.rows}


def test_sample_decree_passes_with_known_warnings(tmp_path):
    report = v.validate_tables(sample_tables(), v.SUITES_DIR, tmp_path / "validation")
    assert report.ok, "\n".join(report.lines())
    assert report.critical == [] and report.not_evaluated == []
    # All are real: the decree prints an empty PENANGGUNG JAWAB cell for position 16 (KEPALA
    # BIDANG INFORMATIKA), indicator 1 "Tingkat Kematangan Tata Kelola SPBE", so nobody is named
    # and nothing can resolve; and position 9 prints its third indicator row twice.
    assert {f.title for f in report.warnings} == {"indicators.penanggung_jawab not empty",
                                                  "indicators.penanggung_jawab resolves to a position",
                                                  "indicators.indikator printed once"}
    for f in report.warnings:
        assert f.unexpected_count == 1 and f.rows[0]["source_file"] == SOURCE
        if f.check == "printed once":
            assert _where(f) == {(9, 3)} and f.rows[0]["jabatan"] == "PENELAAH TEKNIS KEBIJAKAN"
        else:
            assert _where(f) == {(16, 1)} and f.rows[0]["jabatan"] == "KEPALA BIDANG INFORMATIKA"


def test_ambiguous_position_key_is_a_warning():
    tables = sample_tables()
    pos = tables["positions"]
    pos.loc[pos.position_no == 5, "position_key"] = pos.loc[pos.position_no == 4, "position_key"].iloc[0]
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    assert report.ok
    (f,) = [f for f in report.warnings if f.title == "positions.position_key unique"]
    assert {r["position_no"] for r in f.rows} == {4, 5}


def _write_parquet(tables: dict[str, pd.DataFrame], directory: Path) -> None:
    import pyarrow as pa
    import pyarrow.parquet as pq

    directory.mkdir(parents=True, exist_ok=True)
    for name, df in tables.items():
        schema = CURATED_TABLES[name].arrow_schema()
        pq.write_table(pa.Table.from_pandas(df, schema=schema, preserve_index=False), directory / f"{name}.parquet")


def test_parquet_round_trip_passes(tmp_path):
    """Tables read back from Parquet (ndarray lists, map pairs, pandas 3 str dtype) still pass."""
    _write_parquet(sample_tables(), tmp_path / "curated")
    tables = v.read_tables(tmp_path / "curated")
    assert sorted(tables) == sorted(CURATED_TABLES)
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    assert report.ok, "\n".join(report.lines())
    assert len(report.warnings) == 3


def test_report_files(tmp_path):
    out = tmp_path / "validation"
    tables = sample_tables()
    ind = tables["indicators"]
    ind.loc[(ind.position_no == 2) & (ind.indicator_no == 1), "formulasi"] = ""
    report = v.validate_tables(tables, v.SUITES_DIR, out)
    assert (out / "index.html").is_file()
    pages = {p.parent.parent.parent.name for p in (out / "validations").rglob("*.html")}
    assert pages == set(CURATED_TABLES) | {"indicators" + v.FAILED_PAGE}  # every check, then the failed in detail
    failed_page = next((out / "validations" / ("indicators" + v.FAILED_PAGE)).rglob("*.html")).read_text("utf-8")
    assert "formulasi" in failed_page and "expect_table_columns_to_match_set" not in failed_page
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["ok"] is False and summary["seconds"] == round(report.seconds, 3)
    (crit,) = [f for f in summary["critical"] if f["check"] == "not empty"]
    assert crit["table"] == "indicators" and crit["columns"] == ["formulasi"]
    assert crit["meaning"] and crit["severity"] == "critical"
    (row,) = crit["rows"]
    assert row["source_file"] == SOURCE and row["position_no"] == 2 and row["indicator_no"] == 1
    assert row["page"] == int(ind.loc[(ind.position_no == 2) & (ind.indicator_no == 1), "page"].iloc[0])
    assert row["jabatan"] == "KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN"
    assert row["values"] == {"formulasi": ""}
    assert len(summary["warnings"]) == 3
    line = next(s for s in report.lines() if s.startswith("CRITICAL indicators.formulasi not empty"))
    assert line == (f"CRITICAL indicators.formulasi not empty: {SOURCE} p.{row['page']} position 2 "
                    f"(KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN) indicator 1: formulasi=''")
    # a second run replaces the report instead of piling up old result pages
    v.validate_tables(sample_tables(), v.SUITES_DIR, out)
    assert len(list((out / "validations").rglob("*.html"))) == len(CURATED_TABLES) + 1  # the sample's warnings
    assert json.loads((out / "summary.json").read_text(encoding="utf-8"))["ok"] is True


# --- broken annexes ----------------------------------------------------------------------------

def _rows(df: pd.DataFrame, position_no: int, indicator_no: int | None = None) -> pd.Series:
    m = df.position_no == position_no
    return m & (df.indicator_no == indicator_no) if indicator_no is not None else m


def _missing_column(t):
    t["indicators"] = t["indicators"].drop(columns=["formulasi"])
    return None


def _empty_formula(t):
    ind = t["indicators"]
    ind.loc[_rows(ind, 3, 2), "formulasi"] = "  "
    return (3, 2)


def _position_without_indicators(t):
    t["indicators"] = t["indicators"][t["indicators"].position_no != 5].reset_index(drop=True)
    return (5, None)


def _duplicated_row(t):
    ind = t["indicators"]
    dup = ind[_rows(ind, 7, 2)]
    t["indicators"] = pd.concat([ind, dup], ignore_index=True)
    return (7, 2)


def _fraction_without_denominator(t):
    ind = t["indicators"]
    ind.loc[_rows(ind, 24, 1), "penyebut"] = None
    return (24, 1)


def _page_beyond_decree(t):
    ind = t["indicators"]
    ind.loc[_rows(ind, 26, 2), "page"] = 31
    t["positions"].loc[t["positions"].position_no == 26, "page_last"] = 31
    return (26, 2)


def _jenis_formula_unknown(t):
    ind = t["indicators"]
    ind.loc[_rows(ind, 1, 7), "jenis_formula"] = "rasio"
    return (1, 7)


BROKEN = {
    # name: (breaker, table, check, column)
    "missing column": (_missing_column, "indicators", "columns match contract", None),
    "empty formula cell": (_empty_formula, "indicators", "not empty", "formulasi"),
    "position without indicators": (_position_without_indicators, "positions", "has indicators", None),
    "duplicated row": (_duplicated_row, "indicators", "unique", None),
    "fraction without denominator": (_fraction_without_denominator, "indicators", "fraction complete", None),
    "page beyond n_pages": (_page_beyond_decree, "indicators", "page <= n_pages", "page"),
    "jenis_formula outside its set": (_jenis_formula_unknown, "indicators", "jenis_formula in set", "jenis_formula"),
}


@pytest.mark.parametrize("case", list(BROKEN))
def test_broken_annex_fails_with_the_right_expectation(case, tmp_path):
    breaker, table, check, column = BROKEN[case]
    tables = sample_tables()
    where = breaker(tables)
    report = v.validate_tables(tables, v.SUITES_DIR, tmp_path / "validation")
    assert not report.ok and report.exit_code() == 1
    hits = [f for f in report.critical if f.table == table and f.check == check
            and (column is None or column in f.columns)]
    assert hits, "\n".join(report.lines())
    f = hits[0]
    assert f.meaning and f.severity == "critical"
    if where is None:  # a table-level failure names the file(s) and what is wrong
        assert f.files == [SOURCE]
        assert f.observed == {"missing": ["formulasi"], "unexpected": []}
        assert {x.columns[0] for x in report.not_evaluated} >= {"formulasi"}
        assert all(x.check == "columns match contract" for x in report.critical)
        return
    pos, ind = where
    rows = [r for r in f.rows if r["position_no"] == pos and (ind is None or r["indicator_no"] == ind)]
    assert rows, f.rows
    r = rows[0]
    assert r["source_file"] == SOURCE and isinstance(r["page"], int) and 1 <= r["page"] <= 31
    assert r["jabatan"]
    assert any(f"position {pos} (" in line for line in f.lines())


def test_duplicated_row_also_breaks_contiguity(tmp_path):
    tables = sample_tables()
    _duplicated_row(tables)
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    checks = {(f.table, f.check) for f in report.critical}
    assert ("indicators", "unique") in checks and ("indicators", "contiguous from 1") in checks


def test_verdict_covers_every_offending_row_once(tmp_path):
    """Issue 21: seven positions with a blank formula each (more than the rows shown) are all
    withheld, nothing else; the decree's own gap and the warnings become flags, not withholding."""
    tables = sample_tables()
    ind = tables["indicators"]
    broken = [(p, 1) for p in (2, 4, 6, 8, 10, 12, 14)]
    for p, i in broken:
        ind.loc[_rows(ind, p, i), "formulasi"] = ""
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    (f,) = [f for f in report.critical if f.title == "indicators.formulasi not empty"]
    assert len(f.rows) == v.MAX_ROWS and len(f.units) == len(broken) == f.unexpected_count
    verdict = v.decide(report)
    assert not verdict.fail_run
    assert set(verdict.withheld) == {(DECREE_ID, p) for p, _ in broken}
    assert all(u["indicator_no"] == 1 and u["source_file"] == SOURCE for fs in verdict.withheld.values() for _, u in fs)
    assert verdict.flags == {("indicators", DECREE_ID, 16, 1): {"penanggung_jawab_unresolved"},
                             ("indicators", DECREE_ID, 9, 3): {"printed_twice"}}
    flagged = v.add_flags(tables, verdict.flags)["indicators"]
    row = flagged[_rows(flagged, 16, 1)].iloc[0]
    assert row["flags"] == ["penanggung_jawab_empty_in_pdf", "penanggung_jawab_unresolved"]


def test_broken_contract_fails_the_run():
    tables = sample_tables()
    _duplicated_row(tables)
    verdict = v.decide(v.validate_tables(tables, v.SUITES_DIR, None))
    assert "indicators.decree_id unique" in {f.title for f in verdict.fail_run}  # the key (decree_id, ...)
    tables = sample_tables()
    _missing_column(tables)
    verdict = v.decide(v.validate_tables(tables, v.SUITES_DIR, None))
    assert "indicators columns match contract" in {f.title for f in verdict.fail_run}


def test_warnings_fail_only_when_strict(tmp_path):
    tables = sample_tables()
    tables["decrees"]["nomor"] = "TENTANG"
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    assert report.ok and report.exit_code() == 0 and report.exit_code(strict=True) == 1
    assert "decrees.nomor shape" in {f.title for f in report.warnings}


def test_empty_tables_are_critical():
    tables = {name: df.iloc[0:0] for name, df in sample_tables().items()}
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    assert {(f.table, f.check) for f in report.critical} == {(n, "has rows") for n in CURATED_TABLES}


def test_missing_table_is_critical():
    tables = sample_tables()
    del tables["indicator_catalog"]
    report = v.validate_tables(tables, v.SUITES_DIR, None)
    assert ("indicator_catalog", "present") in {(f.table, f.check) for f in report.critical}


def test_failed_validation_leaves_curated_byte_identical(tmp_path):
    """The gate publish runs: validate the staging tables, replace curated/ only when ok."""
    curated, staging = tmp_path / "curated", tmp_path / "staging"
    _write_parquet(sample_tables(), curated)
    before = {p.name: p.read_bytes() for p in curated.iterdir()}
    broken = sample_tables()
    _fraction_without_denominator(broken)
    _write_parquet(broken, staging)
    report = v.validate_tables(v.read_tables(staging), v.SUITES_DIR, tmp_path / "validation")
    if report.ok:  # what publish does; must not happen here
        shutil.rmtree(curated)
        staging.rename(curated)
    assert not report.ok
    assert {p.name: p.read_bytes() for p in curated.iterdir()} == before


def test_cli_exit_codes(tmp_path):
    good, bad = tmp_path / "good", tmp_path / "bad"
    _write_parquet(sample_tables(), good)
    broken = sample_tables()
    _empty_formula(broken)
    _write_parquet(broken, bad)
    rep = ["--report", str(tmp_path / "validation")]
    assert v.main([str(good), *rep]) == 0
    assert v.main([str(good), *rep, "--strict"]) == 1  # the sample's two real warnings
    assert v.main([str(bad), *rep]) == 1


@pytest.mark.parametrize("nomor, ok", [
    ("188/15/416-113/2025", True), ("188.45/ /KPTS/416-012/2024", True), ("800/123/KPTS/2024", True),
    ("061/12/2024", True), ("12 TAHUN 2024", True),
    ("TENTANG", False), ("188/15/416-113", False), ("", False), ("INDIKATOR KINERJA INDIVIDU 2025", False),
])
def test_nomor_shape(nomor, ok):
    import re

    assert bool(re.search(v.NOMOR_REGEX, nomor)) is ok
