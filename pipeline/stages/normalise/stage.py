"""The normalise stage as the list of its steps, each over the positions and indicators frames."""
from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import pandas as pd

from pipeline.core.schema import INDICATOR_CATALOG, INDICATORS, POSITIONS
from pipeline.stages.normalise.aliases import Aliases
from pipeline.stages.normalise.clustering import (
    Clustering,
    MapBlocks,
    cluster,
    serial_blocks,
)
from pipeline.stages.normalise.forms import (
    clean_text,
    jabatan_form,
    match_form,
    text_key,
    tokens,
)
from pipeline.stages.normalise.formula import (
    jenis_formula,
    periode_of,
    regulasi_of,
    satuan_of,
)
from pipeline.stages.normalise.pairs import decide
from pipeline.stages.normalise.review import (
    cluster_review,
    ocr_review,
    position_titles,
    review_frame,
)
from pipeline.stages.normalise.snapping import snap_ocr
from pipeline.stages.normalise.superior import read_superior, unit_of_head
from pipeline.stages.normalise.values import as_text, object_column


@dataclass
class Normalised:
    tables: dict[str, pd.DataFrame]
    review: pd.DataFrame
    warnings: list[str]


def normalise(tables: dict[str, pd.DataFrame], aliases: Aliases, map_blocks: MapBlocks = serial_blocks) -> Normalised:
    """Add the contract-v2 columns and the indicator catalogue, snap OCR text to the catalogue
    (contract v4); collect review items and warnings. The pair decisions run on `map_blocks`."""
    decrees, positions, indicators = _in_order(tables)
    agency, source = _per_decree(decrees, "agency"), _per_decree(decrees, "source_file")
    review = snap_ocr(positions, indicators, aliases)
    titles_at = position_titles(positions)
    vocabulary = vocabulary_of(positions, indicators)
    jab, pos_forms = key_jabatan(positions, agency, aliases, vocabulary, map_blocks)
    warnings = list(jab.warnings)
    review += cluster_review("jabatan", jab, pos_forms, list(positions.jabatan), positions, "page_first",
                             lambda r: r.jabatan)
    titles = Titles(jab.rep, _forms_per_decree(positions, pos_forms), agency, aliases)
    warnings += place_positions(positions, titles, agency, source)
    key_positions(positions)
    keyed = {}
    for kind in ("sasaran", "indikator"):
        cl, texts, forms = key_texts(indicators, kind, aliases, vocabulary, map_blocks)
        keyed[kind] = cl, forms
        warnings += cl.warnings
        review += cluster_review(kind, cl, forms, texts, indicators, "page",
                                 lambda r: titles_at.get((r.decree_id, r.position_no)))
    warnings += link_penanggung_jawab(indicators, positions, titles, source)
    type_formulas(indicators)
    catalog = indicator_catalog(indicators, *keyed["indikator"])
    review += ocr_review(indicators, titles_at)
    review_list, review_warnings = review_frame(review, source)
    out = dict(tables)
    out["decrees"] = decrees
    out["positions"] = positions[POSITIONS.names]
    out["indicators"] = indicators[INDICATORS.names]
    out["indicator_catalog"] = catalog
    return Normalised(out, review_list, warnings + review_warnings)


