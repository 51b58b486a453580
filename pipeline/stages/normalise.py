"""Normalise stage: canonical keys for jabatan, sasaran and indikator, and typed formula fields.

Sits between parse and publish. Decrees print the same position or indicator with different
case, spacing, punctuation, abbreviations and the odd typo; analysts need one key per thing.
Matching is precision-first: exact normalisation, then a rapidfuzz score that may only merge
texts whose words agree (modulo one-letter typos and filler words); texts that differ in a
meaning-bearing word are never merged, and near-misses go to a review list for a data officer,
whose decisions live in reference/aliases.csv.

Everything here is a pure function of the tables and the aliases; the result does not depend on
the order of decrees or rows (all choices are made on sorted content).
"""
from __future__ import annotations

import csv
import functools
import hashlib
import io
import math
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA
from rapidfuzz.process import cdist, extractOne

from pipeline.core.schema import INDICATOR_CATALOG, INDICATORS, POSITIONS
from pipeline.core.unionfind import UnionFind

KINDS = ("indikator", "sasaran", "jabatan")

# --- thresholds --------------------------------------------------------------------------------
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
OCR_REVIEW_BELOW = 0.80  # a scanned row whose least certain word is below this goes to review (tests/test_ocr.py)
# An OCR cell whose match form is this close (fuzz.ratio) to a catalogue text, with no meaning
# word or number changed, is snapped to it: one or two misread letters in an indicator-long text
# score 95-99, in a short title 90-96 ("Pemerintahar" 96.0); see `snap`.
SNAP_MIN = 90.0
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

# Filler words that never change what is measured; their presence or absence is ignored.
# Prepositions that set a role ("dari"/"untuk"/"oleh"/"dengan") are not filler: they stay words.
STOPWORDS = frozenset("YANG DI DALAM PADA SERTA DAN PARA".split())

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

# Known abbreviations and spellings, applied to the upper-cased text on word boundaries.
ABBREVIATIONS: tuple[tuple[str, str], ...] = (
    (r"\bKASUBB?AG\b\.?", "KEPALA SUB BAGIAN"),
    (r"\bKASUBB?ID\b\.?", "KEPALA SUB BIDANG"),
    (r"\bKABID\b\.?", "KEPALA BIDANG"),
    (r"\bKASI\b\.?", "KEPALA SEKSI"),
    (r"\bSUB[- ]?BAGIAN\b", "SUB BAGIAN"),
    (r"\bSUB[- ]?BAG\b\.?", "SUB BAGIAN"),
    (r"\bSUBB?AG\b\.?", "SUB BAGIAN"),
    (r"\bSUB[- ]?BIDANG\b", "SUB BIDANG"),
    (r"\bKAB\s*\.?\s*/\s*KOTA\b", "KABUPATEN/KOTA"),
    (r"\bKAB\b\.?", "KABUPATEN"),
    (r"\bKABUPATEN ATAU KOTA\b", "KABUPATEN/KOTA"),
    (r"\bNON\s*-\s*", "NON "),
    (r"\bHUMAS\b", "HUBUNGAN MASYARAKAT"),
    (r"\bPEMDA\b", "PEMERINTAH DAERAH"),
    (r"\bOPD\b", "PERANGKAT DAERAH"),
    (r"\bPR[EO]SENTASE\b", "PERSENTASE"),
    (r"\bJML\b\.?", "JUMLAH"),
    (r"\bTHN\b\.?", "TAHUN"),
    (r"\bYG\b", "YANG"),
    (r"\bDLM\b", "DALAM"),
    (r"&", " DAN "),
)
_ABBREV = [(re.compile(p), r) for p, r in ABBREVIATIONS]
_TOKEN = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_ORG_SUFFIX = re.compile(r"\s+(DINAS|BADAN|KANTOR|INSPEKTORAT|SATUAN)\b.*\b(KABUPATEN|KOTA|PROVINSI)\b[A-Z ]*$")


# --- text forms --------------------------------------------------------------------------------

def _str(v) -> str | None:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NA:
        return None
    return str(v)


def clean_text(text: str) -> str:
    """Display form: the printed text with spacing and trailing stops tidied, wording untouched."""
    t = unicodedata.normalize("NFKC", text or "")
    t = re.sub(r"[\u2010-\u2015]", "-", t)
    t = re.sub(r"\s*,\s*", ", ", t)
    t = re.sub(r"\s+([;:.)])", r"\1", t)
    t = re.sub(r"\(\s+", "(", t)
    t = re.sub(r"\s+", " ", t).strip()
    return re.sub(r"[\s.;:,]+$", "", t)


