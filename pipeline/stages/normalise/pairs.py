"""Pair decision: whether two match forms name the same thing, precision first."""
from __future__ import annotations

import functools
from collections import Counter
from dataclasses import dataclass

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from pipeline.stages.normalise.forms import STOPWORDS, tokens

# Measured on tests/data/match_pairs.csv (277 labelled pairs; print the report with
# `.venv/bin/python -m pytest tests/test_normalise.py -q -s -k report`). Score = rapidfuzz
# fuzz.ratio of the normalised forms. The score only decides pairs whose words agree up to
# one-letter typos and filler words; the rest are decided by the word check below.
#   "same", words agree:              n=12  min 93.3  max 99.5
#   "different", words agree:         n=2   max 78.3  (same words, order changes the meaning)
#   "uncertain" (a word added/dropped): n=8   min 81.0  median 90.8
#   "different", words differ:        n=185 max 98.3; 39 % of all "different" pairs score >= 75,
#                                     so no score alone separates them
# token_sort_ratio and token_set_ratio were measured too and rejected: both give 100 to the
# reordered "different" pairs (token_set also to every "uncertain" pair).
# AUTO_MERGE lies between 78.3 and 93.3, nearer the "same" side (precision first);
# REVIEW_MIN lies under the lowest "uncertain" pair so all of them reach the review list.
AUTO_MERGE = 90.0
REVIEW_MIN = 75.0
# A word pair counts as a typo when its optimal-string-alignment distance is at most 1 and both
# words have at least TYPO_MIN_LEN letters: every typo in the seed and the labelled variants
# ("Anggaram", "Penyelengaraan", "Survey/Survei", "Perijinan") is distance 1; real distinct words
# in the set are distance >= 2 ("Pengelola"/"Pengolah" 3, "Pemerintah"/"Pemerintahan" 2) except
# the listed CONFUSABLE pairs. Short words (< 6) are excluded: "Muda"/"Mudah", "Kota"/"Kita".
TYPO_MAX_DIST = 1
TYPO_MIN_LEN = 6
# Replaced words this close go to review instead of being called different ("Pengelola"/"Pengolah"
# 3 and 82, "Pemerintah"/"Pemerintahan" 2 and 91); unrelated words are far ("Umum"/"Keuangan").
NEAR_MAX_DIST = 3
NEAR_MIN_RATIO = 75.0

# Meaning-bearing words: a pair whose word difference contains one of these is never merged and
# not even reviewed ("Persentase" vs "Jumlah", "Dokumen" vs "Laporan", "Ahli Muda" vs "Ahli
# Pertama", "Bidang" vs "Sub Bagian", "Elektronik" vs "Non Elektronik").
MEANING_WORDS = frozenset("""
PERSENTASE JUMLAH INDEKS NILAI RATA-RATA TINGKAT RASIO TOTAL CAPAIAN SKOR PREDIKAT PERINGKAT
DOKUMEN LAPORAN PAKET ORANG UNIT KALI
AHLI MUDA PERTAMA MADYA UTAMA TERAMPIL MAHIR PENYELIA PEMULA PELAKSANA LANJUTAN
KEPALA WAKIL SEKRETARIS SEKRETARIAT BIDANG BAGIAN SUB SEKSI UPT UPTD DINAS BADAN KANTOR
KECAMATAN KELURAHAN DESA KABUPATEN KOTA PROVINSI PUSAT NASIONAL DAERAH
NON TIDAK BELUM TANPA ATAU MENINGKATNYA MENURUNNYA BERKURANGNYA BERTAMBAHNYA INTERNAL EKSTERNAL
""".split())
# Real words one letter apart: never typos of each other.
CONFUSABLE = frozenset(frozenset(p) for p in (
    ("PENDATAAN", "PENDANAAN"), ("PENATAAN", "PENDATAAN"), ("PENGAWAS", "PENGAWAL"),
    ("PENGAWASAN", "PENGAWALAN"), ("PERTAMA", "PERTAMAN"),
))



@dataclass(frozen=True)
class Decision:
    verdict: str  # "same", "review" or "different"
    score: float
    reason: str


