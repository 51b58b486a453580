"""Text forms: the display form of a printed text, the match form two texts are compared in, and
the content key hashed from it."""
from __future__ import annotations

import functools
import hashlib
import re
import unicodedata

# Filler words that never change what is measured; their presence or absence is ignored.
# Prepositions that set a role ("dari"/"untuk"/"oleh"/"dengan") are not filler: they stay words.
STOPWORDS = frozenset("YANG DI DALAM PADA SERTA DAN PARA".split())

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


def tokens(form: str) -> list[str]:
    """The words of a match form."""
    return _TOKEN.findall(form)


def kind_form(kind: str, text: str) -> str:
    """The form a text is matched in for its kind: titles drop their agency suffix."""
    return jabatan_form(text) if kind == "jabatan" else match_form(text)
