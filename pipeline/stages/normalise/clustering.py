"""Clustering: match forms grouped into canonical entries, each with its canonical text, and the
pairs a person should judge."""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from pipeline.core.unionfind import UnionFind
from pipeline.stages.normalise.aliases import Aliases
from pipeline.stages.normalise.forms import clean_text, tokens
from pipeline.stages.normalise.pairs import REVIEW_MIN, Decision, decide


@dataclass
class Clustering:
    """Canonical entries of one kind: every form's representative, and the pairs left to a person."""
    rep: dict[str, str]            # form -> representative form
    display: dict[str, str]        # representative form -> canonical text
    review: list[tuple[str, str, Decision]]  # (form a: the catalogue side, form b: the variant, decision)
    warnings: list[str]


BLOCK = 64  # forms compared with all others at once: memory grows with BLOCK x forms, not forms^2
PARALLEL_MIN = 1000  # forms from which deciding their pairs on the executor pays for sending them
# map_blocks(fn, shared, items) -> [fn(shared, item) for item in items], in order: where the
# blocks run (forked processes, a Dask cluster) is the executor's business (pipeline.run.executors)
MapBlocks = Callable[[Callable, object, list], list]


def serial_blocks(fn: Callable, shared, items: list) -> list:
    return [fn(shared, item) for item in items]


def _decide_rows(free: list[str], span: tuple[int, int]) -> list[tuple[int, int, Decision]]:
    """The pairs (i, j) with i in span and j > i that score REVIEW_MIN or more and are not decided
    "different" (nearly all close pairs are; a worker need not send those back)."""
    lo, hi = span
    scores = cdist(free[lo:hi], free[lo:], scorer=fuzz.ratio, score_cutoff=REVIEW_MIN, workers=1)
    out = []
    for r, c in np.argwhere(scores >= REVIEW_MIN):
        i, j = lo + int(r), lo + int(c)
        if j > i:
            d = decide(free[i], free[j], round(float(scores[r, c]), 1))
            if d.verdict != "different":
                out.append((i, j, d))
    return out


def _decide_all(free: list[str], map_blocks: MapBlocks = serial_blocks) -> list[tuple[int, int, Decision]]:
    """Every close pair of `free` that is not "different", in (i, j) order wherever the blocks ran.
    The work grows with the square of the forms: from PARALLEL_MIN forms on, the blocks go to
    `map_blocks`."""
    spans = [(lo, min(lo + BLOCK, len(free))) for lo in range(0, len(free), BLOCK)]
    run = map_blocks if len(free) >= PARALLEL_MIN else serial_blocks
    return [x for part in run(_decide_rows, free, spans) for x in part]


class _Groups:
    """Forms merged so far; a data officer's forbid keeps two groups apart whatever else joins them."""

    def __init__(self, kind: str, nodes: list[str], aliases: Aliases):
        self.kind, self.nodes, self.aliases = kind, nodes, aliases
        self.sets = UnionFind(nodes)
        self.find = self.sets.find

    def blocked(self, ra: str, rb: str) -> bool:
        return any(self.aliases.forbidden(self.kind, x, y)
                   for x in self.sets.members(ra) for y in self.sets.members(rb))

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra != rb and self.blocked(ra, rb):
            return False
        self.sets.union(ra, rb)
        return True

    def components(self) -> dict[str, set[str]]:
        comps: dict[str, set[str]] = defaultdict(set)
        for f in self.nodes:
            comps[self.find(f)].add(f)
        return comps


def _close_pairs(kind: str, free: list[str], aliases: Aliases, map_blocks: MapBlocks) -> list[tuple[str, str, Decision]]:
    """The decided pairs of `free` forms a data officer did not forbid: the close ones, and those
    with the same letters spaced otherwise at any score."""
    decisions = [(free[i], free[j], d) for i, j, d in _decide_all(free, map_blocks)
                 if not aliases.forbidden(kind, free[i], free[j])]
    by_squeeze: dict[str, list[str]] = defaultdict(list)
    for f in free:
        by_squeeze[f.replace(" ", "")].append(f)
    for group in by_squeeze.values():
        for a_i, fa in enumerate(group):
            for fb in group[a_i + 1:]:
                if fuzz.ratio(fa, fb) < REVIEW_MIN and not aliases.forbidden(kind, fa, fb):
                    decisions.append((fa, fb, decide(fa, fb)))
    return decisions


