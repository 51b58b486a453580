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

import numpy as np

OBJ_WORD = re.compile(rb"obj(?![A-Za-z0-9])")  # a literal first: scanned at C speed
OBJ_HEAD = re.compile(rb"(\d+)\s+\d+\s+\Z")  # `n g ` just before it
FLAT_ARRAY = re.compile(rb"\s*\[([^\[\]()<>{}/%R]*)\]")  # numbers only (/Widths, /MediaBox): no reference
ENCRYPTED = re.compile(rb"/Encrypt\s*(?:\d+\s+\d+\s+R|<<)")
ROOT = re.compile(rb"/Root\s+(\d{1,10})\s+\d+\s+R")
OBJ_STREAM = re.compile(rb"/Type\s*/ObjStm\b")
CATALOG = re.compile(rb"/Type\s*/Catalog\b")
SKIP = rb"(?:\s|%[^\r\n]*)*"  # white space and comments
REGULAR = rb"[^\s()<>\[\]{}/%]"  # what a name or a word is made of
NAME = rb"/" + REGULAR + b"*"
OTHER = rb"<<|>>|\[|\]|\(|<[0-9A-Fa-f\s]*>|" + REGULAR + b"+"
WHOLE = rb"(?!" + REGULAR + b")"  # the token ends here
PLAIN_TOKEN = re.compile(SKIP + b"(" + NAME + b"|" + OTHER + b")")
# groups 1 and 2: a reference `n g R` spaced by white space, read as one token; 3 a name; 4 any other token
TOKEN = re.compile(SKIP + rb"(?:(\d{1,10})" + WHOLE + rb"\s+(\d{1,10})" + WHOLE + rb"\s+R" + WHOLE +
                   b"|(" + NAME + b")|(" + OTHER + b"))")
MAYBE_REF = re.compile(rb"\s*[0-9%]")  # what follows `n` of an `n g R` with a comment inside
NOT_A_VALUE = {b">>", b"]", b"stream", b"endobj", b"endstream"}  # the caller stops there
DICT_END = {b">>", b"stream", b"endobj"}
ARRAY_END = {b"]", b"endobj"}
# a dictionary of names, references, numbers and flat arrays spaced by white space alone (most of
# them): its pairs read by one findall; each pair's text is group 1
PAIRS = re.compile(rb"(\s*(/" + REGULAR + rb"*+)\s*(?:(\d{1,10})\s+(\d{1,10})\s+R|(/" + REGULAR + rb"*+)|"
                   rb"([-+.0-9]++|true|false|null)|\[([^\[\]()<>{}/%R]*)\]))")
SIMPLE_REACH = 4096  # past this a dictionary is read token by token
STRING_MARK = re.compile(rb"[()\\]")
STREAM_START = re.compile(rb"\s*stream(?:\r\n|\n|\r)")
STREAM_END = re.compile(rb"\s*endstream")
MAX_DEPTH = 64  # deeper nesting is a damaged or hostile object: read as null
INFLATE_CAP = 1 << 28  # past 256 MB of output a stream is a bomb the reader refuses anyway: stop checking
KIND_OF_KEY = {"/Font": "font", "/XObject": "xobject"}
NOT_DRAWN = {"/Parent", "/P", "/Annots", "/Metadata", "/Thumb", "/B", "/PieceInfo"}  # no text of the page
SEPARATOR = np.zeros(256, bool)  # a content stream's token separators
SEPARATOR[list(b" \n\r\t\f\x00[]<>{}")] = True
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


def parse(data, pos: int):
    """One PDF object at `pos`: dict, list, Ref, int, a name as '/Name', a flat array as a tuple of its
    bytes, anything else as its bytes (a string as b'()'); returns it and the position after it.
    Malformed input gives what could be read; nesting past MAX_DEPTH raises TooDeep. One token per
    step, what is open kept on a stack (no call per value: a few thousand values per decree)."""
    opened: list[tuple[list, set]] = []  # (items, the tokens that end it) of what is open at pos
    items = ends = None  # the innermost's
    while True:
        m = TOKEN.match(data, pos)
        kind = m.lastindex if m else 0
        if kind == 3 and len(opened) <= MAX_DEPTH:  # a name: half the tokens of a dictionary
            value, after = m.group(3).decode("latin-1"), m.end()
        else:
            tok = m and m.group(4)
            if opened and (m is None or tok in ends):
                if tok == (b">>" if ends is DICT_END else b"]"):
                    pos = m.end()
                value = _close(opened)
                if not opened:
                    return value, pos
                items, ends = opened[-1]
                items.append(value)  # its parent reads on from pos
                continue
            if tok == b"[" and (flat := FLAT_ARRAY.match(data, pos)):
                value, after = tuple(flat.group(1).split()), flat.end()
            elif len(opened) > MAX_DEPTH:
                raise TooDeep
            elif m is None:
                return None, pos
            elif kind == 2:
                value, after = Ref((int(m.group(1)), int(m.group(2)))), m.end()
            elif tok == b"<<" and len(opened) < MAX_DEPTH and (simple := _simple_dict(data, m.end())):
                value, after = simple
            elif tok == b"<<" or tok == b"[":
                items, ends = [], DICT_END if tok == b"<<" else ARRAY_END
                opened.append((items, ends))
                pos = m.end()
                continue
            else:
                value, after = _atom(data, m, tok)
            if opened and after == pos:  # nothing read: the innermost stops here
                value = _close(opened)
                if opened:
                    items, ends = opened[-1]
        if not opened:
            return value, after
        items.append(value)
        pos = after


