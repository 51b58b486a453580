"""Score stage: realisation workbooks in, capaian / score / rating / predikat tables out.

The agency fills one workbook per decree (``write_templates``); ``score`` reads every filled
workbook or CSV in realisasi/, rejects a whole file on any bad cell (with workbook, sheet, row and
column in the message) so that half-checked numbers never reach curated/, and scores the rest under
the policy in scoring.yaml (a project's reference/ or the package's, as Settings resolves it).
``publish_scores`` writes the two tables atomically.
"""
from __future__ import annotations

import csv
import io
import json
import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow.parquet as pq
import yaml

from pipeline.core.files import atomic_write
from pipeline.core.schema import SCORE_SUMMARY, SCORES
from pipeline.core.settings import DEFAULT_EXPECTATIONS, DEFAULT_REFERENCE
from pipeline.stages.publish import write_parquet
from pipeline.stages.validate import validate_frame

DEFAULT_POLICY = DEFAULT_REFERENCE / "scoring.yaml"
TEMPLATE_VERSION = "1"
SHEET = "Realisasi"
INFO_SHEET = "Petunjuk"
POLARITAS = ("positif", "negatif")
SCORES_TABLE_ERROR = "scores.parquet"  # the workbook field of an error found in the computed table itself


# --------------------------------------------------------------------------- policy

@dataclass(frozen=True)
class Band:
    kategori: str
    capaian_from: float
    capaian_to: float
    score_min: float
    score_max: float


@dataclass(frozen=True)
class PredikatRule:
    predikat: str
    conditions: dict[str, float]


@dataclass(frozen=True)
class Policy:
    cap: float
    floor: float
    decimals: int
    polaritas_default: str
    missing_realisasi: str
    realisasi_tolerance: float
    bands: tuple[Band, ...]
    di_atas_min: float
    sesuai_min: float
    labels: dict[str, str]
    predikat_rules: tuple[PredikatRule, ...]
    unit_rollup: str

    @property
    def score_max(self) -> float:
        return max(b.score_max for b in self.bands)


_RULE_CONDITIONS = {"min_score", "min_capaian", "max_di_bawah", "max_share_di_bawah"}


def _only(d: dict, allowed: set[str], where: str) -> None:
    extra = set(d) - allowed
    if extra:
        raise ValueError(f"scoring policy: unknown key(s) in {where}: {sorted(extra)}")


def load_policy(path: Path = DEFAULT_POLICY) -> Policy:
    """Read and check the policy file, so that a typo fails loudly instead of scoring silently."""
    raw = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    _only(raw, {"version", "capaian", "bands", "rating", "predikat", "rollup"}, "top level")
    c = raw["capaian"]
    _only(c, {"cap", "floor", "decimals", "polaritas_default", "missing_realisasi", "realisasi_tolerance"}, "capaian")
    bands = []
    for b in raw["bands"]:
        _only(b, {"kategori", "capaian_from", "capaian_to", "score_min", "score_max"}, "bands")
        bands.append(Band(str(b["kategori"]), float(b["capaian_from"]), float(b["capaian_to"]),
                          float(b["score_min"]), float(b["score_max"])))
    if not bands or bands[0].capaian_from != 0:
        raise ValueError("scoring policy: the first band must start at capaian_from: 0")
    if any(b2.capaian_from <= b1.capaian_from for b1, b2 in zip(bands, bands[1:])):
        raise ValueError("scoring policy: bands must be in ascending order of capaian_from")
    r = raw["rating"]
    _only(r, {"di_atas_min", "sesuai_min", "labels"}, "rating")
    labels = {k: str(r["labels"][k]) for k in ("di_atas", "sesuai", "di_bawah")}
    rules = []
    for rule in raw["predikat"]["rules"]:
        _only(rule, _RULE_CONDITIONS | {"predikat"}, "predikat.rules")
        rules.append(PredikatRule(str(rule["predikat"]),
                                  {k: float(v) for k, v in rule.items() if k != "predikat"}))
    unit = raw.get("rollup", {}).get("unit", "mean_of_positions")
    if unit not in ("mean_of_positions", "weighted_indicators"):
        raise ValueError(f"scoring policy: rollup.unit must be mean_of_positions or weighted_indicators, not {unit!r}")
    missing = c.get("missing_realisasi", "exclude")
    if missing not in ("exclude", "zero"):
        raise ValueError(f"scoring policy: capaian.missing_realisasi must be exclude or zero, not {missing!r}")
    pol = c.get("polaritas_default", "positif")
    if pol not in POLARITAS:
        raise ValueError(f"scoring policy: capaian.polaritas_default must be positif or negatif, not {pol!r}")
    return Policy(cap=float(c["cap"]), floor=float(c.get("floor", 0)), decimals=int(c.get("decimals", 2)),
                  polaritas_default=pol, missing_realisasi=missing,
                  realisasi_tolerance=float(c.get("realisasi_tolerance", 0.01)), bands=tuple(bands),
                  di_atas_min=float(r["di_atas_min"]), sesuai_min=float(r["sesuai_min"]), labels=labels,
                  predikat_rules=tuple(rules), unit_rollup=unit)


# --------------------------------------------------------------------------- formulas

def realisasi_from_fraction(pembilang: float, penyebut: float) -> float:
    """persentase indicators are measured as a fraction; the decree's formula always multiplies by 100."""
    return pembilang / penyebut * 100.0


def capaian(target: float, realisasi: float, polaritas: str, policy: Policy) -> float:
    """Achievement in %, clamped to [floor, cap] so that one outlier cannot dominate a roll-up."""
    ratio = realisasi / target
    value = ratio * 100.0 if polaritas == "positif" else (1.0 + (1.0 - ratio)) * 100.0
    return min(max(value, policy.floor), policy.cap)


def band_score(cap_value: float, policy: Policy) -> tuple[float, str]:
    """(score, kategori) by linear interpolation inside the band the capaian falls in."""
    band = policy.bands[0]
    for b in policy.bands:
        if cap_value >= b.capaian_from:
            band = b
    if band.capaian_to > band.capaian_from:
        s = band.score_min + (band.score_max - band.score_min) * (cap_value - band.capaian_from) / (
            band.capaian_to - band.capaian_from)
    else:
        s = band.score_max
    return min(max(s, band.score_min), band.score_max), band.kategori


