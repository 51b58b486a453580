"""Interim records -> the tables as read, before normalisation (pure, no I/O)."""
from __future__ import annotations

import pandas as pd

from pipeline.core.schema import DECREES, INDICATORS, POSITIONS

NORMALISED = ("2", "4")  # the columns contracts v2 and v4 added are filled by the normalise stage, not here


def _as_read(table) -> list[str]:
    return [c.name for c in table.columns if c.since not in NORMALISED]


def build_tables(records: list[dict]) -> dict[str, pd.DataFrame]:
    """One row per decree, position and indicator, sorted by their keys so output is stable."""
    decrees, positions, indicators = [], [], []
    for rec in sorted(records, key=lambda r: r["decree_id"]):
        did = rec["decree_id"]
        kind = rec["source_kind"]
        decrees.append({"decree_id": did, "source_file": rec["source_file"], **rec["decree"],
                        "n_pages": rec["n_pages"], "source_kind": kind})
        for pos in rec["positions"]:
            positions.append({"decree_id": did, "source_kind": kind,
                              **{k: pos[k] for k in _as_read(POSITIONS) if k not in ("decree_id", "source_kind")}})
            for ind in pos["indicators"]:
                indicators.append({"decree_id": did, "position_no": pos["position_no"], "source_kind": kind,
                                   **{k: ind[k] for k in _as_read(INDICATORS)
                                      if k not in ("decree_id", "position_no", "source_kind")}})
    return {
        "decrees": pd.DataFrame(decrees, columns=_as_read(DECREES)),
        "positions": pd.DataFrame(positions, columns=_as_read(POSITIONS)),
        "indicators": pd.DataFrame(indicators, columns=_as_read(INDICATORS)),
    }
