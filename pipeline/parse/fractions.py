"""Fractions in a formula cell: numerator over a rule (or over a line ending in 'x 100%')."""
from __future__ import annotations

import re

from pipeline.core.text import join_lines
from pipeline.parse.geometry import Line
from pipeline.parse.rows import Part

TIMES_100 = re.compile(r"[xX×*]\s*100\s*%\s*$")


def fraction(part: Part) -> tuple[str, str | None, str | None]:
    """(formulasi, pembilang, penyebut): a rule with text above and below, or a line ending in
    'x 100%' followed by more lines, is a fraction. Words printed right of the bar ("X 100%"
    beside a wrapped numerator) belong at the numerator's end. A bar under '... x 100%' with
    nothing below is half a fraction (no penyebut), for validation to report."""
    lines = part.lines
    rules = sorted(part.rules)
    num: list[str] = []
    den: list[Line] = []
    for page, y, x0, x1 in rules:
        above = [ln for ln in lines if (ln.page, ln.cy) < (page, y)]
        below = [ln for ln in lines if (ln.page, ln.cy) > (page, y)]
        if not (above and below):
            continue
        main, beside = [], []
        for ln in above:
            own = [r for r in rules if r[0] == ln.page and ln.cy < r[1] <= ln.bottom + 0.6 * ln.size]
            end = own[0][3] if own else x1
            main.append(" ".join(w.text for w in ln.words if w.x0 < end - 1))
            beside += [w.text for w in ln.words if w.x0 >= end - 1]
        while len(below) > 1 and len(below[0].text) <= 8:  # "X 100" + a wrapped "%"
            head = join_lines(main + [" ".join(beside)])
            if TIMES_100.search(head) or not TIMES_100.search(f"{head} {below[0].text}"):
                break
            beside.append(below.pop(0).text)
        num, den = main + [" ".join(beside)], below
    if not den:
        for k in range(len(lines) - 1):
            if TIMES_100.search(join_lines([x.text for x in lines[:k + 1]])):
                num, den = [x.text for x in lines[:k + 1]], lines[k + 1:]
                break
    if not den:
        if any(all((ln.page, ln.cy) < (page, y) for ln in lines) for page, y, _, _ in part.rules) and \
                lines and TIMES_100.search(part.text):
            return part.text, part.text, None  # a bar under "... x 100%" and nothing below: half a fraction
        return part.text, None, None
    n, d = join_lines(num), join_lines([ln.text for ln in den])
    return f"{n} / {d}", n, d