def rating(cap_value: float, policy: Policy) -> str:
    if cap_value >= policy.di_atas_min:
        return policy.labels["di_atas"]
    if cap_value >= policy.sesuai_min:
        return policy.labels["sesuai"]
    return policy.labels["di_bawah"]


def predikat(score_value: float | None, capaian_value: float | None, n_di_bawah: int, n_scored: int,
             policy: Policy) -> str | None:
    """First matching rule wins; nothing scored yet means no predikat rather than the worst one."""
    if score_value is None or n_scored == 0:
        return None
    facts = {"min_score": score_value, "min_capaian": capaian_value, "max_di_bawah": n_di_bawah,
             "max_share_di_bawah": n_di_bawah / n_scored}
    for rule in policy.predikat_rules:
        ok = True
        for cond, limit in rule.conditions.items():
            v = facts[cond]
            ok = ok and (v >= limit if cond.startswith("min_") else v <= limit)
        if ok:
            return rule.predikat
    return None


# --------------------------------------------------------------------------- workbook layout

@dataclass(frozen=True)
class WbColumn:
    name: str
    kind: str  # "ro" (as printed, must not change), "fill", "key" (hidden)
    width: float
    note: str


WB_COLUMNS: tuple[WbColumn, ...] = (
    WbColumn("no", "ro", 4, "Nomor baris / row number"),
    WbColumn("jabatan", "ro", 16, "Jabatan seperti tercetak / position as printed"),
    WbColumn("unit", "ro", 14, "Unit organisasi / organisational unit"),
    WbColumn("sasaran", "ro", 20, "Sasaran seperti tercetak / objective as printed"),
    WbColumn("indikator", "ro", 24, "Indikator sasaran seperti tercetak / indicator as printed"),
    WbColumn("formulasi", "ro", 26, "Penjelasan formulasi perhitungan / formula as printed"),
    WbColumn("satuan", "ro", 8, "Satuan / unit of measure"),
    WbColumn("jenis_formula", "ro", 11, "persentase, jumlah, rata_rata, indeks, nilai"),
    WbColumn("target_tercetak", "ro", 13, "Target seperti tercetak di keputusan (jika ada) / target as printed"),
    WbColumn("target", "fill", 8, "Target (angka > 0). Diisi dari keputusan jika ada kolom TARGET."),
    WbColumn("realisasi", "fill", 8, "Realisasi (angka). Untuk persentase boleh dikosongkan bila pembilang dan "
                                     "penyebut diisi: realisasi = pembilang / penyebut x 100."),
    WbColumn("pembilang", "fill", 9, "Nilai pembilang (hanya indikator persentase)"),
    WbColumn("penyebut", "fill", 8, "Nilai penyebut (hanya indikator persentase, > 0)"),
    WbColumn("polaritas", "fill", 8, "positif: makin tinggi makin baik; negatif: makin rendah makin baik"),
    WbColumn("bobot", "fill", 6, "Bobot indikator dalam jabatan (default sama rata)"),
    WbColumn("periode", "fill", 7, "Tahun penilaian"),
    WbColumn("catatan", "fill", 12, "Catatan bebas / free notes"),
    WbColumn("decree_id", "key", 18, "kunci - jangan diubah / key - do not edit"),
    WbColumn("position_key", "key", 18, "kunci - jangan diubah / key - do not edit"),
    WbColumn("sasaran_key", "key", 18, "kunci - jangan diubah / key - do not edit"),
    WbColumn("indikator_key", "key", 18, "kunci - jangan diubah / key - do not edit"),
    WbColumn("occurrence", "key", 6, "kunci: ke-n bila indikator yang sama muncul lagi pada sasaran yang sama / "
                                     "n-th repeat of the same indicator under the same sasaran"),
)
WB_NAMES = [c.name for c in WB_COLUMNS]
RO_CHECKED = ("jabatan", "unit", "sasaran", "indikator", "formulasi", "satuan", "jenis_formula", "target_tercetak")
NUMERIC = ("target", "realisasi", "pembilang", "penyebut", "bobot")
ROW_KEY = ("position_key", "sasaran_key", "indikator_key", "occurrence")
WRAPPED = {c.name for c in WB_COLUMNS if c.kind == "ro"} | {"catatan"}
FONT, FONT_SIZE, LINE_PT = "Arial", 11, 14.0  # Arial: Liberation Sans in LibreOffice, same widths


def _col_letter(name: str) -> str:
    from openpyxl.utils import get_column_letter
    return get_column_letter(WB_NAMES.index(name) + 1)


def parse_printed_target(text: str | None) -> float | None:
    """Pre-fill only what is unambiguous ("100%", "12 Dokumen", "12,5"); ranges stay for the user."""
    if not isinstance(text, str) or not text.strip():
        return None
    m = re.fullmatch(r"\s*(\d{1,3}(?:\.\d{3})+|\d+(?:[.,]\d+)?)\s*(%|[A-Za-z][\w /.-]*)?\s*", str(text))
    if not m:
        return None
    num = m.group(1)
    if re.fullmatch(r"\d{1,3}(?:\.\d{3})+", num):
        num = num.replace(".", "")
    value = float(num.replace(",", "."))
    return value if value > 0 else None


def _year(text: str | None) -> int | None:
    m = re.search(r"\b(19|20)\d\d\b", text or "")
    return int(m.group(0)) if m else None


