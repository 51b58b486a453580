"""Score stage: hand-computed capaian / score / rating for every formula path, roll-ups, the
template -> filled -> score round trip with real openpyxl workbooks and Parquet, and bad input."""
from __future__ import annotations

import csv
import hashlib
import re
import statistics
import subprocess
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pypdfium2 as pdfium
import pytest

from pipeline.stages.publish import write_parquet
from openpyxl import load_workbook

from pipeline.stages import score as S
from pipeline.stages.normalise import load_aliases, normalise
from pipeline.core.schema import CURATED_TABLES, SCORE_SUMMARY, SCORE_TABLES, SCORES
from pipeline.core.settings import DEFAULT_REFERENCE
from tests.goldlib import gold_frames, load_gold

ROOT = Path(__file__).resolve().parent.parent
POLICY = DEFAULT_REFERENCE / "scoring.yaml"
SAMPLE_PDF = ROOT / "raw" / "mojokerto-diskominfo-2025.office.pdf"
DECREE_A = "aaaaaaaaaaaaaaaa"
DECREE_B = "bbbbbbbbbbbbbbbb"


# --------------------------------------------------------------------------- curated fixture

def gold_v2(decree_id: str) -> dict[str, pd.DataFrame]:
    """The sample decree's gold content as curated contract-v2 tables, via the real normalise stage."""
    frames = gold_frames(load_gold(), decree_id)
    frames["decrees"] = frames["decrees"].assign(source_file="mojokerto-diskominfo-2025.office.pdf", n_pages=30)
    frames["positions"] = frames["positions"].assign(page_first=1, page_last=1)
    frames["indicators"] = frames["indicators"].assign(page=1)
    tables = normalise(frames, load_aliases(DEFAULT_REFERENCE / "aliases.csv")).tables
    return {k: tables[k] for k in ("decrees", "positions", "indicators")}


def write_curated(out: Path, frames_list: list[dict[str, pd.DataFrame]]) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    for name in ("decrees", "positions", "indicators"):
        df = pd.concat([f[name] for f in frames_list], ignore_index=True)
        write_parquet(df, CURATED_TABLES[name], out / f"{name}.parquet")
    return out


def curated_from_gold(out: Path, decree_ids: list[str]) -> Path:
    """Curated tables of the sample decree (once per decree id) as the score stage reads them."""
    frames = []
    for i, did in enumerate(decree_ids):
        f = gold_v2(did)
        if i:
            f["decrees"] = f["decrees"].assign(source_file=f"other-{i}.pdf")
        frames.append(f)
    return write_curated(out, frames)


@pytest.fixture(scope="module")
def policy():
    return S.load_policy(POLICY)


@pytest.fixture(scope="module")
def curated(tmp_path_factory):
    return curated_from_gold(tmp_path_factory.mktemp("score") / "curated", [DECREE_A, DECREE_B])


# --------------------------------------------------------------------------- formulas, by hand

@pytest.mark.parametrize("target,realisasi,polaritas,capaian,score,kategori,rating", [
    # positive: 60 / 80 = 75 %; Kurang band 50 + (69-50)/(79-60) x (75-60) = 65
    (80, 60, "positif", 75.0, 65.0, "Kurang", "Di Bawah Ekspektasi"),
    # on target: 100 % -> Baik, 109; Sesuai Ekspektasi
    (12, 12, "positif", 100.0, 109.0, "Baik", "Sesuai Ekspektasi"),
    # 105 % -> Sangat Baik 110 + 10 x (105-101)/(110-101) = 114.444
    (100, 105, "positif", 105.0, 114.44, "Sangat Baik", "Di Atas Ekspektasi"),
    # capped: 75 / 50 = 150 % -> cap 120 %, score clamps to 120
    (50, 75, "positif", 120.0, 120.0, "Sangat Baik", "Di Atas Ekspektasi"),
    # Sangat Kurang: 29.5 % -> 29.5 / 59 x 49 = 24.5
    (200, 59, "positif", 29.5, 24.5, "Sangat Kurang", "Di Bawah Ekspektasi"),
    # negative: (1 + (1 - 8/10)) x 100 = 120
    (10, 8, "negatif", 120.0, 120.0, "Sangat Baik", "Di Atas Ekspektasi"),
    # negative, worse than target: (1 + (1 - 12/10)) x 100 = 80 -> Cukup 70
    (10, 12, "negatif", 80.0, 70.0, "Cukup", "Di Bawah Ekspektasi"),
    # negative, far worse: (1 + (1 - 25/10)) x 100 = -50 -> floor 0 -> score 0
    (10, 25, "negatif", 0.0, 0.0, "Sangat Kurang", "Di Bawah Ekspektasi"),
    # negative, zero realised: 200 % -> cap 120
    (10, 0, "negatif", 120.0, 120.0, "Sangat Baik", "Di Atas Ekspektasi"),
])
def test_formula_paths(policy, target, realisasi, polaritas, capaian, score, kategori, rating):
    c = round(S.capaian(target, realisasi, polaritas, policy), 2)
    assert c == pytest.approx(capaian)
    s, k = S.band_score(c, policy)
    assert round(s, 2) == pytest.approx(score)
    assert k == kategori
    assert S.rating(c, policy) == rating


