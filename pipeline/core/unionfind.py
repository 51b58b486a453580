"""Disjoint sets (union-find), for grouping forms into clusters."""
from __future__ import annotations

from collections.abc import Hashable, Iterable


class UnionFind:
    """Sets of hashable items. The smaller root wins a union, so the sets and their roots do not
    depend on the order of the unions."""

    def __init__(self, items: Iterable[Hashable] = ()):
        self.parent = {x: x for x in items}
        self._members = {x: {x} for x in self.parent}

    def find(self, x: Hashable) -> Hashable:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def members(self, root: Hashable) -> set:
        return self._members[root]

    def union(self, a: Hashable, b: Hashable) -> Hashable:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return ra
        ra, rb = sorted((ra, rb))
        self.parent[rb] = ra
        self._members[ra] |= self._members.pop(rb)
        return ra