def _drop_acronym_glosses(t: str) -> str:
    """'Indeks Pembangunan Statistik (IPS)' names the same thing as without its acronym."""
    def repl(m: re.Match) -> str:
        acro = m.group(2)
        words = [w for w in _TOKEN.findall(m.group(1)) if w not in STOPWORDS]
        initials = "".join(w[0] for w in words[-len(acro):])
        return m.group(1) if initials == acro else m.group(0)
    return re.sub(r"((?:[A-Z0-9-]+ )+?)\s*\(([A-Z]{2,8})\)", repl, t)


@functools.lru_cache(maxsize=200_000)
def match_form(text: str) -> str:
    """Comparison form: case, spacing, punctuation and known abbreviations normalised.

    Two texts with the same match form are the same thing; keys are hashed from it.
    """
    t = unicodedata.normalize("NFKC", text or "").upper()
    t = re.sub(r"[\u2010-\u2015]", "-", t)
    for pat, rep in _ABBREV:
        t = pat.sub(rep, t)
    t = re.sub(r"\s*/\s*", "/", t)
    t = re.sub(r"\s*-\s*", "-", t)
    t = re.sub(r"\(\s+", "(", re.sub(r"\s+\)", ")", t))
    t = re.sub(r"\s+", " ", t).strip()
    t = _drop_acronym_glosses(t)
    t = re.sub(r"[,;:.\"'()\[\]]", " ", t)
    t = re.sub(r"\s+", " ", t).strip()
    return t.strip("-/ ")


@functools.lru_cache(maxsize=50_000)
def jabatan_form(text: str, agency: str | None = None) -> str:
    """Canonical position title: match form without the agency suffix ('SEKRETARIS DINAS X
    KABUPATEN Y' is 'SEKRETARIS' in every agency, so titles compare across decrees)."""
    t = match_form(text)
    if agency:
        a = match_form(agency)
        if a and t.endswith(" " + a):
            t = t[: -len(a) - 1]
    m = _ORG_SUFFIX.search(t)
    if m and m.start() > 0:
        t = t[: m.start()] + (" " + m.group(1) if t[: m.start()] in ("KEPALA", "WAKIL KEPALA") else "")
    t = re.sub(r"^(SEKRETARIS) (DINAS|BADAN)$", r"\1", t)
    return t


def text_key(form: str) -> str:
    """Content-derived key: the same canonical text has the same key on every run and machine."""
    return hashlib.sha256(form.encode("utf-8")).hexdigest()[:16]


def _tokens(form: str) -> list[str]:
    return _TOKEN.findall(form)


# --- pair decision -----------------------------------------------------------------------------

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
    return Counter(w for w in _tokens(form) if w not in STOPWORDS)


@functools.lru_cache(maxsize=200_000)
def _carries_meaning(word: str) -> bool:
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
    return round(float(fuzz.ratio(fa, fb)), 1)


def decide(fa: str, fb: str, s: float | None = None) -> Decision:
    """Whether two match forms name the same thing. Precision first: the score may only merge
    texts whose words agree; a meaning-bearing word difference is final."""
    if fa == fb or fa.replace(" ", "") == fb.replace(" ", ""):
        return Decision("same", 100.0, "equal after normalisation")
    s = score(fa, fb) if s is None else s
    only_a, only_b, typos = word_difference(fa, fb)
    diff = only_a + only_b
    meaning = sorted({w for w in diff if _carries_meaning(w)})
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


# --- aliases -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Aliases:
    """A data officer's decisions: pins (variant -> canonical text) and forbidden merges."""
    pins: dict[str, dict[str, str]] = field(default_factory=dict)        # kind -> form -> canonical text
    forbids: dict[str, frozenset[frozenset[str]]] = field(default_factory=dict)  # kind -> {{form, form}}

    def form(self, kind: str, text: str) -> str:
        return jabatan_form(text) if kind == "jabatan" else match_form(text)

    def pinned(self, kind: str, form: str) -> str | None:
        return self.pins.get(kind, {}).get(form)

    def forbidden(self, kind: str, fa: str, fb: str) -> bool:
        return frozenset((fa, fb)) in self.forbids.get(kind, frozenset())


ALIAS_COLUMNS = ("kind", "action", "text_a", "text_b", "note")


