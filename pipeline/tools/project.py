"""`iki init`: a ready project folder, so a decree repository or a data office needs no clone of
this one: raw/ with a note, the package's reference files and suites as copies to edit, a README
with the commands, a .gitignore and a CI workflow that gates every annex with `iki all --strict`."""
from __future__ import annotations

from importlib import metadata
from pathlib import Path

from pipeline.core.errors import UserError
from pipeline.core.files import atomic_write
from pipeline.core.settings import DEFAULT_EXPECTATIONS, DEFAULT_REFERENCE, DEFAULTS

STUBS = DEFAULTS / "project"
# where each stub goes (package data keeps no dot-files or nested folders, so they are renamed here)
STUB_TARGETS = {"README.md": "README.md", "raw-README.md": "raw/README.md", "gitignore": ".gitignore",
                "iki.yml": ".github/workflows/iki.yml"}
SOURCE_MARK = "@SOURCE@"


def default_source() -> str:
    """The pip requirement the workflow installs: this very version, so the gate only changes when
    the project decides to move it."""
    return f"iki-pipeline=={metadata.version('iki-pipeline')}"


def project_files(source: str) -> dict[str, bytes]:
    """Every file `iki init` writes, by path inside the project."""
    files = {target: (STUBS / stub).read_bytes() for stub, target in STUB_TARGETS.items()}
    workflow = STUB_TARGETS["iki.yml"]
    files[workflow] = files[workflow].replace(SOURCE_MARK.encode(), source.encode())
    for folder in (DEFAULT_REFERENCE, DEFAULT_EXPECTATIONS):
        for p in sorted(folder.iterdir()):
            if p.is_file():
                files[f"{folder.name}/{p.name}"] = p.read_bytes()
    return files


def write_project(folder: Path, source: str, force: bool = False) -> list[Path]:
    """Write the project into `folder` (made if absent); an existing file is kept, and nothing is
    written, unless `force`, since it may hold a project's own decisions."""
    folder = Path(folder)
    if folder.exists() and not folder.is_dir():
        raise UserError(f"{folder} is a file, not a folder")
    files = {folder / name: data for name, data in project_files(source).items()}
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        more = f" and {len(existing) - 3} more" if len(existing) > 3 else ""
        raise UserError(f"not overwriting {', '.join(existing[:3])}{more}: pass --force to replace them")
    for path, data in files.items():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data)
        except OSError as e:
            raise UserError(f"cannot write {path}: {e.strerror or e}") from None
    return list(files)
