"""Damage the readers pass over in silence, found in the PDF's own bytes: PDFium and pdfminer keep
what a broken compressed stream decoded up to the break and drop the rest without a word, so a page
can lose most of its text and still look read. Here every stream a page uses (its content, forms,
fonts, images) is inflated to its end, an unfiltered one's /Length is checked against its end, and
every object the page refers to is looked up; what fails is named per page. Only bytes are read (no
PDF library, the xref not trusted): a few ms per decree."""
from __future__ import annotations

import bisect
import mmap
import re
import zlib
from pathlib import Path

OBJ_WORD = re.compile(rb"obj(?![A-Za-z0-9])")  # a literal first: scanned at C speed
OBJ_HEAD = re.compile(rb"(\d+)\s+\d+\s+\Z")  # `n g ` just before it
FLAT_ARRAY = re.compile(rb"\s*\[([^\[\]()<>{}/%R]*)\]")  # numbers only (/Widths, /MediaBox): no reference
ENCRYPTED = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")
ROOT = re.compile(rb"/Root\s+(\d{1,10})\s+\d+\s+R")
OBJ_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
CATALOG = re.compile(rb"/Type\s*/Catalog\b")
TOKEN = re.compile(rb"(?:\s|%[^\r\n]*)*(<<|>>|\[|\]|\(|<[0-9A-Fa-f\s]*>|/[^\s()<>\[\]{}/%]*|[^\s()<>\[\]{}/%]+)")
STRING_MARK = re.compile(rb"[()\\]")
STREAM_START = re.compile(rb"\s*stream(?:\r\n|\n|\r)")
STREAM_END = re.compile(rb"\s*endstream")
MAX_DEPTH = 64  # deeper nesting is a damaged or hostile object: read as null
INFLATE_CAP = 1 << 28  # past 256 MB of output a stream is a bomb the reader refuses anyway: stop checking
KIND_OF_KEY = {"/Font": "font", "/XObject": "xobject"}
NOT_DRAWN = {"/Parent", "/P", "/Annots", "/Metadata", "/Thumb", "/B", "/PieceInfo"}  # no text of the page
TOKEN_SPACES = bytes.maketrans(b"\n\r\t\f\x00[]<>{}", b" " * 11)  # a content stream's separators, as spaces
LITERAL = re.compile(rb"\((?:[^()\\]|\\.)*\)", re.DOTALL)
INLINE_IMAGE = re.compile(rb"(?<!\S)BI\s.*?\sID\s.*?\sEI(?!\S)", re.DOTALL)
WHAT = {("content", "damaged"): "the page's content breaks off part-way (object {n}): text drawn after the break is missing",
        ("content", "open"): "the page's content stops part-way, its drawing left unfinished (object {n}): "
                             "text drawn after the cut is missing",
        ("content", "missing"): "part of the page's content is missing from the file (object {n}): "
                                "text drawn with it is missing",
        ("font", "damaged"): "a font on this page is damaged (object {n}): its text may be missing or garbled",
        ("font", "missing"): "a font on this page is missing from the file (object {n}): its text may be missing "
                             "or garbled",
        ("image", "damaged"): "an image on this page is damaged (object {n})",
        ("image", "missing"): "an image on this page is missing from the file (object {n})",
        ("other", "damaged"): "a part this page uses is damaged (object {n}): what it draws may be missing",
        ("other", "missing"): "a part this page uses is missing from the file (object {n}): what it draws is missing"}


class Ref(tuple):
    """An indirect reference `n g R`, as (n, g)."""


class TooDeep(ValueError):
    """Nesting past MAX_DEPTH: a damaged or hostile object, read as null."""