def _read_curated(curated_dir: Path) -> dict[str, pd.DataFrame]:
    out = {}
    for name in ("decrees", "positions", "indicators"):
        path = Path(curated_dir) / f"{name}.parquet"
        if not path.exists():
            raise FileNotFoundError(f"{path} not found: run the pipeline up to publish first")
        out[name] = pq.read_table(path).to_pandas()
    need = {"positions": ("position_key", "jabatan_key", "unit"),
            "indicators": ("indikator_key", "sasaran_key", "jenis_formula")}
    for name, cols in need.items():  # scoring is keyed on the contract-v2 keys
        bad = [c for c in cols if c not in out[name] or out[name][c].isna().any()]
        if bad:
            raise ValueError(f"{curated_dir}/{name}.parquet has no (or empty) contract-v2 column(s) {bad}: "
                             f"the score stage needs the keys the normalise stage adds")
    return out


def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    return v


def _template_rows(decree: pd.Series, positions: pd.DataFrame, indicators: pd.DataFrame) -> list[dict]:
    """The workbook's rows in decree order, with the printed texts the reader checks later."""
    pos = positions.set_index("position_no")
    rows = []
    year = _year(decree.get("tanggal"))
    inds = indicators.sort_values(["position_no", "indicator_no"])
    per_position = inds.groupby("position_no").size().to_dict()
    seen: dict[tuple, int] = {}
    for n, ind in enumerate(inds.itertuples(index=False), 1):
        p = pos.loc[ind.position_no]
        triple = (p["position_key"], ind.sasaran_key, ind.indikator_key)
        seen[triple] = seen.get(triple, 0) + 1
        rows.append({
            "no": n, "jabatan": p["jabatan"], "unit": p["unit"], "sasaran": ind.sasaran, "indikator": ind.indikator,
            "formulasi": ind.formulasi, "satuan": ind.satuan, "jenis_formula": ind.jenis_formula,
            "target_tercetak": ind.target, "target": parse_printed_target(ind.target), "realisasi": None,
            "pembilang": None, "penyebut": None, "polaritas": "positif",
            "bobot": round(100.0 / per_position[ind.position_no], 2), "periode": year, "catatan": None,
            "decree_id": decree["decree_id"], "position_key": p["position_key"], "sasaran_key": ind.sasaran_key,
            "indikator_key": ind.indikator_key, "occurrence": seen[triple],
        })
    return [{k: _clean(v) for k, v in r.items()} for r in rows]


def _template_name(decree: pd.Series, taken: set[str]) -> str:
    stem = Path(str(decree.get("source_file") or "")).stem or str(decree["decree_id"])
    if stem in taken:
        stem = f"{stem}.{decree['decree_id']}"
    taken.add(stem)
    return stem


def _workbook_bytes(decree: pd.Series, rows: list[dict]) -> bytes:
    """Styled, frozen, protected sheet: grey read-only texts, yellow cells to fill, hidden keys."""
    import datetime as dt

    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
    from openpyxl.worksheet.datavalidation import DataValidation

    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    thin = Side(style="thin", color="BFBFBF")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    head_fill = PatternFill("solid", fgColor="1F4E78")
    ro_fill = PatternFill("solid", fgColor="F2F2F2")
    fill_fill = PatternFill("solid", fgColor="FFF2CC")
    off_fill = PatternFill("solid", fgColor="D9D9D9")
    for j, col in enumerate(WB_COLUMNS, 1):
        cell = ws.cell(row=1, column=j, value=col.name)
        cell.font = Font(name=FONT, size=FONT_SIZE, bold=True, color="FFFFFF")
        cell.fill = head_fill
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = border
        cell.comment = Comment(col.note, "iki-pipeline")
        letter = _col_letter(col.name)
        ws.column_dimensions[letter].width = col.width
        if col.kind == "key":
            ws.column_dimensions[letter].hidden = True
    ws.row_dimensions[1].height = 2 * LINE_PT + 4  # names longer than their column break in two
    for i, row in enumerate(rows, 2):
        is_pct = row["jenis_formula"] == "persentase"
        ws.row_dimensions[i].height = _row_height(row)
        for j, col in enumerate(WB_COLUMNS, 1):
            cell = ws.cell(row=i, column=j, value=row[col.name])
            cell.border = border
            cell.font = Font(name=FONT, size=FONT_SIZE)
            cell.alignment = Alignment(vertical="top", wrap_text=col.name in WRAPPED)
            fillable = col.kind == "fill" and (is_pct or col.name not in ("pembilang", "penyebut"))
            if fillable:
                cell.fill = fill_fill
                cell.protection = Protection(locked=False)
            elif col.kind == "fill":
                cell.fill = off_fill
            elif col.kind == "ro":
                cell.fill = ro_fill
                cell.font = Font(name=FONT, size=FONT_SIZE, color="404040")
    last = len(rows) + 1

    def dv(name: str, **kw) -> None:
        v = DataValidation(allow_blank=True, showErrorMessage=True, errorTitle="iki-pipeline", **kw)
        letter = _col_letter(name)
        v.add(f"{letter}2:{letter}{max(last, 2)}")
        ws.add_data_validation(v)

    dv("target", type="decimal", operator="greaterThan", formula1="0", error="Target: angka lebih dari 0")
    dv("realisasi", type="decimal", operator="between", formula1="-1000000000000", formula2="1000000000000",
       error="Realisasi: hanya angka")
    dv("pembilang", type="decimal", operator="greaterThanOrEqual", formula1="0", error="Pembilang: angka >= 0")
    dv("penyebut", type="decimal", operator="greaterThan", formula1="0", error="Penyebut: angka lebih dari 0")
    dv("bobot", type="decimal", operator="greaterThanOrEqual", formula1="0", error="Bobot: angka >= 0")
    dv("periode", type="whole", operator="between", formula1="2000", formula2="2100", error="Periode: tahun, mis. 2025")
    dv("polaritas", type="list", formula1='"positif,negatif"', error="Polaritas: positif atau negatif")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{_col_letter('catatan')}{last}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    ws.protection.autoFilter = False
    ws.protection.sort = False
    _print_setup(ws, decree, last)

    info = wb.create_sheet(INFO_SHEET)
    facts = [("decree_id", decree["decree_id"]), ("source_file", decree.get("source_file")),
             ("nomor", decree.get("nomor")), ("agency", decree.get("agency")), ("tanggal", decree.get("tanggal")),
             ("template_version", TEMPLATE_VERSION), ("rows", len(rows))]
    for i, (k, v) in enumerate(facts, 1):
        info.cell(row=i, column=1, value=k).font = Font(bold=True)
        info.cell(row=i, column=2, value=v)
    notes = [
        "Isi sel kuning pada lembar Realisasi: target, realisasi (atau pembilang dan penyebut untuk indikator",
        "persentase), polaritas, bobot dan periode. Sel abu-abu adalah teks keputusan dan tidak boleh diubah;",
        "kolom kunci tersembunyi menghubungkan setiap baris dengan indikatornya.",
        "Fill the yellow cells of sheet Realisasi. Grey cells are the decree's text and must not change; the",
        "hidden key columns tie each row to its indicator. Then run: iki score",
    ]
    for i, line in enumerate(notes, len(facts) + 2):
        info.cell(row=i, column=1, value=line)
    info.column_dimensions["A"].width = 18
    info.column_dimensions["B"].width = 70
    info.sheet_properties.pageSetUpPr.fitToPage = True  # both columns on one page
    info.page_setup.fitToHeight = 0
    info.page_setup.paperSize = info.PAPERSIZE_A4
    info.protection.sheet = True
    # fixed document dates keep regenerated templates comparable
    wb.properties.creator = "iki-pipeline"
    wb.properties.created = dt.datetime(2000, 1, 1)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _lines(text: str, width: float) -> int:
    """Lines a wrapped text takes in a column `width` units wide, with a little room to spare: an
    Arial capital takes about 0.9 units in Calc and more in Excel, a small letter about 0.75."""
    caps = sum(c.isupper() for c in text) / max(1, len(text))
    per_line = max(1, int((width - 1) / (0.8 + 0.3 * caps)))
    return sum(len(textwrap.wrap(part, per_line)) or 1 for part in text.split("\n"))