def test_pembilang_penyebut(policy):
    # 45 / 50 x 100 = 90; against target 100 -> 90 % -> Cukup 70 + (90-80) = 80
    r = S.realisasi_from_fraction(45, 50)
    assert r == pytest.approx(90.0)
    c = S.capaian(100, r, "positif", policy)
    assert c == pytest.approx(90.0)
    assert S.band_score(c, policy) == (pytest.approx(80.0), "Cukup")


def test_band_gaps_clamp(policy):
    # 99.5 % lies between Cukup (80-99) and Baik (100): stays Cukup, clamped to its top score 89
    assert S.band_score(99.5, policy) == (89.0, "Cukup")
    assert S.band_score(59.5, policy) == (49.0, "Sangat Kurang")


def test_predikat_rules(policy):
    assert S.predikat(112, 101, 0, 3, policy) == "Sangat Baik"
    assert S.predikat(101.25, 105, 1, 2, policy) == "Baik"
    assert S.predikat(80.97, 85.42, 6, 9, policy) == "Butuh Perbaikan"
    assert S.predikat(55, 62, 2, 2, policy) == "Kurang"
    assert S.predikat(10, 12, 2, 2, policy) == "Sangat Kurang"
    assert S.predikat(None, None, 0, 0, policy) is None


def test_policy_file_drives_the_numbers(tmp_path):
    text = POLICY.read_text(encoding="utf-8").replace("cap: 120 ", "cap: 110 ").replace("sesuai_min: 100", "sesuai_min: 90")
    p = tmp_path / "policy.yaml"
    p.write_text(text, encoding="utf-8")
    pol = S.load_policy(p)
    assert S.capaian(50, 75, "positif", pol) == 110.0
    assert S.rating(95, pol) == "Sesuai Ekspektasi"
    p.write_text(text.replace("missing_realisasi: exclude", "missing_realisasi: exclude\n  typo_key: 1"), encoding="utf-8")
    with pytest.raises(ValueError, match="typo_key"):
        S.load_policy(p)


def test_printed_target_prefill():
    assert S.parse_printed_target("100%") == 100.0
    assert S.parse_printed_target("12,5 %") == 12.5
    assert S.parse_printed_target("12 Dokumen") == 12.0
    assert S.parse_printed_target("1.000") == 1000.0
    assert S.parse_printed_target("80 - 90%") is None
    assert S.parse_printed_target(None) is None


# --------------------------------------------------------------------------- roll-ups, by hand

def _rows(**cols):
    n = len(next(iter(cols.values())))
    base = {"decree_id": ["d"] * n, "periode": [2025] * n, "_atasan_key": [None] * n, "cascade_from": [None] * n}
    return pd.DataFrame({**base, **cols})


