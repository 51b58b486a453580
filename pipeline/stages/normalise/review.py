"""The review list (interim/review.csv): pairs and OCR reads a data officer should judge."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

import pandas as pd

from pipeline.stages.normalise.clustering import Clustering
from pipeline.stages.normalise.values import as_int, object_column

OCR_REVIEW_BELOW = 0.80  # a scanned row whose least certain word is below this goes to review (tests/test_ocr.py)

REVIEW_COLUMNS = ["kind", "text_a", "text_b", "score", "reason", "decree_id", "source_file", "page",
                  "position_no", "jabatan"]


def review_item(kind: str, text_a, text_b, score: float, reason: str, row, page, jabatan: str | None) -> dict:
    """One review row about `row` (a position or an indicator); the source file is added with the list."""
    return dict(kind=kind, text_a=text_a, text_b=text_b, score=score, reason=reason, decree_id=row.decree_id,
                page=as_int(page), position_no=int(row.position_no), jabatan=jabatan)


def position_titles(positions: pd.DataFrame) -> dict[tuple, str]:
    """(decree, position number) -> title, to name the position an indicator's review row is about."""
    return {(r.decree_id, r.position_no): r.jabatan for r in positions.itertuples()}


def _rows_by_form(forms: list[str]) -> dict[str, list[int]]:
    """Row numbers per match form, so review items find their rows without a scan per pair."""
    rows: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(forms):
        rows[f].append(i)
    return rows


def cluster_review(kind: str, cl: Clustering, forms: list[str], texts: list, frame: pd.DataFrame, page: str,
                   jabatan_of: Callable[[pd.Series], str | None]) -> list[dict]:
    """One review row per row of `frame` that carries the variant side of a pair the clustering
    left to a person (`forms`, `texts`: each row's match form and printed text)."""
    rows_of = _rows_by_form(forms)
    out = []
    for fa, fb, d in cl.review:
        for i in rows_of[fb]:
            r = frame.iloc[i]
            out.append(review_item(kind, cl.display[cl.rep[fa]], texts[i], d.score, d.reason, r, r.get(page),
                                   jabatan_of(r)))
    return out


def ocr_review(indicators: pd.DataFrame, titles: dict[tuple, str]) -> list[dict]:
    """Scanned rows the OCR was unsure of: a person looks at them."""
    if "ocr_confidence" not in indicators.columns:
        return []
    out = []
    for r in indicators.itertuples():
        conf = r.ocr_confidence
        if conf is not None and conf == conf and conf < OCR_REVIEW_BELOW:
            out.append(review_item("ocr", r.indikator, r.formulasi, round(100 * conf, 1),
                                   f"OCR confidence {conf:.2f} below {OCR_REVIEW_BELOW}", r, r.page,
                                   titles.get((r.decree_id, r.position_no))))
    return out


def review_frame(items: list[dict], source: dict[str, str | None]) -> tuple[pd.DataFrame, list[str]]:
    """The review list in content order, each row with its source file, and the warning that
    points a data officer to it (none when the list is empty)."""
    review = pd.DataFrame([{**row, "source_file": source.get(row["decree_id"])} for row in items],
                          columns=REVIEW_COLUMNS)
    if not len(review):
        return review, []
    review = review.sort_values(["kind", "text_a", "text_b", "decree_id", "position_no"],
                                kind="stable").reset_index(drop=True)
    review["page"] = object_column(as_int(p) for p in review["page"])
    by_kind = Counter(k for k, _a, _b in Counter(zip(review.kind, review.text_a, review.text_b)))
    return review, ["review: " + ", ".join(f"{n} uncertain {k} pair(s)" for k, n in sorted(by_kind.items()))
                    + " in interim/review.csv (decide them in reference/aliases.csv)"]
