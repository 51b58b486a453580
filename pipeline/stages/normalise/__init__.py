"""Normalise stage: canonical keys for jabatan, sasaran and indikator, and typed formula fields.

Sits between parse and publish. Decrees print the same position or indicator with different
case, spacing, punctuation, abbreviations and the odd typo; analysts need one key per thing.
Matching is precision-first: exact normalisation, then a rapidfuzz score that may only merge
texts whose words agree (modulo one-letter typos and filler words); texts that differ in a
meaning-bearing word are never merged, and near-misses go to a review list for a data officer,
whose decisions live in reference/aliases.csv.

Everything here is a pure function of the tables and the aliases; the result does not depend on
the order of decrees or rows (all choices are made on sorted content).

One module per step, bottom to top: values (cell values), forms (text forms and keys), pairs (the
pair decision and its thresholds), aliases, clustering, superior (atasan and unit), formula (typed
formula fields), review (the review list), snapping (OCR text to the catalogue), stage (`normalise`).
"""

from pipeline.stages.normalise.aliases import (
    KINDS,
    Aliases,
    load_aliases,
    parse_aliases,
)
from pipeline.stages.normalise.clustering import (
    Clustering,
    MapBlocks,
    cluster,
    serial_blocks,
)
from pipeline.stages.normalise.forms import (
    clean_text,
    jabatan_form,
    match_form,
    text_key,
)
from pipeline.stages.normalise.pairs import (
    AUTO_MERGE,
    REVIEW_MIN,
    Decision,
    decide,
    score,
    word_difference,
)
from pipeline.stages.normalise.review import OCR_REVIEW_BELOW, REVIEW_COLUMNS
from pipeline.stages.normalise.snapping import (
    SNAP_MIN,
    SNAPPED,
    _catalogue,
    snap,
    snap_ocr,
)
from pipeline.stages.normalise.stage import Normalised, normalise

__all__ = [
    "AUTO_MERGE",
    "KINDS",
    "OCR_REVIEW_BELOW",
    "REVIEW_COLUMNS",
    "REVIEW_MIN",
    "SNAPPED",
    "SNAP_MIN",
    "Aliases",
    "Clustering",
    "Decision",
    "MapBlocks",
    "Normalised",
    "_catalogue",
    "clean_text",
    "cluster",
    "decide",
    "jabatan_form",
    "load_aliases",
    "match_form",
    "normalise",
    "parse_aliases",
    "score",
    "serial_blocks",
    "snap",
    "snap_ocr",
    "text_key",
    "word_difference",
]
