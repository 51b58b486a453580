"""The curated contract, defined once.

Every curated table, its columns, types and meanings live here; the pyarrow
schemas, the expectation suites' column lists and the data dictionary are
derived from these definitions so they can never drift apart.
A column change here is a contract change: bump CONTRACT_VERSION and write it
in CHANGELOG.md.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pyarrow as pa

CONTRACT_VERSION = "5"

STR = pa.string()
I32 = pa.int32()
F64 = pa.float64()
LIST_STR = pa.list_(pa.string())
MAP_STR = pa.map_(pa.string(), pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    id: str  # meaning in Bahasa Indonesia
    en: str  # meaning in English
    example: str = ""
    nullable: bool = False
    since: str = "1"


@dataclass(frozen=True)
class Table:
    name: str
    id: str
    en: str
    keys: tuple[str, ...]
    columns: tuple[Column, ...] = field(default_factory=tuple)

    @property
    def names(self) -> list[str]:
        return [c.name for c in self.columns]

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def arrow_schema(self) -> pa.Schema:
        fields = [
            pa.field(c.name, c.type, nullable=True,
                     metadata={"description_id": c.id, "description_en": c.en,
                               "example": c.example, "since_contract": c.since})
            for c in self.columns
        ]
        return pa.schema(fields, metadata={"table": self.name, "contract_version": CONTRACT_VERSION,
                                           "description_id": self.id, "description_en": self.en})


DECREE_ID = Column("decree_id", STR, "16 karakter pertama SHA-256 berkas PDF", "first 16 hex chars of the PDF's SHA-256",
                   "3f2a9c0d1e4b5a67")
POSITION_NO = Column("position_no", I32, "urutan jabatan dalam keputusan (mulai 1)",
                     "1-based order of the position block in the decree", "1")

DECREES = Table(
    "decrees", "Satu baris per berkas keputusan", "One row per decree PDF", ("decree_id",),
    (
        DECREE_ID,
        Column("source_file", STR, "nama berkas di raw/", "file name in raw/", "diskominfo-2025.pdf"),
        Column("lampiran_of", STR, "keputusan yang dilampiri", "the decree this annex belongs to",
               "KEPUTUSAN KEPALA DINAS KOMUNIKASI DAN INFORMATIKA KABUPATEN MOJOKERTO"),
        Column("nomor", STR, "nomor keputusan", "decree number", "188/15/416-113/2025"),
        Column("tanggal", STR, "tanggal keputusan seperti tercetak", "decree date as printed", "JANUARI 2025"),
        Column("title", STR, "judul lampiran", "annex title", "INDIKATOR KERJA INDIVIDU"),
        Column("agency", STR, "perangkat daerah", "issuing agency", "DINAS KOMUNIKASI DAN INFORMATIKA KABUPATEN MOJOKERTO"),
        Column("n_pages", I32, "jumlah halaman PDF", "number of pages in the PDF", "30"),
        Column("source_kind", STR, "asal teks: text (lapisan teks PDF) atau ocr (pindaian)",
               "where the text came from: text (the PDF's text layer) or ocr (a scan)", "text", since="3"),
        Column("tentang", STR, "judul keputusan (TENTANG ...) dari batang tubuh keputusan sebelum lampiran; "
               "kosong bila tidak tercetak", "the decree's subject (TENTANG ...) from the decree body printed "
               "before the annex; empty when there is none",
               "INDIKATOR KINERJA INDIVIDU DI LINGKUNGAN KECAMATAN PAKISAJI KABUPATEN MALANG", since="5"),
        Column("ditetapkan_di", STR, "tempat penetapan (Ditetapkan di ...) dari batang tubuh; kosong bila tidak ada",
               "place of enactment (Ditetapkan di ...) from the decree body; empty when there is none", "Malang",
               since="5"),
        Column("tanggal_penetapan", STR, "tanggal penetapan seperti tercetak (pada tanggal ...); kosong bila tidak ada",
               "date of enactment as printed (pada tanggal ...); empty when there is none", "2 JANUARI 2025",
               since="5"),
        *(Column(f"penandatangan_{k}", STR, f"{i} penandatangan keputusan (batang tubuh); kosong bila tidak ada",
                 f"{e} of the decree's signer (decree body); null when there is none", x, nullable=True, since="5")
          for k, i, e, x in (("nama", "nama", "name", "SUHARDI, S.Kom"), ("pangkat", "pangkat/golongan",
                             "rank/grade", "Pembina, IV/a"), ("nip", "NIP", "civil-service id (NIP)",
                                                              "19740719 199903 1 003"))),
    ),
)

POSITIONS = Table(
    "positions", "Satu baris per blok jabatan", "One row per position block", ("decree_id", "position_no"),
    (
        DECREE_ID,
        POSITION_NO,
        Column("jabatan", STR, "nama jabatan seperti tercetak", "position title as printed", "PENELAAH TEKNIS KEBIJAKAN"),
        Column("tugas", LIST_STR, "butir tugas, nomor dibuang", "duties, one item per numbered point", "[...]"),
        Column("fungsi", LIST_STR, "butir fungsi, nomor dibuang", "functions, one item per numbered point", "[...]"),
        Column("page_first", I32, "halaman pertama blok jabatan", "first page of the block (1-based)", "1"),
        Column("page_last", I32, "halaman terakhir blok jabatan", "last page of the block (1-based)", "2"),
        Column("source_kind", STR, "asal teks: text (lapisan teks PDF) atau ocr (pindaian)",
               "where the text came from: text (the PDF's text layer) or ocr (a scan)", "text", since="3"),
        *(Column(f"penandatangan_{k}", STR, f"{i} pada blok tanda tangan setelah tabel jabatan; kosong bila tidak ada",
                 f"{e} in the signature block after the position's table; null when there is none", x,
                 nullable=True, since="5")
          for k, i, e, x in (("nama", "nama", "name", "AMRIZAL LATIF, S.Sos"), ("pangkat", "pangkat/golongan",
                             "rank/grade", "Pembina, IV/a"), ("nip", "NIP", "civil-service id (NIP)",
                                                              "19760727 199803 1 014"))),
        Column("jabatan_key", STR, "nama jabatan baku", "canonical position title", "KEPALA SUB BAGIAN UMUM DAN KEPEGAWAIAN",
               since="2"),
        Column("unit", STR, "unit organisasi jabatan", "organisational unit of the position", "SUB BAGIAN UMUM DAN KEPEGAWAIAN",
               since="2"),
        Column("atasan_key", STR, "jabatan_key atasan langsung", "jabatan_key of the direct superior",
               "SEKRETARIS", nullable=True, since="2"),
        Column("position_key", STR, "kunci stabil jabatan (decree_id + jabatan_key + unit; + urutan bila berulang)",
               "stable id from decree_id + jabatan_key + unit (+ order among identical blocks)",
               "a1b2c3d4e5f60718", since="2"),
        Column("jabatan_ocr", STR, "nama jabatan seperti terbaca OCR, bila diganti dengan entri katalog yang mirip "
               "(jabatan lalu berisi entri itu); kosong bila tidak diganti",
               "position title as OCR read it, where it was snapped to a close catalogue entry (jabatan then "
               "holds that entry); null when not snapped", "SEKRETARlS", nullable=True, since="4"),
        Column("snap_score", F64, "skor kemiripan (0-100) teks OCR dengan entri katalog pengganti; kosong bila tidak diganti",
               "similarity (0-100) of the OCR text to the catalogue entry it was snapped to; null when not snapped",
               "94.7", nullable=True, since="4"),
        Column("flags", LIST_STR, "peringatan yang berlaku untuk baris ini (mis. penanggung_jawab_empty_in_pdf); "
               "daftar kosong bila tidak ada", "the warnings that apply to this row (e.g. "
               "penanggung_jawab_empty_in_pdf); an empty list when none", "[position_key_repeated]", since="5"),
    ),
)

INDICATORS = Table(
    "indicators", "Satu baris per indikator kinerja individu", "One row per individual performance indicator",
    ("decree_id", "position_no", "indicator_no"),
    (
        DECREE_ID,
        POSITION_NO,
        Column("sasaran_no", I32, "urutan sasaran dalam jabatan", "1-based sasaran sequence within the position", "1"),
        Column("sasaran_label", STR, "nomor sasaran seperti tercetak", "sasaran number as printed", "1"),
        Column("sasaran", STR, "sasaran seperti tercetak", "objective as printed",
               "Meningkatnya Kualitas Administrasi Umum Perangkat Daerah."),
        Column("indicator_no", I32, "urutan indikator dalam jabatan", "1-based indicator sequence within the position", "1"),
        Column("indikator_label", STR, "nomor indikator seperti tercetak", "indicator number as printed", "1)"),
        Column("indikator", STR, "indikator sasaran seperti tercetak", "indicator as printed", "Nilai SAKIP Perangkat Daerah"),
        Column("formulasi", STR, "penjelasan formulasi perhitungan; pecahan ditulis 'pembilang / penyebut'",
               "formula; a fraction is written 'numerator / denominator'", "Jumlah A X 100% / Jumlah B"),
        Column("pembilang", STR, "pembilang pecahan", "fraction numerator", "Jumlah A X 100%", nullable=True),
        Column("penyebut", STR, "penyebut pecahan", "fraction denominator", "Jumlah B", nullable=True),
        Column("catatan", STR, "catatan di bawah formula (Catatan : ..., Ket : ...), juga di akhir formulasi, "
               "tidak pernah di pembilang/penyebut; kosong bila tidak ada", "note printed after the formula "
               "(Catatan : ..., Ket : ...), also at the end of formulasi, never in pembilang/penyebut; empty when "
               "none", "Catatan : hari kerja dalam 1 tahun = 240 hari kerja efektif.", since="5"),
        Column("sumber_data", STR, "sumber data", "data source", "Laporan Realisasi Anggaran"),
        Column("penanggung_jawab", STR, "penanggung jawab seperti tercetak", "responsible party as printed", "Sekretaris"),
        Column("target", STR, "target dari kolom TARGET jika ada", "target as printed, where the decree has a TARGET column",
               "100%", nullable=True),
        Column("extra", MAP_STR, "kolom tambahan: judul kolom -> isi", "any other column: header -> text", "{SATUAN: %}"),
        Column("page", I32, "halaman awal baris indikator", "page where the indicator's row starts", "3"),
        Column("source_kind", STR, "asal teks: text (lapisan teks PDF) atau ocr (pindaian)",
               "where the text came from: text (the PDF's text layer) or ocr (a scan)", "text", since="3"),
        Column("ocr_confidence", F64, "keyakinan OCR terendah di baris (0-1); kosong untuk teks PDF",
               "lowest OCR word confidence in the row (0-1); null for a text layer", "0.93", nullable=True,
               since="3"),
        Column("indikator_key", STR, "kunci indikator baku (katalog)", "canonical indicator key (catalogue)",
               "9c1f0a2b3d4e5f60", since="2"),
        Column("sasaran_key", STR, "kunci sasaran baku", "canonical sasaran key", "0a1b2c3d4e5f6071", since="2"),
        Column("penanggung_jawab_key", STR, "position_key jabatan penanggung jawab",
               "position_key of the responsible position", "a1b2c3d4e5f60718", nullable=True, since="2"),
        Column("jenis_formula", STR, "jenis formula: persentase, jumlah, rata_rata, indeks, nilai",
               "formula kind: persentase, jumlah, rata_rata, indeks, nilai", "persentase", since="2"),
        Column("satuan", STR, "satuan indikator", "unit of measure", "%", since="2"),
        Column("periode", STR, "periode pengukuran jika tertulis", "measurement period where stated", "1 Tahun",
               nullable=True, since="2"),
        Column("regulasi", STR, "regulasi yang dirujuk formula", "regulation the formula cites",
               "Peraturan Menteri PANRB Nomor 88 Tahun 2021", nullable=True, since="2"),
        Column("ocr_text", MAP_STR, "sel hasil OCR yang diganti dengan entri katalog yang mirip (indikator, sasaran, "
               "penanggung_jawab): kolom -> teks seperti terbaca OCR; peta kosong bila tidak ada",
               "OCR cells snapped to a close catalogue entry (indikator, sasaran, penanggung_jawab): column -> text "
               "as OCR read it; an empty map when none", "{indikator: Persentase silan Musrenbang}", since="4"),
        Column("snap_score", F64, "skor kemiripan (0-100) terendah sel yang diganti; kosong bila tidak ada",
               "lowest similarity (0-100) of the row's snapped cells to their catalogue entries; null when none",
               "96.3", nullable=True, since="4"),
        Column("flags", LIST_STR, "peringatan yang berlaku untuk baris ini: sel kosong di PDF (<kolom>_empty_in_pdf) "
               "dan aturan validasi tingkat peringatan; daftar kosong bila tidak ada",
               "the warnings that apply to this row: a cell empty in the PDF itself (<column>_empty_in_pdf) and the "
               "warning-level validation rules it fails; an empty list when none", "[formulasi_empty_in_pdf]",
               since="5"),
    ),
)

INDICATOR_CATALOG = Table(
    "indicator_catalog", "Katalog indikator baku", "Catalogue of canonical indicators", ("indikator_key",),
    (
        Column("indikator_key", STR, "kunci indikator baku", "canonical indicator key", "9c1f0a2b3d4e5f60", since="2"),
        Column("indikator", STR, "teks indikator baku", "canonical indicator text", "Nilai SAKIP Perangkat Daerah", since="2"),
        Column("variants", LIST_STR, "bentuk tercetak yang dijumpai", "as-printed forms seen", "[...]", since="2"),
        Column("n_positions", I32, "jumlah jabatan yang memakai", "number of positions carrying it", "4", since="2"),
        Column("n_decrees", I32, "jumlah keputusan yang memakai", "number of decrees carrying it", "1", since="2"),
        Column("jenis_formula", STR, "jenis formula", "formula kind", "persentase", since="2"),
        Column("satuan", STR, "satuan", "unit of measure", "%", since="2"),
    ),
)

# --- score tables (owned by the score stage) -------------------------------
# (defined by pipeline/stages/score.py's author below this line)

CURATED_TABLES: dict[str, Table] = {t.name: t for t in (DECREES, POSITIONS, INDICATORS, INDICATOR_CATALOG)}

SCORES = Table(
    "scores", "Satu baris per jabatan x indikator x periode: target, realisasi, capaian, nilai, rating",
    "One row per position x indicator x period: target, realisation, achievement, score, rating",
    ("decree_id", "position_key", "sasaran_key", "indikator_key", "occurrence", "periode"),
    (
        DECREE_ID,
        Column("periode", I32, "tahun periode penilaian", "assessment year", "2025", since="2"),
        Column("position_key", STR, "kunci stabil jabatan", "stable position id", "a1b2c3d4e5f60718", since="2"),
        Column("sasaran_key", STR, "kunci sasaran baku", "canonical sasaran key", "0a1b2c3d4e5f6071", since="2"),
        Column("indikator_key", STR, "kunci indikator baku", "canonical indicator key", "9c1f0a2b3d4e5f60", since="2"),
        Column("occurrence", I32, "ke-n bila indikator yang sama berulang pada jabatan dan sasaran yang sama (biasanya 1)",
               "n-th repeat of the same indicator under the same position and sasaran (normally 1)", "1", since="2"),
        Column("position_no", I32, "urutan jabatan dalam keputusan", "order of the position in the decree", "1", since="2"),
        Column("indicator_no", I32, "urutan indikator dalam jabatan", "indicator sequence within the position", "1", since="2"),
        Column("jabatan_key", STR, "nama jabatan baku", "canonical position title", "SEKRETARIS", since="2"),
        Column("unit", STR, "unit organisasi jabatan", "organisational unit", "SEKRETARIAT", since="2"),
        Column("indikator", STR, "indikator seperti tercetak", "indicator as printed", "Nilai SAKIP Perangkat Daerah", since="2"),
        Column("jenis_formula", STR, "jenis formula", "formula kind", "persentase", since="2"),
        Column("satuan", STR, "satuan indikator", "unit of measure", "%", since="2"),
        Column("polaritas", STR, "polaritas: positif (makin tinggi makin baik) atau negatif",
               "polarity: positif (higher is better) or negatif (lower is better)", "positif", since="2"),
        Column("bobot", F64, "bobot indikator seperti diisi (dinormalkan saat agregasi)",
               "indicator weight as filled (normalised when rolling up)", "11.11", since="2"),
        Column("target", F64, "target", "target", "100", since="2"),
        Column("pembilang", F64, "nilai pembilang (indikator persentase)", "numerator value (persentase indicators)", "45",
               nullable=True, since="2"),
        Column("penyebut", F64, "nilai penyebut (indikator persentase)", "denominator value (persentase indicators)", "50",
               nullable=True, since="2"),
        Column("realisasi", F64, "realisasi; pembilang / penyebut x 100 bila keduanya diisi",
               "realisation; pembilang / penyebut x 100 where both are given", "90", nullable=True, since="2"),
        Column("capaian", F64, "capaian (%) setelah polaritas dan batas atas", "achievement (%) after polarity and cap", "90",
               nullable=True, since="2"),
        Column("score", F64, "nilai capaian IKI menurut pita nilai kebijakan", "indicator score from the policy's bands",
               "80", nullable=True, since="2"),
        Column("kategori", STR, "kategori capaian menurut pita nilai", "achievement category of the score band", "Cukup",
               nullable=True, since="2"),
        Column("rating", STR, "rating hasil kerja indikator", "indicator rating", "Sesuai Ekspektasi", nullable=True, since="2"),
        Column("cascade_from", STR, "position_key penanggung jawab bila indikator diturunkan dari jabatan lain (atasan)",
               "position_key of the responsible (superior) position the indicator cascades from", "a1b2c3d4e5f60718",
               nullable=True, since="2"),
        Column("source", STR, "berkas realisasi asal", "realisation file the row came from",
               "mojokerto-diskominfo-2025.xlsx", since="2"),
    ),
)

SCORE_SUMMARY = Table(
    "score_summary", "Rekap capaian per sasaran, jabatan dan unit", "Roll-up of achievement per sasaran, position and unit",
    ("decree_id", "periode", "summary_key"),
    (
        DECREE_ID,
        Column("periode", I32, "tahun periode penilaian", "assessment year", "2025", since="2"),
        Column("level", STR, "tingkat rekap: sasaran, position, unit", "roll-up level: sasaran, position, unit", "position",
               since="2"),
        Column("summary_key", STR, "kunci baris rekap (level:kunci)", "roll-up row key (level:key)", "position:a1b2c3d4e5f60718",
               since="2"),
        Column("unit", STR, "unit organisasi", "organisational unit", "SEKRETARIAT", since="2"),
        Column("position_key", STR, "kunci jabatan (kosong untuk unit)", "position id (null for units)", "a1b2c3d4e5f60718",
               nullable=True, since="2"),
        Column("sasaran_key", STR, "kunci sasaran (hanya tingkat sasaran)", "sasaran key (sasaran level only)",
               "0a1b2c3d4e5f6071", nullable=True, since="2"),
        Column("label", STR, "teks sasaran, jabatan atau unit", "sasaran text, position title or unit", "SEKRETARIS", since="2"),
        Column("atasan_key", STR, "jabatan_key atasan (tingkat jabatan)", "superior's jabatan_key (position level)",
               "KEPALA DINAS", nullable=True, since="2"),
        Column("n_indikator", I32, "jumlah indikator", "number of indicators", "9", since="2"),
        Column("n_terisi", I32, "jumlah indikator yang sudah ada capaiannya", "indicators with an achievement", "9", since="2"),
        Column("n_di_atas", I32, "jumlah rating Di Atas Ekspektasi", "count rated Di Atas Ekspektasi", "2", since="2"),
        Column("n_sesuai", I32, "jumlah rating Sesuai Ekspektasi", "count rated Sesuai Ekspektasi", "5", since="2"),
        Column("n_di_bawah", I32, "jumlah rating Di Bawah Ekspektasi", "count rated Di Bawah Ekspektasi", "2", since="2"),
        Column("bobot", F64, "jumlah bobot indikator yang terisi", "sum of weights of scored indicators", "100", since="2"),
        Column("capaian", F64, "capaian tertimbang (%)", "weighted achievement (%)", "98.5", nullable=True, since="2"),
        Column("score", F64, "nilai tertimbang", "weighted score", "88.5", nullable=True, since="2"),
        Column("predikat", STR, "predikat kinerja (jabatan dan unit)", "performance predicate (positions and units)", "Baik",
               nullable=True, since="2"),
        Column("n_cascaded", I32, "jumlah indikator yang diturunkan dari jabatan lain (atasan)",
               "indicators cascaded from another (superior) position", "3", since="2"),
        Column("capaian_cascaded", F64, "capaian tertimbang indikator turunan", "weighted achievement of cascaded indicators",
               "97", nullable=True, since="2"),
        Column("cascade_from", LIST_STR, "position_key asal indikator turunan", "position_keys the cascaded indicators come from",
               "[a1b2c3d4e5f60718]", since="2"),
    ),
)

SCORE_TABLES: dict[str, Table] = {t.name: t for t in (SCORES, SCORE_SUMMARY)}
