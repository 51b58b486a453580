"""The parse cache: interim/parsed/<decree id>-<code version>.json, one payload per PDF content,
keyed by the code that read it, so a changed parser re-reads and an unchanged one never does."""
from __future__ import annotations

import hashlib
import json
import os
import uuid
from contextlib import suppress
from pathlib import Path

from pipeline.parse.document import PARSER_VERSION

PACKAGE = Path(__file__).resolve().parents[1]
# Every module that can change what a parse produces (the page model, readers, the parse itself).
PARSE_CODE = ("core/model.py", "core/errors.py", "core/text.py", "core/unionfind.py", "core/files.py",
              "readers/*.py", "readers/*.c", "parse/*.py")


def code_version(reader: str) -> str:
    """Hash of the parse code and the reader: part of every cache file's name."""
    h = hashlib.sha256(f"{PARSER_VERSION}|{reader}".encode())
    for p in sorted({p for pattern in PARSE_CODE for p in PACKAGE.glob(pattern)}):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + p.read_bytes())
    return h.hexdigest()[:12]


def payload_path(parsed_dir: Path, sha256: str, version: str) -> Path:
    return parsed_dir / f"{sha256[:16]}-{version}.json"


RETRY = "retry"  # a payload's key: its failure came from the machine or this program, not the file


def write_payload(out: Path, payload: dict) -> None:
    """The cache file, whole or not at all; ASCII, so a file name that is not UTF-8 (surrogates) is
    written too. A payload marked RETRY is read once and removed by the run, never kept as a verdict.
    Its bytes reach the disk before its name does; the folder is not synced after the rename (half
    the time of a small payload): a name lost to a power cut only means that file is parsed again."""
    tmp = out.with_name(f".{out.name}.{os.getpid()}-{uuid.uuid4().hex[:6]}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(json.dumps(payload, sort_keys=True).encode("utf-8"))
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, out)
    finally:
        with suppress(FileNotFoundError):
            os.unlink(tmp)


def read_payload(path: Path) -> dict | None:
    """The payload, or None when it is missing or unreadable (then the file is parsed again)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