def _canonical(kind: str, groups: _Groups, pinned_target: dict[str, str], aliases: Aliases,
               preference: Callable[[str], tuple], printed: dict[str, Counter]
               ) -> tuple[dict[str, str], dict[str, str], list[str]]:
    """(form -> representative form, representative -> canonical text, warnings): a group's pinned
    text when a data officer pinned one, else its preferred form as most often printed."""
    pins = aliases.pins.get(kind, {})
    rep: dict[str, str] = {}
    display: dict[str, str] = {}
    warnings: list[str] = []
    for fs in groups.components().values():
        targets = sorted({pinned_target[f] for f in fs if f in pinned_target}
                         | {f for f in fs if f in pins and aliases.form(kind, pins[f]) == f})
        if targets:
            r = targets[0]
            if len(targets) > 1:
                warnings.append(f"aliases: {kind} forms pinned to different texts merged: {targets}; using {r!r}")
            text = clean_text(pins.get(r) or next(pins[f] for f in sorted(fs) if f in pins))
        else:
            r = min(fs, key=preference)
            variants = printed.get(r, Counter())
            text = min(variants, key=lambda v: (-variants[v], v)) if variants else r
        for f in fs:
            rep[f] = r
        display[r] = text
    return rep, display, warnings


def _review_pairs(decisions: list[tuple[str, str, Decision]], rep: dict[str, str], occurrences: Counter,
                  groups: _Groups) -> list[tuple[str, str, Decision]]:
    """The best "review" pair between each two groups that stayed apart, the heavier group (more
    rows) on the catalogue side."""
    weight: Counter = Counter()
    for f, r in rep.items():
        weight[r] += occurrences.get(f, 0)
    review: dict[tuple[str, str], tuple[str, str, Decision]] = {}
    for fa, fb, d in decisions:
        ra, rb = rep[fa], rep[fb]
        if d.verdict != "review" or ra == rb or groups.blocked(groups.find(ra), groups.find(rb)):
            continue
        if (-weight[rb], rb) < (-weight[ra], ra):
            fa, fb, ra, rb = fb, fa, rb, ra
        best = review.get((ra, rb))
        if best is None or (-d.score, fa, fb) < (-best[2].score, best[0], best[1]):
            review[(ra, rb)] = (fa, fb, d)
    return [review[k] for k in sorted(review)]


def cluster(kind: str, occurrences: Counter, printed: dict[str, Counter], aliases: Aliases,
            vocabulary: Counter | None = None, map_blocks: MapBlocks = serial_blocks) -> Clustering:
    """Group match forms into canonical entries.

    occurrences: form -> number of rows carrying it; printed: form -> Counter of display texts;
    vocabulary: word -> how often the batch's texts use it, so that between equally frequent
    variants the one spelled like the rest of the documents ("Anggaran", not "Anggaram") is
    canonical. Order-free: every choice sorts by content, so the order of decrees cannot matter.
    """
    vocabulary = vocabulary or Counter()

    def preference(f: str) -> tuple:
        freqs = [vocabulary[w] for w in tokens(f)] or [0]
        return (-occurrences.get(f, 0), -min(freqs), -sum(freqs), f)

    forms = sorted(occurrences)
    pins = aliases.pins.get(kind, {})
    pinned_target = {f: aliases.form(kind, pins[f]) for f in forms if f in pins}
    groups = _Groups(kind, sorted(set(forms) | set(pinned_target.values())), aliases)
    warnings: list[str] = []
    for f, t in sorted(pinned_target.items()):
        if f != t and not groups.union(f, t):
            warnings.append(f"aliases: {kind} pin {f!r} -> {t!r} conflicts with a forbid; not applied")
    free = [f for f in forms if pinned_target.get(f, f) == f]  # a pinned variant is decided already
    decisions = _close_pairs(kind, free, aliases, map_blocks) if len(free) > 1 else []
    for fa, fb, d in sorted(decisions, key=lambda x: (-x[2].score, x[0], x[1])):
        if d.verdict == "same":
            groups.union(fa, fb)
    rep, display, canon_warnings = _canonical(kind, groups, pinned_target, aliases, preference, printed)
    review = _review_pairs(decisions, rep, occurrences, groups)
    return Clustering(rep, display, review, warnings + canon_warnings)