def test_summarise_weights_and_units(policy):
    lab = policy.labels
    df = _rows(
        position_key=["p1", "p1", "p1", "p2"], sasaran_key=["s1", "s1", "s2", "s3"], unit=["U"] * 4,
        position_no=[1, 1, 1, 2], _sasaran_no=[1, 1, 2, 1], _sasaran=["S1", "S1", "S2", "S3"],
        _jabatan=["KEPALA", "KEPALA", "KEPALA", "STAF"], bobot=[50.0, 30.0, 20.0, 1.0],
        capaian=[120.0, 80.0, None, 100.0], score=[120.0, 70.0, None, 109.0],
        rating=[lab["di_atas"], lab["di_bawah"], None, lab["sesuai"]])
    out = S.summarise(df, policy).set_index("summary_key")
    s1 = out.loc["sasaran:p1/s1"]
    # (50 x 120 + 30 x 80) / 80 = 105; (50 x 120 + 30 x 70) / 80 = 101.25
    assert (s1.capaian, s1.score, s1.n_terisi, s1.n_di_atas, s1.n_di_bawah) == (105.0, 101.25, 2, 1, 1)
    s2 = out.loc["sasaran:p1/s2"]
    assert s2.n_indikator == 1 and s2.n_terisi == 0 and pd.isna(s2.capaian)
    p1 = out.loc["position:p1"]
    assert (p1.capaian, p1.score, p1.bobot, p1.predikat) == (105.0, 101.25, 80.0, "Baik")
    u = out.loc["unit:U"]
    # mean of positions: (105 + 100) / 2 = 102.5; (101.25 + 109) / 2 = 105.125 -> 105.12 or 105.13
    assert u.capaian == 102.5 and u.score == pytest.approx(105.12, abs=0.011) and u.predikat == "Baik"
    assert (u.n_indikator, u.n_terisi, u.n_sesuai) == (4, 3, 1)

    by_ind = S.Policy(**{**policy.__dict__, "unit_rollup": "weighted_indicators"})
    u2 = S.summarise(df, by_ind).set_index("summary_key").loc["unit:U"]
    # (50 x 120 + 30 x 80 + 1 x 100) / 81 = 8500 / 81 = 104.938
    assert u2.capaian == 104.94


def test_missing_realisasi_zero_policy(curated, tmp_path, policy):
    text = POLICY.read_text(encoding="utf-8").replace("missing_realisasi: exclude", "missing_realisasi: zero")
    (tmp_path / "zero.yaml").write_text(text, encoding="utf-8")
    real = tmp_path / "real"
    _filled(curated, real, DECREE_A)
    res = S.score(curated, real, tmp_path / "zero.yaml")
    assert res.ok, [str(e) for e in res.errors]
    p2 = _pos(curated, DECREE_A, 2)
    row = res.scores[(res.scores.position_key == p2) & (res.scores.indicator_no == 3)].iloc[0]
    assert pd.isna(row.realisasi) and row.capaian == 0.0 and row.score == 0.0 and row.rating == "Di Bawah Ekspektasi"


# --------------------------------------------------------------------------- round trip

def _pos(curated: Path, decree_id: str, position_no: int) -> str:
    pos = pd.read_parquet(curated / "positions.parquet")
    return pos[(pos.decree_id == decree_id) & (pos.position_no == position_no)].position_key.iloc[0]


# (position_no, indicator_no) -> cells to fill; every other row gets target 100, realisasi 100
FILL = {
    (2, 1): {"target": 4, "realisasi": 5, "bobot": 50},
    (2, 2): {"target": 10, "realisasi": 8, "bobot": 30},
    (2, 3): {"target": 200, "realisasi": None, "bobot": 20},
    (4, 1): {"target": 4, "realisasi": 4},
    (4, 2): {"target": 10, "realisasi": 9, "polaritas": "negatif"},
    (23, 1): {"target": 3.5, "realisasi": 2.8},
    (23, 2): {"target": 100, "pembilang": 45, "penyebut": 50},
    (23, 3): {"target": 80, "pembilang": 30, "penyebut": 30},
    (23, 4): {"target": 100, "realisasi": 59},
    (23, 5): {"target": 100, "realisasi": 100},
    (23, 6): {"target": 80, "realisasi": 84},
    (23, 7): {"target": 95, "pembilang": 9000, "penyebut": 10000},
    (23, 8): {"target": 70, "realisasi": 49},
    (23, 9): {"target": 2, "realisasi": 1},
}


def _template(curated: Path, out: Path, decree_id: str) -> Path:
    tmp = curated.parent / "templates"  # written once per curated fixture; tests copy, never edit, them
    if not tmp.exists():
        S.write_templates(curated, tmp)
    dec = pd.read_parquet(curated / "decrees.parquet").set_index("decree_id")
    return tmp / f"{Path(dec.loc[decree_id, 'source_file']).stem}.xlsx"


