"""Publish stage: typed Parquet with the contract's schema, swapped into curated/ atomically.

curated/ is a symbolic link to a complete, content-named version directory beside it. A new
version is written and validated in full, then the link is replaced with one rename(2): a reader,
or a run killed at any moment, sees either the previous complete set of tables or the new one."""
from __future__ import annotations

import hashlib
import os
import shutil
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from pipeline.core.files import atomic_path, atomic_write, fsync_dir
from pipeline.core.schema import Table

PARQUET_OPTIONS = dict(compression="zstd", use_dictionary=True, write_statistics=True,
                       data_page_version="2.0", version="2.6")


def to_arrow(df: pd.DataFrame, table: Table) -> pa.Table:
    schema = table.arrow_schema()
    cols = {}
    for f in schema:
        values = df[f.name].tolist() if f.name in df.columns else [None] * len(df)
        if pa.types.is_map(f.type):
            values = [sorted((v or {}).items()) for v in values]
        elif pa.types.is_list(f.type):
            values = [list(v) if v is not None else None for v in values]
        elif pa.types.is_string(f.type):
            values = [None if v is None or (isinstance(v, float) and v != v) else v for v in values]
        cols[f.name] = pa.array(values, type=f.type)
    return pa.Table.from_pydict(cols, schema=schema)


def write_parquet(df: pd.DataFrame, table: Table, path: Path) -> None:
    """Written whole or not at all: no half file is ever seen."""
    with atomic_path(path) as tmp:
        pq.write_table(to_arrow(df, table), tmp, **PARQUET_OPTIONS)


def write_dataset(df: pd.DataFrame, table: Table, root: Path, previous: Path | None = None) -> tuple[int, int]:
    """The table as a hive-partitioned dataset, one folder per decree (`decree_id=<id>/part-0.parquet`),
    for corpora too big for one file; pandas, DuckDB and Spark read the folder directly. A partition
    whose bytes equal those in the `previous` version is hard-linked from there, not written anew,
    so what syncs or reloads by file sees only the decrees that changed. Returns (written, kept)."""
    arrow = to_arrow(df, table)
    keep = [n for n in arrow.column_names if n != "decree_id"]
    rows: dict[str, list[int]] = {}
    for i, v in enumerate(arrow.column("decree_id").to_pylist()):
        rows.setdefault(v, []).append(i)
    written = kept = 0
    for decree_id in sorted(rows):
        rel = Path(table.name) / f"decree_id={decree_id}" / "part-0.parquet"
        out = root / rel
        out.parent.mkdir(parents=True, exist_ok=True)
        buf = pa.BufferOutputStream()
        pq.write_table(arrow.take(rows[decree_id]).select(keep), buf, **PARQUET_OPTIONS)
        data = buf.getvalue().to_pybytes()
        old = previous / rel if previous is not None else None
        if old is not None and old.is_file() and old.stat().st_size == len(data) and old.read_bytes() == data:
            os.link(old, out)
            kept += 1
            continue
        atomic_write(out, data)
        written += 1
    return written, kept


def versions_dir(curated: Path) -> Path:
    return curated.parent / f".{curated.name}-versions"


def stage(tables: dict[str, pd.DataFrame], schemas: dict[str, Table], curated: Path,
          dataset: bool = False) -> tuple[Path, tuple[int, int]]:
    """Write every table into a fresh staging directory beside curated/ (and as a partitioned
    dataset under dataset/ when asked); returns it with the dataset partitions (written, kept)."""
    root = versions_dir(curated)
    root.mkdir(parents=True, exist_ok=True)
    staging = root / f"staging-{os.getpid()}"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    live = curated.resolve() / "dataset" if curated.is_symlink() else None
    written = kept = 0
    for name, df in tables.items():
        write_parquet(df, schemas[name], staging / f"{name}.parquet")
        if dataset and "decree_id" in schemas[name].names:
            w, k = write_dataset(df, schemas[name], staging / "dataset", live)
            written, kept = written + w, kept + k
    return staging, (written, kept)


def content_hash(directory: Path) -> str:
    h = hashlib.sha256()
    for p in sorted(directory.rglob("*.parquet")):
        h.update(str(p.relative_to(directory)).encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()[:16]


def swap(staging: Path, curated: Path) -> Path:
    """Make curated/ point at the staged tables in one atomic rename; returns the version dir."""
    root = versions_dir(curated)
    final = root / content_hash(staging)
    if final.exists():
        shutil.rmtree(staging)
    else:
        os.rename(staging, final)
    if curated.exists() and not curated.is_symlink():  # a plain folder from elsewhere: keep it aside
        os.rename(curated, root / f"previous-{os.getpid()}")
    link = curated.parent / f".{curated.name}.link-{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(os.path.relpath(final, curated.parent), link)
    os.replace(link, curated)
    fsync_dir(curated.parent)
    return final


def discard(staging: Path) -> None:
    shutil.rmtree(staging, ignore_errors=True)


def clean_versions(curated: Path, keep: int = 2) -> None:
    """Drop leftovers of killed runs and old versions; the live one and the one before stay."""
    root = versions_dir(curated)
    if not root.exists():
        return
    live = curated.resolve() if curated.is_symlink() else None
    for p in root.iterdir():
        if p.name.startswith(("staging-", "previous-")) and not _alive(p.name.rsplit("-", 1)[-1]):
            shutil.rmtree(p, ignore_errors=True)
    versions = sorted((p for p in root.iterdir() if len(p.name) == 16), key=lambda p: p.stat().st_mtime, reverse=True)
    for p in versions[keep:]:
        if p.resolve() != live:
            shutil.rmtree(p, ignore_errors=True)
    for p in curated.parent.glob(f".{curated.name}.link-*"):
        p.unlink(missing_ok=True)


def _alive(pid: str) -> bool:
    try:
        os.kill(int(pid), 0)
    except (ValueError, ProcessLookupError):
        return False
    except PermissionError:
        return True
    return int(pid) != os.getpid()