def _row_height(row: dict) -> float:
    """Points for a row's longest wrapped text: neither Calc nor Excel grows a row to its wrapped
    text on opening a written file, so the lines are counted here."""
    widths = {c.name: c.width for c in WB_COLUMNS}
    lines = max([1] + [_lines(row[n], widths[n]) for n in WRAPPED if isinstance(row[n], str)])
    return min(409.0, lines * LINE_PT + 3)  # 409 pt: the tallest row Excel allows


def _print_setup(ws, decree: pd.Series, last: int) -> None:
    """A4 landscape, the visible columns fitted to the page width, the header row on every page."""
    from openpyxl.worksheet.page import PageMargins

    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0  # as many pages down as the rows need
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = "1:1"
    ws.print_area = f"A1:{_col_letter('catatan')}{last}"
    ws.page_margins = PageMargins(left=0.3, right=0.3, top=0.5, bottom=0.5, header=0.2, footer=0.2)
    ws.oddHeader.left.text = str(decree.get("source_file") or decree["decree_id"]).replace("&", "&&")
    ws.oddFooter.right.text = "&P / &N"


def _csv_text(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=WB_NAMES, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: ("" if v is None else v) for k, v in r.items()})
    return buf.getvalue()


def write_templates(curated_dir: Path, out_dir: Path, overwrite: bool = False) -> list[Path]:
    """One workbook (and CSV twin) per decree; existing files are kept unless overwrite, since they may be filled."""
    cur = _read_curated(curated_dir)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    taken: set[str] = set()
    for _, decree in cur["decrees"].sort_values("decree_id").iterrows():
        did = decree["decree_id"]
        pos = cur["positions"][cur["positions"].decree_id == did]
        ind = cur["indicators"][cur["indicators"].decree_id == did]
        if pos.position_key.duplicated().any():
            dup = pos[pos.position_key.duplicated()].iloc[0]
            raise ValueError(f"decree {did}: position_key {dup.position_key} is shared by several positions "
                             f"({dup.jabatan}); the workbook could not tell them apart")
        rows = _template_rows(decree, pos, ind)
        stem = _template_name(decree, taken)
        for path, data in ((out_dir / f"{stem}.xlsx", lambda: _workbook_bytes(decree, rows)),
                           (out_dir / f"{stem}.csv", lambda: _csv_text(rows).encode("utf-8"))):
            if path.exists() and not overwrite:
                continue
            atomic_write(path, data())
            written.append(path)
    return written


# --------------------------------------------------------------------------- reading input

@dataclass(frozen=True)
class ScoreError:
    workbook: str
    sheet: str | None
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = [self.workbook]
        if self.sheet:
            where.append(f"sheet {self.sheet}")
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.column:
            where.append(f"column {self.column}")
        return f"{', '.join(where)}: {self.message}"


@dataclass
class InputFile:
    path: Path
    sheet: str | None
    rows: list[tuple[int, dict]]  # (row number as the user sees it, values by column name)
    errors: list[ScoreError] = field(default_factory=list)
    column_letters: dict[str, str] = field(default_factory=dict)

    def err(self, row: int | None, column: str | None, message: str) -> None:
        col = column
        if column and column in self.column_letters:
            col = f"{self.column_letters[column]} ({column})"
        self.errors.append(ScoreError(self.path.name if self.path else "?", self.sheet, row, col, message))

    @property
    def filled(self) -> bool:
        return any(_present(v.get(c)) for _, v in self.rows for c in ("realisasi", "pembilang", "penyebut"))


def _present(v: Any) -> bool:
    return v is not None and not (isinstance(v, str) and not v.strip()) and not (isinstance(v, float) and math.isnan(v))