def _fill_sheet(ws, positions_no: dict[str, int], fill=FILL):
    head = {c.value: c.column for c in ws[1]}
    counter: dict[str, int] = {}
    for r in range(2, ws.max_row + 1):
        pk = ws.cell(r, head["position_key"]).value
        if pk is None:
            continue
        counter[pk] = counter.get(pk, 0) + 1
        key = (positions_no[pk], counter[pk])
        values = fill.get(key, {"target": 100, "realisasi": 100})
        for name, v in values.items():
            ws.cell(r, head[name]).value = v


def _filled(curated: Path, out: Path, decree_id: str, name: str | None = None, edit=None) -> Path:
    """The template of one decree, filled in by openpyxl the way a user fills it in Excel."""
    src = _template(curated, out, decree_id)
    out.mkdir(parents=True, exist_ok=True)
    wb = load_workbook(src)
    ws = wb[S.SHEET]
    pos = pd.read_parquet(curated / "positions.parquet")
    pos = pos[pos.decree_id == decree_id]
    _fill_sheet(ws, dict(zip(pos.position_key, pos.position_no)))
    if edit:
        edit(ws, {c.value: c.column for c in ws[1]})
    dst = out / (name or src.name)
    wb.save(dst)
    return dst


def test_template_layout(curated, tmp_path):
    paths = S.write_templates(curated, tmp_path / "t")
    assert sorted(p.name for p in paths) == ["mojokerto-diskominfo-2025.office.csv",
                                             "mojokerto-diskominfo-2025.office.xlsx", "other-1.csv", "other-1.xlsx"]
    wb = load_workbook(tmp_path / "t" / "mojokerto-diskominfo-2025.office.xlsx")
    assert wb.sheetnames == [S.SHEET, S.INFO_SHEET]
    ws = wb[S.SHEET]
    assert [c.value for c in ws[1]] == S.WB_NAMES
    assert ws.max_row == 1 + 89
    assert ws.freeze_panes == "B2"
    assert ws.protection.sheet
    assert ws[1][0].font.bold
    head = {c.value: c for c in ws[1]}
    for key in ("decree_id", "position_key", "sasaran_key", "indikator_key"):
        assert ws.column_dimensions[head[key].column_letter].hidden
    assert not ws.cell(2, head["realisasi"].column).protection.locked
    assert ws.cell(2, head["indikator"].column).protection.locked
    # pembilang/penyebut are open only on persentase rows
    kinds = [ws.cell(r, head["jenis_formula"].column).value for r in range(2, ws.max_row + 1)]
    for r, k in enumerate(kinds, 2):
        assert ws.cell(r, head["pembilang"].column).protection.locked == (k != "persentase")
    dv = {str(v.sqref).split(":")[0][:1]: v for v in ws.data_validations.dataValidation}
    assert dv[head["polaritas"].column_letter].formula1 == '"positif,negatif"'
    assert dv[head["target"].column_letter].type == "decimal"
    assert dv[head["periode"].column_letter].type == "whole"
    assert ws.cell(2, head["periode"].column).value == 2025  # from the decree date "JANUARI 2025"
    assert ws.cell(2, head["bobot"].column).value == round(100 / 9, 2)  # position 1 has 9 indicators
    assert wb[S.INFO_SHEET]["B1"].value == DECREE_A
    with open(tmp_path / "t" / "mojokerto-diskominfo-2025.office.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 89 and list(rows[0]) == S.WB_NAMES
    # a second run keeps files that may already be filled
    assert S.write_templates(curated, tmp_path / "t") == []


def test_template_prints_whole_and_legibly_in_libreoffice(curated, tmp_path):
    """Calc opens the workbook and prints it: A4 landscape, every column on the page width, the
    header row on every page, each printed text whole (rows tall enough), letters of 5.5 pt or more."""
    S.write_templates(curated, tmp_path / "t")
    xlsx = tmp_path / "t" / "mojokerto-diskominfo-2025.office.xlsx"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(xlsx)], check=True, capture_output=True, timeout=300)
    pdf = pdfium.PdfDocument(tmp_path / f"{xlsx.stem}.pdf")
    printed, cap_heights = "", []
    *sheet, info = list(pdf)
    assert "Then run: iki score" in info.get_textpage().get_text_range()  # the Petunjuk sheet, last
    for page in sheet:
        width, height = page.get_size()
        assert (round(width), round(height)) == (842, 595)  # A4 landscape
        text = page.get_textpage()
        words = text.get_text_range()
        assert "jabatan" in words and "catatan" in words  # header repeated, last column on the page
        printed += words
        cap_heights += [text.get_charbox(i)[3] - text.get_charbox(i)[1] for i in range(text.count_chars())
                        if text.get_text_range(i, 1) in "EHIKMNT"]
    squashed = "".join(printed.split())
    ws = load_workbook(xlsx)[S.SHEET]
    head = {c.value: c.column for c in ws[1]}
    for r in range(2, ws.max_row + 1):
        for name in ("jabatan", "unit", "sasaran", "indikator", "formulasi"):
            value = ws.cell(r, head[name]).value
            assert "".join(str(value).split()) in squashed, (r, name, value)
    assert statistics.median(cap_heights) / 0.716 >= 5.5  # Arial's capitals are 0.716 of its size