def _in_order(tables: dict[str, pd.DataFrame]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Copies of the decrees, positions and indicators (the caller's frames are left as they are),
    checked for the contract-v1 columns, rows in decree order: no result depends on input order."""
    decrees = tables["decrees"].copy()
    positions = tables["positions"].copy()
    indicators = tables["indicators"].copy()
    _require(positions, [c.name for c in POSITIONS.columns if c.since == "1"], "positions")
    _require(indicators, [c.name for c in INDICATORS.columns if c.since == "1"], "indicators")
    positions = positions.sort_values(["decree_id", "position_no"], kind="stable").reset_index(drop=True)
    indicators = indicators.sort_values(["decree_id", "position_no", "indicator_no"],
                                        kind="stable").reset_index(drop=True)
    return decrees, positions, indicators


def _require(df: pd.DataFrame, cols: list[str], name: str) -> None:
    missing = [c for c in cols if c not in df.columns]
    if missing:
        raise ValueError(f"normalise: {name} lacks columns {missing}")


def _per_decree(decrees: pd.DataFrame, col: str) -> dict[str, str | None]:
    return {r.decree_id: as_text(getattr(r, col, None)) for r in decrees.itertuples()}


def vocabulary_of(positions: pd.DataFrame, indicators: pd.DataFrame) -> Counter:
    """How often the batch's texts use each word: between equally frequent variants the canonical
    one is spelled like the rest of the documents."""
    vocabulary: Counter = Counter()
    for col in ("indikator", "sasaran", "formulasi", "sumber_data", "penanggung_jawab"):
        for t in indicators[col]:
            vocabulary.update(tokens(match_form(as_text(t) or "")))
    for col in ("jabatan", "tugas", "fungsi"):
        for v in positions[col]:
            for t in ([v] if isinstance(v, str) else list(v if v is not None else [])):
                vocabulary.update(tokens(match_form(as_text(t) or "")))
    return vocabulary


def key_jabatan(positions: pd.DataFrame, agency: dict[str, str | None], aliases: Aliases, vocabulary: Counter,
                map_blocks: MapBlocks) -> tuple[Clustering, list[str]]:
    """`jabatan_key`: the canonical title of each position across all decrees; returns the
    clustering and each position's title form."""
    forms = [jabatan_form(j, agency.get(d)) for d, j in zip(positions.decree_id, positions.jabatan)]
    printed: dict[str, Counter] = defaultdict(Counter)
    for f in forms:
        printed[f][f] += 1
    jab = cluster("jabatan", Counter(forms), printed, aliases, vocabulary, map_blocks)
    positions["jabatan_key"] = [jab.rep[f] for f in forms]
    return jab, forms


def _forms_per_decree(positions: pd.DataFrame, forms: list[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = defaultdict(set)
    for d, f in zip(positions.decree_id, forms):
        out[d].add(f)
    return out


@dataclass
class Titles:
    """The position titles of each decree, to resolve a title read from a duty text or a
    penanggung jawab cell to the jabatan_key of one of the decree's positions."""
    rep: dict[str, str]                # title form -> jabatan_key
    forms: dict[str, set[str]]         # decree -> its positions' title forms
    agency: dict[str, str | None]
    aliases: Aliases

    def known(self, decree_id: str) -> list[str]:
        """The decree's title forms and keys, longest first (a phrase names the longest it starts with)."""
        forms = self.forms[decree_id]
        return sorted({self.rep[f] for f in forms} | forms, key=lambda k: (-len(k), k))

    def key(self, title: str | None, decree_id: str) -> str | None:
        """The title's jabatan_key when it is one of a position of the decree, else its form."""
        if not title:
            return None
        f = jabatan_form(title, self.agency.get(decree_id))
        p = self.aliases.pinned("jabatan", f)
        if p:
            f = jabatan_form(p)
        if f in self.rep:
            return self.rep[f]
        same = sorted({self.rep[g] for g in self.forms[decree_id] if decide(f, g).verdict == "same"})
        return same[0] if len(same) == 1 else f


def place_positions(positions: pd.DataFrame, titles: Titles, agency: dict[str, str | None],
                    source: dict[str, str | None]) -> list[str]:
    """`atasan_key` (whom the duties say the position helps) and `unit`; a position whose unit no
    text names is placed in the agency, with a warning."""
    atasan: list[str | None] = []
    givers: list[str | None] = []
    for r in positions.itertuples():
        helped, given = read_superior(list(r.tugas), list(r.fungsi), titles.known(r.decree_id))
        atasan.append(titles.key(helped or given, r.decree_id))
        givers.append(titles.key(given, r.decree_id))
    units = _units(list(positions.decree_id), list(positions.jabatan_key), atasan, givers)
    warnings = []
    for i, r in enumerate(positions.itertuples()):
        if units[i] is None:
            units[i] = jabatan_form(agency.get(r.decree_id) or "") or "TIDAK DIKETAHUI"
            warnings.append(f"{source.get(r.decree_id) or r.decree_id} position {r.position_no} "
                            f"({r.jabatan}): unit not readable, set to the agency")
    positions["unit"] = object_column(units)
    positions["atasan_key"] = object_column(atasan)
    return warnings


def _units(decree_ids: list[str], jkeys: list[str], atasan: list[str | None],
           givers: list[str | None]) -> list[str | None]:
    """The unit a head leads (from its title), else the one its atasan or its duties' giver leads;
    staff helping another staff position share its unit, when their texts name no head."""
    units: list[str | None] = []
    for jk, a, g in zip(jkeys, atasan, givers):
        u = unit_of_head(jk)
        if u is None:
            u = (unit_of_head(a) if a else None) or (unit_of_head(g) if g else None)
        units.append(u)
    by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i, (d, jk) in enumerate(zip(decree_ids, jkeys)):
        by_key[(d, jk)].append(i)
    for _ in range(3):
        for i, (d, a) in enumerate(zip(decree_ids, atasan)):
            if units[i] is None and a:
                cands = sorted({units[j] for j in by_key.get((d, a), []) if units[j]})
                if len(cands) == 1:
                    units[i] = cands[0]
    return units


def key_positions(positions: pd.DataFrame) -> None:
    """`position_key`: decree + title + unit; blocks repeating the same title in the same unit get
    their order within that group appended so that every block keeps its own key."""
    seen: Counter = Counter()
    keys = []
    for d, jk, u in zip(positions.decree_id, positions.jabatan_key, positions.unit):
        base = f"{d}|{jk}|{u}"
        seen[base] += 1
        keys.append(text_key(base if seen[base] == 1 else f"{base}|{seen[base]}"))
    positions["position_key"] = keys


def key_texts(indicators: pd.DataFrame, kind: str, aliases: Aliases, vocabulary: Counter,
              map_blocks: MapBlocks) -> tuple[Clustering, list[str], list[str]]:
    """`sasaran_key` or `indikator_key`: the catalogue entry of each row's text; returns the
    clustering and each row's printed text and match form."""
    texts = [(as_text(t) or "") for t in indicators[kind]]
    forms = [match_form(t) for t in texts]
    printed: dict[str, Counter] = defaultdict(Counter)
    for f, t in zip(forms, texts):
        printed[f][clean_text(t)] += 1
    cl = cluster(kind, Counter(forms), printed, aliases, vocabulary, map_blocks)
    indicators[f"{kind}_key"] = [text_key(cl.rep[f]) for f in forms]
    return cl, texts, forms


def link_penanggung_jawab(indicators: pd.DataFrame, positions: pd.DataFrame, titles: Titles,
                          source: dict[str, str | None]) -> list[str]:
    """`penanggung_jawab_key`: the position of the same decree the responsible entry names (among
    same-titled positions, the one in the unit of the indicator's own position); a warning per
    entry that names no position or several."""
    by_title: dict[tuple[str, str], list] = defaultdict(list)
    at: dict[tuple, object] = {}
    for r in positions.itertuples():
        by_title[(r.decree_id, r.jabatan_key)].append(r)
        at[(r.decree_id, r.position_no)] = r
    keys: list[str | None] = []
    unresolved: Counter = Counter()
    for r in indicators.itertuples():
        pj = (as_text(r.penanggung_jawab) or "").strip()
        key = None
        if pj:
            cands = by_title.get((r.decree_id, titles.key(pj, r.decree_id)), [])
            if len(cands) > 1:
                carrier = at.get((r.decree_id, r.position_no))
                cands = [c for c in cands if carrier is not None and c.unit == carrier.unit] or cands
            if len(cands) == 1:
                key = cands[0].position_key
            else:
                unresolved[(r.decree_id, pj, "ambiguous" if cands else "names no position")] += 1
        keys.append(key)
    indicators["penanggung_jawab_key"] = object_column(keys)
    return [f"{source.get(d) or d}: penanggung jawab {pj!r} {why} ({n} rows)"
            for (d, pj, why), n in sorted(unresolved.items())]


def type_formulas(indicators: pd.DataFrame) -> None:
    """`jenis_formula`, `satuan`, `periode`, `regulasi`: the typed fields read from each formula."""
    jenis, satuan, periode, regulasi = [], [], [], []
    for r in indicators.itertuples():
        ind, frm = as_text(r.indikator) or "", as_text(r.formulasi) or ""
        j = jenis_formula(ind, frm, as_text(r.pembilang))
        extra = r.extra if isinstance(r.extra, dict) else dict(r.extra or [])
        jenis.append(j)
        satuan.append(satuan_of(ind, j, extra))
        periode.append(periode_of(frm, ind, as_text(extra.get("PERIODE"))))
        regulasi.append(regulasi_of(frm))
    indicators["jenis_formula"] = jenis
    indicators["satuan"] = satuan
    indicators["periode"] = object_column(periode)
    indicators["regulasi"] = object_column(regulasi)


def indicator_catalog(indicators: pd.DataFrame, cl: Clustering, forms: list[str]) -> pd.DataFrame:
    """The catalogue: one row per canonical indicator, with its printed variants, how many
    positions and decrees use it, and its most common formula kind and unit."""
    groups: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(forms):
        groups[cl.rep[f]].append(i)
    cols = {c: list(indicators[c]) for c in ("indikator", "decree_id", "position_no", "jenis_formula", "satuan")}
    rows = []
    for r_form, idx in groups.items():
        jc, sc = Counter(cols["jenis_formula"][i] for i in idx), Counter(cols["satuan"][i] for i in idx)
        rows.append(dict(
            indikator_key=text_key(r_form), indikator=cl.display[r_form],
            variants=sorted({as_text(cols["indikator"][i]) or "" for i in idx}),
            n_positions=len({(cols["decree_id"][i], cols["position_no"][i]) for i in idx}),
            n_decrees=len({cols["decree_id"][i] for i in idx}),
            jenis_formula=min(jc, key=lambda k: (-jc[k], k)), satuan=min(sc, key=lambda k: (-sc[k], k))))
    catalog = pd.DataFrame(rows, columns=INDICATOR_CATALOG.names)
    return catalog.sort_values(["indikator", "indikator_key"], kind="stable").reset_index(drop=True)