@functools.lru_cache(maxsize=1 << 20)
def _typo_distance(a: str, b: str) -> int | None:
    """The edit distance of two words that may be one word mistyped, else None. Cached: a batch
    uses a few thousand words, and the same word pairs meet in many pairs of texts."""
    # the length gap is a lower bound of the distance: most pairs end there, before the distance
    if (abs(len(a) - len(b)) > TYPO_MAX_DIST or min(len(a), len(b)) < TYPO_MIN_LEN
            or frozenset((a, b)) in CONFUSABLE or a.isdigit() or b.isdigit()):
        return None
    d = OSA.distance(a, b)
    return d if d <= TYPO_MAX_DIST else None


def _near(a: str, b: str) -> bool:
    """Words too close to call either way ('Pengelola'/'Pengolah')."""
    return OSA.distance(a, b) <= NEAR_MAX_DIST and fuzz.ratio(a, b) >= NEAR_MIN_RATIO


@functools.lru_cache(maxsize=200_000)
def _content_words(form: str) -> Counter:
    """Words that carry content (never mutated: cached)."""
    return Counter(w for w in tokens(form) if w not in STOPWORDS)


@functools.lru_cache(maxsize=200_000)
def carries_meaning(word: str) -> bool:
    """A word whose difference makes two texts different things: a meaning word or a number."""
    return word in MEANING_WORDS or any(c.isdigit() for c in word)


@functools.lru_cache(maxsize=200_000)
def _content_set(form: str) -> frozenset[str] | None:
    """The content words as a set, where no word repeats (then set difference is the multiset's)."""
    words = _content_words(form)
    return frozenset(words) if all(n == 1 for n in words.values()) else None


def word_difference(fa: str, fb: str) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """(words only in a, words only in b, typo pairs) after dropping filler words."""
    sa, sb = _content_set(fa), _content_set(fb)
    if sa is not None and sb is not None:
        only_a, only_b = sorted(sa - sb), sorted(sb - sa)
    else:
        ca, cb = _content_words(fa), _content_words(fb)
        only_a, only_b = sorted((ca - cb).elements()), sorted((cb - ca).elements())
    pairs = []
    for wa in list(only_a):
        cands = sorted((d, wb) for wb in only_b if (d := _typo_distance(wa, wb)) is not None)
        if cands:
            wb = cands[0][1]
            only_a.remove(wa)
            only_b.remove(wb)
            pairs.append((wa, wb))
    return only_a, only_b, pairs


def score(fa: str, fb: str) -> float:
    """The pair's similarity, as the thresholds were measured."""
    return round(float(fuzz.ratio(fa, fb)), 1)


def decide(fa: str, fb: str, s: float | None = None) -> Decision:
    """Whether two match forms name the same thing. Precision first: the score may only merge
    texts whose words agree; a meaning-bearing word difference is final."""
    if fa == fb or fa.replace(" ", "") == fb.replace(" ", ""):
        return Decision("same", 100.0, "equal after normalisation")
    s = score(fa, fb) if s is None else s
    only_a, only_b, typos = word_difference(fa, fb)
    diff = only_a + only_b
    meaning = sorted({w for w in diff if carries_meaning(w)})
    if meaning:
        # a meaning word that is one letter from a word on the other side may itself be a typo
        near = [w for w in meaning
                if any(OSA.distance(w, o) <= TYPO_MAX_DIST for o in (only_b if w in only_a else only_a))]
        if near and s >= REVIEW_MIN:
            return Decision("review", s, "possible typo in meaning word: " + " ".join(near))
        return Decision("different", s, "meaning word differs: " + " ".join(meaning))
    if diff:
        words = " | ".join(x for x in (" ".join(only_a), " ".join(only_b)) if x)
        # a word added or dropped may be a qualifier a person should judge; a word replaced by a
        # different word is a different thing, unless the two could be a badly typed pair
        uncertain = not only_a or not only_b or (len(only_a) == len(only_b) and all(
            any(_near(wa, wb) for wb in only_b) for wa in only_a))
        if uncertain and s >= REVIEW_MIN:
            return Decision("review", s, "words differ: " + words)
        return Decision("different", s, "words differ: " + words)
    if s >= AUTO_MERGE:
        why = "typo " + ", ".join(f"{a}/{b}" for a, b in typos) if typos else "filler words/order"
        return Decision("same", s, why)
    if s >= REVIEW_MIN:
        return Decision("review", s, "words agree, score below auto-merge")
    return Decision("different", s, "low score")