def _read_xlsx(path: Path) -> InputFile:
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    f = InputFile(path, SHEET, [])
    try:
        wb = load_workbook(path, data_only=True)
    except Exception as e:  # a corrupt or non-xlsx file is the user's problem to see, not a crash
        f.sheet = None
        f.err(None, None, f"cannot open workbook: {e}")
        return f
    if SHEET not in wb.sheetnames:
        f.sheet = None
        f.err(None, None, f"sheet {SHEET!r} not found (sheets: {wb.sheetnames})")
        return f
    ws = wb[SHEET]
    header = [c.value for c in next(ws.iter_rows(min_row=1, max_row=1))]
    index = {str(h).strip(): j for j, h in enumerate(header) if h is not None}
    f.column_letters = {name: get_column_letter(j + 1) for name, j in index.items()}
    missing = [n for n in WB_NAMES if n not in index]
    if missing:
        f.err(1, None, f"header is missing column(s) {missing}")
        return f
    for r, cells in enumerate(ws.iter_rows(min_row=2), 2):
        values = {}
        for name in WB_NAMES:
            cell = cells[index[name]] if index[name] < len(cells) else None
            v = cell.value if cell is not None else None
            if name in NUMERIC and isinstance(v, (int, float)) and not isinstance(v, bool) \
                    and cell is not None and "%" in (cell.number_format or ""):
                v = v * 100.0  # a cell formatted as % shows 100% for the value 1
            values[name] = v
        if any(_present(v) for v in values.values()):
            f.rows.append((r, values))
    return f


def _read_csv(path: Path) -> InputFile:
    f = InputFile(path, None, [])
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:  # like a broken workbook: this file's error, not a crash
        f.err(None, None, f"cannot read CSV (save it as UTF-8): {e}")
        return f
    first = text.splitlines()[0] if text else ""
    delim = ";" if first.count(";") > first.count(",") else ","  # Indonesian-locale Excel saves with ';'
    reader = csv.DictReader(io.StringIO(text), delimiter=delim)
    missing = [n for n in WB_NAMES if n not in (reader.fieldnames or [])]
    if missing:
        f.err(1, None, f"header is missing column(s) {missing}")
        return f
    for r, rec in enumerate(reader, 2):
        values = {n: (rec.get(n) if rec.get(n) not in ("",) else None) for n in WB_NAMES}
        if any(_present(v) for v in values.values()):
            f.rows.append((r, values))
    return f


_NUM = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def _number(v: Any) -> float | None:
    """Numbers only; a decimal comma is accepted because Indonesian spreadsheets write 12,5."""
    if v is None:
        return None
    if isinstance(v, bool):
        raise ValueError(f"not a number: {v!r}")
    if isinstance(v, (int, float)):
        if isinstance(v, float) and math.isnan(v):
            return None
        return float(v)
    s = str(v).strip()
    if not s:
        return None
    t = s.replace(" ", "")
    if "," in t and "." not in t and t.count(",") == 1:
        t = t.replace(",", ".")
    if not _NUM.fullmatch(t):
        hint = " (write the number without %)" if t.endswith("%") else ""
        raise ValueError(f"not a number: {s!r}{hint}")
    return float(t)


def _text(v: Any) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return " ".join(str(v).split())


# --------------------------------------------------------------------------- checking one file

def _reference(cur: dict[str, pd.DataFrame]) -> tuple[dict, dict]:
    """Per decree: the expected rows by key, with the printed texts a workbook must still carry."""
    by_key: dict[tuple, dict] = {}
    per_decree: dict[str, list[tuple]] = {}
    pos = cur["positions"].set_index(["decree_id", "position_no"])
    seen: dict[tuple, int] = {}
    for ind in cur["indicators"].sort_values(["decree_id", "position_no", "indicator_no"]).itertuples(index=False):
        p = pos.loc[(ind.decree_id, ind.position_no)]
        triple = (ind.decree_id, p["position_key"], ind.sasaran_key, ind.indikator_key)
        seen[triple] = seen.get(triple, 0) + 1
        key = (*triple, str(seen[triple]))
        by_key[key] = {
            "jabatan": p["jabatan"], "unit": p["unit"], "sasaran": ind.sasaran, "indikator": ind.indikator,
            "formulasi": ind.formulasi, "satuan": ind.satuan, "jenis_formula": ind.jenis_formula,
            "target_tercetak": ind.target, "position_no": int(ind.position_no), "indicator_no": int(ind.indicator_no),
            "sasaran_no": int(ind.sasaran_no), "jabatan_key": p["jabatan_key"],
            "atasan_key": p["atasan_key"], "penanggung_jawab_key": ind.penanggung_jawab_key,
        }
        per_decree.setdefault(ind.decree_id, []).append(key)
    return by_key, per_decree


def _key(rec: dict) -> tuple:
    return (rec["decree_id"], rec["position_key"], rec["sasaran_key"], rec["indikator_key"], str(rec["occurrence"]))


