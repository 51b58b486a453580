"""The reference decree reads exactly as its gold, cell by cell."""
import hashlib

import pyarrow.parquet as pq

from conftest import SAMPLE, run_on
from goldlib import compare, load_gold
from pipeline.core.schema import CURATED_TABLES


def test_sample_matches_gold_cell_by_cell(sample_run):
    result, _, curated = sample_run
    decree_id = hashlib.sha256(SAMPLE.read_bytes()).hexdigest()[:16]
    mismatches = compare(load_gold(), decree_id, curated, limit=20)
    assert not mismatches, "\n".join(mismatches)
    assert (result.files, result.positions, result.indicators, result.pages) == (1, 26, 89, 30)
    assert result.exit_code == 0


def test_curated_tables_follow_the_schema(sample_run):
    _, settings, _ = sample_run
    for name in ("decrees", "positions", "indicators"):
        schema = pq.read_schema(settings.curated / f"{name}.parquet")
        expected = CURATED_TABLES[name].arrow_schema()
        assert [(f.name, f.type) for f in schema] == [(f.name, f.type) for f in expected]
        assert schema.field(0).metadata[b"description_en"]


def test_pages_and_provenance(sample_run):
    _, settings, curated = sample_run
    ind, pos = curated["indicators"], curated["positions"]
    assert ind.page.between(1, 30).all()
    assert (pos.page_first <= pos.page_last).all()
    assert pos.page_first.is_monotonic_increasing
    # the sixth sasaran of the first position stacks three indicators in one row on page 1
    first = ind[(ind.position_no == 1) & (ind.sasaran_no == 6)]
    assert list(first.indikator_label) == ["1)", "2)", "3)"] and set(first.page) == {1}


def test_rerun_is_byte_identical_and_cached(tmp_path, sample_run):
    _, settings, _ = sample_run
    result, again = run_on(tmp_path, [SAMPLE])
    assert result.parsed == 1
    for name in ("decrees", "positions", "indicators"):
        a = (settings.curated / f"{name}.parquet").read_bytes()
        b = (again.curated / f"{name}.parquet").read_bytes()
        assert a == b, name
    second = run_on(tmp_path, [])[0]  # same raw/ again: nothing re-parsed
    assert (second.parsed, second.cached) == (0, 1)
