"""The tool as a user installs it: the wheel in a fresh venv outside the checkout, `iki init`, and
the CI workflow it writes, publishing exactly what `make all` publishes inside the checkout."""
import hashlib
import os
import shutil
import subprocess
import sys
import time
from importlib import metadata
from pathlib import Path

import pytest
import yaml

from conftest import ROOT, SAMPLE

EXAMPLE = ROOT / "realisasi" / "example" / "mojokerto-diskominfo-2025.office.xlsx"  # filled in


def sh(cmd, cwd, env=None, ok=(0,)):
    out = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=900,
                         shell=isinstance(cmd, str), executable="/bin/bash" if isinstance(cmd, str) else None)
    assert out.returncode in ok, f"{cmd}: exit {out.returncode}\n{out.stdout[-3000:]}\n{out.stderr[-3000:]}"
    return out


def digests(curated: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(curated.glob("*.parquet"))}


def build_wheel(tmp: Path) -> Path:
    """From a copy of the sources, so the build leaves nothing in the checkout."""
    src = tmp / "src"
    shutil.copytree(ROOT / "pipeline", src / "pipeline", ignore=shutil.ignore_patterns("__pycache__", "*.so"))
    for name in ("pyproject.toml", "setup.py", "README.md"):
        shutil.copy(ROOT / name, src)
    sh([sys.executable, "-m", "build", "--wheel", "--outdir", str(tmp / "dist"), str(src)], cwd=tmp)
    return next((tmp / "dist").glob("iki_pipeline-*.whl"))


def workflow_step(workflow: dict, name: str) -> str:
    return next(s["run"] for s in workflow["jobs"]["check"]["steps"] if s.get("name") == name)


def venv_env(venv: Path, **extra) -> dict:
    return {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp"), **extra}


@pytest.mark.slow
def test_wheel_in_a_fresh_venv_publishes_what_the_checkout_publishes(tmp_path):
    started = time.monotonic()
    wheel = build_wheel(tmp_path)
    built = time.monotonic()
    venv = tmp_path / "venv"
    sh([sys.executable, "-m", "venv", str(venv)], cwd=tmp_path)
    # the dependencies come from the index, at the versions the checkout runs with: Parquet files
    # name the pyarrow that wrote them, so only equal versions can give equal bytes
    freeze = sh([sys.executable, "-m", "pip", "freeze", "--exclude", "iki-pipeline"], cwd=tmp_path).stdout
    constraints = tmp_path / "constraints.txt"
    constraints.write_text("".join(ln + "\n" for ln in freeze.splitlines() if not ln.startswith(("-e", "#"))))

    demo = tmp_path / "work" / "demo"
    demo.parent.mkdir()
    env = venv_env(venv, PIP_CONSTRAINT=str(constraints))
    sh(["python", "-m", "pip", "install", "-q", str(wheel)], cwd=tmp_path, env=env)
    installed = time.monotonic()
    sh(["iki", "init", "demo", "--source", str(wheel)], cwd=demo.parent, env=env)
    workflow = yaml.safe_load((demo / ".github" / "workflows" / "iki.yml").read_text(encoding="utf-8"))
    assert workflow["env"]["IKI_SOURCE"] == str(wheel) and set(workflow["on"]) >= {"push", "pull_request"}
    # the workflow's own install step, with the wheel as its source: a no-op now, but it must run
    sh(workflow_step(workflow, "Install iki"), cwd=demo, env={**env, "IKI_SOURCE": str(wheel)})
    assert sh(["iki", "--version"], cwd=demo, env=env).stdout.strip() == f"iki-pipeline {metadata.version('iki-pipeline')}"
    assert (venv / "bin" / "iki").exists() and not str(ROOT) in sh(
        ["python", "-c", "import pipeline; print(pipeline.__file__)"], cwd=demo, env=env).stdout
    # the wheel carries the compiled per-character loop of the PDFium reader and the parse's loops over words
    assert sh(["python", "-c", "from pipeline.readers import pdfium; from pipeline.parse import geometry; "
               "print(pdfium._native is not None, geometry._native is not None)"],
              cwd=demo, env=env).stdout.strip() == "True True"

    shutil.copy(SAMPLE, demo / "raw")
    first = sh(["iki", "all"], cwd=demo, env=env)
    assert first.stdout.startswith("suites: ./expectations; reference: ./reference"), first.stdout
    sh(["iki", "template"], cwd=demo, env=env)
    shutil.copy(EXAMPLE, demo / "realisasi" / EXAMPLE.name)  # the template, filled in
    sh(["iki", "score"], cwd=demo, env=env)
    finished = time.monotonic()

    inside = tmp_path / "inside"
    shutil.copytree(demo / "raw", inside / "raw")
    make = ["make", "-C", str(ROOT), "all", f"RAW={inside / 'raw'}", f"CURATED={inside / 'curated'}",
            f"INTERIM={inside / 'interim'}", f"REPORTS={inside / 'reports'}", f"REALISASI={EXAMPLE.parent}",
            f"PY={sys.executable}", f"IKI={sys.executable} -m pipeline.cli"]
    sh(make, cwd=tmp_path)
    theirs, ours = digests(demo / "curated"), digests(inside / "curated")
    assert "scores.parquet" in ours and len(ours) >= 6
    assert theirs == ours

    # the gate the workflow runs ends the same way as in the checkout
    gate = workflow_step(workflow, "Check every annex")
    assert gate == "iki all --strict"
    in_demo = sh(gate, cwd=demo, env=env, ok=(0, 1)).returncode
    in_checkout = sh(make + ["STRICT=1"], cwd=tmp_path, ok=(0, 2)).returncode  # make says 2 for any failure
    assert (in_demo == 0) == (in_checkout == 0)
    print(f"wheel {built - started:.0f} s, venv + install {installed - built:.0f} s, "
          f"init + all + template + score {finished - installed:.0f} s")


def iki(*args, cwd):
    return subprocess.run([sys.executable, "-m", "pipeline.cli", *args], cwd=cwd, capture_output=True, text=True,
                          timeout=300, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})