def test_target_prefilled_from_decree(tmp_path):
    frames = gold_v2(DECREE_A)
    frames["indicators"]["target"] = ["100%" if i == 0 else ("80 - 90%" if i == 1 else None)
                                      for i in range(len(frames["indicators"]))]
    cur = write_curated(tmp_path / "cur", [frames])
    S.write_templates(cur, tmp_path / "t")
    ws = load_workbook(tmp_path / "t" / "mojokerto-diskominfo-2025.office.xlsx")[S.SHEET]
    head = {c.value: c.column for c in ws[1]}
    assert (ws.cell(2, head["target_tercetak"]).value, ws.cell(2, head["target"]).value) == ("100%", 100)
    assert (ws.cell(3, head["target_tercetak"]).value, ws.cell(3, head["target"]).value) == ("80 - 90%", None)


def test_round_trip(curated, tmp_path, policy):
    real = tmp_path / "realisasi"
    _filled(curated, real, DECREE_A)
    res = S.score(curated, real, POLICY)
    assert res.ok, [str(e) for e in res.errors]
    assert res.accepted == ["mojokerto-diskominfo-2025.office.xlsx"]
    assert len(res.scores) == 89 and list(res.scores.columns) == SCORES.names
    p2, p4, p23 = (_pos(curated, DECREE_A, n) for n in (2, 4, 23))
    sc = res.scores.set_index(["position_key", "indicator_no"])

    def row(p, i):
        return sc.loc[(p, i)]

    # position 2: 5/4 = 125 % capped to 120; 8/10 = 80 % -> 70; third has no realisasi yet
    assert (row(p2, 1).capaian, row(p2, 1).score, row(p2, 1).rating) == (120.0, 120.0, "Di Atas Ekspektasi")
    assert (row(p2, 2).capaian, row(p2, 2).score, row(p2, 2).rating) == (80.0, 70.0, "Di Bawah Ekspektasi")
    assert pd.isna(row(p2, 3).capaian) and pd.isna(row(p2, 3).rating)
    # position 4 (cascades from position 2): on target -> 109; negatif 9 vs 10 -> 110 % -> 120
    assert (row(p4, 1).capaian, row(p4, 1).score) == (100.0, 109.0)
    assert (row(p4, 2).polaritas, row(p4, 2).capaian, row(p4, 2).score) == ("negatif", 110.0, 120.0)
    assert row(p4, 1).cascade_from == p2
    # position 23, every path: indeks, pembilang/penyebut, capped fraction, typed realisasi
    expect23 = {1: (80.0, 70.0), 2: (90.0, 80.0), 3: (120.0, 120.0), 4: (59.0, 49.0), 5: (100.0, 109.0),
                6: (105.0, 114.44), 7: (94.74, 84.74), 8: (70.0, 60.0), 9: (50.0, 41.53)}
    for i, (c, s) in expect23.items():
        assert (row(p23, i).capaian, row(p23, i).score) == (pytest.approx(c), pytest.approx(s)), i
    assert row(p23, 2).realisasi == 90.0 and row(p23, 2).pembilang == 45.0 and row(p23, 2).penyebut == 50.0
    assert row(p23, 7).realisasi == 90.0

    sm = res.summary.set_index("summary_key")
    a = sm.loc[f"position:{p2}"]
    assert (a.capaian, a.score, a.predikat, a.n_indikator, a.n_terisi, a.bobot) == (105.0, 101.25, "Baik", 3, 2, 80.0)
    b = sm.loc[f"position:{p4}"]
    # (100 + 110) / 2 = 105; (109 + 120) / 2 = 114.5 -> Sangat Baik; both indicators cascade from position 2
    assert (b.capaian, b.score, b.predikat) == (105.0, 114.5, "Sangat Baik")
    assert (b.n_cascaded, b.capaian_cascaded, list(b.cascade_from)) == (2, 105.0, [p2])
    c = sm.loc[f"position:{p23}"]
    # mean capaian 768.74 / 9 = 85.42; mean score 728.71 / 9 = 80.97 -> Butuh Perbaikan
    assert (c.capaian, c.score, c.predikat) == (pytest.approx(85.42), pytest.approx(80.97), "Butuh Perbaikan")
    assert (c.n_di_atas, c.n_sesuai, c.n_di_bawah) == (2, 1, 6)
    ind = pd.read_parquet(curated / "indicators.parquet")
    s2 = ind[(ind.decree_id == DECREE_A) & (ind.position_no == 23) & (ind.sasaran_no == 2)].sasaran_key.iloc[0]
    d = sm.loc[f"sasaran:{p23}/{s2}"]
    # (90 + 120 + 59 + 100) / 4 = 92.25; (80 + 120 + 49 + 109) / 4 = 89.5
    assert (d.capaian, d.score, d.n_indikator) == (92.25, 89.5, 4)
    # units: every position of a unit counts once
    for unit, g in res.summary[res.summary.level == "position"].groupby("unit"):
        u = sm.loc[f"unit:{unit}"]
        assert u.capaian == pytest.approx(round(g.capaian.mean(), 2), abs=0.006)
        assert u.n_indikator == g.n_indikator.sum()
    assert set(res.summary.level) == {"sasaran", "position", "unit"}