def _check_file(f: InputFile, by_key: dict, per_decree: dict, policy: Policy) -> list[dict]:
    """Cell-level checks; returns the clean records (only used when f.errors stays empty)."""
    records = []
    decrees = {(_text(v["decree_id"])) for _, v in f.rows}
    if len(decrees) > 1:
        f.err(None, "decree_id", f"rows from more than one decree: {sorted(decrees)}")
    for r, v in f.rows:
        did = _text(v["decree_id"])
        if did not in per_decree:
            f.err(r, "decree_id", f"unknown decree {did!r}: no such decree in curated/decrees.parquet")
            continue
        key = (did, *(_text(v[k]) for k in ROW_KEY))
        ref = by_key.get(key)
        if ref is None:
            f.err(r, "indikator_key", "keys match no indicator of the decree (row renamed, moved from another "
                                      "workbook, or its indicator deleted); regenerate the template")
            continue
        for c in RO_CHECKED:
            if _text(v[c]) != _text(ref[c]):
                f.err(r, c, f"read-only column edited: {_text(v[c])!r} differs from the decree's {_text(ref[c])!r}")
        nums: dict[str, float | None] = {}
        for c in NUMERIC:
            try:
                nums[c] = _number(v[c])
            except ValueError as e:
                f.err(r, c, str(e))
                nums[c] = None
        try:
            per = _number(v["periode"])
            if per is None:
                f.err(r, "periode", "periode (year) is missing")
            elif not per.is_integer() or not 1900 <= per <= 2200:
                f.err(r, "periode", f"periode must be a year, not {v['periode']!r}")
                per = None
        except ValueError as e:
            f.err(r, "periode", str(e))
            per = None
        t, real, num, den = nums["target"], nums["realisasi"], nums["pembilang"], nums["penyebut"]
        if not _present(v["target"]):
            f.err(r, "target", "target is missing")
        elif t is not None and t <= 0:
            f.err(r, "target", f"target must be greater than 0, not {t:g}")
        has_num, has_den = _present(v["pembilang"]), _present(v["penyebut"])
        if has_num != has_den:
            f.err(r, "penyebut" if has_num else "pembilang", "fill both pembilang and penyebut, or neither")
        elif has_num and ref["jenis_formula"] != "persentase":
            f.err(r, "pembilang", f"pembilang/penyebut are only for persentase indicators "
                                  f"(this one is {ref['jenis_formula']})")
        elif num is not None and den is not None:
            if den == 0:
                f.err(r, "penyebut", "penyebut is 0: the fraction is undefined")
            elif den < 0:
                f.err(r, "penyebut", f"penyebut must be greater than 0, not {den:g}")
            elif num < 0:
                f.err(r, "pembilang", f"pembilang must be 0 or more, not {num:g}")
            else:
                derived = realisasi_from_fraction(num, den)
                if real is not None and abs(real - derived) > policy.realisasi_tolerance:
                    f.err(r, "realisasi", f"realisasi {real:g} disagrees with pembilang / penyebut x 100 = "
                                          f"{derived:.4g}; clear one of them")
                real = derived
        if nums["bobot"] is not None and nums["bobot"] < 0:
            f.err(r, "bobot", f"bobot must be 0 or more, not {nums['bobot']:g}")
        pol = _text(v["polaritas"]).lower() or policy.polaritas_default
        if pol not in POLARITAS:
            f.err(r, "polaritas", f"polaritas must be positif or negatif, not {v['polaritas']!r}")
        records.append({"_row": r, "decree_id": did, "position_key": key[1], "sasaran_key": key[2],
                        "indikator_key": key[3], "occurrence": int(key[4]), "periode": int(per) if per is not None else None,
                        "target": t, "realisasi": real, "pembilang": num, "penyebut": den, "polaritas": pol,
                        "bobot": nums["bobot"], "_bobot_present": _present(v["bobot"])})
    if f.errors:
        return records
    seen: dict[tuple, int] = {}
    for rec in records:
        k = (*_key(rec), rec["periode"])
        if k in seen:
            f.err(rec["_row"], "indikator_key", f"duplicated row: same indicator and periode as row {seen[k]}")
        else:
            seen[k] = rec["_row"]
    # a deleted row would silently shrink a position's roll-up
    for did in {rec["decree_id"] for rec in records}:
        for per in sorted({rec["periode"] for rec in records if rec["decree_id"] == did}):
            have = {_key(rec) for rec in records if rec["periode"] == per}
            for key in per_decree[did]:
                if key not in have:
                    ref = by_key[key]
                    f.err(None, None, f"periode {per}: no row for indicator {ref['indicator_no']} of position "
                                      f"{ref['position_no']} ({ref['indikator'][:60]!r}); was the row deleted?")
    # bobot: all empty in a position means equal weights, a partial column is ambiguous
    groups: dict[tuple, list[dict]] = {}
    for rec in records:
        groups.setdefault((rec["position_key"], rec["periode"]), []).append(rec)
    for recs in groups.values():
        present = [r for r in recs if r["_bobot_present"]]
        if present and len(present) != len(recs):
            blank = next(r for r in recs if not r["_bobot_present"])
            f.err(blank["_row"], "bobot", "bobot is empty here but filled for other indicators of the position")
        elif not present:
            for rec in recs:
                rec["bobot"] = 1.0
        elif sum(r["bobot"] for r in recs) <= 0:
            f.err(recs[0]["_row"], "bobot", "the position's bobot add up to 0")
    return records


# --------------------------------------------------------------------------- Great Expectations

def _suite(name: str, policy: Policy, suites_dir: Path) -> dict:
    suite = json.loads((Path(suites_dir) / f"{name}.json").read_text(encoding="utf-8"))
    for e in suite["expectations"]:  # bounds that depend on the policy are filled in from it
        kw = e["kwargs"]
        if e["type"] == "expect_column_values_to_be_between" and kw.get("column") == "capaian":
            kw["min_value"], kw["max_value"] = policy.floor, policy.cap
        if e["type"] == "expect_column_values_to_be_between" and kw.get("column") == "score":
            kw["max_value"] = policy.score_max
        if e["type"] == "expect_column_values_to_be_in_set" and kw.get("column") == "rating":
            kw["value_set"] = list(policy.labels.values())
    return suite


def run_suite(name: str, df: pd.DataFrame, policy: Policy,
              suites_dir: Path = DEFAULT_EXPECTATIONS) -> list[tuple[str, str | None, list[int]]]:
    """Failed expectations as (check, column, failing row indexes). The suites are the contract for
    realisation input and scores, run through the validate stage so both behave alike."""
    results = validate_frame(name, df, _suite(name, policy, suites_dir))
    failed = []
    for r in results:
        if not r.success:
            cfg = r.expectation_config
            col = cfg.kwargs.get("column") or ",".join(cfg.kwargs.get("column_list") or []) or None
            check = (cfg.meta or {}).get("check", cfg.type)
            failed.append((check, col, [int(i) for i in (r.result or {}).get("unexpected_index_list") or []
                                        if not isinstance(i, dict)]))
    return failed


# --------------------------------------------------------------------------- scoring

@dataclass
class ScoreResult:
    scores: pd.DataFrame
    summary: pd.DataFrame
    errors: list[ScoreError]
    accepted: list[str]
    rejected: list[str]
    skipped: list[str]  # unfilled templates: nothing to score yet

    @property
    def ok(self) -> bool:
        return not self.errors


