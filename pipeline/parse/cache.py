"""The parse cache: interim/parsed/<decree id>-<code version>.json, one payload per PDF content,
keyed by the code that read it, so a changed parser re-reads and an unchanged one never does."""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from pipeline.core.files import atomic_path
from pipeline.parse.document import PARSER_VERSION

PACKAGE = Path(__file__).resolve().parents[1]
# Every module that can change what a parse produces (the page model, readers, the parse itself).
PARSE_CODE = ("core/model.py", "core/errors.py", "core/text.py", "core/files.py",
              "readers/*.py", "readers/*.c", "parse/*.py", "parse/*.c")


def code_version(reader: str) -> str:
    """Hash of the parse code and the reader: part of every cache file's name."""
    h = hashlib.sha256(f"{PARSER_VERSION}|{reader}".encode())
    for p in sorted({p for pattern in PARSE_CODE for p in PACKAGE.glob(pattern)}):
        h.update(p.relative_to(PACKAGE).as_posix().encode() + p.read_bytes())
    return h.hexdigest()[:12]


def payload_path(parsed_dir: Path, sha256: str, version: str) -> Path:
    return parsed_dir / f"{sha256[:16]}-{version}.json"


RETRY = "retry"  # a payload's key: its failure came from the machine or this program, not the file


def encode_payload(payload: dict) -> bytes:
    """A cache file's bytes; ASCII, so a file name that is not UTF-8 (surrogates) is written too."""
    return json.dumps(payload, sort_keys=True).encode("utf-8")


def write_payload(out: Path, payload: dict | bytes) -> None:
    """The cache file (a payload or its `encode_payload` bytes), whole or not at all. A payload marked
    RETRY is read once and removed by the run, never kept as a verdict. Not fsynced (one fsync cost
    as much as parsing a page): a payload a power cut left short is no JSON object (no prefix of one
    is), so `read_payload` gives None and the next run parses that file again."""
    with atomic_path(out, durable=False) as tmp:
        tmp.write_bytes(payload if isinstance(payload, bytes) else encode_payload(payload))


def read_payload(path: Path) -> dict | None:
    """The payload, or None when it is missing or unreadable (then the file is parsed again)."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
