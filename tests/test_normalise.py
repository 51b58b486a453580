"""Normalise stage on real data: the sample decree's gold content and a labelled set of text pairs.

The pair report (precision/recall and the score distribution behind the thresholds) prints with
    .venv/bin/python -m pytest tests/test_normalise.py -q -s -k report
"""
from __future__ import annotations

import csv
import statistics
from collections import Counter, defaultdict
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest

from pipeline.stages import normalise as nz
from pipeline.stages.normalise import clustering
from pipeline.run.executors import DaskExecutor, LocalExecutor
from pipeline.stages.normalise import (AUTO_MERGE, REVIEW_MIN, Aliases, decide, jabatan_form, load_aliases, match_form,
                                normalise, parse_aliases, text_key, word_difference)
from pipeline.core.schema import CURATED_TABLES
from pipeline.core.settings import DEFAULT_REFERENCE, Settings
from tests.goldlib import gold_frames, load_gold

PAIRS = Path(__file__).parent / "data" / "match_pairs.csv"
ALIASES = DEFAULT_REFERENCE / "aliases.csv"


# --- fixtures ----------------------------------------------------------------------------------

def sample_tables(decree_id: str = "d1", source_file: str = "mojokerto-diskominfo-2025.pdf") -> dict[str, pd.DataFrame]:
    """The gold frames with the page columns the parser adds (a position per page is enough here)."""
    t = gold_frames(load_gold(), decree_id)
    t["decrees"]["source_file"] = source_file
    t["decrees"]["n_pages"] = 30
    t["positions"]["page_first"] = t["positions"]["position_no"]
    t["positions"]["page_last"] = t["positions"]["position_no"]
    t["indicators"]["page"] = t["indicators"]["position_no"]
    return t


