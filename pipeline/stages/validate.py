"""Validate stage: nothing reaches curated/ unless it passes the expectation suites.

The suites in pipeline/defaults/expectations/*.json are generated from pipeline.schema (columns, types,
nullability, keys) plus the semantic rules below, so the contract is typed once; the files
are committed so a rule change shows up in review. Rules that span tables (contiguous
numbering, a position without indicators, page <= n_pages, penanggung_jawab resolving) are
kept as ordinary Great Expectations expectations on helper columns (prefixed "_") that this
module joins onto each table before validating, so every rule appears in Data Docs with its
action and meaning.

Each expectation declares an action (meta "action"): `warn` publishes the offending rows with the
expectation's flag in their `flags`; `drop_position` withholds the positions its rows belong to;
`drop_decree` the decrees; `fail_run` publishes nothing. Validation runs once on everything read and
`decide` turns every offending row (all of them, not a sample) into that verdict, so a bad cell
costs its position and nothing else.

    python -m pipeline.stages.validate --write-suites          # regenerate pipeline/defaults/expectations/*.json
    python -m pipeline.stages.validate [CURATED_DIR] [--strict] # validate *.parquet, exit 1 on failure
"""
from __future__ import annotations

import argparse
import html
import importlib
import json
import math
import multiprocessing
import os
import shutil
import sys
import time
import traceback
import types
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from pipeline.core.schema import (
    CONTRACT_VERSION,
    CURATED_TABLES,
    F64,
    I32,
    LIST_STR,
    MAP_STR,
    STR,
    Table,
)
from pipeline.core.settings import DEFAULT_EXPECTATIONS, Settings
from pipeline.core.text import shorten
from pipeline.stages.cells import EMPTY_IN_PDF, REQUIRED

SUITES_DIR = DEFAULT_EXPECTATIONS  # `--write-suites` (make docs) writes the package's defaults here
REPORT_DIR = Settings.reports / "validation"
FAILED_PAGE = "_failed"  # Data Docs page of a table's failed expectations, with their values and rows

CRITICAL = "critical"
WARNING = "warning"
# What a failed expectation costs, smallest first. Defaults: a misread cell withholds its position.
WARN, DROP_POSITION, DROP_DECREE, FAIL_RUN = "warn", "drop_position", "drop_decree", "fail_run"
ACTIONS = (WARN, DROP_POSITION, DROP_DECREE, FAIL_RUN)
FLAGGED_TABLES = ("positions", "indicators")  # the tables with a `flags` column
JENIS_FORMULA = ("persentase", "jumlah", "rata_rata", "indeks", "nilai")
# "188/15/416-113/2025", "188.45/ /KPTS/416-012/2024" (slot left blank for the hand-written
# number), "800/123/KPTS/2024"; or "12 TAHUN 2024". Ends with a year either way.
NOMOR_REGEX = r"^(?:[0-9A-Za-z][0-9A-Za-z.\-]*(?: ?/ ?[0-9A-Za-z.\-]*)*/ ?(?:19|20)\d\d|\d+[A-Za-z]? TAHUN (?:19|20)\d\d)$"
TAHUN_REGEX = r"(?:19|20)\d\d"
NOT_BLANK_REGEX = r"\S"
PERCENT_REGEX = r"(?i)[x×*]\s*100\s*%"
DECREE_ID_REGEX = r"^[0-9a-f]{16}$"
MAX_ROWS = 5  # offending rows shown per failed expectation (all of them decide, see `units`)

# Helper columns this module adds before validation (see _prepare); the suites list them so the
# column-set check stays exact.
HELPERS: dict[str, tuple[str, ...]] = {
    "decrees": ("_n_positions", "_n_indicators"),
    "positions": ("_n_pages", "_n_indicators"),
    "indicators": ("_n_pages", "_position_exists", "_page_in_position_pages", "_expected_indicator_no",
                   "_fraction_parts", "_persentase_has_base", "_penanggung_jawab_resolves", "_in_catalog",
                   "_printed_once"),
}
NOT_EMPTY_TABLES = ("decrees", "positions", "indicators", "indicator_catalog")
# Required text: must be non-blank. An indicator cell the parse left empty withholds its position,
# unless its box on the page holds no text (flag <column>_empty_in_pdf, see pipeline.stages.cells):
# decrees do leave cells empty (the sample, position 16 indicator 1, penanggung jawab). A catalogue
# entry is derived from indicator rows, which decide their own positions; it is rebuilt from the
# rows published, so it only warns.
REQUIRED_TEXT: dict[str, dict[str, str]] = {
    "decrees": {"source_file": DROP_DECREE},
    "positions": {"jabatan": DROP_POSITION},
    "indicators": {c: DROP_POSITION for c in REQUIRED},
    "indicator_catalog": {"indikator": WARN},
}


# --- suites ---------------------------------------------------------------------------------

def _expect(kind: str, action: str, check: str, meaning: str, show: tuple[str, ...] = (), flag: str = "",
            unless: str = "", **kwargs) -> dict:
    """One expectation as suite data. `flag`: what a warned row carries in `flags`; `unless`: rows
    already carrying this flag only warn (the decree's own gap, not a misread)."""
    meta = {"action": action, "check": check, "meaning": meaning}
    if show:
        meta["show"] = list(show)
    if flag:
        meta["flag"] = flag
    if unless:
        meta["unless_flag"] = unless
    # notes repeat the meta because Data Docs render notes, not meta
    note = f"{action.upper()}: {meaning}" + (f" (rows flagged {unless}: warn)" if unless else "")
    return {"type": kind, "kwargs": kwargs, "meta": meta, "notes": note}


