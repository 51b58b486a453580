"""The decrees a report shows: each interim record with the raw PDF its pictures are drawn from."""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.core.files import page_count, sha256_file
from pipeline.core.settings import Settings
from pipeline.parse.cache import code_version, payload_path, read_payload


@dataclass
class Decree:
    record: dict
    pdf: Path | None  # the raw PDF, when it is still there with the same bytes
    positions: dict[int, dict] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.record["source_file"]


def load_decree(record: dict, settings: Settings) -> Decree:
    """A record with its PDF, which is only drawn from when its bytes are the ones that were read."""
    pdf = settings.raw / record["source_file"]
    ok = pdf.is_file() and sha256_file(pdf) == record.get("sha256")
    return Decree(record, pdf if ok else None, {p["position_no"]: p for p in record.get("positions", [])})


def cached_record(settings: Settings, name: str, sha256: str) -> dict | None:
    """The interim record of a file that is not among the run's records (a quarantined annex)."""
    if not sha256:
        return None
    payload = read_payload(payload_path(settings.parsed_dir, sha256, code_version(settings.reader)))
    if not payload or not payload.get("ok"):
        return None
    rec = payload["result"]
    rec.setdefault("source_file", name)
    return rec


def bare_decree(settings: Settings, name: str, sha256: str) -> Decree | None:
    """A file that failed to parse, as pages without cells, so a failure on a page can show it."""
    pdf = settings.raw / name
    if not sha256 or not pdf.is_file():
        return None
    try:
        ok = sha256_file(pdf) == sha256
    except OSError:
        return None
    n_pages = page_count(pdf) if ok else 0
    if not n_pages:
        return None
    return Decree({"source_file": name, "sha256": sha256, "n_pages": n_pages, "positions": []}, pdf)
