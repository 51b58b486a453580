"""The decree's own fields outside the annex tables: the body printed before the annex (KEPUTUSAN
... TENTANG ..., "Ditetapkan di ... pada tanggal ...", the signature) and signature blocks."""
from __future__ import annotations

import re

from pipeline.core.text import collapse, join_lines
from pipeline.parse.geometry import Line

NIP = re.compile(r"^NIP\.?\s*:?\s*(.+)$", re.I)
PANGKAT = re.compile(r"\b(pembina|penata|pengatur|juru)\b|\b(I|II|III|IV)\s*/\s*[a-e]\b", re.I)
DITETAPKAN = re.compile(r"^ditetapkan\s+di\s*:?\s*(.+)$", re.I)
TANGGAL = re.compile(r"^(pada\s+)?tanggal\s*:?\s*(.+)$", re.I)
TENTANG = re.compile(r"^TENTANG\b\s*:?\s*(.*)$")
BODY_LABEL = re.compile(r"^(menimbang|mengingat|memperhatikan|memutuskan|menetapkan)\b", re.I)
SIGNER_FIELDS = ("penandatangan_nama", "penandatangan_pangkat", "penandatangan_nip")


def signer_of(lines: list[Line]) -> dict[str, str | None]:
    """Name, pangkat/golongan and NIP of the last signature block among `lines` (a "NIP. ..." line,
    the pangkat above it, the name above that); all None without one."""
    k = next((k for k in range(len(lines) - 1, -1, -1) if NIP.match(lines[k].text)), None)
    if k is None:
        return dict.fromkeys(SIGNER_FIELDS)
    nip = collapse(NIP.match(lines[k].text).group(1))
    above = [ln.text for ln in lines[max(0, k - 2):k]]
    pangkat = above.pop() if above and PANGKAT.search(above[-1]) else ""
    return dict(zip(SIGNER_FIELDS, (above[-1] if above else "", pangkat, nip)))


def read_body(lines: list[Line]) -> dict[str, str | None]:
    """tentang, ditetapkan_di, tanggal_penetapan and the signer of a decree body ("" and None
    without a body): never the annex's own LAMPIRAN fields."""
    out: dict[str, str | None] = {"tentang": "", "ditetapkan_di": "", "tanggal_penetapan": ""}
    texts = [ln.text for ln in lines]
    start = next((k for k, t in enumerate(texts) if TENTANG.match(t)), None)
    if start is not None:
        about = [TENTANG.match(texts[start]).group(1)]
        for t in texts[start + 1:]:
            if t.endswith(",") or BODY_LABEL.match(t):  # "CAMAT PAKISAJI," or "Menimbang : ..."
                break
            about.append(t)
        out["tentang"] = join_lines(about)
    for k, t in enumerate(texts):
        m = DITETAPKAN.match(t)
        if m:
            out["ditetapkan_di"] = collapse(m.group(1))
            d = TANGGAL.match(texts[k + 1]) if k + 1 < len(texts) else None
            out["tanggal_penetapan"] = collapse(d.group(2)) if d else ""
            return {**out, **signer_of(lines[k:])}
    return {**out, **signer_of(lines)}
