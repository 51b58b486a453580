"""Superior and unit of a position, read from its title and the duty texts that name who it helps."""
from __future__ import annotations

import re

from pipeline.stages.normalise.forms import match_form

_UNIT_HEAD = re.compile(
    r"^KEPALA ((?:SUB BAGIAN|SUB BIDANG|BAGIAN|BIDANG|SEKSI|UPTD|UPT|UNIT PELAKSANA TEKNIS(?: DAERAH)?|"
    r"SUB UNIT|UNIT|PUSKESMAS|KECAMATAN|KELURAHAN) .+)$")
_TOP_HEAD = re.compile(r"^(KEPALA (?:DINAS|BADAN|KANTOR|SATUAN)|SEKRETARIS|INSPEKTUR|CAMAT|LURAH)\b")
_MEMBANTU = re.compile(r"\bmembantu\s+(.+)", re.S | re.I)
_DIBERIKAN = re.compile(r"\bdiberikan\s+oleh\s+(.+)", re.S | re.I)


def unit_of_head(jkey: str) -> str | None:
    """The unit a head position leads, read from its title."""
    m = _UNIT_HEAD.match(jkey)
    if m:
        return m.group(1)
    if jkey == "SEKRETARIS":
        return "SEKRETARIAT"
    return None


def _title_after(phrase: str, known: list[str]) -> str | None:
    """The position title a phrase starts with: the longest known title, else a head title cut at
    the first word that cannot belong to a title."""
    p = match_form(phrase)
    for k in known:  # longest first
        if p == k or p.startswith(k + " "):
            return k
    m = re.match(r"^(KEPALA (?:SUB BAGIAN|SUB BIDANG|BAGIAN|BIDANG|SEKSI|UPTD|UPT) .+?)(?=$| (?:UNTUK|DALAM|"
                 r"MELAKSANAKAN|MERENCANAKAN|MENYUSUN|SESUAI|SEBAGAI|YANG|PADA|SERTA)\b)", p)
    if m:
        return m.group(1)
    m = _TOP_HEAD.match(p)
    if m:
        return m.group(1)
    return None


def read_superior(tugas: list[str], fungsi: list[str], known: list[str]) -> tuple[str | None, str | None]:
    """(atasan title, title a 'diberikan oleh' phrase names) from the duty texts.

    'Membantu X' names the direct superior; '... yang diberikan oleh X' names who assigns other
    duties, used when nobody is 'helped' and as the unit's head for staff helping a functional.
    """
    helped = given = None
    for item in [*tugas, *fungsi]:
        m = _MEMBANTU.search(item)
        if m and helped is None:
            helped = _title_after(m.group(1), known)
        m = _DIBERIKAN.search(item)
        if m:
            given = _title_after(m.group(1), known) or given
    return helped, given

