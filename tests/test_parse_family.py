"""Pieces of the parse that read the decree family (issue 16), each on the smallest input that shows
it; the whole decrees are read in tests/test_family.py."""
from __future__ import annotations

import pytest

from pipeline.core.model import Word
from pipeline.parse.decree import read_body, signer_of
from pipeline.parse.fractions import fraction, split_note
from pipeline.parse.geometry import Cell, Line
from pipeline.parse.labels import split_items
from pipeline.parse.rows import Part, role_of
from pipeline.parse.stacking import entries


def line(text: str, x0: float, top: float, page: int = 1) -> Line:
    words, x = [], x0
    for t in text.split():
        words.append(Word(t, x, x + 6.0 * len(t), top, top + 10.0, 10.0, False))
        x += 6.0 * len(t) + 3.0
    return Line(words, page)


@pytest.mark.parametrize("header,role", [
    ("No.", "no"), ("Kode Sasaran", "no"), ("Kode Indikator", None), ("KINERJA", "sasaran"),
    ("Sasaran Kinerja Program", "sasaran"), ("SASARAN/KINERJA UTAMA", "sasaran"), ("SASARAN STRATEGIS", "sasaran"),
    ("Indikator Kinerja Program", "indikator"), ("INDIKATOR SASARAN", "indikator"),
    ("Penjelasan/ Formulasi Perhitungan", "formulasi"), ("ALASAN/PENJELASAN", "formulasi"), ("Formulasi", "formulasi"),
    ("PENJELASAN/FORMULASI PENGHITUNGAN", "formulasi"), ("Sumber Data", "sumber_data"),
    ("Unit Penanggung Jawab", "penanggung_jawab"), ("TARGET", "target"), ("SATUAN", None), ("KETERANGAN", None),
])
def test_column_roles_from_the_family_vocabulary_in_any_case(header, role):
    assert role_of(header) == role


def test_dashes_with_the_multiplier_are_a_fraction_bar_and_a_note_is_no_part_of_it():
    part = Part()
    cell = Cell(0, 0, 0, 50.0, 90.0, 400.0, 200.0)
    cell.words = [w for ln in (line("Jumlah KTP-el terbit", 60, 100), line("------------ X 100%", 60, 112),
                               line("Jumlah penduduk wajib", 60, 124), line("Catatan : data per Desember", 60, 136))
                  for w in ln.words]
    part.add(cell, 1)
    body, note = split_note(part)
    assert note == "Catatan : data per Desember"
    assert fraction(body) == ("Jumlah KTP-el terbit X 100% / Jumlah penduduk wajib", "Jumlah KTP-el terbit X 100%",
                              "Jumlah penduduk wajib")


def test_multiplier_beside_the_denominator_belongs_to_the_numerator():
    num, den = line("Jumlah dokumen", 60, 100), line("Jumlah seluruh dokumen", 60, 116)
    times = line("X 100%", 200, 110)  # centred beside the fraction, below the rule's height
    part = Part(lines=[num, times, den], rules=[(1, 112.0, 60.0, 150.0)])
    assert fraction(part)[1:] == ("Jumlah dokumen X 100%", "Jumlah seluruh dokumen")


def test_run_on_lettered_list_items_are_split():
    lines = [line("a. pengelolaan administrasi umum; b. pengelolaan keuangan;", 60, 100),
             line("c. Pengelolaan rumah tangga d. Pengelolaan arsip", 60, 112)]
    assert split_items(lines) == (True, ["pengelolaan administrasi umum;", "pengelolaan keuangan;",
                                         "Pengelolaan rumah tangga", "Pengelolaan arsip"])


def test_decree_body_fields_and_signers():
    body = [line(t, 60, 100 + 12 * k) for k, t in enumerate([
        "KEPUTUSAN CAMAT PAKISAJI", "NOMOR 188/15/2025", "TENTANG", "INDIKATOR KINERJA INDIVIDU DI",
        "LINGKUNGAN KECAMATAN PAKISAJI", "CAMAT PAKISAJI,", "Menimbang : a. bahwa ...", "Ditetapkan di Malang",
        "pada tanggal 2 Januari 2025", "CAMAT PAKISAJI,", "SUHARDI, S.Kom", "Pembina, IV/a", "NIP. 19740719 199903 1 003"])]
    assert read_body(body) == {
        "tentang": "INDIKATOR KINERJA INDIVIDU DI LINGKUNGAN KECAMATAN PAKISAJI", "ditetapkan_di": "Malang",
        "tanggal_penetapan": "2 Januari 2025", "penandatangan_nama": "SUHARDI, S.Kom",
        "penandatangan_pangkat": "Pembina, IV/a", "penandatangan_nip": "19740719 199903 1 003"}
    assert read_body([])["penandatangan_nama"] is None
    assert signer_of([line("Kabid Mutasi,", 60, 100)])["penandatangan_nip"] is None


def test_entries_set_as_line_breaks_end_at_the_decrees_own_phrases():
    box = (1, 50.0, 90.0, 160.0, 200.0)  # narrow cell: 'Dokumen' would not fit after 'Daerah'
    lines = [line("Aplikasi Indeks", 54, 100), line("Inovasi Daerah", 54, 110), line("Dokumen hasil", 54, 120),
             line("kajian", 54, 130)]
    part = Part(lines=lines, boxes=[box])
    anchors = [(1, 100.0), (1, 130.0)]
    known = {"Aplikasi Indeks Inovasi Daerah"}
    assert [p.text for p in entries(part, anchors, 5.0, True, True, known)] == [
        "Aplikasi Indeks Inovasi Daerah", "Dokumen hasil kajian"]
    one = Part(lines=lines[:2], boxes=[box])  # one entry for all: kept whole
    assert [p.text for p in entries(one, anchors, 5.0, True, True, known)][0] == "Aplikasi Indeks Inovasi Daerah"