def parse_aliases(text: str) -> Aliases:
    """Parse aliases.csv content; lines starting with '#' are comments."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    pins: dict[str, dict[str, str]] = defaultdict(dict)
    forbids: dict[str, set[frozenset[str]]] = defaultdict(set)
    probe = Aliases()
    for n, row in enumerate(rows, 1):
        kind = (row.get("kind") or "").strip().lower()
        action = (row.get("action") or "").strip().lower()
        a, b = (row.get("text_a") or "").strip(), (row.get("text_b") or "").strip()
        if kind not in KINDS or action not in ("pin", "forbid") or not a or not b:
            raise ValueError(f"aliases row {n}: need kind in {KINDS}, action pin|forbid, text_a, text_b: {row}")
        fa, fb = probe.form(kind, a), probe.form(kind, b)
        if action == "pin":
            if fa in pins[kind] and pins[kind][fa] != b:
                raise ValueError(f"aliases row {n}: {a!r} is pinned twice")
            pins[kind][fa] = b
            pins[kind].setdefault(fb, b)  # the canonical text is its own canonical form
        else:
            forbids[kind].add(frozenset((fa, fb)))
    for kind, fs in forbids.items():
        for pair in fs:
            canon = {probe.form(kind, pins[kind][f]) if f in pins.get(kind, {}) else f for f in pair}
            if len(pair) == 2 and len(canon) == 1:
                raise ValueError(f"aliases: {sorted(pair)} are pinned to one text and also forbidden")
    return Aliases({k: dict(v) for k, v in pins.items()}, {k: frozenset(v) for k, v in forbids.items()})


def load_aliases(path: Path) -> Aliases:
    """Read reference/aliases.csv (a missing file means no decisions yet)."""
    path = Path(path)
    return parse_aliases(path.read_text(encoding="utf-8")) if path.exists() else Aliases()


# --- clustering --------------------------------------------------------------------------------

@dataclass
class Clustering:
    rep: dict[str, str]            # form -> representative form
    display: dict[str, str]        # representative form -> canonical text
    review: list[tuple[str, str, Decision]]  # (form a: the catalogue side, form b: the variant, decision)
    warnings: list[str]


BLOCK = 64  # forms compared with all others at once: memory grows with BLOCK x forms, not forms^2
PARALLEL_MIN = 1000  # forms from which deciding their pairs on the executor pays for sending them
# map_blocks(fn, shared, items) -> [fn(shared, item) for item in items], in order: where the
# blocks run (forked processes, a Dask cluster) is the executor's business (pipeline.run.executors)
MapBlocks = Callable[[Callable, object, list], list]


def serial_blocks(fn: Callable, shared, items: list) -> list:
    return [fn(shared, item) for item in items]


def _decide_rows(free: list[str], span: tuple[int, int]) -> list[tuple[int, int, Decision]]:
    """The pairs (i, j) with i in span and j > i that score REVIEW_MIN or more and are not decided
    "different" (nearly all close pairs are; a worker need not send those back)."""
    lo, hi = span
    scores = cdist(free[lo:hi], free[lo:], scorer=fuzz.ratio, score_cutoff=REVIEW_MIN, workers=1)
    out = []
    for r, c in np.argwhere(scores >= REVIEW_MIN):
        i, j = lo + int(r), lo + int(c)
        if j > i:
            d = decide(free[i], free[j], round(float(scores[r, c]), 1))
            if d.verdict != "different":
                out.append((i, j, d))
    return out


def _decide_all(free: list[str], map_blocks: MapBlocks = serial_blocks) -> list[tuple[int, int, Decision]]:
    """Every close pair of `free` that is not "different", in (i, j) order wherever the blocks ran.
    The work grows with the square of the forms: from PARALLEL_MIN forms on, the blocks go to
    `map_blocks`."""
    spans = [(lo, min(lo + BLOCK, len(free))) for lo in range(0, len(free), BLOCK)]
    run = map_blocks if len(free) >= PARALLEL_MIN else serial_blocks
    return [x for part in run(_decide_rows, free, spans) for x in part]


def cluster(kind: str, occurrences: Counter, printed: dict[str, Counter], aliases: Aliases,
            vocabulary: Counter | None = None, map_blocks: MapBlocks = serial_blocks) -> Clustering:
    """Group match forms into canonical entries.

    occurrences: form -> number of rows carrying it; printed: form -> Counter of display texts;
    vocabulary: word -> how often the batch's texts use it, so that between equally frequent
    variants the one spelled like the rest of the documents ("Anggaran", not "Anggaram") is
    canonical. Order-free: every choice sorts by content, so the order of decrees cannot matter.
    """
    vocabulary = vocabulary or Counter()

    def preference(f: str) -> tuple:
        freqs = [vocabulary[w] for w in _tokens(f)] or [0]
        return (-occurrences.get(f, 0), -min(freqs), -sum(freqs), f)

    warnings: list[str] = []
    forms = sorted(occurrences)
    pins = aliases.pins.get(kind, {})
    pinned_target = {f: aliases.form(kind, pins[f]) for f in forms if f in pins}
    nodes = sorted(set(forms) | set(pinned_target.values()))
    sets = UnionFind(nodes)
    find = sets.find

    def blocked(ra: str, rb: str) -> bool:
        return any(aliases.forbidden(kind, x, y) for x in sets.members(ra) for y in sets.members(rb))

    def union(a: str, b: str) -> bool:
        ra, rb = find(a), find(b)
        if ra != rb and blocked(ra, rb):
            return False
        sets.union(ra, rb)
        return True

    for f, t in sorted(pinned_target.items()):
        if f != t and not union(f, t):
            warnings.append(f"aliases: {kind} pin {f!r} -> {t!r} conflicts with a forbid; not applied")

    free = [f for f in forms if pinned_target.get(f, f) == f]  # a pinned variant is decided already
    decisions: list[tuple[str, str, Decision]] = []
    if len(free) > 1:
        squeezed = [f.replace(" ", "") for f in free]
        for i, j, d in _decide_all(free, map_blocks):
            fa, fb = free[i], free[j]
            if not aliases.forbidden(kind, fa, fb):
                decisions.append((fa, fb, d))
        by_squeeze: dict[str, list[str]] = defaultdict(list)
        for f, q in zip(free, squeezed):
            by_squeeze[q].append(f)
        for group in by_squeeze.values():  # same letters, other spacing, at any score
            for a_i, fa in enumerate(group):
                for fb in group[a_i + 1:]:
                    if fuzz.ratio(fa, fb) < REVIEW_MIN and not aliases.forbidden(kind, fa, fb):
                        decisions.append((fa, fb, decide(fa, fb)))
    for fa, fb, d in sorted(decisions, key=lambda x: (-x[2].score, x[0], x[1])):
        if d.verdict == "same":
            union(fa, fb)

    comps: dict[str, set[str]] = defaultdict(set)
    for f in nodes:
        comps[find(f)].add(f)
    rep: dict[str, str] = {}
    display: dict[str, str] = {}
    weight: dict[str, int] = {}
    for root, fs in comps.items():
        targets = sorted({pinned_target[f] for f in fs if f in pinned_target}
                         | {f for f in fs if f in pins and aliases.form(kind, pins[f]) == f})
        if targets:
            r = targets[0]
            if len(targets) > 1:
                warnings.append(f"aliases: {kind} forms pinned to different texts merged: {targets}; using {r!r}")
            text = pins.get(r) or next(pins[f] for f in sorted(fs) if f in pins)
            text = clean_text(text)
        else:
            r = min(fs, key=preference)
            variants = printed.get(r, Counter())
            text = min(variants, key=lambda v: (-variants[v], v)) if variants else r
        for f in fs:
            rep[f] = r
        display[r] = text
        weight[r] = sum(occurrences.get(f, 0) for f in fs)

    review: dict[tuple[str, str], tuple[str, str, Decision]] = {}
    for fa, fb, d in decisions:
        ra, rb = rep[fa], rep[fb]
        if d.verdict != "review" or ra == rb or blocked(find(ra), find(rb)):
            continue
        if (-weight[rb], rb) < (-weight[ra], ra):
            fa, fb, ra, rb = fb, fa, rb, ra
        best = review.get((ra, rb))
        if best is None or (-d.score, fa, fb) < (-best[2].score, best[0], best[1]):
            review[(ra, rb)] = (fa, fb, d)
    return Clustering(rep, display, [review[k] for k in sorted(review)], warnings)


# --- jabatan, unit, atasan ---------------------------------------------------------------------

_UNIT_HEAD = re.compile(
    r"^KEPALA ((?:SUB BAGIAN|SUB BIDANG|BAGIAN|BIDANG|SEKSI|UPTD|UPT|UNIT PELAKSANA TEKNIS(?: DAERAH)?|"
    r"SUB UNIT|UNIT|PUSKESMAS|KECAMATAN|KELURAHAN) .+)$")
_TOP_HEAD = re.compile(r"^(KEPALA (?:DINAS|BADAN|KANTOR|SATUAN)|SEKRETARIS|INSPEKTUR|CAMAT|LURAH)\b")
_TITLE_STOP = re.compile(
    r" (?:UNTUK|DALAM|DAN MELAKSANAKAN|MELAKSANAKAN|MERENCANAKAN|MENYUSUN|SESUAI|SEBAGAI|YANG|DI|PADA|"
    r"SERTA)\b")
_MEMBANTU = re.compile(r"\bmembantu\s+(.+)", re.S | re.I)
_DIBERIKAN = re.compile(r"\bdiberikan\s+oleh\s+(.+)", re.S | re.I)


def unit_of_head(jkey: str) -> str | None:
    """The unit a head position leads, read from its title."""
    m = _UNIT_HEAD.match(jkey)
    if m:
        return m.group(1)
    if jkey == "SEKRETARIS":
        return "SEKRETARIAT"
    return None


def _title_after(phrase: str, known: list[str]) -> str | None:
    """The position title a phrase starts with: the longest known title, else a head title cut at
    the first word that cannot belong to a title."""
    p = match_form(phrase)
    for k in known:  # longest first
        if p == k or p.startswith(k + " "):
            return k
    m = re.match(r"^(KEPALA (?:SUB BAGIAN|SUB BIDANG|BAGIAN|BIDANG|SEKSI|UPTD|UPT) .+?)(?=$| (?:UNTUK|DALAM|"
                 r"MELAKSANAKAN|MERENCANAKAN|MENYUSUN|SESUAI|SEBAGAI|YANG|PADA|SERTA)\b)", p)
    if m:
        return m.group(1)
    m = _TOP_HEAD.match(p)
    if m:
        return m.group(1)
    return None


def read_superior(tugas: list[str], fungsi: list[str], known: list[str]) -> tuple[str | None, str | None]:
    """(atasan title, title a 'diberikan oleh' phrase names) from the duty texts.

    'Membantu X' names the direct superior; '... yang diberikan oleh X' names who assigns other
    duties, used when nobody is 'helped' and as the unit's head for staff helping a functional.
    """
    helped = given = None
    for item in [*tugas, *fungsi]:
        m = _MEMBANTU.search(item)
        if m and helped is None:
            helped = _title_after(m.group(1), known)
        m = _DIBERIKAN.search(item)
        if m:
            given = _title_after(m.group(1), known) or given
    return helped, given


# --- typed formula fields ----------------------------------------------------------------------

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
    printed = _str((extra or {}).get("SATUAN"))
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
        words = _tokens(rest)
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


# --- catalogue snapping of OCR text -----------------------------------------------------------

SNAPPED = {"indikator": "indikator", "sasaran": "sasaran", "penanggung_jawab": "jabatan"}  # column -> kind


def snap(text: str, kind: str, catalogue: dict[str, str]) -> tuple[str, float] | None:
    """(catalogue text, score) for an OCR-read `text` that is a misread of a catalogue entry
    (`catalogue`: match form -> text as printed in a text-layer decree); None when it already
    reads as an entry or is no entry's misread. Precision first, as for keys: the score must
    reach SNAP_MIN and no meaning word or number may differ (beyond a one-letter typo); other
    words may, as misreads mangle words ('silan' for 'usulan') that `decide` would call different."""
    form = jabatan_form(text) if kind == "jabatan" else match_form(text)
    if not form or form in catalogue or not catalogue:
        return None
    best = extractOne(form, list(catalogue), scorer=fuzz.ratio, score_cutoff=SNAP_MIN)
    if best is None:
        return None
    cand, s, _ = best
    only_a, only_b, _ = word_difference(form, cand)
    if any(w in MEANING_WORDS or any(c.isdigit() for c in w) for w in only_a + only_b):
        return None
    return catalogue[cand], round(float(s), 1)


def _catalogue(texts, kind: str, aliases: Aliases) -> dict[str, str]:
    """Match form -> printed text of the known entries of a kind: what text-layer decrees of the
    run print (the most printed spelling of a form), and the canonical texts a data officer
    pinned in reference/aliases.csv (those win)."""
    printed: dict[str, Counter] = defaultdict(Counter)
    for t in texts:
        if t:
            printed[jabatan_form(t) if kind == "jabatan" else match_form(t)][t] += 1
    out = {f: min(c, key=lambda t: (-c[t], t)) for f, c in printed.items()}
    for t in sorted(set(aliases.pins.get(kind, {}).values())):
        out[jabatan_form(t) if kind == "jabatan" else match_form(t)] = t
    return out


def snap_ocr(positions: pd.DataFrame, indicators: pd.DataFrame, aliases: Aliases) -> list[dict]:
    """Snap the OCR rows' titles, sasaran, indicators and responsible entries to the catalogue of
    the run's text-layer decrees, in place; the text as read goes to `jabatan_ocr` / `ocr_text`
    and the score to `snap_score` (the row's lowest). Returns one review row per snapped cell."""
    positions["jabatan_ocr"] = _object([None] * len(positions))
    positions["snap_score"] = np.full(len(positions), np.nan)
    indicators["ocr_text"] = _object({} for _ in range(len(indicators)))
    indicators["snap_score"] = np.full(len(indicators), np.nan)
    if "source_kind" not in positions.columns or "source_kind" not in indicators.columns:
        return []
    if not ((positions.source_kind == "ocr").any() or (indicators.source_kind == "ocr").any()):
        return []  # nothing scanned: no catalogue to build
    text_pos, text_ind = positions[positions.source_kind == "text"], indicators[indicators.source_kind == "text"]
    jab_cat = _catalogue(text_pos.jabatan, "jabatan", aliases)
    cats = {"indikator": _catalogue(text_ind.indikator, "indikator", aliases),
            "sasaran": _catalogue(text_ind.sasaran, "sasaran", aliases),
            "penanggung_jawab": _catalogue(text_ind.penanggung_jawab, "jabatan", aliases)}
    review = []
    for i in np.nonzero((positions.source_kind == "ocr").to_numpy())[0]:
        r = positions.iloc[i]
        hit = snap(r.jabatan, "jabatan", jab_cat)
        if hit:
            positions.at[i, "jabatan_ocr"], positions.at[i, "snap_score"] = r.jabatan, hit[1]
            positions.at[i, "jabatan"] = hit[0]
            review.append(dict(kind="snap", text_a=hit[0], text_b=r.jabatan, score=hit[1],
                               reason="OCR text snapped to the catalogue: jabatan", decree_id=r.decree_id,
                               page=_int(r.page_first), position_no=int(r.position_no), jabatan=hit[0]))
    title = {(r.decree_id, r.position_no): r.jabatan for r in positions.itertuples()}
    for i in np.nonzero((indicators.source_kind == "ocr").to_numpy())[0]:
        r = indicators.iloc[i]
        read, scores = {}, []
        for col, kind in SNAPPED.items():
            hit = snap(_str(r[col]) or "", kind, cats[col])
            if hit:
                read[col] = r[col]
                scores.append(hit[1])
                indicators.at[i, col] = hit[0]
                review.append(dict(kind="snap", text_a=hit[0], text_b=r[col], score=hit[1],
                                   reason=f"OCR text snapped to the catalogue: {col}", decree_id=r.decree_id,
                                   page=_int(r.page), position_no=int(r.position_no),
                                   jabatan=title.get((r.decree_id, r.position_no))))
        if read:
            indicators.at[i, "ocr_text"], indicators.at[i, "snap_score"] = read, min(scores)
    return review


# --- the stage ---------------------------------------------------------------------------------

@dataclass
class Normalised:
    tables: dict[str, pd.DataFrame]
    review: pd.DataFrame
    warnings: list[str]


REVIEW_COLUMNS = ["kind", "text_a", "text_b", "score", "reason", "decree_id", "source_file", "page",
                  "position_no", "jabatan"]


def _object(values) -> pd.Series:
    return pd.Series(list(values), dtype=object)


def _require(df: pd.DataFrame, cols: list[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"normalise: {name} lacks columns {missing}")


def _int(v) -> int | None:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return int(float(v))


def _rows_by_form(forms: list[str]) -> dict[str, list[int]]:
    """Row numbers per match form, so review items find their rows without a scan per pair."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(forms):
        rows[f].append(i)
    return rows


def normalise(tables: dict[str, pd.DataFrame], aliases: Aliases, map_blocks: MapBlocks = serial_blocks) -> Normalised:
    """Add the contract-v2 columns and the indicator catalogue, snap OCR text to the catalogue
    (contract v4); collect review items and warnings. The pair decisions run on `map_blocks`."""
    decrees = tables["decrees"].copy()
    positions = tables["positions"].copy()
    indicators = tables["indicators"].copy()
    v1_pos = [c.name for c in POSITIONS.columns if c.since == "1"]
    v1_ind = [c.name for c in INDICATORS.columns if c.since == "1"]
    _require(positions, v1_pos, "positions")
    _require(indicators, v1_ind, "indicators")
    positions = positions.sort_values(["decree_id", "position_no"], kind="stable").reset_index(drop=True)
    indicators = indicators.sort_values(["decree_id", "position_no", "indicator_no"],
                                        kind="stable").reset_index(drop=True)
    warnings: list[str] = []
    agency = {r.decree_id: _str(getattr(r, "agency", None)) for r in decrees.itertuples()}
    source = {r.decree_id: _str(getattr(r, "source_file", None)) for r in decrees.itertuples()}
    review_rows = [{**row, "source_file": source.get(row["decree_id"])} for row in snap_ocr(positions, indicators, aliases)]

    vocabulary: Counter = Counter()
    for col in ("indikator", "sasaran", "formulasi", "sumber_data", "penanggung_jawab"):
        for t in indicators[col]:
            vocabulary.update(_tokens(match_form(_str(t) or "")))
    for col in ("jabatan", "tugas", "fungsi"):
        for v in positions[col]:
            for t in ([v] if isinstance(v, str) else list(v if v is not None else [])):
                vocabulary.update(_tokens(match_form(_str(t) or "")))

    # jabatan: canonical titles across all decrees
    pos_forms = [jabatan_form(j, agency.get(d)) for d, j in zip(positions.decree_id, positions.jabatan)]
    jab_printed: dict[str, Counter] = defaultdict(Counter)
    for f, j in zip(pos_forms, positions.jabatan):
        jab_printed[f][f] += 1
    jab = cluster("jabatan", Counter(pos_forms), jab_printed, aliases, vocabulary, map_blocks)
    warnings += jab.warnings
    jkeys = [jab.rep[f] for f in pos_forms]
    positions["jabatan_key"] = jkeys
    pos_where = {(r.decree_id, r.position_no): r for r in positions.itertuples()}
    pos_rows = _rows_by_form(pos_forms)
    for fa, fb, d in jab.review:
        for r in positions.iloc[pos_rows[fb]].itertuples():
            review_rows.append(dict(kind="jabatan", text_a=jab.display[jab.rep[fa]], text_b=r.jabatan, score=d.score,
                                    reason=d.reason, decree_id=r.decree_id, source_file=source.get(r.decree_id),
                                    page=_int(getattr(r, "page_first", None)), position_no=int(r.position_no),
                                    jabatan=r.jabatan))

    def resolve_title(title: str | None, decree_id: str) -> str | None:
        """A title read from text, as the jabatan_key of a position of the decree when it is one."""
        if not title:
            return None
        f = jabatan_form(title, agency.get(decree_id))
        p = aliases.pinned("jabatan", f)
        if p:
            f = jabatan_form(p)
        if f in jab.rep:
            return jab.rep[f]
        same = sorted({jab.rep[g] for g in decree_forms[decree_id] if decide(f, g).verdict == "same"})
        return same[0] if len(same) == 1 else f

    decree_forms: dict[str, set[str]] = defaultdict(set)
    for d, f in zip(positions.decree_id, pos_forms):
        decree_forms[d].add(f)

    # unit and atasan
    units: list[str | None] = []
    atasan: list[str | None] = []
    givers: list[str | None] = []
    for r, jk in zip(positions.itertuples(), jkeys):
        known = sorted({jab.rep[f] for f in decree_forms[r.decree_id]} | decree_forms[r.decree_id],
                       key=lambda k: (-len(k), k))
        helped, given = read_superior(list(r.tugas), list(r.fungsi), known)
        a = resolve_title(helped or given, r.decree_id)
        atasan.append(a)
        givers.append(resolve_title(given, r.decree_id))
        u = unit_of_head(jk)
        if u is None:
            u = (unit_of_head(a) if a else None) or (unit_of_head(givers[-1]) if givers[-1] else None)
        units.append(u)
    # staff helping another staff position share its unit, when their texts name no head
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (d, jk) in enumerate(zip(positions.decree_id, jkeys)):
        by_key[(d, jk)].append(i)
    for _ in range(3):
        for i, (d, a) in enumerate(zip(positions.decree_id, atasan)):
            if units[i] is None and a:
                cands = sorted({units[j] for j in by_key.get((d, a), []) if units[j]})
                if len(cands) == 1:
                    units[i] = cands[0]
    for i, r in enumerate(positions.itertuples()):
        if units[i] is None:
            units[i] = jabatan_form(agency.get(r.decree_id) or "") or "TIDAK DIKETAHUI"
            warnings.append(f"{source.get(r.decree_id) or r.decree_id} position {r.position_no} "
                            f"({r.jabatan}): unit not readable, set to the agency")
    positions["unit"] = _object(units)
    positions["atasan_key"] = _object(atasan)

    # position_key: decree + title + unit; blocks repeating the same title in the same unit get
    # their order within that group appended so that every block keeps its own key
    seen: Counter = Counter()
    pkeys = []
    for d, jk, u in zip(positions.decree_id, jkeys, units):
        base = f"{d}|{jk}|{u}"
        seen[base] += 1
        pkeys.append(text_key(base if seen[base] == 1 else f"{base}|{seen[base]}"))
    positions["position_key"] = pkeys

    # sasaran and indikator catalogues
    keyed = {}
    for kind, col in (("sasaran", "sasaran"), ("indikator", "indikator")):
        texts = [(_str(t) or "") for t in indicators[col]]
        forms = [match_form(t) for t in texts]
        printed: dict[str, Counter] = defaultdict(Counter)
        for f, t in zip(forms, texts):
            printed[f][clean_text(t)] += 1
        cl = cluster(kind, Counter(forms), printed, aliases, vocabulary, map_blocks)
        warnings += cl.warnings
        keyed[kind] = (cl, forms)
        rows_of = _rows_by_form(forms)
        for fa, fb, d in cl.review:
            for i in rows_of[fb]:
                r = indicators.iloc[i]
                pr = pos_where.get((r.decree_id, r.position_no))
                review_rows.append(dict(kind=kind, text_a=cl.display[cl.rep[fa]], text_b=texts[i], score=d.score,
                                        reason=d.reason, decree_id=r.decree_id, source_file=source.get(r.decree_id),
                                        page=_int(r.get("page")), position_no=int(r.position_no),
                                        jabatan=pr.jabatan if pr is not None else None))
        indicators[f"{kind}_key"] = [text_key(cl.rep[f]) for f in forms]

    # penanggung_jawab -> position_key of the same decree
    pos_by_decree_key: dict[tuple[str, str], list] = defaultdict(list)
    pos_now = {}  # positions with their units, to pick among same-titled positions
    for r in positions.itertuples():
        pos_by_decree_key[(r.decree_id, r.jabatan_key)].append(r)
        pos_now[(r.decree_id, r.position_no)] = r
    pj_keys: list[str | None] = []
    unresolved: Counter = Counter()
    for r in indicators.itertuples():
        pj = (_str(r.penanggung_jawab) or "").strip()
        key = None
        if pj:
            jk = resolve_title(pj, r.decree_id)
            cands = pos_by_decree_key.get((r.decree_id, jk), [])
            if len(cands) > 1:
                carrier = pos_now.get((r.decree_id, r.position_no))
                cands = [c for c in cands if carrier is not None and c.unit == carrier.unit] or cands
            if len(cands) == 1:
                key = cands[0].position_key
            else:
                unresolved[(r.decree_id, pj, "ambiguous" if cands else "names no position")] += 1
        pj_keys.append(key)
    indicators["penanggung_jawab_key"] = _object(pj_keys)
    for (d, pj, why), n in sorted(unresolved.items()):
        warnings.append(f"{source.get(d) or d}: penanggung jawab {pj!r} {why} ({n} rows)")

    # typed formula fields
    jenis, satuan, periode, regulasi = [], [], [], []
    for r in indicators.itertuples():
        ind, frm = _str(r.indikator) or "", _str(r.formulasi) or ""
        j = jenis_formula(ind, frm, _str(r.pembilang))
        extra = r.extra if isinstance(r.extra, dict) else dict(r.extra or [])
        jenis.append(j)
        satuan.append(satuan_of(ind, j, extra))
        periode.append(periode_of(frm, ind, _str(extra.get("PERIODE"))))
        regulasi.append(regulasi_of(frm))
    indicators["jenis_formula"] = jenis
    indicators["satuan"] = satuan
    indicators["periode"] = _object(periode)
    indicators["regulasi"] = _object(regulasi)

    # catalogue: one row per canonical indicator
    cl, forms = keyed["indikator"]
    groups: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(forms):
        groups[cl.rep[f]].append(i)
    cols = {c: list(indicators[c]) for c in ("indikator", "decree_id", "position_no")}
    cat_rows = []
    for r_form, idx in groups.items():
        jc, sc = Counter(jenis[i] for i in idx), Counter(satuan[i] for i in idx)
        cat_rows.append(dict(
            indikator_key=text_key(r_form), indikator=cl.display[r_form],
            variants=sorted({_str(cols["indikator"][i]) or "" for i in idx}),
            n_positions=len({(cols["decree_id"][i], cols["position_no"][i]) for i in idx}),
            n_decrees=len({cols["decree_id"][i] for i in idx}),
            jenis_formula=min(jc, key=lambda k: (-jc[k], k)), satuan=min(sc, key=lambda k: (-sc[k], k))))
    catalog = pd.DataFrame(cat_rows, columns=INDICATOR_CATALOG.names)
    catalog = catalog.sort_values(["indikator", "indikator_key"], kind="stable").reset_index(drop=True)

    if "ocr_confidence" in indicators.columns:  # scanned rows the OCR was unsure of: a person looks
        for r in indicators.itertuples():
            conf = r.ocr_confidence
            if conf is not None and conf == conf and conf < OCR_REVIEW_BELOW:
                pr = pos_where.get((r.decree_id, r.position_no))
                review_rows.append(dict(kind="ocr", text_a=r.indikator, text_b=r.formulasi, score=round(100 * conf, 1),
                                        reason=f"OCR confidence {conf:.2f} below {OCR_REVIEW_BELOW}",
                                        decree_id=r.decree_id, source_file=source.get(r.decree_id),
                                        page=_int(r.page), position_no=int(r.position_no),
                                        jabatan=pr.jabatan if pr is not None else None))
    review = pd.DataFrame(review_rows, columns=REVIEW_COLUMNS)
    if len(review):
        review = review.sort_values(["kind", "text_a", "text_b", "decree_id", "position_no"],
                                    kind="stable").reset_index(drop=True)
        review["page"] = _object(_int(p) for p in review["page"])
        counts = Counter(zip(review.kind, review.text_a, review.text_b))
        by_kind = Counter(k for k, _a, _b in counts)
        warnings.append("review: " + ", ".join(f"{n} uncertain {k} pair(s)" for k, n in sorted(by_kind.items()))
                        + " in interim/review.csv (decide them in reference/aliases.csv)")

    out = dict(tables)
    out["decrees"] = decrees
    out["positions"] = positions[POSITIONS.names]
    out["indicators"] = indicators[INDICATORS.names]
    out["indicator_catalog"] = catalog
    return Normalised(out, review, warnings)
