"""A data officer's decisions from reference/aliases.csv: pinned canonical texts, forbidden merges."""
from __future__ import annotations

import csv
import io
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from pipeline.stages.normalise.forms import kind_form

KINDS = ("indikator", "sasaran", "jabatan")

@dataclass(frozen=True)
class Aliases:
    """A data officer's decisions: pins (variant -> canonical text) and forbidden merges."""
    pins: dict[str, dict[str, str]] = field(default_factory=dict)        # kind -> form -> canonical text
    forbids: dict[str, frozenset[frozenset[str]]] = field(default_factory=dict)  # kind -> {{form, form}}

    def form(self, kind: str, text: str) -> str:
        return kind_form(kind, text)

    def pinned(self, kind: str, form: str) -> str | None:
        return self.pins.get(kind, {}).get(form)

    def forbidden(self, kind: str, fa: str, fb: str) -> bool:
        return frozenset((fa, fb)) in self.forbids.get(kind, frozenset())



def parse_aliases(text: str) -> Aliases:
    """Parse aliases.csv content; lines starting with '#' are comments."""
    body = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))
    rows = list(csv.DictReader(io.StringIO(body)))
    pins: dict[str, dict[str, str]] = defaultdict(dict)
    forbids: dict[str, set[frozenset[str]]] = defaultdict(set)
    probe = Aliases()
    for n, row in enumerate(rows, 1):
        kind = (row.get("kind") or "").strip().lower()
        action = (row.get("action") or "").strip().lower()
        a, b = (row.get("text_a") or "").strip(), (row.get("text_b") or "").strip()
        if kind not in KINDS or action not in ("pin", "forbid") or not a or not b:
            raise ValueError(f"aliases row {n}: need kind in {KINDS}, action pin|forbid, text_a, text_b: {row}")
        fa, fb = probe.form(kind, a), probe.form(kind, b)
        if action == "pin":
            if fa in pins[kind] and pins[kind][fa] != b:
                raise ValueError(f"aliases row {n}: {a!r} is pinned twice")
            pins[kind][fa] = b
            pins[kind].setdefault(fb, b)  # the canonical text is its own canonical form
        else:
            forbids[kind].add(frozenset((fa, fb)))
    for kind, fs in forbids.items():
        for pair in fs:
            canon = {probe.form(kind, pins[kind][f]) if f in pins.get(kind, {}) else f for f in pair}
            if len(pair) == 2 and len(canon) == 1:
                raise ValueError(f"aliases: {sorted(pair)} are pinned to one text and also forbidden")
    return Aliases({k: dict(v) for k, v in pins.items()}, {k: frozenset(v) for k, v in forbids.items()})


def load_aliases(path: Path) -> Aliases:
    """Read reference/aliases.csv (a missing file means no decisions yet)."""
    path = Path(path)
    return parse_aliases(path.read_text(encoding="utf-8")) if path.exists() else Aliases()