def severity_of(action: str) -> str:
    return WARNING if action == WARN else CRITICAL


def _type_expectation(table: Table, col) -> dict | None:
    """Pandas-side type check for an arrow type; None where GE has no way to say it."""
    what = f"{col.name} is {col.type} ({col.en})"
    if col.type == STR:
        # expect_column_values_to_be_in_type_list(["str"]) fails on pandas 3's str dtype
        # (it compares the dtype object with the class str); _of_type compares dtype.type.
        return _expect("expect_column_values_to_be_of_type", FAIL_RUN, "type", what, column=col.name, type_="str")
    if col.type == I32:
        # int64 is accepted: publish casts to int32 and would fail loudly on overflow.
        return _expect("expect_column_values_to_be_in_type_list", FAIL_RUN, "type", what, column=col.name,
                       type_list=["int32", "int64", "Int32Dtype", "Int64Dtype"])
    if col.type == F64:
        return _expect("expect_column_values_to_be_in_type_list", FAIL_RUN, "type", what, column=col.name,
                       type_list=["float64", "float32"])
    if col.type == LIST_STR:
        return _expect("expect_column_values_to_be_of_type", FAIL_RUN, "type", what, column=col.name, type_="list")
    if col.type == MAP_STR:
        return _expect("expect_column_values_to_be_of_type", FAIL_RUN, "type", what, column=col.name, type_="dict")
    return None


def _contract_expectations(table: Table) -> list[dict]:
    """Columns, types, nullability and keys, straight from pipeline.schema: a broken contract fails the run."""
    helpers = HELPERS.get(table.name, ())
    out = [_expect("expect_table_columns_to_match_set", FAIL_RUN, "columns match contract",
                   f"{table.name} has exactly the contract-v{CONTRACT_VERSION} columns"
                   + (f" (plus this stage's helper columns {', '.join(helpers)})" if helpers else ""),
                   column_set=[*table.names, *helpers], exact_match=True)]
    for col in table.columns:
        if (e := _type_expectation(table, col)) is not None:
            out.append(e)
    for col in table.columns:
        if not col.nullable:
            out.append(_expect("expect_column_values_to_not_be_null", FAIL_RUN, "not null",
                               f"{col.name} is always filled ({col.en})", column=col.name))
    keys = list(table.keys)
    if len(keys) == 1:
        out.append(_expect("expect_column_values_to_be_unique", FAIL_RUN, "unique",
                           f"{keys[0]} identifies one row of {table.name}", column=keys[0]))
    else:
        out.append(_expect("expect_compound_columns_to_be_unique", FAIL_RUN, "unique",
                           f"({', '.join(keys)}) identifies one row of {table.name}", column_list=keys))
    if table.name in NOT_EMPTY_TABLES:
        out.append(_expect("expect_table_row_count_to_be_between", FAIL_RUN, "has rows",
                           f"{table.name} is not empty: publishing no rows would wipe curated/", min_value=1))
    for name, action in REQUIRED_TEXT.get(table.name, {}).items():
        unless = EMPTY_IN_PDF.format(name) if table.name == "indicators" else ""
        out.append(_expect("expect_column_values_to_match_regex", action, "not empty",
                           f"{name} is not blank ({table.column(name).en})", unless=unless, column=name, regex=NOT_BLANK_REGEX))
    return out


