"""The parse cache: interim/parsed/<decree id>-<code version>.json, one payload per PDF content,
keyed by the code that read it, so a changed parser re-reads and an unchanged one never does."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.core.files import atomic_write
from pipeline.parse.document import PARSER_VERSION

PACKAGE = Path(__file__).resolve().parents[1]
# Every module that can change what a parse produces (the page model, readers, the parse itself).
PARSE_CODE = ("core/model.py", "core/errors.py", "core/text.py", "core/unionfind.py", "core/files.py",
              "readers/*.py", "parse/*.py")


def code_version(reader: str) -> str:
    """Hash of the parse code and the reader: part of every cache file's name."""
    h = hashlib.sha256(f"{PARSER_VERSION}|{reader}".encode())
    for p in sorted({p for pattern in PARSE_CODE for p in PACKAGE.glob(pattern)}):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + p.read_bytes())
    return h.hexdigest()[:12]


def payload_path(parsed_dir: Path, sha256: str, version: str) -> Path:
    return parsed_dir / f"{sha256[:16]}-{version}.json"


def write_payload(out: Path, payload: dict) -> None:
    """The cache file, whole or not at all."""
    atomic_write(out, json.dumps(payload, ensure_ascii=False, sort_keys=True))


def read_payload(path: Path) -> dict | None:
    """The payload, or None when it is missing or unreadable (then the file is parsed again)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
