"""Typed formula fields: formula kind, unit of measure, period and cited regulation of an indicator."""
from __future__ import annotations

import re
import unicodedata

from pipeline.stages.normalise.forms import clean_text, match_form, tokens
from pipeline.stages.normalise.values import as_text

SATUAN_BY_NOUN: tuple[tuple[str, str], ...] = (
    ("PERANGKAT DAERAH", "perangkat daerah"), ("DOKUMEN", "dokumen"), ("LAPORAN", "laporan"),
    ("ORANG", "orang"), ("PAKET", "paket"), ("UNIT", "unit"), ("KENDARAAN", "unit"), ("GEDUNG", "unit"),
    ("SARANA", "unit"), ("INOVASI", "inovasi"), ("AKTIVITAS", "kegiatan"), ("KEGIATAN", "kegiatan"),
    ("PERMOHONAN", "permohonan"), ("REKOMENDASI", "rekomendasi"), ("WAKTU", "kali"), ("KALI", "kali"),
    ("APLIKASI", "aplikasi"), ("ASN", "orang"), ("PEGAWAI", "orang"), ("DESA", "desa"),
)
_SATUAN_EXTRA = {"PERSEN": "%", "PERSENTASE": "%", "%": "%", "INDEKS": "indeks", "NILAI": "nilai"}

REGULATION_ISSUERS: tuple[tuple[str, str], ...] = (
    (r"PERATURAN MENTERI PENDAYAGUNAAN APARATUR NEGARA DAN REFORMASI BIROKRASI(?: REPUBLIK INDONESIA)?",
     "Peraturan Menteri PANRB"),
    (r"PERMEN ?PAN[- ]?RB|PERMENPAN(?:[- ]?RB)?", "Peraturan Menteri PANRB"),
    (r"PERATURAN MENTERI DALAM NEGERI(?: REPUBLIK INDONESIA)?|PERMENDAGRI", "Peraturan Menteri Dalam Negeri"),
    (r"PERATURAN PEMERINTAH(?: REPUBLIK INDONESIA)?", "Peraturan Pemerintah"),
    (r"PERATURAN PRESIDEN(?: REPUBLIK INDONESIA)?|PERPRES", "Peraturan Presiden"),
    (r"PERATURAN KOMISI INFORMASI(?: PUSAT)?", "Peraturan Komisi Informasi"),
    (r"PERATURAN BUPATI(?: [A-Z]+)?|PERBUP", "Peraturan Bupati"),
    (r"PERATURAN DAERAH|PERDA", "Peraturan Daerah"),
    (r"UNDANG-UNDANG|UU", "Undang-Undang"),
    (r"PERATURAN [A-Z ]+?", None),
)


def jenis_formula(indikator: str, formulasi: str, pembilang: str | None) -> str:
    """Formula kind, read first from the formula (what is computed), then from the indicator's name."""
    ind, frm = match_form(indikator), match_form(formulasi or "")
    if frm.startswith("RATA-RATA") or ind.startswith("RATA-RATA"):
        return "rata_rata"
    if ind.startswith("PERSENTASE") or "100%" in (formulasi or "").replace(" ", "") or \
            "100%" in (pembilang or "").replace(" ", ""):
        return "persentase"
    if re.match(r"^(INDEKS|NILAI|TINGKAT|SKOR|PREDIKAT|PERINGKAT)\b", ind) or \
            re.search(r"\b(INDEKS|PENILAIAN|EVALUASI)\b", frm) and not ind.startswith("JUMLAH"):
        return "indeks"
    if re.match(r"^(JUMLAH|BANYAKNYA|TOTAL)\b", ind):
        return "jumlah"
    return "nilai"


def satuan_of(indikator: str, jenis: str, extra: dict | None) -> str:
    """Unit of measure: the printed SATUAN column when there is one, else implied by the formula kind
    and the counted noun ('Jumlah Dokumen ...' counts dokumen)."""
    printed = as_text((extra or {}).get("SATUAN"))
    if printed and printed.strip():
        p = clean_text(printed)
        return _SATUAN_EXTRA.get(p.upper(), p.lower())
    ind = match_form(indikator)
    if jenis in ("persentase", "rata_rata"):
        return "%"
    if jenis == "indeks":
        return "nilai" if ind.startswith("NILAI") else "indeks"
    if jenis == "jumlah":
        rest = re.sub(r"^(JUMLAH|BANYAKNYA|TOTAL) ", "", ind)
        for noun, unit in SATUAN_BY_NOUN:
            if rest.startswith(noun):
                return unit
        words = tokens(rest)
        return words[0].lower() if words else "jumlah"
    return "nilai"


def periode_of(*texts: str | None) -> str | None:
    """'1 Tahun' and the like, where the formula or indicator states the period."""
    for t in texts:
        if not t:
            continue
        u = match_form(t)
        m = re.search(r"\b(?:DALAM|PER|SELAMA|SETIAP|TIAP) (\d+|SATU) (TAHUN|BULAN|SEMESTER|TRIWULAN|HARI)\b", u)
        if m:
            n = "1" if m.group(1) == "SATU" else str(int(m.group(1)))
            return f"{n} {m.group(2).title()}"
        m = re.search(r"\b(?:PER|SETIAP|TIAP) (TAHUN|BULAN|SEMESTER|TRIWULAN)\b", u)
        if m:
            return f"1 {m.group(1).title()}"
    return None


def regulasi_of(formulasi: str | None) -> str | None:
    """The regulation (or national standard) a formula cites, issuer shortened, title dropped."""
    if not formulasi:
        return None
    u = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", formulasi).upper())
    for pat, name in REGULATION_ISSUERS:
        m = re.search(rf"\b({pat}) (?:NOMOR|NO\.?) ?(\d+[A-Z]?) TAHUN (\d{{4}})", u)
        if m:
            issuer = name or m.group(1).title()
            return f"{issuer} Nomor {m.group(2)} Tahun {m.group(3)}"
    m = re.search(r"\b(SNI(?: ISO/IEC)? [0-9]+(?::[0-9]{4})?)", u)
    if m:
        return m.group(1)
    return None