def test_publish_byte_identical(curated, tmp_path):
    real = tmp_path / "realisasi"
    _filled(curated, real, DECREE_A)
    out1, out2 = tmp_path / "c1", tmp_path / "c2"
    out1.mkdir()
    out2.mkdir()
    paths1 = S.publish_scores(S.score(curated, real, POLICY), out1)
    paths2 = S.publish_scores(S.score(curated, real, POLICY), out2)
    assert [p.name for p in paths1] == ["scores.parquet", "score_summary.parquet"]
    for a, b in zip(paths1, paths2):
        assert a.read_bytes() == b.read_bytes()
    assert sorted(p.name for p in out1.iterdir()) == ["score_summary.parquet", "scores.parquet"]  # no temp files
    for p, t in zip(paths1, (SCORES, SCORE_SUMMARY)):
        assert pq.read_schema(p).remove_metadata() == t.arrow_schema().remove_metadata()
        assert pq.read_schema(p).field("capaian").metadata[b"description_en"]
    assert set(SCORE_TABLES) == {"scores", "score_summary"}


def test_unfilled_template_is_skipped_and_csv_twin_scores(curated, tmp_path):
    real = tmp_path / "realisasi"
    S.write_templates(curated, real)
    res = S.score(curated, real, POLICY)
    assert res.ok and res.accepted == [] and len(res.skipped) == 4 and res.scores.empty
    # fill the CSV twin instead of the workbook (Indonesian-locale ';' and decimal comma)
    src = real / "other-1.csv"
    rows = list(csv.DictReader(src.open(encoding="utf-8")))
    for r in rows:
        r["target"], r["realisasi"] = "100", "97,5"
    with src.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=S.WB_NAMES, delimiter=";")
        w.writeheader()
        w.writerows(rows)
    res = S.score(curated, real, POLICY)
    assert res.ok, [str(e) for e in res.errors]
    assert res.accepted == ["other-1.csv"]
    assert set(res.scores.capaian) == {97.5} and set(res.scores.decree_id) == {DECREE_B}


# --------------------------------------------------------------------------- bad input

def _set(col, value, row=2):
    def edit(ws, head):
        ws.cell(row, head[col]).value = value
    return edit