def _simple_dict(data, start: int):
    """The dictionary whose body starts at `start` and the position after it, when it is simple; else
    None. Simple: its pairs, one after another, are all its text up to the first `>>` (a gap is a
    nested dictionary, a string, a comment or a stray token, which parse reads token by token). Each
    value then ends where the next pair or the end begins, and reads as parse's tokens would
    (test_damage: both readings equal)."""
    close = data.find(b">>", start, start + SIMPLE_REACH)
    pairs = PAIRS.findall(data, start, close) if close >= 0 else None
    if pairs is None or b"".join(p[0] for p in pairs) != data[start:close].rstrip():
        return None
    return {k.decode("latin-1"): Ref((int(n), int(g))) if n else name.decode("latin-1") if name else
            (int(w) if w.isdigit() and len(w) <= 10 else w) if w else tuple(flat.split())
            for _, k, n, g, name, w, flat in pairs}, close + 2


def _atom(data, m, tok: bytes):
    """The value of a token that is no name and opens nothing, and the position after it."""
    if tok == b"(":
        return b"()", _string_end(data, m.end())
    if tok.isdigit() and len(tok) <= 10:
        if MAYBE_REF.match(data, m.end()):  # `n g R` with a comment inside: read token by token
            g = PLAIN_TOKEN.match(data, m.end())
            r = g and g.group(1).isdigit() and len(g.group(1)) <= 10 and PLAIN_TOKEN.match(data, g.end())
            if r and r.group(1) == b"R":
                return Ref((int(tok), int(g.group(1)))), r.end()
        return int(tok), m.end()
    if tok in NOT_A_VALUE:
        return None, m.start(4)
    return tok, m.end()


def _close(opened: list) -> dict | list:
    items, ends = opened.pop()
    return {k: v for k, v in zip(items[::2], items[1::2]) if isinstance(k, str)} if ends is DICT_END else items


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
            if data[max(0, m.start() - 3):m.start()] == b"end":  # half the words: no head before endobj
                continue
            head = OBJ_HEAD.search(data, max(0, m.start() - 24), m.start())
            if head:
                self.heads.append((m.end(), int(head.group(1))))
        self.at = {n: at for at, n in self.heads}
        self.values: dict[int, object] = {}
        self.ends: dict[int, int] = {}  # number -> where its value ends (a stream's data follows)
        self.packed: dict[int, tuple[bytes, int]] = {}  # number -> (object stream, offset): PDF 1.5
        self.decoded: dict[int, bytes | None] = {}  # number -> what `stream` gave
        self.broken: set[int] = set()  # streams that do not decode to their end
        self.sound: set[int] = set()  # objects all of whose reach a page's walk found sound
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

        for number in self._catalogs():
            try:
                catalog = self.get(number)
            except KeyError:
                continue
            if isinstance(catalog, dict) and isinstance(catalog.get("/Pages"), Ref):
                walk(catalog["/Pages"], None, 0)
                break
        return out

    def _catalogs(self):
        """Where the catalog may be: each trailer's /Root, the last trailer first, then the objects
        typed /Catalog, the last first (when no trailer says). Read from the end on demand: the
        last trailer's is nearly always the one."""
        end = len(self.data)
        while (at := self.data.rfind(b"/Root", 0, end)) >= 0:
            if m := ROOT.match(self.data, at):
                yield int(m.group(1))
            end = at
        yield from reversed([self.owner(m.start()) for m in CATALOG.finditer(self.data)])


def left_open(content: bytes) -> bool:
    """True when drawing instructions end with more graphics states saved than restored (q, Q) or
    more text blocks begun than ended (BT, ET). Every producer closes both (the PDF standard
    requires it); a content stream cut short does not, even when it was stored again as a sound
    stream (a repair tool's copy), which inflating cannot tell. A page cut off inside a table shows
    here. Counted with numpy at each q, Q and T (a page's content is often 20-50 kB, these letters a
    few hundred): a token begins after a separator (hex strings hold no q or T, literal strings are
    cut out)."""
    if b"(" in content:
        content = LITERAL.sub(b" ", content)
    if b"I" in content and b"BI" in content:  # one byte is found at memchr speed, and I is rare
        content = INLINE_IMAGE.sub(b" ", content)
    text = np.frombuffer(b"  " + content, np.uint8)  # two separators before the first token
    at = np.flatnonzero(((text | 32) == ord("q")) | (text == ord("T")))  # q or Q, and T
    letter, begins = text[at], SEPARATOR.take(text[at - 1])
    if np.count_nonzero(begins & (letter == ord("q"))) > np.count_nonzero(begins & (letter == ord("Q"))):
        return True
    t = at[letter == ord("T")]  # BT and ET: their first letter follows a separator
    first, begins = text[t - 1], SEPARATOR.take(text[t - 2])
    return np.count_nonzero(begins & (first == ord("B"))) > np.count_nonzero(begins & (first == ord("E")))


def page_damage(doc: Document, page: dict, inherited) -> tuple[str, str, int] | None:
    """(kind, 'damaged', 'missing' or 'open', object number) of the first damage in what the page
    uses, None when all of it is sound. A walk that finds nothing marks what it went through sound:
    nothing damaged is reachable from there, so the next pages skip the resources they share (the
    first damage found, were it there, would not change)."""
    todo = [(page.get("/Resources", inherited), "other"), (page.get("/Contents"), "content")]
    seen: set[int] = set()
    while todo:
        value, kind = todo.pop()
        if isinstance(value, Ref):
            n = value[0]
            if n in seen or n in doc.sound:
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
    doc.sound |= seen
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