def parse(data, pos: int, depth: int = 0):
    """One PDF object at `pos`: dict, list, Ref, int or float, a name as '/Name', anything else as
    its bytes (a string as b'()'); returns it and the position after it. Malformed input gives
    what could be read."""
    flat = FLAT_ARRAY.match(data, pos)
    if flat:
        return tuple(flat.group(1).split()), flat.end()  # a tuple: nothing in it to follow
    if depth > MAX_DEPTH:
        raise TooDeep
    m = TOKEN.match(data, pos)
    if not m:
        return None, pos
    tok, pos = bytes(m.group(1)), m.end()
    if tok == b"<<":
        items = []
        while (m := TOKEN.match(data, pos)) and m.group(1) not in (b">>", b"stream", b"endobj"):
            value, after = parse(data, pos, depth + 1)
            if after == pos:
                break
            items.append(value)
            pos = after
        pos = m.end() if m and m.group(1) == b">>" else pos
        return {k: v for k, v in zip(items[::2], items[1::2]) if isinstance(k, str)}, pos
    if tok == b"[":
        items = []
        while (m := TOKEN.match(data, pos)) and m.group(1) not in (b"]", b"endobj"):
            value, after = parse(data, pos, depth + 1)
            if after == pos:
                break
            items.append(value)
            pos = after
        return items, (m.end() if m and m.group(1) == b"]" else pos)
    if tok == b"(":
        return b"()", _string_end(data, pos)
    if tok.startswith(b"/"):
        return tok.decode("latin-1"), pos
    if tok.isdigit() and len(tok) <= 10:  # `n g R` is a reference
        g = TOKEN.match(data, pos)
        r = g and g.group(1).isdigit() and len(g.group(1)) <= 10 and TOKEN.match(data, g.end())
        if r and r.group(1) == b"R":
            return Ref((int(tok), int(g.group(1)))), r.end()
        return int(tok), pos
    if tok in (b">>", b"]", b"stream", b"endobj", b"endstream"):
        return None, m.start(1)  # not a value: the caller stops here
    return tok, pos


def _string_end(data, pos: int) -> int:
    depth = 1
    while depth:
        m = STRING_MARK.search(data, pos)
        if not m:
            return len(data)
        c, pos = m.group(0), m.end()
        if c == b"\\":
            pos += 1
        else:
            depth += 1 if c == b"(" else -1
    return pos


def inflate(raw: bytes) -> tuple[bytes, bool]:
    """Inflate to the end of the zlib stream (its checksum included), output capped: (bytes, sound)."""
    d = zlib.decompressobj()
    try:
        out = d.decompress(raw, INFLATE_CAP)
    except zlib.error:
        return b"", False
    if d.unconsumed_tail:  # a bomb: its size, not its soundness, is the reader's problem
        return b"", True
    return out, d.eof