def _row_of(ws, head, position_no_key, indicator_no):
    counter = 0
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, head["position_key"]).value == position_no_key:
            counter += 1
            if counter == indicator_no:
                return r


def _dup_row(ws, head):
    last = ws.max_row
    for c in range(1, ws.max_column + 1):
        ws.cell(last + 1, c).value = ws.cell(2, c).value


def _delete_row(ws, head):
    ws.delete_rows(5)


def _unknown_decree(ws, head):
    for r in range(2, ws.max_row + 1):
        ws.cell(r, head["decree_id"]).value = "ffffffffffffffff"


def _penyebut_zero(ws, head):
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, head["jenis_formula"]).value == "persentase":
            ws.cell(r, head["pembilang"]).value = 3
            ws.cell(r, head["penyebut"]).value = 0
            ws.cell(r, head["realisasi"]).value = None
            return


BAD = {
    "non-numeric": (_set("realisasi", "sembilan puluh"), 2, "realisasi", "not a number"),
    "zero target": (_set("target", 0), 2, "target", "greater than 0"),
    "missing target": (_set("target", None), 2, "target", "target is missing"),
    "penyebut 0": (_penyebut_zero, None, "penyebut", "penyebut is 0"),
    "unknown keys": (_set("indikator_key", "0000000000000000"), 2, "indikator_key", "match no indicator"),
    "duplicated row": (_dup_row, 91, "indikator_key", "duplicated row"),
    "unknown decree": (_unknown_decree, 2, "decree_id", "unknown decree"),
    "edited read-only": (_set("indikator", "Persentase Dokumen Apa Saja"), 2, "indikator", "read-only column edited"),
    "deleted row": (_delete_row, None, None, "was the row deleted"),
    "bad polaritas": (_set("polaritas", "naik"), 2, "polaritas", "positif or negatif"),
    "half fraction": (_set("pembilang", 5), 2, "penyebut", "fill both pembilang and penyebut"),
    "negative bobot": (_set("bobot", -1), 2, "bobot", "0 or more"),
    "text periode": (_set("periode", "tahun ini"), 2, "periode", "not a number"),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_input_rejects_only_that_file(case, curated, tmp_path):
    edit, row, column, message = BAD[case]
    real = tmp_path / "realisasi"
    _filled(curated, real, DECREE_A)  # good
    bad = _filled(curated, real, DECREE_B, edit=edit)  # bad
    res = S.score(curated, real, POLICY)
    assert res.accepted == ["mojokerto-diskominfo-2025.office.xlsx"]
    assert res.rejected == [bad.name]
    assert set(res.scores.decree_id) == {DECREE_A} and set(res.summary.decree_id) == {DECREE_A}
    errs = [e for e in res.errors if message in e.message]
    assert errs, [str(e) for e in res.errors]
    e = errs[0]
    assert e.workbook == bad.name and e.sheet == S.SHEET
    if row is not None:
        assert e.row == row
    if column is not None:
        assert e.column is not None and e.column.endswith(f"({column})") and re.match(r"^[A-Z]+ ", e.column)
    assert bad.name in str(e) and "sheet Realisasi" in str(e)
    # nothing from the bad file reaches curated/
    out = tmp_path / "cur-out"
    out.mkdir()
    S.publish_scores(res, out)
    assert set(pd.read_parquet(out / "scores.parquet").source) == {"mojokerto-diskominfo-2025.office.xlsx"}


def test_penyebut_zero_names_row_and_column(curated, tmp_path):
    real = tmp_path / "realisasi"
    bad = _filled(curated, real, DECREE_A, edit=_penyebut_zero)
    res = S.score(curated, real, POLICY)
    [e] = [e for e in res.errors if "penyebut is 0" in e.message]
    ws = load_workbook(bad)[S.SHEET]
    head = {c.value: c.column for c in ws[1]}
    assert ws.cell(e.row, head["penyebut"]).value == 0
    assert e.column == f"{S._col_letter('penyebut')} (penyebut)"


def test_percent_formatted_cell_and_mismatched_realisasi(curated, tmp_path):
    def edit(ws, head):
        r = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, head["jenis_formula"]).value == "persentase")
        ws.cell(r, head["target"]).value = 1  # shown as 100% in Excel
        ws.cell(r, head["target"]).number_format = "0%"
        ws.cell(r, head["pembilang"]).value = 1
        ws.cell(r, head["penyebut"]).value = 2
        ws.cell(r, head["realisasi"]).value = 60  # but 1/2 x 100 = 50
    real = tmp_path / "realisasi"
    _filled(curated, real, DECREE_A, edit=edit)
    res = S.score(curated, real, POLICY)
    assert [e.message for e in res.errors if e.column and "realisasi" in e.column] == [
        "realisasi 60 disagrees with pembilang / penyebut x 100 = 50; clear one of them"]


