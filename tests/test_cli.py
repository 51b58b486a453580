"""The `iki` command and the Makefile, as a data officer and a CI job use them."""
import shutil
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq

from conftest import ROOT, SAMPLE
from pipeline.tools.dictionary import DICTIONARY, contract_markdown, dictionary_markdown
from pipeline.core.schema import CURATED_TABLES, SCORE_TABLES

IKI = [sys.executable, "-m", "pipeline.cli"]


def iki(*args, cwd):
    return subprocess.run([*IKI, *args], cwd=cwd, capture_output=True, text=True, timeout=600,
                          env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def test_help_in_plain_words(tmp_path):
    out = iki("--help", cwd=tmp_path)
    assert out.returncode == 0
    for cmd in ("all", "parse", "validate", "template", "score"):
        assert cmd in out.stdout
    assert "--raw" in iki("all", "--help", cwd=tmp_path).stdout
    assert iki("nonsense", cwd=tmp_path).returncode == 2


def test_make_all_on_other_folders_then_template_and_score(tmp_path):
    raw = tmp_path / "annexes"
    raw.mkdir()
    shutil.copy(SAMPLE, raw)
    out = subprocess.run(["make", "-C", str(ROOT), "all", f"RAW={raw}", f"CURATED={tmp_path / 'out'}",
                          f"INTERIM={tmp_path / 'interim'}", f"REPORTS={tmp_path / 'reports'}",
                          f"REALISASI={tmp_path / 'realisasi'}", f"PY={sys.executable}",
                          f"IKI={sys.executable} -m pipeline.cli"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert "files 1, pages 30, positions 26, indicators 89" in out.stdout
    assert (tmp_path / "reports" / "validation" / "summary.json").exists()
    assert (tmp_path / "reports" / "run.json").exists()
    assert iki("validate", "--curated", str(tmp_path / "out"), "--reports", str(tmp_path / "reports"),
               cwd=tmp_path).returncode == 0
    assert iki("template", "--curated", str(tmp_path / "out"), "--out", str(tmp_path / "realisasi"),
               cwd=tmp_path).returncode == 0
    assert len(list((tmp_path / "realisasi").glob("*.xlsx"))) == 1
    # the committed filled example scores
    scored = iki("score", "--raw", str(raw), "--interim", str(tmp_path / "interim"), "--curated",
                 str(tmp_path / "out"), "--reports", str(tmp_path / "reports"), "--realisasi",
                 str(ROOT / "realisasi" / "example"), cwd=tmp_path)
    assert scored.returncode == 0, scored.stdout + scored.stderr
    assert pq.read_table(tmp_path / "out" / "scores.parquet").num_rows == 89


def test_strict_fails_on_warnings_and_bad_files_fail_without_strict(tmp_path):
    raw = tmp_path / "raw"
    raw.mkdir()
    shutil.copy(SAMPLE, raw)
    common = ["--raw", str(raw), "--interim", str(tmp_path / "i"), "--curated", str(tmp_path / "c"),
              "--reports", str(tmp_path / "r")]
    assert iki("all", *common, cwd=tmp_path).returncode == 0
    strict = iki("all", *common, "--strict", cwd=tmp_path)
    assert strict.returncode == 1  # the sample's empty PENANGGUNG JAWAB cell is a real warning
    (raw / "rusak.pdf").write_bytes(b"%PDF-1.4 nothing else")
    bad = iki("all", *common, cwd=tmp_path)
    assert bad.returncode == 1 and "ERROR rusak.pdf" in bad.stderr and "1 file(s) failed" in bad.stdout


def test_dictionary_documents_every_column_and_matches_parquet_metadata(sample_run):
    _, settings, _ = sample_run
    committed = DICTIONARY.read_text(encoding="utf-8")
    assert committed == dictionary_markdown(), "run `make docs`"
    assert contract_markdown() in committed
    assert "docs/data-dictionary.md" in (ROOT / "README.md").read_text(encoding="utf-8")  # linked, not copied
    for table in [*CURATED_TABLES.values(), *SCORE_TABLES.values()]:
        for col in table.columns:
            assert f"| `{col.name}` |" in committed
    for name, table in CURATED_TABLES.items():
        schema = pq.read_schema(Path(settings.curated) / f"{name}.parquet")
        for col in table.columns:
            assert schema.field(col.name).metadata[b"description_id"].decode() == col.id
