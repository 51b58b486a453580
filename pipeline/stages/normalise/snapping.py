"""Catalogue snapping: OCR-read text that is a misread of what text-layer decrees print, replaced by it."""
from __future__ import annotations

from collections import Counter, defaultdict

import numpy as np
import pandas as pd
from rapidfuzz import fuzz
from rapidfuzz.process import extractOne

from pipeline.stages.normalise.aliases import Aliases
from pipeline.stages.normalise.forms import kind_form
from pipeline.stages.normalise.pairs import carries_meaning, word_difference
from pipeline.stages.normalise.review import position_titles, review_item
from pipeline.stages.normalise.values import as_text, object_column

# An OCR cell whose match form is this close (fuzz.ratio) to a catalogue text, with no meaning
# word or number changed, is snapped to it: one or two misread letters in an indicator-long text
# score 95-99, in a short title 90-96 ("Pemerintahar" 96.0); see `snap`.
SNAP_MIN = 90.0

SNAPPED = {"indikator": "indikator", "sasaran": "sasaran", "penanggung_jawab": "jabatan"}  # column -> kind


def snap(text: str, kind: str, catalogue: dict[str, str]) -> tuple[str, float] | None:
    """(catalogue text, score) for an OCR-read `text` that is a misread of a catalogue entry
    (`catalogue`: match form -> text as printed in a text-layer decree); None when it already
    reads as an entry or is no entry's misread. Precision first, as for keys: the score must
    reach SNAP_MIN and no meaning word or number may differ (beyond a one-letter typo); other
    words may, as misreads mangle words ('silan' for 'usulan') that `decide` would call different."""
    form = kind_form(kind, text)
    if not form or form in catalogue or not catalogue:
        return None
    best = extractOne(form, list(catalogue), scorer=fuzz.ratio, score_cutoff=SNAP_MIN)
    if best is None:
        return None
    cand, s, _ = best
    only_a, only_b, _ = word_difference(form, cand)
    if any(carries_meaning(w) for w in only_a + only_b):
        return None
    return catalogue[cand], round(float(s), 1)


def _catalogue(texts, kind: str, aliases: Aliases) -> dict[str, str]:
    """Match form -> printed text of the known entries of a kind: what text-layer decrees of the
    run print (the most printed spelling of a form), and the canonical texts a data officer
    pinned in reference/aliases.csv (those win)."""
    printed: dict[str, Counter] = defaultdict(Counter)
    for t in texts:
        if t:
            printed[kind_form(kind, t)][t] += 1
    out = {f: min(c, key=lambda t: (-c[t], t)) for f, c in printed.items()}
    for t in sorted(set(aliases.pins.get(kind, {}).values())):
        out[kind_form(kind, t)] = t
    return out


def snap_ocr(positions: pd.DataFrame, indicators: pd.DataFrame, aliases: Aliases) -> list[dict]:
    """Snap the OCR rows' titles, sasaran, indicators and responsible entries to the catalogue of
    the run's text-layer decrees, in place; the text as read goes to `jabatan_ocr` / `ocr_text`
    and the score to `snap_score` (the row's lowest). Returns one review row per snapped cell."""
    positions["jabatan_ocr"] = object_column([None] * len(positions))
    positions["snap_score"] = np.full(len(positions), np.nan)
    indicators["ocr_text"] = object_column({} for _ in range(len(indicators)))
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
            review.append(review_item("snap", hit[0], r.jabatan, hit[1], "OCR text snapped to the catalogue: jabatan",
                                      r, r.page_first, hit[0]))
    title = position_titles(positions)
    for i in np.nonzero((indicators.source_kind == "ocr").to_numpy())[0]:
        r = indicators.iloc[i]
        read, scores = {}, []
        for col, kind in SNAPPED.items():
            hit = snap(as_text(r[col]) or "", kind, cats[col])
            if hit:
                read[col] = r[col]
                scores.append(hit[1])
                indicators.at[i, col] = hit[0]
                review.append(review_item("snap", hit[0], r[col], hit[1], f"OCR text snapped to the catalogue: {col}",
                                          r, r.page, title.get((r.decree_id, r.position_no))))
        if read:
            indicators.at[i, "ocr_text"], indicators.at[i, "snap_score"] = read, min(scores)
    return review

