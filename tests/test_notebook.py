"""notebooks/explore.ipynb runs from top to bottom against curated tables this test produces (a
real run of the sample decree, scored with the committed example), so it never goes stale."""
import os
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT, SAMPLE, read_curated, run_on

NOTEBOOK = ROOT / "notebooks" / "explore.ipynb"


@pytest.fixture(scope="module")
def scored_run(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("notebook")
    result, settings = run_on(tmp, [SAMPLE], realisasi=ROOT / "realisasi" / "example")
    assert result.published and (settings.curated / "scores.parquet").exists()
    return tmp, settings


def _execute(where: Path, env: dict[str, str] | None = None) -> nbformat.NotebookNode:
    nb = nbformat.read(where, as_version=4)
    saved = {k: os.environ.get(k) for k in ("IKI_CURATED",)}  # the kernel inherits the environment
    os.environ.pop("IKI_CURATED", None)
    os.environ.update(env or {})
    try:
        NotebookClient(nb, timeout=180, kernel_name="python3",
                       resources={"metadata": {"path": str(where.parent)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def _text(nb) -> str:
    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                out.append(f"ERROR {o.get('ename')}: {o.get('evalue')}")
            out.append(o.get("text", "") or o.get("data", {}).get("text/plain", ""))
    return "\n".join(out)


def _images(nb) -> int:
    return sum("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def test_notebook_is_committed_without_outputs():
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nbformat.validate(nb)
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in nb.cells if c.cell_type == "code")


def test_notebook_runs_on_the_default_folder_with_scores(scored_run):
    """Next to curated/ as in the project: notebooks/explore.ipynb reads ../curated."""
    tmp, settings = scored_run
    (tmp / "notebooks").mkdir(exist_ok=True)
    shutil.copy(NOTEBOOK, tmp / "notebooks" / NOTEBOOK.name)
    nb = _execute(tmp / "notebooks" / NOTEBOOK.name)
    text = _text(nb)
    assert "ERROR" not in text
    assert str(settings.curated.resolve()) in text
    tables = read_curated(settings.curated)
    top = tables["indicator_catalog"].sort_values(["n_positions", "n_decrees", "indikator"],
                                                  ascending=[False, False, True]).iloc[0]
    assert top["indikator"] in text  # the most common indicator
    for unit in tables["positions"]["unit"].unique():  # indicators per unit, every unit
        assert unit in text
    assert f"{len(tables['scores'])} scored indicator rows" in text
    assert "predikat" in text and "no scores yet" not in text
    assert _images(nb) == 2  # indicators per unit, achievement per unit
    ind = tables["indicators"]  # filtering on flags: the sample prints one penanggung jawab cell empty
    assert f"{sum(len(f) == 0 for f in ind['flags'])} of {len(ind)} indicator rows carry no warning" in text
    assert "penanggung_jawab_empty_in_pdf" in text and "Tingkat Kematangan Tata Kelola SPBE" in text


def test_notebook_reads_IKI_CURATED_and_runs_without_scores(scored_run, tmp_path):
    _, settings = scored_run
    folder = tmp_path / "tanpa-skor"
    folder.mkdir()
    for p in settings.curated.glob("*.parquet"):
        if p.stem not in ("scores", "score_summary"):
            shutil.copy(p, folder / p.name)
    nb = _execute(NOTEBOOK, {"IKI_CURATED": str(folder)})
    text = _text(nb)
    assert "ERROR" not in text and str(folder) in text
    assert "no scores yet" in text and _images(nb) == 1