def _semantic_expectations(name: str) -> list[dict]:
    """The rules of issue 4 that are not plain column facts, each with the smallest unit it costs."""
    e = _expect
    if name == "decrees":
        return [
            e("expect_column_values_to_match_regex", FAIL_RUN, "decree_id shape",
              "decree_id is the first 16 hex characters of the PDF's SHA-256", column="decree_id",
              regex=DECREE_ID_REGEX),
            e("expect_column_values_to_be_unique", FAIL_RUN, "unique",
              "one decree per source file", column="source_file"),
            e("expect_column_values_to_be_between", DROP_DECREE, "n_pages >= 1",
              "the PDF has at least one page", column="n_pages", min_value=1),
            e("expect_column_values_to_match_regex", WARN, "nomor shape",
              "nomor looks like a decree number, e.g. 188/15/416-113/2025 (ends with a year)",
              column="nomor", regex=NOMOR_REGEX),
            e("expect_column_values_to_match_regex", WARN, "tanggal has a year",
              "tanggal includes a year, e.g. JANUARI 2025", column="tanggal", regex=TAHUN_REGEX),
            e("expect_column_values_to_be_between", DROP_DECREE, "has positions",
              "the decree has at least one position block (none means the parser found no table)",
              show=("nomor",), column="_n_positions", min_value=1),
            e("expect_column_values_to_be_between", DROP_DECREE, "has indicators",
              "the decree has at least one indicator (none means no table of it could be read)",
              show=("nomor",), column="_n_indicators", min_value=1),
        ]
    if name == "positions":
        return [
            # position_no is the parse's count of blocks; a gap in curated/ is a position withheld
            e("expect_column_values_to_be_between", DROP_POSITION, "position_no >= 1",
              "position_no is the 1-based order of the block in the decree (a gap in curated/ is a withheld "
              "position, named in reports/failures.csv)", column="position_no", min_value=1),
            e("expect_column_values_to_be_between", DROP_POSITION, "has indicators",
              "every position has at least one indicator", column="_n_indicators", min_value=1),
            e("expect_column_values_to_be_between", DROP_POSITION, "page_first >= 1",
              "page_first is a 1-based page number", column="page_first", min_value=1),
            e("expect_column_pair_values_a_to_be_greater_than_b", DROP_POSITION, "page_first <= page_last",
              "a position block does not end before it starts",
              column_A="page_last", column_B="page_first", or_equal=True),
            e("expect_column_pair_values_a_to_be_greater_than_b", DROP_POSITION, "page_last <= n_pages",
              "a position block lies within the decree's pages (n_pages from decrees; missing = unknown decree_id)",
              column_A="_n_pages", column_B="page_last", or_equal=True),
            e("expect_column_values_to_be_unique", WARN, "unique",
              "position_key names one position of the decree, so penanggung_jawab_key is unambiguous",
              show=("jabatan_key", "unit"), flag="position_key_repeated", column="position_key"),
        ]
    if name == "indicators":
        return [
            e("expect_column_values_to_be_in_set", DROP_POSITION, "position exists",
              "every indicator belongs to a row of positions (same decree_id, position_no)",
              column="_position_exists", value_set=[True]),
            e("expect_column_pair_values_to_be_equal", DROP_POSITION, "contiguous from 1",
              "indicator_no runs 1, 2, 3 ... within a position, without gaps or repeats",
              column_A="indicator_no", column_B="_expected_indicator_no"),
            e("expect_column_values_to_be_between", DROP_POSITION, "sasaran_no >= 1",
              "sasaran_no is 1-based", column="sasaran_no", min_value=1),
            e("expect_column_values_to_be_between", DROP_POSITION, "page >= 1",
              "page is a 1-based page number", column="page", min_value=1),
            e("expect_column_pair_values_a_to_be_greater_than_b", DROP_POSITION, "page <= n_pages",
              "an indicator's page lies within the decree's n_pages (missing = unknown decree_id)",
              column_A="_n_pages", column_B="page", or_equal=True),
            e("expect_column_values_to_be_in_set", WARN, "page within position",
              "an indicator starts on a page of its position block (page_first..page_last)",
              show=("page",), flag="page_outside_position", column="_page_in_position_pages", value_set=[True]),
            e("expect_column_values_to_be_in_set", DROP_POSITION, "fraction complete",
              "pembilang and penyebut are both set or both empty: half a fraction means a cell was split wrongly",
              show=("pembilang", "penyebut", "formulasi"), column="_fraction_parts", value_set=["none", "both"]),
            e("expect_column_values_to_be_in_set", DROP_POSITION, "jenis_formula in set",
              f"jenis_formula is one of {', '.join(JENIS_FORMULA)}", column="jenis_formula",
              value_set=list(JENIS_FORMULA)),
            e("expect_column_values_to_be_in_set", WARN, "persentase has a base",
              "a persentase formula has a penyebut or says 'x 100%'",
              show=("formulasi", "jenis_formula", "penyebut"), flag="persentase_without_base",
              column="_persentase_has_base", value_set=[True]),
            e("expect_column_values_to_be_in_set", WARN, "resolves to a position",
              "penanggung_jawab resolves (penanggung_jawab_key) to a position of the same decree",
              show=("penanggung_jawab", "penanggung_jawab_key"), flag="penanggung_jawab_unresolved",
              column="_penanggung_jawab_resolves", value_set=[True]),
            e("expect_column_values_to_be_in_set", WARN, "printed once",
              "an indicator row (sasaran, indikator, formulasi, sumber data, penanggung jawab) is not printed "
              "twice in one position: a duplicated row", show=("indikator", "sasaran", "formulasi"),
              flag="printed_twice", column="_printed_once", value_set=[True]),
            e("expect_column_values_to_be_in_set", DROP_POSITION, "in catalog",
              "indikator_key is listed in indicator_catalog", show=("indikator_key", "indikator"),
              column="_in_catalog", value_set=[True]),
        ]
    if name == "indicator_catalog":
        return [
            e("expect_column_values_to_be_between", FAIL_RUN, "n_positions >= 1",
              "a catalogue entry is carried by at least one position", column="n_positions", min_value=1),
            e("expect_column_values_to_be_between", FAIL_RUN, "n_decrees >= 1",
              "a catalogue entry is carried by at least one decree", column="n_decrees", min_value=1),
            e("expect_column_values_to_be_in_set", WARN, "jenis_formula in set",
              f"jenis_formula is one of {', '.join(JENIS_FORMULA)}", column="jenis_formula",
              value_set=list(JENIS_FORMULA)),
        ]
    return []


def build_suites() -> dict[str, dict]:
    """Suite JSON per curated table, in the layout a file-backed GX 1.x context stores."""
    suites = {}
    for name, table in CURATED_TABLES.items():
        suites[name] = {
            "name": name,
            "expectations": _contract_expectations(table) + _semantic_expectations(name),
            "meta": {"contract_version": CONTRACT_VERSION, "table": name,
                     "generated_by": "python -m pipeline.stages.validate --write-suites",
                     "description": table.en},
            "notes": None,
        }
    return suites


def suite_text(suite: dict) -> str:
    return json.dumps(suite, indent=2, ensure_ascii=False, sort_keys=False) + "\n"


def write_suites(suites_dir: Path = SUITES_DIR) -> list[Path]:
    suites_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for name, suite in build_suites().items():
        path = suites_dir / f"{name}.json"
        path.write_text(suite_text(suite), encoding="utf-8")
        written.append(path)
    return written


def load_suites(suites_dir: Path) -> dict[str, dict]:
    return {p.stem: json.loads(p.read_text(encoding="utf-8")) for p in sorted(Path(suites_dir).glob("*.json"))}


