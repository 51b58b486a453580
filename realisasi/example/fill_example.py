"""Regenerate the filled example workbook for the sample decree.

    .venv/bin/python realisasi/example/fill_example.py [CURATED_DIR | --from-gold]

Writes the template of the sample decree from CURATED_DIR (default curated/, after `make all`;
--from-gold: the gold content of the sample decree through the normalise stage, as the tests do)
and fills it the way an agency would, with made-up but plausible numbers: targets and
realisations for every indicator, pembilang/penyebut for most persentase indicators, one
lower-is-better indicator, unequal bobot for one position and two indicators still without
realisasi. The numbers are a pure function of each row's place in the decree, so a rerun
gives the same values. Rerun it whenever the curated keys change (the score stage rejects a
workbook whose hidden keys match no indicator).
"""
from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from pipeline import score as S  # noqa: E402

SAMPLE = "mojokerto-diskominfo-2025.office"
OUT = Path(__file__).resolve().parent / f"{SAMPLE}.xlsx"

# share of target realised, cycled through the rows (a few above, most on or just under target)
PATTERN = [1.0, 1.0, 0.95, 1.05, 1.0, 0.9, 1.0, 1.1, 0.85, 1.0, 1.0, 0.75]


def values(n: int, jenis: str, indikator: str) -> dict:
    """Row n (1-based, decree order) of kind `jenis` -> the cells to fill."""
    share = PATTERN[n % len(PATTERN)]
    text = indikator.upper()
    if jenis == "persentase" and n % 3:
        penyebut = 20 + n % 7  # e.g. number of OPD, documents, services
        return {"target": 100, "pembilang": round(penyebut * min(share, 1.0)), "penyebut": penyebut}
    if jenis in ("persentase", "rata_rata"):
        return {"target": 100, "realisasi": round(100 * min(share, 1.05), 2)}
    if jenis == "indeks":
        target = 3.5 if "INDEKS" in text and "PROFESIONALITAS" not in text else 75
        return {"target": target, "realisasi": round(target * share, 2)}
    target = 4 + n % 9
    return {"target": target, "realisasi": round(target * share)}


def fill(template: Path, out: Path) -> None:
    wb = load_workbook(template)
    ws = wb[S.SHEET]
    head = {c.value: c.column for c in ws[1]}
    first_position = ws.cell(2, head["position_key"]).value
    for r in range(2, ws.max_row + 1):
        n = r - 1
        cell = {k: ws.cell(r, head[k]) for k in head}
        for k, v in values(n, cell["jenis_formula"].value, cell["indikator"].value).items():
            cell[k].value = v
        if cell["position_key"].value == first_position:
            cell["bobot"].value = 20 if n <= 5 else 0  # the first five sasaran carry the weight
        if "TEMUAN" in cell["indikator"].value.upper() or n == 40:
            cell["polaritas"].value = "negatif"  # fewer is better
            cell["realisasi"].value = round(cell["target"].value * 0.8)
            cell["pembilang"].value = cell["penyebut"].value = None
        if n in (33, 71):
            cell["realisasi"].value = cell["pembilang"].value = cell["penyebut"].value = None
            cell["catatan"].value = "data belum tersedia"
    out.parent.mkdir(parents=True, exist_ok=True)
    wb.save(out)


def main(argv: list[str]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        if argv and argv[0] == "--from-gold":
            import hashlib

            from tests.test_score import SAMPLE_PDF, curated_from_gold
            decree_id = hashlib.sha256(SAMPLE_PDF.read_bytes()).hexdigest()[:16]
            curated = curated_from_gold(Path(tmp) / "curated", [decree_id])
        else:
            curated = Path(argv[0]) if argv else ROOT / "curated"
        S.write_templates(curated, Path(tmp) / "t")
        template = Path(tmp) / "t" / f"{SAMPLE}.xlsx"
        if not template.exists():
            print(f"{curated} has no decree from {SAMPLE}.pdf", file=sys.stderr)
            return 1
        fill(template, OUT)
    print(f"wrote {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