def one_line_error(out, *words) -> None:
    """Exit 2 and a single `error:` line naming the input: what a user mistake must look like."""
    assert out.returncode == 2, out.stdout + out.stderr
    assert "Traceback" not in out.stderr and len(out.stderr.strip().splitlines()) == 1, out.stderr
    assert out.stderr.startswith("error: ") and all(w in out.stderr for w in words), out.stderr


@pytest.fixture
def project(tmp_path):
    """A project from `iki init`, with the sample in raw/ and a realisasi/ folder (so the policy is read)."""
    out = iki("init", "p", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    p = tmp_path / "p"
    shutil.copy(SAMPLE, p / "raw")
    (p / "realisasi").mkdir()
    return p


def test_init_writes_a_project_and_keeps_existing_files(tmp_path, project):
    names = {str(f.relative_to(project)) for f in project.rglob("*") if f.is_file()}
    assert {"raw/README.md", "README.md", ".gitignore", ".github/workflows/iki.yml", "reference/aliases.csv",
            "reference/scoring.yaml", "expectations/indicators.json", "expectations/scores.json"} <= names
    (project / "reference" / "aliases.csv").write_text("kind,action,text_a,text_b,note\n", encoding="utf-8")
    one_line_error(iki("init", "p", cwd=tmp_path), "not overwriting", "--force")
    assert (project / "reference" / "aliases.csv").read_text(encoding="utf-8").count("\n") == 1  # kept
    assert iki("init", "p", "--force", cwd=tmp_path).returncode == 0
    assert "forbid" in (project / "reference" / "aliases.csv").read_text(encoding="utf-8")
    workflow = yaml.safe_load((project / ".github" / "workflows" / "iki.yml").read_text(encoding="utf-8"))
    assert workflow["env"]["IKI_SOURCE"] == f"iki-pipeline=={metadata.version('iki-pipeline')}"
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    assert [(h["id"], h["entry"], h["language"]) for h in hooks] == [("iki-check", "iki all --strict", "python")]


@pytest.mark.parametrize("case", ["raw folder", "reference folder", "suites folder", "suite missing",
                                  "suite unreadable", "policy missing", "policy unreadable", "policy wrong",
                                  "aliases unreadable"])
def test_a_missing_or_unreadable_input_is_one_line_and_exit_2(project, case):
    ref, exp = project / "reference", project / "expectations"
    args, words = ["all"], []
    if case == "raw folder":
        args, words = ["all", "--raw", "nowhere"], ["nowhere", "--raw"]
    elif case == "reference folder":
        args, words = ["all", "--reference", "nowhere"], ["nowhere"]
    elif case == "suites folder":
        args, words = ["validate", "--curated", ".", "--expectations", "nowhere"], ["nowhere"]
    elif case == "suite missing":
        (exp / "scores.json").unlink()
        words = ["scores.json", "missing"]
    elif case == "suite unreadable":
        (exp / "positions.json").write_text('{"name": "positions", "expectations": [', encoding="utf-8")
        words = ["positions.json", "unreadable suite"]
    elif case == "policy missing":
        args, words = ["score", "--policy", "policy.yaml"], ["policy.yaml", "not found"]
    elif case == "policy unreadable":
        (ref / "scoring.yaml").write_text("capaian: [cap: 120\n  floor", encoding="utf-8")
        words = ["scoring.yaml", "unreadable scoring policy"]
    elif case == "policy wrong":
        (ref / "scoring.yaml").write_text("version: 1\ncapaian: {cap: 120}\n", encoding="utf-8")
        words = ["scoring.yaml", "missing key 'bands'"]
    elif case == "aliases unreadable":
        (ref / "aliases.csv").write_bytes(b"kind,action,text_a,text_b,note\n\xff\xfe\n")
        words = ["aliases.csv", "unreadable aliases"]
    one_line_error(iki(*args, cwd=project), *words)
    assert not (project / "curated").exists()  # stopped before any work


def test_workbook_and_table_errors_are_one_line(tmp_path):
    (tmp_path / "curated").mkdir()
    one_line_error(iki("template", cwd=tmp_path), "decrees.parquet")  # no tables yet
    one_line_error(iki("score", cwd=tmp_path), "realisasi", "iki template")


def test_flags_show_as_flags_and_version(tmp_path):
    help_text = iki("all", "--help", cwd=tmp_path).stdout
    assert "--strict " in help_text and "<bool>" not in help_text and "--reference" in help_text
    assert iki("--version", cwd=tmp_path).stdout.strip() == f"iki-pipeline {metadata.version('iki-pipeline')}"
