"""Gold decree content (the schema of tests/data/GOLD-README.md) as contract-v1 rows, and a
cell-by-cell comparison with curated tables that reports the first mismatches readably."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from pipeline.core.schema import CURATED_TABLES

DATA = Path(__file__).parent / "data"
SAMPLE_GOLD = DATA / "mojokerto-diskominfo-2025.gold.json"

DECREE_FIELDS = ["lampiran_of", "nomor", "tanggal", "title", "agency"]
# Family gold (tests/fixtures/family.py) also carries the decree body, signers and formula notes:
# compared where the gold has them (contract 5 columns).
BODY_FIELDS = ["tentang", "ditetapkan_di", "tanggal_penetapan"]
SIGNER_COLUMNS = {"name": "penandatangan_nama", "pangkat": "penandatangan_pangkat", "nip": "penandatangan_nip"}
INDICATOR_FIELDS = ["sasaran_label", "sasaran", "indikator_label", "indikator", "formulasi", "pembilang",
                    "penyebut", "sumber_data", "penanggung_jawab", "target", "extra"]


def load_gold(path: Path = SAMPLE_GOLD) -> dict:
    return json.loads(Path(path).read_text(encoding="utf-8"))


def _signer(signer: dict | None) -> dict:
    return {col: (signer or {}).get(key) for key, col in SIGNER_COLUMNS.items()}


def gold_rows(gold: dict, decree_id: str = "gold") -> tuple[dict, list[dict], list[dict]]:
    """(decree row, position rows, indicator rows) in contract column names, without pages; the
    family's fields (decree body, signers, notes) only where the gold has them."""
    decree = {"decree_id": decree_id, **{f: gold["decree"].get(f, "") for f in DECREE_FIELDS},
              "source_kind": "text"}
    if "tentang" in gold["decree"]:
        decree.update({f: gold["decree"][f] for f in BODY_FIELDS}, **_signer(gold["decree"]["penandatangan"]))
    positions, indicators = [], []
    for pos in gold["positions"]:
        pno = pos["order"]
        positions.append({"decree_id": decree_id, "position_no": pno, "jabatan": pos["jabatan"],
                          "tugas": list(pos["tugas"]["items"]), "fungsi": list(pos["fungsi"]["items"]),
                          "source_kind": "text", **(_signer(pos["signer"]) if "signer" in pos else {})})
        ino = 0
        for sno, s in enumerate(pos["sasaran"], 1):
            for ind in s["indicators"]:
                ino += 1
                indicators.append({
                    "decree_id": decree_id, "position_no": pno, "sasaran_no": sno, "sasaran_label": s["no"],
                    "sasaran": s["text"], "indicator_no": ino, "indikator_label": ind["label"],
                    "indikator": ind["text"], "formulasi": ind["formula"]["text"],
                    "pembilang": ind["formula"]["numerator"], "penyebut": ind["formula"]["denominator"],
                    "sumber_data": ind["source"], "penanggung_jawab": ind["responsible"],
                    "target": ind.get("target"), "extra": dict(ind.get("extra") or {}),
                    "source_kind": "text", "ocr_confidence": None,
                    **({"catatan": ind["formula"]["note"]} if "note" in ind["formula"] else {}),
                })
    return decree, positions, indicators


def gold_frames(gold: dict, decree_id: str = "gold") -> dict[str, pd.DataFrame]:
    """The gold as the tables the parse stage builds: contract-5 columns the gold does not carry
    (decree body, signers, catatan) empty, no flags."""
    d, p, i = gold_rows(gold, decree_id)
    frames = {"decrees": pd.DataFrame([d]), "positions": pd.DataFrame(p), "indicators": pd.DataFrame(i)}
    for name, df in frames.items():
        for c in CURATED_TABLES[name].columns:
            if c.since == "5" and c.name not in df:
                df[c.name] = [[] for _ in range(len(df))] if c.name == "flags" else None if c.nullable else ""
    return frames


def _cell(v):
    if v is None or (isinstance(v, float) and v != v):
        return None
    if isinstance(v, dict):
        return dict(sorted(v.items()))
    if hasattr(v, "tolist") and not isinstance(v, str):
        v = v.tolist()
    if isinstance(v, list) and v and isinstance(v[0], tuple):  # pyarrow map as list of pairs
        return dict(sorted(v))
    return v


def compare(gold: dict, decree_id: str, curated: dict[str, pd.DataFrame], limit: int = 15) -> list[str]:
    """Mismatches between gold content and curated tables for one decree ([] when exact)."""
    exp_d, exp_p, exp_i = gold_rows(gold, decree_id)
    out: list[str] = []
    dec = curated["decrees"]
    dec = dec[dec.decree_id == decree_id]
    if len(dec) != 1:
        return [f"decree {decree_id}: {len(dec)} rows in decrees"]
    drow = dec.iloc[0]
    for f in DECREE_FIELDS + [f for f in (*BODY_FIELDS, *SIGNER_COLUMNS.values()) if f in exp_d]:
        if _cell(drow.get(f)) != exp_d[f]:
            out.append(f"decree.{f}: expected {exp_d[f]!r} got {_cell(drow.get(f))!r}")
    pos = curated["positions"]
    pos = pos[pos.decree_id == decree_id].sort_values("position_no")
    if len(pos) != len(exp_p):
        out.append(f"positions: expected {len(exp_p)} got {len(pos)}: {list(pos.jabatan)[:40]}")
    for e, (_, a) in zip(exp_p, pos.iterrows()):
        for f in ("position_no", "jabatan", "tugas", "fungsi", *[c for c in SIGNER_COLUMNS.values() if c in e]):
            if _cell(a.get(f)) != _cell(e[f]):
                out.append(f"position {e['position_no']} {f}: expected {e[f]!r} got {_cell(a.get(f))!r}")
    ind = curated["indicators"]
    ind = ind[ind.decree_id == decree_id].sort_values(["position_no", "indicator_no"])
    if len(ind) != len(exp_i):
        out.append(f"indicators: expected {len(exp_i)} got {len(ind)}")
    got = {(r.position_no, r.indicator_no): r for r in ind.itertuples()}
    for e in exp_i:
        a = got.get((e["position_no"], e["indicator_no"]))
        where = f"position {e['position_no']} indicator {e['indicator_no']}"
        if a is None:
            out.append(f"{where}: missing (expected {e['indikator']!r})")
            continue
        for f in ["sasaran_no", *INDICATOR_FIELDS, *(["catatan"] if "catatan" in e else [])]:
            want, have = _cell(e[f]), _cell(getattr(a, f, None))
            if f == "extra":
                want = want or {}
                have = have or {}
            if want != have:
                out.append(f"{where} {f}: expected {want!r} got {have!r}")
        if len(out) >= limit:
            break
    return out[:limit]