def test_unreadable_csv_is_that_files_error(curated, tmp_path):
    real = tmp_path / "realisasi"
    _filled(curated, real, DECREE_A)
    (real / "saved-in-latin1.csv").write_bytes("no,jabatan\n1,KEPALA BIDANG \xc9\n".encode("latin-1"))
    res = S.score(curated, real, POLICY)
    assert res.accepted == ["mojokerto-diskominfo-2025.office.xlsx"] and res.rejected == ["saved-in-latin1.csv"]
    assert any("cannot read CSV (save it as UTF-8)" in e.message for e in res.errors)


def test_same_rows_in_two_files_reject_both(curated, tmp_path):
    real = tmp_path / "realisasi"
    _filled(curated, real, DECREE_A)
    _filled(curated, real, DECREE_A, name="copy.xlsx")
    res = S.score(curated, real, POLICY)
    assert res.accepted == [] and sorted(res.rejected) == ["copy.xlsx", "mojokerto-diskominfo-2025.office.xlsx"]
    assert any("2 files" in e.message for e in res.errors)


def test_twin_csv_disagreeing_with_workbook(curated, tmp_path):
    real = tmp_path / "realisasi"
    S.write_templates(curated, real)
    _filled(curated, real, DECREE_A)  # overwrites the xlsx with a filled one; the CSV twin stays empty
    assert S.score(curated, real, POLICY).accepted == ["mojokerto-diskominfo-2025.office.xlsx"]
    twin = real / "mojokerto-diskominfo-2025.office.csv"
    rows = list(csv.DictReader(twin.open(encoding="utf-8")))
    for r in rows:
        r["target"], r["realisasi"] = "1", "1"
    with twin.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=S.WB_NAMES)
        w.writeheader()
        w.writerows(rows)
    res = S.score(curated, real, POLICY)
    assert res.accepted == [] and any("differ" in e.message for e in res.errors)


def test_scores_suite_catches_out_of_range(policy):
    df = pd.DataFrame([{c: None for c in SCORES.names}])
    df = df.assign(decree_id="d", periode=2025, position_key="p", sasaran_key="s", indikator_key="i", occurrence=1,
                   target=10.0,
                   polaritas="positif", bobot=1.0, source="x", capaian=130.0, score=120.0, rating="Sesuai Ekspektasi",
                   jenis_formula="jumlah")
    failed = S.run_suite("scores", df, policy)
    assert [(c, col) for c, col, _ in failed] == [("capaian within [floor, cap]", "capaian")]


# --------------------------------------------------------------------------- the committed example

def test_example_scores_cleanly(tmp_path):
    example = ROOT / "realisasi" / "example"
    if not SAMPLE_PDF.exists() or not any(example.glob("*.xlsx")):
        pytest.skip("no example")
    did = hashlib.sha256(SAMPLE_PDF.read_bytes()).hexdigest()[:16]
    cur = curated_from_gold(tmp_path / "cur", [did])
    res = S.score(cur, example, POLICY)
    assert res.ok, [str(e) for e in res.errors[:5]]
    assert len(res.scores) == 89 and res.scores.capaian.notna().sum() >= 80
    assert set(res.summary[res.summary.level == "position"].predikat.dropna()) >= {"Baik"}


def test_publish_refuses_scores_that_fail_their_suite(tmp_path):
    bad = S.ScoreResult(pd.DataFrame(columns=SCORES.names), pd.DataFrame(columns=SCORE_SUMMARY.names),
                        [S.ScoreError(S.SCORES_TABLE_ERROR, None, None, "capaian", "expectation failed")], [], [], [])
    with pytest.raises(ValueError, match="nothing published"):
        S.publish_scores(bad, tmp_path)
    assert list(tmp_path.iterdir()) == []