# --- helper columns ----------------------------------------------------------------------------

def _is_set(s: pd.Series) -> pd.Series:
    return s.notna() & (s.astype("string").str.strip().fillna("") != "")


def _plain(v):
    """Arrow round-trips give ndarray for lists and [(k, v)] for maps; GE checks Python types."""
    if hasattr(v, "tolist") and not isinstance(v, (str, bytes)):
        v = v.tolist()
    return v


def _to_map(v):
    v = _plain(v)
    if isinstance(v, list) and all(isinstance(x, (tuple, list)) and len(x) == 2 for x in v):
        return {k: x for k, x in v}
    return v


def _restore_representation(name: str, df: pd.DataFrame) -> pd.DataFrame:
    table = CURATED_TABLES.get(name)
    if table is None:
        return df
    for col in table.columns:
        if col.name in df.columns and col.type == LIST_STR:
            df[col.name] = df[col.name].map(_plain)
        elif col.name in df.columns and col.type == MAP_STR:
            df[col.name] = df[col.name].map(_to_map)
    return df


def _has(df: pd.DataFrame | None, *cols: str) -> bool:
    return df is not None and all(c in df.columns for c in cols)


def _lookup(df: pd.DataFrame, keys: list[str], other: pd.DataFrame | None, value: str) -> pd.Series:
    """other[value] for each row of df matched on keys (first match), NA where absent."""
    if not _has(df, *keys) or not _has(other, *keys, value):
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    right = other[[*keys, value]].drop_duplicates(keys)
    merged = df[keys].merge(right, on=keys, how="left")
    return pd.Series(merged[value].to_numpy(), index=df.index)


def _expected_seq(df: pd.DataFrame, group: list[str], col: str) -> pd.Series:
    if not _has(df, *group, col):
        return pd.Series([None] * len(df), index=df.index, dtype=object)
    order = df.sort_values([*group, col], kind="stable")
    return order.groupby(group, sort=False).cumcount().add(1).reindex(df.index)