class Document:
    """The objects of a PDF found by scanning its bytes, not through its xref (a damaged file's is
    often wrong); the last definition of a number wins, as after an incremental update."""

    def __init__(self, data):
        self.data = data
        self.heads = []  # (where its body starts, number), in file order
        for m in OBJ_WORD.finditer(data):
            head = OBJ_HEAD.search(data, max(0, m.start() - 24), m.start())
            if head:
                self.heads.append((m.end(), int(head.group(1))))
        self.at = {n: at for at, n in self.heads}
        self.values: dict[int, object] = {}
        self.ends: dict[int, int] = {}  # number -> where its value ends (a stream's data follows)
        self.packed: dict[int, tuple[bytes, int]] = {}  # number -> (object stream, offset): PDF 1.5
        self.decoded: dict[int, bytes | None] = {}  # number -> what `stream` gave
        self.broken: set[int] = set()  # streams that do not decode to their end
        for m in OBJ_STREAM.finditer(data):
            self._unpack(self.owner(m.start()))

    def owner(self, pos: int) -> int | None:
        """The number of the object whose body holds `pos`."""
        k = bisect.bisect_right(self.heads, (pos, -1)) - 1
        return self.heads[k][1] if k >= 0 else None

    def _unpack(self, number: int | None) -> None:
        head = self.get(number) if number in self.at else None
        body = self.stream(number) if isinstance(head, dict) else None
        if not body:
            return
        try:
            first = int(head.get("/First", 0))
            nums = [int(x) for x in body[:first].split()]
        except (TypeError, ValueError):
            return
        for i in range(0, len(nums) - 1, 2):
            self.packed.setdefault(nums[i], (body, first + nums[i + 1]))

    def get(self, number: int):
        """The object (a stream's dictionary); KeyError when the file does not hold it."""
        if number not in self.values:
            if number not in self.at and number not in self.packed:
                raise KeyError(number)
            at = (self.data, self.at[number]) if number in self.at else self.packed[number]
            try:
                self.values[number], self.ends[number] = parse(*at)
            except TooDeep:
                self.values[number], self.ends[number] = None, at[1]
        return self.values[number]

    def resolve(self, value):
        for _ in range(MAX_DEPTH):
            if not isinstance(value, Ref):
                return value
            value = self.get(value[0])
        return None

    def stream(self, number: int) -> bytes | None:
        """The stream's decoded bytes when it has no filter or FlateDecode alone (None otherwise,
        and when the object is no stream); a damaged stream is recorded in `broken`. Decoded once:
        a content stream is checked whole, then counted for what it leaves open."""
        if number not in self.decoded:
            self.decoded[number] = self._decode(number)
        return self.decoded[number]

    def _decode(self, number: int) -> bytes | None:
        if number not in self.at:
            return None
        head = self.get(number)
        m = STREAM_START.match(self.data, self.ends[number])
        if not isinstance(head, dict) or not m:
            return None
        start = m.end()
        try:
            length = self.resolve(head.get("/Length"))
            filters = self.resolve(head.get("/Filter"))
        except KeyError:
            length = filters = None
        if isinstance(length, int) and length >= 0 and STREAM_END.match(self.data, start + length):
            raw, length_ok = self.data[start:start + length], True
        else:
            end = self.data.find(b"endstream", start)
            if end < 0:
                self.broken.add(number)
                return None
            raw, length_ok = self.data[start:end].rstrip(b"\r\n"), False
        filters = filters if isinstance(filters, list) else [filters] if filters else []
        if not filters or filters[0] not in ("/FlateDecode", "/Fl"):
            if not length_ok:  # nothing else tells whether bytes went missing inside it
                self.broken.add(number)
            return None if filters else bytes(raw)
        out, sound = inflate(raw)
        if not sound:
            self.broken.add(number)
        return out if len(filters) == 1 else None

    def fault(self, number: int) -> str | None:
        """'missing', 'damaged' (a stream that does not decode to its end), or None when sound."""
        try:
            self.get(number)
        except KeyError:
            return "missing"
        self.stream(number)
        return "damaged" if number in self.broken else None

    def pages(self) -> list[tuple[dict | None, object]]:
        """(page dictionary or None when it is missing, inherited resources), in the catalog's
        page-tree order."""
        out: list[tuple[dict | None, object]] = []
        seen: set[int] = set()

        def walk(ref, resources, depth: int) -> None:
            if not isinstance(ref, Ref) or ref[0] in seen or depth > MAX_DEPTH:
                return
            seen.add(ref[0])
            try:
                node = self.get(ref[0])
            except KeyError:
                out.append((None, None))
                return
            if not isinstance(node, dict):
                return
            try:
                kids = self.resolve(node.get("/Kids"))
            except KeyError:
                kids = None
            resources = node.get("/Resources", resources)
            if node.get("/Type") == "/Pages" or "/Kids" in node:
                for kid in kids if isinstance(kids, list) else []:
                    walk(kid, resources, depth + 1)
            else:
                out.append((node, resources))

        roots = [int(m.group(1)) for m in ROOT.finditer(self.data)][::-1]  # the last trailer first
        roots += [self.owner(m.start()) for m in CATALOG.finditer(self.data)][::-1]  # when no trailer says
        for number in roots:
            try:
                catalog = self.get(number)
            except KeyError:
                continue
            if isinstance(catalog, dict) and isinstance(catalog.get("/Pages"), Ref):
                walk(catalog["/Pages"], None, 0)
                break
        return out