def _inputs(realisasi_dir: Path) -> tuple[list[InputFile], list[str], list[ScoreError], list[str]]:
    """Top-level .xlsx/.csv files; a CSV twin and its workbook count once (the filled one, or an error)."""
    files: dict[str, list[Path]] = {}
    for p in sorted(Path(realisasi_dir).iterdir()):
        if p.is_file() and p.suffix.lower() in (".xlsx", ".csv") and not p.name.startswith((".", "~$")):
            files.setdefault(p.stem, []).append(p)
    out, skipped, errors, rejected = [], [], [], []
    for stem, paths in sorted(files.items()):
        read = [(_read_xlsx(p) if p.suffix.lower() == ".xlsx" else _read_csv(p)) for p in paths]
        live = [f for f in read if f.errors or f.filled]
        skipped += [f.path.name for f in read if f not in live]
        if len(live) == 2:
            a, b = live
            if a.errors or b.errors or _canonical(a) != _canonical(b):
                errors.append(ScoreError(b.path.name, None, None, None,
                                         f"both {a.path.name} and {b.path.name} hold realisation data and differ; "
                                         f"keep one of them (nothing scored from either)"))
                rejected += [a.path.name, b.path.name]
                continue
            live = [a]  # identical twins count once (the workbook sorts first)
        out += live
    return out, skipped, errors, rejected


def _canonical(f: InputFile) -> list[tuple]:
    out = []
    for _, v in f.rows:
        row = []
        for n in WB_NAMES:
            try:
                x = _number(v[n]) if n in NUMERIC or n == "periode" else _text(v[n])
            except ValueError:
                x = _text(v[n])
            row.append(x)
        out.append(tuple(row))
    return out


def _score_records(records: list[dict], by_key: dict, policy: Policy, source: str) -> list[dict]:
    rows = []
    nd = policy.decimals
    for rec in records:
        ref = by_key[_key(rec)]
        real = rec["realisasi"]
        if real is None:
            cap = 0.0 if policy.missing_realisasi == "zero" else None
        else:
            cap = capaian(rec["target"], real, rec["polaritas"], policy)
        if cap is not None:
            cap = round(cap, nd)
            sc, kat = band_score(cap, policy)
            sc, rat = round(sc, nd), rating(cap, policy)
        else:
            sc = kat = rat = None
        pj = ref["penanggung_jawab_key"]
        rows.append({
            "decree_id": rec["decree_id"], "periode": rec["periode"], "position_key": rec["position_key"],
            "sasaran_key": rec["sasaran_key"], "indikator_key": rec["indikator_key"], "occurrence": rec["occurrence"],
            "position_no": ref["position_no"], "indicator_no": ref["indicator_no"], "jabatan_key": ref["jabatan_key"],
            "unit": ref["unit"], "indikator": ref["indikator"], "jenis_formula": ref["jenis_formula"],
            "satuan": ref["satuan"], "polaritas": rec["polaritas"], "bobot": rec["bobot"], "target": rec["target"],
            "pembilang": rec["pembilang"], "penyebut": rec["penyebut"],
            "realisasi": None if real is None else round(real, 6), "capaian": cap, "score": sc, "kategori": kat,
            "rating": rat, "cascade_from": pj if isinstance(pj, str) and pj and pj != rec["position_key"] else None,
            "source": source, "_sasaran_no": ref["sasaran_no"], "_sasaran": ref["sasaran"],
            "_jabatan": ref["jabatan"], "_atasan_key": ref["atasan_key"],
        })
    return rows


def _weighted(df: pd.DataFrame, col: str) -> float | None:
    d = df[df[col].notna()]
    w = d["bobot"].sum()
    if d.empty or w <= 0:
        return None
    return float((d["bobot"] * d[col]).sum() / w)


def _round(x: float | None, policy: Policy) -> float | None:
    return None if x is None else round(x, policy.decimals)


def _agg(df: pd.DataFrame, policy: Policy) -> dict:
    """Counts and weighted means, rounded as shown, so a unit's mean can be redone by hand from the table."""
    scored = df[df.capaian.notna()]
    lab = policy.labels
    cascaded = df[df.cascade_from.notna()]
    return {
        "n_indikator": len(df), "n_terisi": len(scored),
        "n_di_atas": int((scored.rating == lab["di_atas"]).sum()),
        "n_sesuai": int((scored.rating == lab["sesuai"]).sum()),
        "n_di_bawah": int((scored.rating == lab["di_bawah"]).sum()),
        "bobot": _round(float(scored.bobot.sum()), policy), "capaian": _round(_weighted(df, "capaian"), policy),
        "score": _round(_weighted(df, "score"), policy),
        "n_cascaded": len(cascaded), "capaian_cascaded": _round(_weighted(cascaded, "capaian"), policy),
        "cascade_from": sorted(set(cascaded.cascade_from)),
    }


def summarise(scores: pd.DataFrame, policy: Policy) -> pd.DataFrame:
    """Roll-ups per sasaran, position and unit; weights are normalised within each group."""
    out = []
    for (did, per), g in scores.groupby(["decree_id", "periode"], sort=True):
        pos_rows = []
        for pk, gp in g.groupby("position_key", sort=False):
            first = gp.iloc[0]
            a = _agg(gp, policy)
            row = {"decree_id": did, "periode": per, "level": "position", "summary_key": f"position:{pk}",
                   "unit": first.unit, "position_key": pk, "sasaran_key": None, "label": first._jabatan,
                   "atasan_key": first._atasan_key, **a,
                   "predikat": predikat(a["score"], a["capaian"], a["n_di_bawah"], a["n_terisi"], policy),
                   "_o": (first.unit, 1, int(first.position_no), 0)}
            pos_rows.append(row)
            for sk, gs in gp.groupby("sasaran_key", sort=False):
                s0 = gs.iloc[0]
                out.append({"decree_id": did, "periode": per, "level": "sasaran",
                            "summary_key": f"sasaran:{pk}/{sk}", "unit": s0.unit, "position_key": pk,
                            "sasaran_key": sk, "label": s0._sasaran, "atasan_key": None, **_agg(gs, policy),
                            "predikat": None, "_o": (s0.unit, 1, int(s0.position_no), int(s0._sasaran_no))})
        out += pos_rows
        for unit, gu in g.groupby("unit", sort=True):
            a = _agg(gu, policy)
            if policy.unit_rollup == "mean_of_positions":
                prs = [r for r in pos_rows if r["unit"] == unit]
                caps = [r["capaian"] for r in prs if r["capaian"] is not None]
                scs = [r["score"] for r in prs if r["score"] is not None]
                a["capaian"] = _round(sum(caps) / len(caps), policy) if caps else None
                a["score"] = _round(sum(scs) / len(scs), policy) if scs else None
            out.append({"decree_id": did, "periode": per, "level": "unit", "summary_key": f"unit:{unit}",
                        "unit": unit, "position_key": None, "sasaran_key": None, "label": unit, "atasan_key": None,
                        **a, "predikat": predikat(a["score"], a["capaian"], a["n_di_bawah"], a["n_terisi"], policy),
                        "_o": (unit, 0, 0, 0)})
    if not out:
        return pd.DataFrame(columns=SCORE_SUMMARY.names)
    out.sort(key=lambda r: (r["decree_id"], r["periode"], r["_o"]))
    return pd.DataFrame(out)[SCORE_SUMMARY.names]