def _prepare(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Copies of the tables with the helper columns the cross-table rules are written on."""
    t = {n: _restore_representation(n, df.reset_index(drop=True).copy()) for n, df in tables.items()}
    dec, pos, ind, cat = (t.get(n) for n in ("decrees", "positions", "indicators", "indicator_catalog"))
    dk, pk = ["decree_id"], ["decree_id", "position_no"]

    if dec is not None:
        for helper, rows in (("_n_positions", pos), ("_n_indicators", ind)):
            counts = rows.groupby("decree_id").size() if _has(rows, "decree_id") else None
            dec[helper] = (dec["decree_id"].map(counts).fillna(0).astype("int64")
                           if counts is not None and "decree_id" in dec else None)
    if pos is not None:
        pos["_n_pages"] = _lookup(pos, dk, dec, "n_pages")
        if _has(pos, *pk) and _has(ind, *pk):
            n = ind.groupby(pk).size().rename("_n").reset_index()
            pos["_n_indicators"] = pos[pk].merge(n, on=pk, how="left")["_n"].fillna(0).astype("int64").to_numpy()
        else:
            pos["_n_indicators"] = None
    if ind is not None:
        ind["_n_pages"] = _lookup(ind, dk, dec, "n_pages")
        if _has(ind, *pk) and _has(pos, *pk):
            keys = pd.MultiIndex.from_frame(pos[pk])
            ind["_position_exists"] = pd.MultiIndex.from_frame(ind[pk]).isin(keys)
        else:
            ind["_position_exists"] = None
        first, last = _lookup(ind, pk, pos, "page_first"), _lookup(ind, pk, pos, "page_last")
        if "page" in ind:
            ok = (ind["page"] >= first) & (ind["page"] <= last)
            ind["_page_in_position_pages"] = ok.where(first.notna() & last.notna() & ind["page"].notna(), None)
        else:
            ind["_page_in_position_pages"] = None
        ind["_expected_indicator_no"] = _expected_seq(ind, pk, "indicator_no")
        if _has(ind, "pembilang", "penyebut"):
            a, b = _is_set(ind["pembilang"]), _is_set(ind["penyebut"])
            parts = pd.Series("none", index=ind.index, dtype=object)
            parts[a & b], parts[a & ~b], parts[~a & b] = "both", "pembilang only", "penyebut only"
            ind["_fraction_parts"] = parts
        else:
            ind["_fraction_parts"] = None
        if _has(ind, "jenis_formula", "formulasi", "penyebut"):
            percent = ind["formulasi"].astype("string").str.contains(PERCENT_REGEX, regex=True).fillna(False)
            base = _is_set(ind["penyebut"]) | percent
            ind["_persentase_has_base"] = (ind["jenis_formula"] != "persentase") | base
        else:
            ind["_persentase_has_base"] = None
        if _has(ind, "decree_id", "penanggung_jawab_key") and _has(pos, "decree_id", "position_key"):
            known = pd.MultiIndex.from_frame(pos[["decree_id", "position_key"]])
            probe = pd.MultiIndex.from_frame(ind[["decree_id", "penanggung_jawab_key"]])
            ind["_penanggung_jawab_resolves"] = probe.isin(known) & ind["penanggung_jawab_key"].notna()
        else:
            ind["_penanggung_jawab_resolves"] = None
        row_cols = ["decree_id", "position_no", "sasaran", "indikator", "formulasi", "sumber_data", "penanggung_jawab"]
        ind["_printed_once"] = ~ind.duplicated(row_cols, keep="first") if _has(ind, *row_cols) else None
        if _has(ind, "indikator_key") and _has(cat, "indikator_key"):
            ind["_in_catalog"] = ind["indikator_key"].isin(set(cat["indikator_key"].dropna()))
        else:
            ind["_in_catalog"] = None
    for name, df in t.items():  # all-None helpers become object columns GE skips as null
        for h in HELPERS.get(name, ()):
            if h in df and df[h].isna().all():
                df[h] = pd.Series([None] * len(df), index=df.index, dtype=object)
    return t


def _context_frame(name: str, t: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Where each row comes from: decree_id, source_file, page, position_no, jabatan, indicator_no."""
    df = t[name]
    out = pd.DataFrame(index=df.index)
    out["decree_id"] = df["decree_id"] if "decree_id" in df else None
    out["source_file"] = (_lookup(df, ["decree_id"], t.get("decrees"), "source_file")
                          if name != "decrees" else df.get("source_file"))
    page = "page" if "page" in df else "page_first" if "page_first" in df else None
    out["page"] = df[page] if page else None
    out["position_no"] = df["position_no"] if "position_no" in df else None
    out["jabatan"] = (df["jabatan"] if "jabatan" in df
                      else _lookup(df, ["decree_id", "position_no"], t.get("positions"), "jabatan"))
    out["indicator_no"] = df["indicator_no"] if "indicator_no" in df else None
    return out


# --- running ---------------------------------------------------------------------------------

@dataclass
class Failure:
    table: str
    expectation: str
    columns: list[str]
    severity: str
    check: str
    meaning: str
    unexpected_count: int | None = None
    observed: Any = None
    rows: list[dict] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    error: str | None = None
    column: str | None = None  # the table column a reader should look at (not a helper column)
    action: str = FAIL_RUN
    flag: str = ""  # warn: what the offending rows carry in `flags`
    units: list[dict] = field(default_factory=list)  # every offending row: where it is, and `excused` (unless_flag)

    @property
    def title(self) -> str:
        if self.column and self.check.startswith(self.column + " "):
            return f"{self.table}.{self.check}"
        return f"{self.table}.{self.column} {self.check}" if self.column else f"{self.table} {self.check}"

    def lines(self) -> list[str]:
        head = f"{self.severity.upper()} {self.title}"
        if self.error:
            return [f"{head}: not evaluated: {self.error}"]
        if not self.rows:
            return [f"{head}: {', '.join(self.files) or '?'}: observed {_short(self.observed)}"]
        out = [f"{head}: {_where(r)}: {', '.join(f'{k}={_short(v)}' for k, v in r['values'].items())}"
               for r in self.rows]
        if self.unexpected_count and self.unexpected_count > len(self.rows):
            out.append(f"{head}: ... {self.unexpected_count - len(self.rows)} more")
        return out


def _where(r: dict) -> str:
    parts = [r.get("source_file") or "?"]
    if r.get("page") is not None:
        parts.append(f"p.{r['page']}")
    if r.get("position_no") is not None:
        parts.append(f"position {r['position_no']}" + (f" ({r['jabatan']})" if r.get("jabatan") else ""))
    if r.get("indicator_no") is not None:
        parts.append(f"indicator {r['indicator_no']}")
    return " ".join(parts)


def _short(v, n: int = 80) -> str:
    return shorten(repr(v), n)


def _json_safe(v):
    v = _plain(v)
    if isinstance(v, dict):
        return {str(k): _json_safe(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_json_safe(x) for x in v]
    if isinstance(v, float) and math.isnan(v):
        return None
    if v is pd.NA or v is pd.NaT:
        return None
    if hasattr(v, "item"):  # numpy scalar
        return v.item()
    return v


@dataclass
class ValidationReport:
    critical: list[Failure] = field(default_factory=list)
    warnings: list[Failure] = field(default_factory=list)
    not_evaluated: list[Failure] = field(default_factory=list)
    tables: dict[str, dict] = field(default_factory=dict)
    seconds: float = 0.0
    docs_index: str | None = None

    @property
    def ok(self) -> bool:
        return not self.critical

    def exit_code(self, strict: bool = False) -> int:
        return 1 if self.critical or (strict and self.warnings) else 0

    def lines(self) -> list[str]:
        out = []
        for f in [*self.critical, *self.warnings, *self.not_evaluated]:
            out.extend(f.lines())
        n = sum(t["expectations"] for t in self.tables.values())
        out.append(f"validation: {n} expectations on {len(self.tables)} tables, {len(self.critical)} critical, "
                   f"{len(self.warnings)} warnings, {len(self.not_evaluated)} not evaluated, {self.seconds:.2f}s"
                   + (f"; Data Docs {self.docs_index}" if self.docs_index else ""))
        return out

    def to_dict(self) -> dict:
        return {"ok": self.ok, "contract_version": CONTRACT_VERSION, "seconds": round(self.seconds, 3),
                "tables": self.tables, "docs_index": self.docs_index,
                "critical": [asdict(f) for f in self.critical], "warnings": [asdict(f) for f in self.warnings],
                "not_evaluated": [asdict(f) for f in self.not_evaluated]}


Unit = tuple[str, "int | None"]  # (decree_id, position_no); None: the whole decree


@dataclass
class Verdict:
    """What one validation decided for every unit it read: withheld decrees and positions (with
    each failure and offending row that withholds them), flags to add to rows, and the failures
    that stop the whole publish."""
    withheld: dict[Unit, list[tuple[Failure, dict]]] = field(default_factory=dict)
    flags: dict[tuple, set[str]] = field(default_factory=dict)  # (table, decree_id, position_no[, indicator_no])
    fail_run: list[Failure] = field(default_factory=list)


def decide(report: ValidationReport) -> Verdict:
    """Each failed expectation's action applied to all its offending rows, once. A row-level action
    whose failure names no row cannot be pinned on a unit, so it stops the run."""
    verdict = Verdict()
    for f in [*report.critical, *report.warnings]:
        if f.action == FAIL_RUN or (f.action != WARN and not f.units):
            verdict.fail_run.append(f)
            continue
        for u in f.units:
            if f.action == WARN or u["excused"]:
                if f.flag and f.table in FLAGGED_TABLES:
                    key = (f.table, u["decree_id"], u["position_no"]) + (
                        (u["indicator_no"],) if f.table == "indicators" else ())
                    verdict.flags.setdefault(key, set()).add(f.flag)
                continue
            position = u["position_no"] if f.action == DROP_POSITION else None
            verdict.withheld.setdefault((u["decree_id"], position), []).append((f, u))
    return verdict


def add_flags(tables: dict[str, pd.DataFrame], flags: dict[tuple, set[str]]) -> dict[str, pd.DataFrame]:
    """The tables with each row's `flags` joined by the warnings decided for it, sorted so a rerun
    writes the same bytes."""
    out = dict(tables)
    for name in FLAGGED_TABLES:
        df = out[name].copy()
        keys = ["decree_id", "position_no"] + (["indicator_no"] if name == "indicators" else [])
        df["flags"] = [sorted(set(_plain(have) or []) | flags.get((name, *key), set()))
                       for have, key in zip(df["flags"], df[keys].itertuples(index=False, name=None))]
        out[name] = df
    return out


_GX = None


class _OnFirstUse(types.ModuleType):
    """Stands in sys.modules for a module until something reads from it, then imports it and
    forwards every attribute. Plain ModuleType, so the import system's own look-ups (`__spec__`)
    do not count as a use."""

    def __getattr__(self, attr: str):
        real = self.__dict__.get("_real")
        if real is None:
            if sys.modules.get(self.__name__) is self:
                del sys.modules[self.__name__]
            real = self._real = importlib.import_module(self.__name__)
        return getattr(real, attr)


def _gx():
    """Import GX once, quietly: the import alone costs ~2 s, so stages that don't validate skip it.

    GX imports altair, which imports jsonschema, which builds the grammar of the optional
    rfc3987-syntax package (installed with Jupyter) on import: 1.1 s of the 3 s, for an IRI format
    check nothing here uses. It is hidden during the import, so jsonschema skips that check.
    Three distribution expectations import scipy.stats at module level (0.6 s), and one altair
    (0.25 s, with jsonschema), and use them only when they run or draw, which the suites here
    never ask: each is imported on its first use instead."""
    global _GX
    if _GX is None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
        hide = "rfc3987_syntax" not in sys.modules
        if hide:
            sys.modules["rfc3987_syntax"] = None  # an import of it now raises ImportError
        for name in ("scipy.stats", "altair"):
            if name not in sys.modules:
                sys.modules[name] = _OnFirstUse(name)
        try:
            import great_expectations as gx
        finally:
            if hide:
                del sys.modules["rfc3987_syntax"]
        _GX = gx
    return _GX


def _context(report_dir: Path | None):
    """A fresh ephemeral context per run (~30 ms): its result store then holds only this run, so the
    Data Docs index lists exactly what was validated now."""
    gx = _gx()
    from great_expectations.data_context.types.base import ProgressBarsConfig

    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    if report_dir is not None:
        ctx.add_data_docs_site(site_name="iki", site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": str(report_dir)},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        })
    return ctx


def _suite_object(gx, spec: dict):
    from great_expectations.expectations.expectation_configuration import (
        ExpectationConfiguration,
    )

    return gx.ExpectationSuite(
        name=spec["name"], meta=spec.get("meta") or {},
        expectations=[ExpectationConfiguration(type=e["type"], kwargs=e["kwargs"], meta=e.get("meta"),
                                              notes=e.get("notes")).to_domain_obj()
                      for e in spec["expectations"]])


_FRAME_CONTEXT = None
_FRAME_RUNS = 0


def validate_frame(name: str, df: pd.DataFrame, spec: dict) -> list:
    """One suite (as data) run on one frame, with complete results: for a stage that checks its own
    input or output (score). One GX context per process, since each makes a temporary docs folder."""
    global _FRAME_CONTEXT, _FRAME_RUNS
    gx = _gx()
    if _FRAME_CONTEXT is None:
        _FRAME_CONTEXT = _context(None)
    _FRAME_RUNS += 1
    batch = _FRAME_CONTEXT.data_sources.add_pandas(f"{name}-{_FRAME_RUNS}").add_dataframe_asset(name) \
        .add_batch_definition_whole_dataframe("all").get_batch(batch_parameters={"dataframe": df.reset_index(drop=True)})
    return batch.validate(_suite_object(gx, spec), result_format="COMPLETE").results


def _columns_of(kwargs: dict) -> list[str]:
    cols = [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    return cols + list(kwargs.get("column_list") or [])


def _failure(table: str, res, frame: pd.DataFrame, where: pd.DataFrame) -> Failure:
    cfg = res.expectation_config
    meta = cfg.meta or {}
    kwargs = cfg.kwargs
    cols = _columns_of(kwargs)
    r = res.result or {}
    action = meta.get("action", FAIL_RUN)
    f = Failure(table=table, expectation=cfg.type, columns=cols, severity=severity_of(action), action=action,
                flag=meta.get("flag", ""), check=meta.get("check", cfg.type), meaning=meta.get("meaning", ""),
                unexpected_count=r.get("unexpected_count"), observed=_json_safe(r.get("observed_value")),
                files=sorted({str(s) for s in where["source_file"].dropna()}) if len(where) else [],
                column=next((c for c in [*cols, *meta.get("show", [])] if not c.startswith("_")), None))
    if (error := _exception(res.exception_info)) is not None:
        f.error = error
        return f
    if cfg.type == "expect_table_columns_to_match_set":
        have, want = set(frame.columns), set(kwargs["column_set"])
        f.observed = {"missing": sorted(want - have), "unexpected": sorted(have - want)}
    shown = list(dict.fromkeys(c for c in [*cols, *meta.get("show", [])] if c in frame.columns))
    index = [i for i in dict.fromkeys(r.get("unexpected_index_list") or [])
             if not isinstance(i, dict) and i in frame.index]
    unless = meta.get("unless_flag")
    excused = [bool(unless) and "flags" in frame and unless in (_plain(frame.at[i, "flags"]) or []) for i in index]
    for i, row, ok in zip(index, where.loc[index].to_dict("records"), excused):
        row = {k: _json_safe(v) for k, v in row.items()}
        f.units.append({k: row[k] for k in UNIT_KEYS} | {"excused": ok})
        if len(f.rows) < MAX_ROWS:
            f.rows.append(row | {"values": {c: _json_safe(frame.at[i, c]) for c in shown}})
    if f.units and all(excused):  # only the decree's own gaps: published, flagged
        f.severity = WARNING
    return f


def _exception(info) -> str | None:
    """GX puts an exception either at the top of exception_info or under each failed metric's id."""
    if not info:
        return None
    found = [info] if "raised_exception" in info else [x for x in info.values() if isinstance(x, dict)]
    for x in found:
        if x.get("raised_exception"):
            msg = (x.get("exception_message") or "exception").strip().splitlines()
            return (msg[0] if msg else "exception")[:200]
    return None


# every offending row's index (the verdict needs all of them), 20 values shown in the Data Docs
RESULT_FORMAT = {"result_format": "COMPLETE", "partial_unexpected_count": 20}
UNIT_KEYS = ("decree_id", "source_file", "page", "position_no", "indicator_no")
CHECK_FORMAT = {"result_format": "BOOLEAN_ONLY"}  # pass or fail only: GX computes no unexpected values


def _run(ctx, gx, name: str, spec: dict, batch_def, frame: pd.DataFrame, result_format: dict):
    suite = ctx.suites.add(_suite_object(gx, {**spec, "name": name}))
    vd = ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch_def, suite=suite))
    return vd.run(batch_parameters={"dataframe": frame}, result_format=result_format)


def _is_result_of(spec_entry: dict, res) -> bool:
    """Whether a validation result is that of this suite entry (GX may add kwargs, never drop one)."""
    cfg = res.expectation_config
    return cfg.type == spec_entry["type"] and all(cfg.kwargs.get(k) == v for k, v in spec_entry["kwargs"].items())


def validate_tables(tables: dict[str, pd.DataFrame], suites_dir: Path = SUITES_DIR,
                    report_dir: Path | None = REPORT_DIR, on_result=None) -> ValidationReport:
    """Run every suite on the tables as they will be published; write summary.json and Data Docs.
    `on_result` gets the report before the Data Docs are built (half a second), so a caller can go
    on while they are written."""
    t0 = time.perf_counter()
    gx = _gx()
    report = ValidationReport()
    suites = load_suites(suites_dir)
    if report_dir is not None:
        report_dir = Path(report_dir)
        report_dir.mkdir(parents=True, exist_ok=True)
        for stale in ("validations", "expectations", "static", "index.html"):
            p = report_dir / stale
            shutil.rmtree(p) if p.is_dir() else p.unlink(missing_ok=True)
    for name in CURATED_TABLES:
        if name not in tables:
            report.critical.append(Failure(table=name, expectation="table present", columns=[], severity=CRITICAL,
                                           check="present", meaning=f"{name} is one of the curated tables",
                                           observed="missing"))
        if name not in suites:
            report.critical.append(Failure(table=name, expectation="suite present", columns=[], severity=CRITICAL,
                                           check="suite present",
                                           meaning=f"{suites_dir}/{name}.json exists (python -m pipeline.stages.validate "
                                                   f"--write-suites)", observed="missing"))
    prepared = _prepare({n: df for n, df in tables.items()})
    ctx = _context(report_dir)
    source = ctx.data_sources.add_pandas("iki")
    for name, spec in suites.items():
        if name not in prepared:
            continue
        frame = prepared[name]
        where = _context_frame(name, prepared)
        batch_def = source.add_dataframe_asset(name).add_batch_definition_whole_dataframe("all")
        result = _run(ctx, gx, name, spec, batch_def, frame, CHECK_FORMAT)
        failed_results = [r for r in result.results if not r.success]
        details = []
        if failed_results:  # the failed expectations again, with values and rows: their own Data Docs page
            failing = [e for e in spec["expectations"] if any(_is_result_of(e, r) for r in failed_results)]
            if len(failing) != len(failed_results):  # not told apart one to one: all of them in detail
                failing = spec["expectations"]
            detail = {**spec, "expectations": failing}
            details = [r for r in _run(ctx, gx, f"{name}{FAILED_PAGE}", detail, batch_def, frame,
                                       RESULT_FORMAT).results if not r.success]
        missing = set(spec["expectations"][0]["kwargs"].get("column_set", [])) - set(frame.columns)
        failed = 0
        for res in details:
            failed += 1
            f = _failure(name, res, frame, where)
            if f.error and set(f.columns) & missing:
                report.not_evaluated.append(f)
            elif f.severity == WARNING:
                report.warnings.append(f)
            else:
                report.critical.append(f)
        report.tables[name] = {"rows": int(len(frame)), "expectations": len(result.results), "failed": failed}
    report.seconds = time.perf_counter() - t0
    if report_dir is not None:
        report.docs_index = str(report_dir / "index.html")
        (report_dir / "summary.json").write_text(
            json.dumps(report.to_dict(), indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    if on_result is not None:
        on_result(report)
    if report_dir is not None:
        _escape_results(ctx)
        ctx.build_data_docs(site_names=["iki"])
    return report


def _escape_results(ctx) -> None:
    """Values read from PDFs are untrusted, and GX's Data Docs put a result's values (unexpected
    values, rows, observed values, exception messages) into their pages unescaped: every string in
    the stored results is HTML-escaped before the pages are built, so a NOMOR holding <script> is
    shown as text, never run."""
    store = ctx.validation_results_store
    for key in store.list_keys():
        results = store.get(key)
        for res in results.results:
            res.result = _escaped(res.result)
            res.exception_info = _escaped(res.exception_info)
        store.set(key, results)


def _escaped(v):
    if isinstance(v, str):
        return html.escape(v)
    if isinstance(v, dict):
        return {_escaped(k): _escaped(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [_escaped(x) for x in v]
    return v


class Validator:
    """Great Expectations in a spawned process that imports it (about 2 s, every run) while the
    driver does other work; `validate` then runs the suites on a staged folder there and answers
    before it builds the Data Docs, which it finishes while the driver writes its report. Spawned,
    not forked: the driver forks parse workers meanwhile, and no fork may copy a half-done import.
    It runs at the lowest priority, so starting it with the run costs the parse workers nothing
    even when they use every core; a run that finds nothing to publish stops it unused."""

    def __init__(self):
        self._proc = None
        self._used = False

    def start(self) -> None:
        if self._proc is None:
            ctx = multiprocessing.get_context("spawn")
            self._conn, theirs = ctx.Pipe()
            self._proc = ctx.Process(target=_serve, args=(theirs,), daemon=True, name="iki-validate")
            self._proc.start()
            # lowest priority from its first import on: the parse workers keep the cores they
            # need, the imports take what they leave idle
            os.setpriority(os.PRIO_PROCESS, self._proc.pid, 19)
            theirs.close()

    def validate(self, directory: Path, suites_dir: Path, report_dir: Path | None) -> ValidationReport:
        self.start()
        self._used = True
        self._conn.send((directory, suites_dir, report_dir))
        ok, value = self._conn.recv()
        if isinstance(value, OSError):  # the machine's (a full or read-only reports/): the run says which folder
            raise OSError(value.errno, value.strerror, value.filename or str(report_dir))
        if not ok:
            raise RuntimeError(f"validation failed in its process:\n{value}")
        return value

    def close(self) -> None:
        """Wait for the Data Docs of the last validation; a process still importing is stopped."""
        if self._proc is None:
            return
        self._conn.close()  # a server waiting for work sees the end and exits, cleaning up after GX
        if self._used:
            self._proc.join(60)
        if self._proc.is_alive():
            self._proc.terminate()  # a run that needed no validation need not wait for the import
            self._proc.join()


def _serve(conn) -> None:
    _gx()
    while True:
        try:
            directory, suites_dir, report_dir = conn.recv()
        except EOFError:
            return
        answered = []

        def answer(report: ValidationReport) -> None:
            conn.send((True, report))
            answered.append(True)

        try:
            validate_tables(read_tables(directory), suites_dir, report_dir, on_result=answer)
        except Exception as e:  # noqa: BLE001 - the driver raises it with this traceback
            if answered:  # the Data Docs failed after the results went out: say so here
                traceback.print_exc()
            else:
                conn.send((False, e if isinstance(e, OSError) else traceback.format_exc()))


def read_tables(directory: Path) -> dict[str, pd.DataFrame]:
    """The curated tables present as <name>.parquet in a directory (staging or curated/)."""
    return {p.stem: pd.read_parquet(p) for p in sorted(Path(directory).glob("*.parquet"))
            if p.stem in CURATED_TABLES}


def main(argv: list[str] | None = None) -> int:
    """Exit 1 on a critical failure, or on a warning when --strict / STRICT=1."""
    ap = argparse.ArgumentParser(prog="python -m pipeline.stages.validate")
    ap.add_argument("tables_dir", nargs="?", type=Path, default=Settings.curated,
                    help="directory of <table>.parquet (default curated/)")
    ap.add_argument("--suites", type=Path, default=SUITES_DIR)
    ap.add_argument("--report", type=Path, default=REPORT_DIR)
    ap.add_argument("--strict", action="store_true", default=os.environ.get("STRICT") == "1")
    ap.add_argument("--write-suites", action="store_true", help="regenerate the suites from pipeline.schema")
    args = ap.parse_args(argv)
    if args.write_suites:
        for p in write_suites(args.suites):
            print(p)
        return 0
    report = validate_tables(read_tables(args.tables_dir), args.suites, args.report)
    for line in report.lines():
        print(line)
    return report.exit_code(args.strict)


if __name__ == "__main__":
    raise SystemExit(main())