def left_open(content: bytes) -> bool:
    """True when drawing instructions end with more graphics states saved than restored (q, Q) or
    more text blocks begun than ended (BT, ET). Every producer closes both (the PDF standard
    requires it); a content stream cut short does not, even when it was stored again as a sound
    stream (a repair tool's copy), which inflating cannot tell. A page cut off inside a table shows
    here. Counted with bytes.count (a page's content is often 20-50 kB): with separators made spaces,
    a space then `q` begins only a q token (hex strings hold no q, literal strings are cut out)."""
    if b"(" in content:
        content = LITERAL.sub(b" ", content)
    if b"BI" in content:
        content = INLINE_IMAGE.sub(b" ", content)
    spaced = b" " + content.translate(TOKEN_SPACES)
    return spaced.count(b" q") > spaced.count(b" Q") or spaced.count(b" BT") > spaced.count(b" ET")


def page_damage(doc: Document, page: dict, inherited) -> tuple[str, str, int] | None:
    """(kind, 'damaged', 'missing' or 'open', object number) of the first damage in what the page
    uses, None when all of it is sound."""
    todo = [(page.get("/Resources", inherited), "other"), (page.get("/Contents"), "content")]
    seen: set[int] = set()
    while todo:
        value, kind = todo.pop()
        if isinstance(value, Ref):
            n = value[0]
            if n in seen:
                continue
            seen.add(n)
            fault = doc.fault(n)
            value = None if fault == "missing" else doc.get(n)
            if isinstance(value, dict) and value.get("/Type") in ("/Page", "/Pages"):
                continue
            form = isinstance(value, dict) and value.get("/Subtype") == "/Form"
            if kind == "xobject":
                kind = "content" if form else "image" if isinstance(value, dict) and value.get("/Subtype") == "/Image" \
                    else "other"
            if fault:
                return (kind if kind in ("content", "font", "image") else "other"), fault, n
            if form and left_open(doc.stream(n) or b""):
                return "content", "open", n
        if isinstance(value, dict):
            todo += [(v, KIND_OF_KEY.get(k, kind)) for k, v in value.items() if k not in NOT_DRAWN]
        elif isinstance(value, list):
            todo += [(v, kind) for v in value]
    contents = page.get("/Contents")
    if isinstance(contents, Ref) and isinstance(doc.get(contents[0]), list):  # an array kept as an object
        contents = doc.get(contents[0])
    refs = [r for r in (contents if isinstance(contents, list) else [contents]) if isinstance(r, Ref)]
    if refs and left_open(b"\n".join(doc.stream(r[0]) or b"" for r in refs)):  # one page: its streams in a row
        return "content", "open", refs[-1][0]
    return None


def check(doc: Document) -> dict[int, tuple[str, str, int]]:
    """page number -> (kind, state, object number) of the first damage in what the page uses."""
    found = {}
    for number, (page, inherited) in enumerate(doc.pages(), 1):
        damage = page_damage(doc, page, inherited) if page is not None else None  # an unloadable page: blank
        if damage:
            found[number] = damage
    return found


def damaged_pages(path: Path) -> dict[int, str]:
    """page number -> what is damaged on it, in plain words; empty for a sound PDF, and for an
    encrypted one (readable with an empty password, but its streams cannot be checked undeciphered)."""
    with open(path, "rb") as f:
        if not f.seek(0, 2):
            return {}
        with mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ) as data:
            if ENCRYPTED.search(data):
                return {}
            return {page: WHAT[kind, state].format(n=n) for page, (kind, state, n) in check(Document(data)).items()}
