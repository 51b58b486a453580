"""Text rules shared by every stage: how printed lines become one "as printed" value."""
from __future__ import annotations


def collapse(s: str) -> str:
    """Runs of whitespace as one space, none at the ends (str.split's whitespace is re's \\s)."""
    return " ".join(s.split())


def join_lines(lines: list[str]) -> str:
    """Wrapped lines joined by single spaces, except after a hyphen or slash attached to a word,
    where the break came from wrapping ("e-" + "government" is "e-government"; but
    "Kabupaten /" + "Kota" is "Kabupaten / Kota")."""
    joined = " ".join(lines)
    if "-" not in joined and "/" not in joined:  # no line can end in either: joining is collapsing
        return collapse(joined)
    out = ""
    for ln in lines:
        ln = collapse(ln)
        if not ln:
            continue
        if out and not (out.endswith(("-", "/")) and len(out) > 1 and out[-2] != " "):
            out += " "
        out += ln
    return out


def shorten(text: str, n: int) -> str:
    """At most n characters, "..." marking a cut (for values quoted in messages)."""
    return text if len(text) <= n else text[: n - 3] + "..."
