"""Interim records -> the contract-v1 tables (pure, no I/O)."""
from __future__ import annotations

import pandas as pd

from .schema import DECREES, INDICATORS, POSITIONS

V1 = "1"


def _v1(table) -> list[str]:
    return [c.name for c in table.columns if c.since == V1]


def build_tables(records: list[dict]) -> dict[str, pd.DataFrame]:
    """One row per decree, position and indicator, sorted by their keys so output is stable."""
    decrees, positions, indicators = [], [], []
    for rec in sorted(records, key=lambda r: r["decree_id"]):
        did = rec["decree_id"]
        decrees.append({"decree_id": did, "source_file": rec["source_file"], **rec["decree"],
                        "n_pages": rec["n_pages"]})
        for pos in rec["positions"]:
            positions.append({"decree_id": did, **{k: pos[k] for k in _v1(POSITIONS) if k != "decree_id"}})
            for ind in pos["indicators"]:
                indicators.append({"decree_id": did, "position_no": pos["position_no"],
                                   **{k: ind[k] for k in _v1(INDICATORS) if k not in ("decree_id", "position_no")}})
    return {
        "decrees": pd.DataFrame(decrees, columns=_v1(DECREES)),
        "positions": pd.DataFrame(positions, columns=_v1(POSITIONS)),
        "indicators": pd.DataFrame(indicators, columns=_v1(INDICATORS)),
    }