def score(curated_dir: Path, realisasi_dir: Path, policy_path: Path = DEFAULT_POLICY,
          suites_dir: Path = DEFAULT_EXPECTATIONS) -> ScoreResult:
    """Score every filled input; a file with any error contributes nothing, the others still score.
    A run passes the policy and suites its Settings resolved (a project's own or the package's)."""
    policy = load_policy(policy_path)
    cur = _read_curated(curated_dir)
    by_key, per_decree = _reference(cur)
    inputs, skipped, errors, rejected = _inputs(realisasi_dir)
    checked: list[tuple[InputFile, list[dict]]] = []
    for f in inputs:
        records = [] if f.errors else _check_file(f, by_key, per_decree, policy)
        if not f.errors and records:
            frame = pd.DataFrame([{k: v for k, v in r.items() if not k.startswith("_")} for r in records])
            for exp, col, idx in run_suite("realisasi", frame, policy, suites_dir):
                rws = [records[i]["_row"] for i in idx][:5]
                f.err(rws[0] if len(rws) == 1 else None, col,
                      f"expectation failed: {exp}" + (f" at rows {rws}" if rws else ""))
        checked.append((f, records))
    # the same indicator and periode in two files: neither can be trusted
    owners: dict[tuple, list[tuple[InputFile, int]]] = {}
    for f, records in checked:
        if not f.errors:
            for rec in records:
                k = (*_key(rec), rec["periode"])
                owners.setdefault(k, []).append((f, rec["_row"]))
    for k, own in owners.items():
        if len(own) > 1:
            names = [g.path.name for g, _ in own]
            for g, row in own:
                if not g.errors:
                    g.err(row, "indikator_key", f"duplicated row: indicator and periode {k[-1]} are in "
                                                f"{len(own)} files ({', '.join(names)})")
    accepted, rows = [], []
    for f, records in checked:
        if f.errors:
            errors += f.errors
            rejected.append(f.path.name)
            continue
        accepted.append(f.path.name)
        rows += _score_records(records, by_key, policy, f.path.name)
    all_rows = pd.DataFrame(rows)
    if all_rows.empty:
        scores = pd.DataFrame(columns=SCORES.names)
        summary = pd.DataFrame(columns=SCORE_SUMMARY.names)
    else:
        all_rows = all_rows.sort_values(["decree_id", "periode", "position_no", "indicator_no"]).reset_index(drop=True)
        summary = summarise(all_rows, policy)
        scores = all_rows[SCORES.names].reset_index(drop=True)
        for exp, col, idx in run_suite("scores", scores, policy, suites_dir):
            errors.append(ScoreError(SCORES_TABLE_ERROR, None, None, col, f"expectation failed: {exp} at rows {idx[:5]}"))
    return ScoreResult(scores, summary, errors, accepted, sorted(rejected), skipped)


# --------------------------------------------------------------------------- publishing

def publish_scores(result: ScoreResult, curated_dir: Path) -> list[Path]:
    """Write scores.parquet and score_summary.parquet; rows are sorted and carry no timestamps, so reruns
    on the same input give byte-identical files."""
    if any(e.workbook == SCORES_TABLE_ERROR for e in result.errors):
        raise ValueError("the computed scores fail the suite scores.json; nothing published")
    curated_dir = Path(curated_dir)
    out = []
    for table, df in ((SCORES, result.scores), (SCORE_SUMMARY, result.summary)):
        path = curated_dir / f"{table.name}.parquet"
        write_parquet(df, table, path)
        out.append(path)
    return out


def report(result: ScoreResult, limit: int = 12) -> str:
    """A few human lines: per-position predikat and the errors, for the CLI and the README."""
    lines = []
    for name in result.accepted:
        lines.append(f"scored  {name}")
    for name in result.skipped:
        lines.append(f"skipped {name} (no realisasi filled in yet)")
    for name in result.rejected:
        lines.append(f"REJECTED {name}")
    if len(result.summary):
        lines.append(f"{'periode':>7}  {'capaian':>7}  {'score':>6}  {'predikat':<16} {'di atas/sesuai/di bawah/kosong':<30} unit / jabatan")
        shown = 0
        for r in result.summary[result.summary.level != "sasaran"].itertuples(index=False):
            if r.level == "position" and shown >= limit:
                continue
            shown += r.level == "position"
            c = "-" if pd.isna(r.capaian) else f"{r.capaian:.2f}"
            s = "-" if pd.isna(r.score) else f"{r.score:.2f}"
            counts = f"{r.n_di_atas}/{r.n_sesuai}/{r.n_di_bawah}/{r.n_indikator - r.n_terisi}"
            name = r.label if r.level == "unit" else f"  {r.label}"
            lines.append(f"{r.periode:>7}  {c:>7}  {s:>6}  {str(r.predikat or '-'):<16} {counts:<30} {name}")
        n_pos = int((result.summary.level == "position").sum())
        if n_pos > limit:
            lines.append(f"... {n_pos - limit} more positions in score_summary.parquet")
    for e in result.errors:
        lines.append(f"error: {e}")
    return "\n".join(lines)