def concat(*batches: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {k: pd.concat([b[k] for b in batches], ignore_index=True) for k in ("decrees", "positions", "indicators")}


def reworded(t: dict[str, pd.DataFrame], replace: dict[str, str], col: str = "indikator") -> dict[str, pd.DataFrame]:
    t = {k: v.copy() for k, v in t.items()}
    t["indicators"][col] = [replace.get(x, x) for x in t["indicators"][col]]
    return t


@pytest.fixture(scope="module")
def sample():
    return normalise(sample_tables(), Aliases())


@pytest.fixture(scope="module")
def sample_committed():
    return normalise(sample_tables(), load_aliases(ALIASES))


# --- labelled pairs ----------------------------------------------------------------------------

def load_pairs() -> list[dict]:
    with PAIRS.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def form(kind: str, text: str) -> str:
    return jabatan_form(text) if kind == "jabatan" else match_form(text)


def judged_pairs() -> list[tuple[dict, nz.Decision]]:
    return [(p, decide(form(p["kind"], p["text_a"]), form(p["kind"], p["text_b"]))) for p in load_pairs()]


def precision_recall(judged) -> dict[str, tuple[float, float, int, int, int]]:
    out = {}
    for kind in nz.KINDS:
        rows = [(p, d) for p, d in judged if p["kind"] == kind and p["label"] in ("same", "different")]
        tp = sum(p["label"] == "same" and d.verdict == "same" for p, d in rows)
        fp = sum(p["label"] == "different" and d.verdict == "same" for p, d in rows)
        fn = sum(p["label"] == "same" and d.verdict != "same" for p, d in rows)
        out[kind] = (tp / (tp + fp) if tp + fp else 1.0, tp / (tp + fn) if tp + fn else 1.0, tp, fp, fn)
    return out


def test_pair_set_is_large_and_varied():
    pairs = load_pairs()
    assert len(pairs) >= 150
    labels = Counter((p["kind"], p["label"]) for p in pairs)
    for kind in nz.KINDS:
        assert labels[(kind, "same")] >= 10 and labels[(kind, "different")] >= 10, labels
    assert {p["origin"] for p in pairs} == {"seed", "variant"}
    notes = " ".join(p["note"] for p in pairs)
    for hard in ("dokumen vs laporan", "jumlah vs persentase", "grade"):
        assert hard in notes


def test_pair_matching_precision_and_recall_are_100_percent():
    judged = judged_pairs()
    wrong = [(p["kind"], p["label"], d.verdict, d.score, d.reason, p["text_a"], p["text_b"])
             for p, d in judged if p["label"] in ("same", "different")
             and (p["label"] == "same") != (d.verdict == "same")]
    for kind, (prec, rec, tp, fp, fn) in precision_recall(judged).items():
        print(f"{kind:10s} precision {prec:.1%} recall {rec:.1%} (tp {tp}, fp {fp}, fn {fn})")
    assert wrong == []


def test_uncertain_pairs_go_to_review_not_merge():
    bad = [(p["text_a"], p["text_b"], d) for p, d in judged_pairs() if p["label"] == "uncertain" and d.verdict != "review"]
    assert bad == []


def test_report_score_distribution_behind_thresholds():
    """Prints what AUTO_MERGE and REVIEW_MIN were chosen from, and checks they still separate the set."""
    judged = judged_pairs()
    groups: dict[str, list[float]] = defaultdict(list)
    for p, d in judged:
        fa, fb = form(p["kind"], p["text_a"]), form(p["kind"], p["text_b"])
        if fa == fb or fa.replace(" ", "") == fb.replace(" ", ""):
            groups[f"{p['label']}: equal after normalisation"].append(100.0)
            continue
        s = nz.score(fa, fb)
        only_a, only_b, _ = word_difference(fa, fb)
        agree = not only_a and not only_b
        groups[f"{p['label']}: {'words agree (score decides)' if agree else 'words differ'}"].append(s)
    print()
    for name in sorted(groups):
        v = sorted(groups[name])
        print(f"{name:52s} n={len(v):3d} min={v[0]:5.1f} median={statistics.median(v):5.1f} max={v[-1]:5.1f}")
    dif = sorted(s for p, d in judged if p["label"] == "different" for s in [d.score])
    print(f"{'different: all':52s} n={len(dif):3d} share >= {REVIEW_MIN}: {sum(s >= REVIEW_MIN for s in dif) / len(dif):.0%}")
    for kind, (prec, rec, tp, fp, fn) in precision_recall(judged).items():
        print(f"{kind:10s} precision {prec:.1%} recall {rec:.1%} (tp {tp}, fp {fp}, fn {fn})")
    print(f"AUTO_MERGE={AUTO_MERGE} REVIEW_MIN={REVIEW_MIN}")
    same_fuzzy = groups.get("same: words agree (score decides)", [])
    diff_fuzzy = groups.get("different: words agree (score decides)", [])
    assert same_fuzzy and min(same_fuzzy) >= AUTO_MERGE
    assert all(s < AUTO_MERGE for s in diff_fuzzy)
    unc = groups.get("uncertain: words differ", [])
    assert unc and min(unc) >= REVIEW_MIN


def test_meaning_words_are_never_merged_whatever_the_score():
    for a, b in [("Jumlah Dokumen Perencanaan Perangkat Daerah", "Jumlah Laporan Perencanaan Perangkat Daerah"),
                 ("PRANATA KOMPUTER AHLI MUDA", "PRANATA KOMPUTER AHLI PERTAMA"),
                 ("Persentase Orang yang Menerima Gaji", "Jumlah Orang yang Menerima Gaji")]:
        d = decide(match_form(a), match_form(b))
        assert d.verdict == "different", (a, b, d)


# --- the sample decree -------------------------------------------------------------------------

HEAD_UNITS = {1: "SEKRETARIAT", 2: "SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN", 3: "SUB BAGIAN UMUM DAN KEPEGAWAIAN",
              11: "BIDANG KOMUNIKASI DAN INFORMASI PUBLIK", 16: "BIDANG INFORMATIKA",
              23: "BIDANG PENGELOLAAN DATA DAN STATISTIK"}
PPK, UK = "SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN", "SUB BAGIAN UMUM DAN KEPEGAWAIAN"
KIP, INF, PDS = "BIDANG KOMUNIKASI DAN INFORMASI PUBLIK", "BIDANG INFORMATIKA", "BIDANG PENGELOLAAN DATA DAN STATISTIK"
# position_no: (jabatan_key, unit, atasan_key), read by hand from the seed's tugas/fungsi texts
EXPECTED_POSITIONS = {
    1: ("SEKRETARIS", "SEKRETARIAT", "KEPALA DINAS"),
    2: ("KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN", PPK, "SEKRETARIS"),
    3: ("KEPALA SUB BAGIAN UMUM DAN KEPEGAWAIAN", UK, "SEKRETARIS"),
    4: ("PENELAAH TEKNIS KEBIJAKAN", PPK, "KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN"),
    5: ("PENELAAH TEKNIS KEBIJAKAN", PPK, "KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN"),
    6: ("PENELAAH TEKNIS KEBIJAKAN", PPK, "KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN"),
    7: ("PENGOLAH DATA DAN INFORMASI", PPK, "KEPALA SUB BAGIAN PENYUSUNAN PROGRAM DAN KEUANGAN"),
    8: ("PENGADMINISTRASI PERKANTORAN", UK, "KEPALA SUB BAGIAN UMUM DAN KEPEGAWAIAN"),
    9: ("PENELAAH TEKNIS KEBIJAKAN", UK, "KEPALA SUB BAGIAN UMUM DAN KEPEGAWAIAN"),
    10: ("PENGELOLA DATA DAN INFORMASI", UK, "KEPALA SUB BAGIAN UMUM DAN KEPEGAWAIAN"),
    11: ("KEPALA BIDANG KOMUNIKASI DAN INFORMASI PUBLIK", KIP, "KEPALA DINAS"),
    12: ("PRANATA HUBUNGAN MASYARAKAT AHLI MUDA", KIP, "KEPALA BIDANG KOMUNIKASI DAN INFORMASI PUBLIK"),
    13: ("PRANATA HUBUNGAN MASYARAKAT AHLI MUDA", KIP, "KEPALA BIDANG KOMUNIKASI DAN INFORMASI PUBLIK"),
    14: ("ANALIS DATA DAN INFORMASI", KIP, "PRANATA HUBUNGAN MASYARAKAT AHLI MUDA"),
    15: ("TEKNISI ALAT ELEKTRO DAN ALAT KOMUNIKASI", KIP, "PRANATA HUBUNGAN MASYARAKAT AHLI MUDA"),
    16: ("KEPALA BIDANG INFORMATIKA", INF, "KEPALA DINAS"),
    17: ("PRANATA KOMPUTER AHLI MUDA", INF, "KEPALA BIDANG INFORMATIKA"),
    18: ("SANDIMAN AHLI MUDA", INF, "KEPALA BIDANG INFORMATIKA"),
    19: ("PRANATA KOMPUTER AHLI PERTAMA", INF, "PRANATA KOMPUTER AHLI MUDA"),
    20: ("PRANATA KOMPUTER AHLI PERTAMA", INF, "PRANATA KOMPUTER AHLI MUDA"),
    21: ("PENGELOLA DATA DAN INFORMASI", INF, "KEPALA BIDANG INFORMATIKA"),
    22: ("PENGELOLA LAYANAN OPERASIONAL", INF, "SANDIMAN AHLI MUDA"),
    23: ("KEPALA BIDANG PENGELOLAAN DATA DAN STATISTIK", PDS, "KEPALA DINAS"),
    24: ("STATISTISI AHLI MUDA", PDS, "KEPALA BIDANG PENGELOLAAN DATA DAN STATISTIK"),
    25: ("PRANATA KOMPUTER AHLI PERTAMA", PDS, "STATISTISI AHLI MUDA"),
    26: ("STATISTISI AHLI PERTAMA", PDS, "KEPALA BIDANG PENGELOLAAN DATA DAN STATISTIK"),
}


def test_positions_keys_units_and_superiors(sample):
    pos = sample.tables["positions"]
    assert len(pos) == 26
    assert pos.position_key.nunique() == 26
    got = {r.position_no: (r.jabatan_key, r.unit, r.atasan_key) for r in pos.itertuples()}
    assert got == EXPECTED_POSITIONS
    staff = pos[~pos.position_no.isin(list(HEAD_UNITS))]
    assert staff.atasan_key.notna().all() and len(staff) == 20
    # the four PENELAAH TEKNIS KEBIJAKAN blocks stay distinct
    assert pos[pos.jabatan_key == "PENELAAH TEKNIS KEBIJAKAN"].position_key.nunique() == 4


def test_position_key_is_decree_title_unit(sample):
    pos = sample.tables["positions"].set_index("position_no")
    assert pos.loc[1, "position_key"] == text_key("d1|SEKRETARIS|SEKRETARIAT")
    assert pos.loc[4, "position_key"] == text_key(f"d1|PENELAAH TEKNIS KEBIJAKAN|{PPK}")
    assert pos.loc[5, "position_key"] == text_key(f"d1|PENELAAH TEKNIS KEBIJAKAN|{PPK}|2")


PJ_POSITION = {"Sekretaris": 1, "Kepala Sub Bagian Penyusunan Program Dan Keuangan": 2,
               "Kepala Sub Bag Umum dan Kepegawaian": 3, "Kepala Bidang Komunikasi dan Informasi Publik": 11,
               "Kepala Bidang Informatika": 16, "Kepala Bidang Pengelolaan Data Dan Statistik": 23}


def test_every_penanggung_jawab_resolves_to_its_position(sample):
    ind, pos = sample.tables["indicators"], sample.tables["positions"]
    key_of = dict(zip(pos.position_no, pos.position_key))
    for r in ind.itertuples():
        if r.penanggung_jawab:
            assert r.penanggung_jawab_key == key_of[PJ_POSITION[r.penanggung_jawab]], r
        else:
            assert r.penanggung_jawab_key is None
    assert ind.penanggung_jawab_key.notna().sum() == 88  # one indicator prints no responsible entry


def test_repeated_indicators_share_one_key(sample):
    ind = sample.tables["indicators"]
    for text, positions in [("Jumlah Orang yang Menerima Gaji dan Tunjangan ASN", {2, 5, 6, 7}),
                            ("Nilai SAKIP Perangkat Daerah", {1, 11, 16, 23}),
                            ("Persentase Realisasi Anggaran Perangkat Daerah", {1, 11, 16, 23}),
                            ("Jumlah Dokumen Perencanaan Perangkat Daerah", {2, 4, 5, 7})]:
        rows = ind[ind.indikator == text]
        assert set(rows.position_no) == positions
        assert rows.indikator_key.nunique() == 1
    for _, rows in ind.groupby(ind.indikator.map(match_form)):
        assert rows.indikator_key.nunique() == 1
    # sasaran printed with and without the trailing stop, or "Perencanaan,Penganggaran" spacing, are one
    s = ind[ind.sasaran.str.startswith("Meningkatnya Kualitas Perencanaan")]
    assert s.sasaran.nunique() == 2 and s.sasaran_key.nunique() == 1
    assert ind.indikator_key.nunique() == 50


def test_catalogue(sample):
    cat = sample.tables["indicator_catalog"]
    assert list(cat.columns) == CURATED_TABLES["indicator_catalog"].names
    assert len(cat) == 50 and cat.indikator_key.is_unique
    row = cat[cat.indikator == "Nilai SAKIP Perangkat Daerah"].iloc[0]
    assert (row.n_positions, row.n_decrees, row.jenis_formula, row.satuan) == (4, 1, "indeks", "nilai")
    assert row.variants == ["Nilai SAKIP Perangkat Daerah"]
    row = cat[cat.indikator == "Jumlah Kendaraan Dinas Operasional atau Lapangan yang Dipelihara dan Dibayarkan "
                               "Pajak dan Perizinannya"].iloc[0]
    assert row.n_positions == 2  # position 9 prints it twice
    # canonical text: the printed form, tidied (no trailing stop)
    assert "Jumlah aktivitas relasi media kepada media yang memenuhi kriteria" in set(cat.indikator)


# Hand-checked: jenis_formula, satuan, periode, regulasi of every indicator text of the sample.
# rata_rata: the formula averages sub-activity achievements although the name says Persentase.
# indeks: scores from an evaluation (SAKIP, IP ASN, KIP, SPBE, KAMI, IPS).
T, PR = "1 Tahun", "Peraturan Menteri PANRB"
EXPECTED_FORMULA = {
    "Persentase Dokumen Perencanaan,Penganggaran dan Evaluasi Kinerja Perangkat Daerah Yang Tersusun Sesuai Ketentuan.": ("rata_rata", "%", None, None),
    "Persentase Laporan Administrasi Keuangan Perangkat Daerah Yang Tersusun Sesuai Ketentuan.": ("rata_rata", "%", None, None),
    "Persentase Penyediaan Administrasi Umum Perangkat Daerah Sesuai Ketentuan": ("rata_rata", "%", None, None),
    "Persentase Penyediaan Jasa Penunjang Urusan Pemerintahan Daerah Yang Dilaksanakan Sesuai Ketentuan": ("rata_rata", "%", None, None),
    "Persentase Pemenuhan Pemeliharaan Barang Milik Daerah Penunjang Urusan Pemerintahan Daerah": ("rata_rata", "%", None, None),
    "Nilai SAKIP Perangkat Daerah": ("indeks", "nilai", None, f"{PR} Nomor 88 Tahun 2021"),
    "Persentase Realisasi Anggaran Perangkat Daerah": ("persentase", "%", None, None),
    "Indeks Profesionalitas ASN": ("indeks", "indeks", None, f"{PR} Nomor 38 Tahun 2018"),
    "Jumlah Inovasi yang Tersosialisasi": ("jumlah", "inovasi", T, None),
    "Jumlah Dokumen Perencanaan Perangkat Daerah": ("jumlah", "dokumen", T, None),
    "Jumlah Laporan Evaluasi Kinerja Perangkat Daerah": ("jumlah", "laporan", T, None),
    "Jumlah Orang yang Menerima Gaji dan Tunjangan ASN": ("jumlah", "orang", T, None),
    "Jumlah Paket Bahan Logistik Kantor yang Disediakan": ("jumlah", "paket", T, None),
    "Jumlah Paket Barang Cetakan dan Penggandaan yang Disediakan": ("jumlah", "paket", T, None),
    "Jumlah Paket Bahan/Material yang Disediakan": ("jumlah", "paket", T, None),
    "Jumlah Laporan Fasilitasi Kunjungan Tamu": ("jumlah", "laporan", T, None),
    "Jumlah Laporan Penyelenggaraan Rapat Koordinasi dan Konsultasi SKPD": ("jumlah", "laporan", T, None),
    "Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik yang Disediakan": ("jumlah", "laporan", T, None),
    "Jumlah Laporan Penyediaan Jasa Pelayanan Umum Kantor yang Disediakan": ("jumlah", "laporan", T, None),
    "Jumlah Kendaraan Dinas Operasional atau Lapangan yang Dipelihara dan Dibayarkan Pajak dan Perizinannya": ("jumlah", "unit", T, None),
    "Jumlah Gedung Kantor dan Bangunan Lainnya yang Dipelihara/Direhabilitasi": ("jumlah", "unit", T, None),
    "Jumlah Sarana dan Prasarana Gedung Kantor atau Bangunan Lainnya yang Dipelihara/Direhabilitasi": ("jumlah", "unit", T, None),
    "Jumlah Waktu Pemenuhan Fasilitasi Kunjungan Tamu": ("jumlah", "kali", T, None),
    "Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik": ("jumlah", "laporan", None, None),
    "Indeks Keterbukaan Informasi Publik": ("indeks", "indeks", None, "Peraturan Komisi Informasi Nomor 5 Tahun 2016"),
    "Persentase Diseminasi Dan Layanan Informasi Publik Yang Dilaksanakan sesuai dengan STRAKOM dan SOP yang telah ditetapkan": ("persentase", "%", None, None),
    "Jumlah Inovasi yang Terinternalisasi dan Tersosialisasi serta berkelanjutan": ("jumlah", "inovasi", None, None),
    "Jumlah aktivitas relasi media kepada media yang memenuhi kriteria.": ("jumlah", "kegiatan", T, None),
    "Jumlah permohonan Informasi Publik yang diselesaikan sesuai peraturan perundangan.": ("jumlah", "permohonan", T, None),
    "Jumlah rekomendasi komunikasi terhadap isu publik yang berkembang dan usulan agenda komunikasi prioritas Pemerintah Daerah.": ("jumlah", "rekomendasi", T, None),
    "Jumlah Dokumen Hasil Pelaksanaan Pengelolaan Media Komunikasi Publik": ("jumlah", "dokumen", T, None),
    "Jumlah Dokumen Hasil Pelayanan Informasi Publik": ("jumlah", "dokumen", T, None),
    "Tingkat Kematangan Tata Kelola SPBE": ("indeks", "indeks", None, None),
    "Tingkat kematangan aspek teknologi informasi pada domain tata kelola SPBE": ("indeks", "indeks", None, None),
    "Indeks KAMI": ("indeks", "indeks", None, "SNI ISO/IEC 27001:2009"),
    "Persentase Layanan Elektronik yang Diamankan": ("persentase", "%", None, None),
    "Persentase Perangkat Daerah yang terhubung dalam jaring komunikasi sandi": ("persentase", "%", None, None),
    "Jumlah perangkat daerah di pemerintah Kab/Kota yang terhubung dengan Jaringan Intra Pemerintah Daerah Kab/Kota": ("jumlah", "perangkat daerah", T, None),
    "Jumlah Laporan Pelaksanaan Keamanan Informasi Pemerintahan Daerah Kabupaten/Kota Berbasis Elektronik dan Non Elektronik": ("jumlah", "laporan", T, None),
    "Jumlah Perangkat Daerah yang Terhubung dalam Jaring Komunikasi Sandi": ("jumlah", "perangkat daerah", T, None),
    "Jumlah laporan hasil fasilitasi penyelenggaraan SPBE di lingkungan Pemda": ("jumlah", "laporan", T, None),
    "Jumlah dokumen koordinasi Fasilitasi Promosi Literasi SPBE dan/atau kolaborasi penyelenggaraan SPBE": ("jumlah", "dokumen", T, None),
    "Jumlah perangkat daerah yang mendapatkan sosialisasi program Kabupaten/Kota Cerdas.": ("jumlah", "perangkat daerah", T, None),
    "Indeks Pembangunan Statistik (IPS)": ("indeks", "indeks", None, None),
    "Persentase Perangkat Daerah yang mendapatkan rekomendasi kegiatan statistik": ("persentase", "%", None, None),
    "Persentase Perangkat Daerah yang menggunakan data statistik dalam menyusun perencanaan pembangunan daerah": ("persentase", "%", None, None),
    "Persentase Perangkat Daerah yang menggunakan data statistik dalam pelaksanaan monitoring dan evaluasi pembangunan daerah": ("persentase", "%", None, None),
    "Persentase Perangkat Daerah yang menyampaikan metadata statistik sektoral sesuai Standar Data Statistik Nasional (SDSN)": ("persentase", "%", None, None),
    "Persentase Perangkat Daerah yang menggunakan data Statistik untuk Perencanaan, Monitoring, dan Evaluasi Pembangunan dan/atau Penyusunan Kebijakan": ("persentase", "%", None, None),
    "Persentase kegiatan statistik sektoral yang rilis tepat waktu": ("persentase", "%", None, None),
}


def test_formula_fields_of_every_indicator(sample):
    ind = sample.tables["indicators"]
    assert len(ind) == 89
    wrong = [(r.position_no, r.indicator_no, r.indikator, (r.jenis_formula, r.satuan, r.periode, r.regulasi))
             for r in ind.itertuples()
             if EXPECTED_FORMULA[r.indikator] != (r.jenis_formula, r.satuan, r.periode, r.regulasi)]
    assert wrong == []
    assert set(ind.indikator) == set(EXPECTED_FORMULA)


def test_printed_satuan_column_wins():
    t = sample_tables()
    t["indicators"]["extra"] = [{"SATUAN": "Dokumen"} if i == 0 else {"SATUAN": "Persen"} if i == 1 else {}
                                for i in range(len(t["indicators"]))]
    ind = normalise(t, Aliases()).tables["indicators"]
    assert list(ind.satuan[:3]) == ["dokumen", "%", "%"]


def test_output_columns_and_types_match_the_contract(sample):
    for name in ("positions", "indicators", "indicator_catalog"):
        df = sample.tables[name]
        table = CURATED_TABLES[name]
        assert list(df.columns) == table.names, name
        pa.Table.from_pandas(df, schema=table.arrow_schema(), preserve_index=False)
    ind = sample.tables["indicators"]
    assert all(v is None or isinstance(v, str) for v in ind.regulasi)
    assert all(isinstance(v, list) for v in sample.tables["indicator_catalog"].variants)


# --- review list and aliases -------------------------------------------------------------------

def test_review_list_on_the_sample(sample, sample_committed):
    r = sample.review
    assert list(r.columns) == nz.REVIEW_COLUMNS
    pairs = set(zip(r.kind, r.text_a, r.text_b))
    assert pairs == {
        ("indikator", "Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik",
         "Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik yang Disediakan"),
        ("jabatan", "PENGELOLA DATA DAN INFORMASI", "PENGOLAH DATA DAN INFORMASI"),
    }
    row = r[r.kind == "indikator"].iloc[0]
    assert (row.source_file, row.page, row.position_no, row.jabatan) == (
        "mojokerto-diskominfo-2025.pdf", 3, 3, "KEPALA SUB BAGIAN UMUM DAN KEPEGAWAIAN")
    assert any(w.startswith("review:") for w in sample.warnings)
    # the committed reference file forbids the jabatan merge: only the indicator is left to decide
    assert set(sample_committed.review.kind) == {"indikator"}
    # uncertain texts keep their own keys
    ind = sample.tables["indicators"]
    assert ind[ind.indikator.str.startswith("Jumlah Laporan Penyediaan Jasa Komunikasi")].indikator_key.nunique() == 2


def test_pin_merges_a_variant_and_clears_its_review():
    aliases = parse_aliases(
        "kind,action,text_a,text_b,note\n"
        'indikator,pin,"Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik",'
        '"Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik yang Disediakan",same sub kegiatan\n')
    out = normalise(sample_tables(), aliases)
    ind = out.tables["indicators"]
    rows = ind[ind.indikator.str.startswith("Jumlah Laporan Penyediaan Jasa Komunikasi")]
    assert rows.indikator_key.nunique() == 1
    assert rows.indikator_key.iloc[0] == text_key(match_form(
        "Jumlah Laporan Penyediaan Jasa Komunikasi, Sumber Daya Air dan Listrik yang Disediakan"))
    assert "indikator" not in set(out.review.kind)
    cat = out.tables["indicator_catalog"]
    assert len(cat) == 49
    row = cat[cat.indikator_key == rows.indikator_key.iloc[0]].iloc[0]
    assert len(row.variants) == 2 and row.n_positions == 2


def test_pin_overrides_the_meaning_guard_when_a_person_says_so():
    t = reworded(sample_tables(), {"Nilai SAKIP Perangkat Daerah": "Nilai SAKIP Dinas"})
    both = concat(sample_tables("d1"), {**t, "decrees": t["decrees"].assign(decree_id="d2"),
                                        "positions": t["positions"].assign(decree_id="d2"),
                                        "indicators": t["indicators"].assign(decree_id="d2")})
    plain = normalise(both, Aliases()).tables["indicators"]
    sakip = plain[plain.indikator.str.startswith("Nilai SAKIP")]
    assert sakip.indikator_key.nunique() == 2
    pinned = normalise(both, parse_aliases(
        "kind,action,text_a,text_b,note\nindikator,pin,Nilai SAKIP Dinas,Nilai SAKIP Perangkat Daerah,\n"))
    cat = pinned.tables["indicator_catalog"]
    row = cat[cat.indikator == "Nilai SAKIP Perangkat Daerah"].iloc[0]
    assert (row.n_decrees, row.n_positions, row.variants) == (2, 8, ["Nilai SAKIP Dinas", "Nilai SAKIP Perangkat Daerah"])


def test_forbid_keeps_an_automatic_merge_apart():
    typo = "Persentase Realisasi Anggaram Perangkat Daerah"
    t = reworded(sample_tables("d2", "other.pdf"), {"Persentase Realisasi Anggaran Perangkat Daerah": typo})
    batch = concat(sample_tables(), t)
    ind = normalise(batch, Aliases()).tables["indicators"]
    assert ind[ind.indikator.str.startswith("Persentase Realisasi Angg")].indikator_key.nunique() == 1
    forbid = parse_aliases("kind,action,text_a,text_b,note\n"
                           f"indikator,forbid,{typo},Persentase Realisasi Anggaran Perangkat Daerah,\n")
    ind = normalise(batch, forbid).tables["indicators"]
    assert ind[ind.indikator.str.startswith("Persentase Realisasi Angg")].indikator_key.nunique() == 2


def test_jabatan_pin_resolves_a_penanggung_jawab():
    t = sample_tables()
    t["indicators"]["penanggung_jawab"] = ["PPK Dinas" if p == 2 else x
                                           for p, x in zip(t["indicators"].position_no, t["indicators"].penanggung_jawab)]
    plain = normalise(t, Aliases())
    ind = plain.tables["indicators"]
    assert ind[ind.position_no == 2].penanggung_jawab_key.isna().all()
    assert any("PPK Dinas" in w for w in plain.warnings)
    pinned = normalise(t, parse_aliases("kind,action,text_a,text_b,note\n"
                                        "jabatan,pin,PPK Dinas,Kepala Sub Bagian Penyusunan Program dan Keuangan,\n"))
    ind, pos = pinned.tables["indicators"], pinned.tables["positions"]
    assert set(ind[ind.position_no == 2].penanggung_jawab_key) == {pos.set_index("position_no").position_key[2]}


def test_committed_aliases_file_loads_and_bad_rows_fail():
    a = load_aliases(ALIASES)
    assert a.forbidden("jabatan", "PENGELOLA DATA DAN INFORMASI", "PENGOLAH DATA DAN INFORMASI")
    with pytest.raises(ValueError):
        parse_aliases("kind,action,text_a,text_b,note\nindikator,merge,a,b,\n")
    with pytest.raises(ValueError):
        parse_aliases("kind,action,text_a,text_b,note\nindikator,pin,A x,B,\nindikator,pin,a X,C,\n")


# --- determinism -------------------------------------------------------------------------------

def _frozen(out) -> dict[str, list]:
    res = {}
    for name, df in out.tables.items():
        key = list(CURATED_TABLES[name].keys) if name in CURATED_TABLES else list(df.columns[:1])
        df = df.sort_values(key).reset_index(drop=True)
        res[name] = [tuple(str(v) for v in row) for row in df.itertuples(index=False)]
    res["review"] = sorted(tuple(str(v) for v in row) for row in out.review.itertuples(index=False))
    res["warnings"] = sorted(out.warnings)
    return res


def test_same_result_on_every_run_and_in_any_decree_order():
    d1 = sample_tables("d1", "a.pdf")
    d2 = reworded(sample_tables("d2", "b.pdf"), {
        "Persentase Realisasi Anggaran Perangkat Daerah": "Persentase Realisasi Anggaram Perangkat Daerah",
        "Jumlah Orang yang Menerima Gaji dan Tunjangan ASN": "JUMLAH ORANG YANG MENERIMA GAJI DAN TUNJANGAN ASN.",
        "Nilai SAKIP Perangkat Daerah": "Nilai SAKIP OPD"})
    first = normalise(concat(d1, d2), Aliases())
    again = normalise(concat(d1, d2), Aliases())
    flipped = concat(d2, d1)
    flipped = {k: v.sample(frac=1.0, random_state=7).reset_index(drop=True) for k, v in flipped.items()}
    other = normalise(flipped, Aliases())
    assert _frozen(first) == _frozen(again) == _frozen(other)
    # keys are content-derived: the same as when each decree is normalised alone (a fuzzy-merged
    # variant takes the key of its cluster's canonical form, the correctly spelled one here)
    alone = normalise(d1, Aliases()).tables["indicators"]
    both = first.tables["indicators"]
    assert set(alone.indikator_key) <= set(both.indikator_key)
    k = dict(zip(both[both.decree_id == "d2"].indikator, both[both.decree_id == "d2"].indikator_key))
    assert k["Nilai SAKIP OPD"] == text_key("NILAI SAKIP PERANGKAT DAERAH")
    assert k["Persentase Realisasi Anggaram Perangkat Daerah"] == text_key(
        match_form("Persentase Realisasi Anggaran Perangkat Daerah"))
    cat = first.tables["indicator_catalog"]
    assert (cat.n_decrees == 2).sum() >= 48


def test_an_empty_batch_gives_empty_tables_with_the_contract_columns():
    t = {k: v.iloc[0:0] for k, v in sample_tables().items()}
    out = normalise(t, Aliases())
    for name in ("positions", "indicators", "indicator_catalog"):
        assert list(out.tables[name].columns) == CURATED_TABLES[name].names
        assert len(out.tables[name]) == 0
    assert len(out.review) == 0 and list(out.review.columns) == nz.REVIEW_COLUMNS


def test_a_pinned_canonical_text_still_attracts_its_typos():
    typo = "Persentase Realisasi Anggaram Perangkat Daerah"
    t = reworded(sample_tables("d2", "other.pdf"), {"Persentase Realisasi Anggaran Perangkat Daerah": typo,
                                                     "Nilai SAKIP Perangkat Daerah": "Nilai SAKIP Dinas"})
    aliases = parse_aliases("kind,action,text_a,text_b,note\n"
                            "indikator,pin,Nilai SAKIP Dinas,Nilai SAKIP Perangkat Daerah,\n"
                            "indikator,pin,Realisasi Anggaran PD,Persentase Realisasi Anggaran Perangkat Daerah,\n")
    ind = normalise(concat(sample_tables(), t), aliases).tables["indicators"]
    assert ind[ind.indikator.str.startswith("Persentase Realisasi Angg")].indikator_key.nunique() == 1
    assert ind[ind.indikator.str.startswith("Nilai SAKIP")].indikator_key.nunique() == 1


def test_pairs_decided_by_worker_processes_equal_one_process(monkeypatch):
    """Blocks of forms, forked workers and a Dask cluster change where pairs are decided, never
    the decisions."""
    t = sample_tables()
    printed = sorted({match_form(x) for col in ("indikator", "sasaran") for x in t["indicators"][col]})
    typos = [f.replace(w, w + w[-1], 1) for f in printed for w in [max(f.split(), key=len)] if len(w) >= 6]
    forms = sorted(set(printed) | set(typos) | {f + " DAERAH" for f in printed})  # same, and review, pairs
    one_block = clustering._decide_all(forms)
    monkeypatch.setattr(clustering, "PARALLEL_MIN", 2)
    monkeypatch.setattr(clustering, "BLOCK", 7)
    assert len(one_block) > 50 and {d.verdict for _, _, d in one_block} == {"same", "review"}
    with LocalExecutor(Settings(workers=2)) as local, DaskExecutor(Settings(workers=2)) as dask:
        assert clustering._decide_all(forms, local.map_blocks) == clustering._decide_all(forms) == one_block
        assert clustering._decide_all(forms, dask.map_blocks) == one_block
        one, two = normalise(t, Aliases()), normalise(t, Aliases(), local.map_blocks)
    for name in one.tables:
        pd.testing.assert_frame_equal(one.tables[name], two.tables[name])
    pd.testing.assert_frame_equal(one.review, two.review)
    assert one.warnings == two.warnings
