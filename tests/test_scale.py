"""Incremental runs (counted parses, not timings), the Dask executor and the partitioned dataset."""
import duckdb
import pandas as pd

from conftest import SAMPLE, read_curated, run_on
from pipeline.core.settings import Settings
from pipeline.run.executors import BATCH, batches
from pipeline.run.reading import parse_only, summary_lines


def _variants(tmp, n):
    """Copies of the sample with different bytes (a trailing PDF comment): different decrees."""
    out = []
    for k in range(n):
        p = tmp / f"salinan-{k}.pdf"
        p.write_bytes(SAMPLE.read_bytes() + f"\n% salinan {k}\n".encode())
        out.append(p)
    return out


def _bytes(curated):
    return {p.name: p.read_bytes() for p in sorted(curated.glob("*.parquet"))}


def test_noop_reparses_nothing_and_one_change_reparses_one(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    pdfs = _variants(src, 3)
    first, settings = run_on(tmp_path, pdfs)
    assert (first.parsed, first.cached, first.published) == (3, 0, True)
    before = _bytes(settings.curated)
    again, _ = run_on(tmp_path, [])
    assert (again.parsed, again.cached, again.unchanged) == (0, 3, True)
    assert _bytes(settings.curated) == before
    assert again.indicators == first.indicators and again.exit_code == 0
    changed = settings.raw / pdfs[1].name
    changed.write_bytes(changed.read_bytes() + b"% edited\n")
    third, _ = run_on(tmp_path, [])
    assert (third.parsed, third.cached, third.unchanged) == (1, 2, False)
    assert _bytes(settings.curated) != before


def test_payload_cut_short_is_parsed_again(tmp_path):
    """Payloads are not fsynced: one a power cut left short must be read again, not trusted or fatal."""
    raw = tmp_path / "raw"
    raw.mkdir()
    _variants(raw, 2)
    settings = Settings(raw=raw, interim=tmp_path / "interim", reports=tmp_path / "reports", workers=1)
    first = parse_only(settings)
    assert (first.parsed, first.cached) == (2, 0)
    cut = sorted(settings.parsed_dir.glob("*.json"))[0]
    whole = cut.read_bytes()
    cut.write_bytes(whole[:len(whole) // 2])
    again = parse_only(settings)
    assert (again.parsed, again.cached, len(again.records), again.failures) == (1, 1, 2, [])
    assert cut.read_bytes() == whole


def test_dask_batches_are_consecutive_and_small_enough_to_spread():
    for n, threads in ((3, 2), (100, 2), (1000, 2), (1000, 64)):
        got = batches(list(range(n)), threads)
        assert [j for b in got for j in b] == list(range(n))  # biggest first stays first
        assert max(map(len, got)) <= BATCH and (len(got) >= 4 * threads or max(map(len, got)) == 1)


def test_dask_local_cluster_gives_byte_identical_tables(tmp_path):
    pdfs = _variants(tmp_path, 2)
    _, local = run_on(tmp_path / "local", pdfs)
    _, dask = run_on(tmp_path / "dask", pdfs, executor="dask", workers=2)
    assert _bytes(dask.curated) == _bytes(local.curated)


def test_partitioned_dataset_reads_like_the_files(tmp_path):
    pdfs = _variants(tmp_path, 2)
    _, settings = run_on(tmp_path, pdfs, layout="dataset")
    files = read_curated(settings.curated)
    for name in ("decrees", "positions", "indicators"):
        ds = pd.read_parquet(settings.curated / "dataset" / name)
        ds["decree_id"] = ds["decree_id"].astype(str)
        keys = [k for k in ("decree_id", "position_no", "indicator_no") if k in ds.columns]
        a = ds.sort_values(keys).reset_index(drop=True)[files[name].columns]
        b = files[name].sort_values(keys).reset_index(drop=True)
        pd.testing.assert_frame_equal(a, b, check_dtype=False)
    n = duckdb.sql(f"select count(*) from read_parquet('{settings.curated}/dataset/indicators/*/*.parquet', "
                   "hive_partitioning=true)").fetchall()[0][0]
    assert n == len(files["indicators"])


def test_dataset_rewrites_only_the_partitions_that_changed(tmp_path):
    src = tmp_path / "src"
    src.mkdir()
    pdfs = _variants(src, 3)
    first, settings = run_on(tmp_path, pdfs, layout="dataset")
    assert first.partitions == (9, 0)  # decrees, positions, indicators x 3 decrees
    parts = lambda: {p.relative_to(settings.curated): p.stat().st_ino  # noqa: E731
                     for p in (settings.curated / "dataset").rglob("*.parquet")}
    before = parts()
    changed = settings.raw / pdfs[1].name
    changed.write_bytes(changed.read_bytes() + b"% edited\n")  # another decree_id: its partitions are new
    second, _ = run_on(tmp_path, [], layout="dataset")
    assert second.partitions == (3, 6)
    after = parts()
    kept = {p for p in after if p in before and after[p] == before[p]}  # the very same files, hard-linked
    assert len(kept) == 6 and len(after) == 9
    assert all(f"decree_id={first.records[1]['decree_id']}" not in str(p) for p in after)
    assert "dataset partitions: 3 written, 6 unchanged" in summary_lines(second)[0]
