"""Fractions in a formula cell: numerator over a rule (drawn, underlined or a line of dashes) or
over a line ending in 'x 100%', and a note printed after the formula."""
from __future__ import annotations

import re

from pipeline.core.text import join_lines
from pipeline.parse.geometry import Line
from pipeline.parse.rows import MULTIPLIER, Part

TIMES_100 = re.compile(r"[xX×*]\s*100\s*%\s*$")
ENDS_MULTIPLIED = re.compile(rf"(?:{MULTIPLIER.pattern})\Z")
NOTE = re.compile(r"^(catatan|ket(erangan)?)\s*:", re.I)


def split_note(part: Part) -> tuple[Part, str]:
    """The formula cell without its note ("Catatan : ...", "Ket : ..." after the formula), and the
    note: it explains the formula, it is no part of numerator or denominator."""
    for k, ln in enumerate(part.lines):
        if k > 0 and NOTE.match(ln.text):
            rules = [r for r in part.rules if (r[0], r[1]) < ln.key]
            return Part(part.lines[:k], rules, part.boxes), join_lines([x.text for x in part.lines[k:]])
    return part, ""


def _multiplier_tail(ln: Line, end: float) -> int:
    """How many of the line's last words are a multiplier ("X 100%") printed after the fraction:
    right of a rule ending at `end` (beside it, at whatever height the producer centred it), or
    on a line of its own (wrapped under a narrow fraction). The words' texts joined are an end of
    the line's text: a line that does not end in a multiplier has none (most lines)."""
    if not ENDS_MULTIPLIED.search(ln.text):
        return 0
    for k in range(len(ln.words)):
        tail = ln.words[k:]
        if (k == 0 or tail[0].x0 >= end - 1) and MULTIPLIER.fullmatch(" ".join(w.text for w in tail)):
            return len(tail)
    return 0


def fraction(part: Part) -> tuple[str, str | None, str | None]:
    """(formulasi, pembilang, penyebut): a rule with text above and below, or a line ending in
    'x 100%' followed by more lines, is a fraction. Words printed right of the bar ("X 100%"
    beside a wrapped numerator, beside the rule or beside the denominator) belong at the
    numerator's end. A bar under '... x 100%' with nothing below is half a fraction (no
    penyebut), for validation to report."""
    lines = part.lines
    rules = sorted(part.rules)
    num: list[str] = []
    den: list[str] = []
    for page, y, x0, x1 in rules:
        main, beside, below = [], [], []
        for ln in lines:
            if ln.page == page and ln.top <= y <= ln.bottom and ln.x0 >= x1 - 1:
                beside.append(ln.text)  # the multiplier on the rule's own line
            elif (ln.page, ln.cy) < (page, y):
                cy, low = ln.cy, ln.bottom + 0.6 * ln.size
                own = [r for r in rules if r[0] == ln.page and cy < r[1] <= low]
                cut = (own[0][3] if own else x1) - 1
                left = [w.text for w in ln.words if w.x0 < cut]
                # a line's text is its words' texts joined: kept whole, it is the line's text
                main.append(ln.text if len(left) == len(ln.words) else " ".join(left))
                beside += [w.text for w in ln.words if w.x0 >= cut]
            else:
                n = _multiplier_tail(ln, x1) if ln.page == page else 0
                if n:
                    beside += [w.text for w in ln.words[len(ln.words) - n:]]
                if not n:
                    below.append(ln.text)
                elif n < len(ln.words):
                    below.append(" ".join([w.text for w in ln.words[:len(ln.words) - n]]))
        if not (main and below):
            continue
        while len(below) > 1 and len(below[0]) <= 8:  # "X 100" + a wrapped "%"
            head = join_lines(main + [" ".join(beside)])
            if TIMES_100.search(head) or not TIMES_100.search(f"{head} {below[0]}"):
                break
            beside.append(below.pop(0))
        num, den = main + [" ".join(beside)], below
    if den:
        return _fraction_of(num, den)
    text = part.text
    if "%" in text:  # a numerator ending in 'x 100%' needs a '%' printed
        for k in range(len(lines) - 1):
            # joining keeps every character but spaces: lines up to one ending in another
            # character cannot end in '%'
            end = lines[k].text.rstrip()
            if end and end[-1] != "%":
                continue
            if TIMES_100.search(join_lines([x.text for x in lines[:k + 1]])):
                return _fraction_of([x.text for x in lines[:k + 1]], [x.text for x in lines[k + 1:]])
    if lines and TIMES_100.search(text) and \
            any(all((ln.page, ln.cy) < (page, y) for ln in lines) for page, y, _, _ in part.rules):
        return text, text, None  # a bar under "... x 100%" and nothing below: half a fraction
    return text, None, None


def _fraction_of(num: list[str], den: list[str]) -> tuple[str, str, str]:
    """(formulasi, pembilang, penyebut) of a fraction from its numerator's and denominator's lines."""
    n, d = join_lines(num), join_lines(den)
    return f"{n} / {d}", n, d
