"""Bad and hostile inputs, made on the spot."""
from __future__ import annotations

import random
import zlib
from pathlib import Path

from pypdf import PdfWriter


def minimal_pdf(content: bytes, compress: bool = False) -> bytes:
    """A one-page PDF around a raw content stream (Helvetica available as /F1)."""
    stream = zlib.compress(content, 9) if compress else content
    filt = b"/Filter /FlateDecode " if compress else b""
    objs = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< " + filt + b"/Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    return _pdf(objs)


def _pdf(objs: list[bytes]) -> bytes:
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for i, body in enumerate(objs, 1):
        offsets.append(len(out))
        out += f"{i} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objs) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{o:010d} 00000 n \n".encode() for o in offsets)
    out += f"trailer\n<< /Size {len(objs) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return bytes(out)


def form_bomb(depth: int = 9, fanout: int = 10, pages: int = 1) -> bytes:
    """Pages that draw form X{depth}, which draws X{depth-1} `fanout` times, and so on down to one
    line: a few kB that unfold into fanout**depth drawings per page (10**9: reading never ends)."""
    n = 3 + pages  # object number of the page content stream; the forms follow it
    kids = " ".join(f"{3 + i} 0 R" for i in range(pages)).encode()
    objs = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    objs += [b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R "
             b"/Resources << /XObject << /X %d 0 R >> >> >>" % (n, n + 1)] * pages
    objs.append(b"<< /Length 5 >>\nstream\n/X Do\nendstream")
    for level in range(depth, -1, -1):  # object n + 1 + (depth - level) is form X{level}
        body = b" ".join([b"/X Do"] * fanout) if level else b"0 0 m 10 10 l S"
        res = b"/Resources << /XObject << /X %d 0 R >> >> " % (n + 2 + depth - level) if level else b""
        objs.append(b"<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] " + res +
                    b"/Length %d >>\nstream\n" % len(body) + body + b"\nendstream")
    return _pdf(objs)


def text_pdf(lines: list[str]) -> bytes:
    ops = b"BT /F1 11 Tf 72 780 Td 14 TL " + b" ".join(b"(" + ln.encode("latin-1") + b") '" for ln in lines) + b" ET"
    return minimal_pdf(ops)


def make_bad_corpus(sample: Path, out: Path) -> dict[str, str]:
    """Write the bad files into `out`; returns file name -> words its failure reason must contain."""
    good = sample.read_bytes()
    out.mkdir(parents=True, exist_ok=True)
    expect = {}

    def put(name: str, data: bytes, reason: str) -> None:
        (out / name).write_bytes(data)
        expect[name] = reason

    put("kosong.pdf", b"", "empty file")
    for frac in (0.1, 0.5, 0.9):
        put(f"terpotong-{int(frac * 100)}.pdf", good[: int(len(good) * frac)], "damaged PDF")
    put("acak.pdf", random.Random(7).randbytes(20_000), "not a PDF")
    put("laporan.docx.pdf", b"PK\x03\x04" + random.Random(8).randbytes(3000), "starts with PK")
    broken = bytearray(good)
    at = broken.rfind(b"startxref")
    broken[at:] = b"startxref\n999999999\n%%EOF\n"
    # without a readable xref pdfminer falls back to scanning objects; either outcome is fine,
    # but it must not crash the run: record what it says
    (out / "xref-rusak.pdf").write_bytes(bytes(broken))
    w = PdfWriter(clone_from=sample)
    w.encrypt("rahasia")
    w.write(out / "terkunci.pdf")
    expect["terkunci.pdf"] = "encrypted: needs a password"
    w = PdfWriter()
    for _ in range(5000):
        w.add_blank_page(595, 842)
    w.write(out / "kosong-5000.pdf")
    expect["kosong-5000.pdf"] = "too many pages: 5000"
    put("bom.pdf", minimal_pdf(b" " * (1 << 30), compress=True), "memory limit")
    put("surat-biasa.pdf", text_pdf(["SURAT UNDANGAN", "Dengan hormat, kami mengundang Bapak/Ibu."]),
        "no IKI position block")
    from PIL import Image
    Image.new("RGB", (600, 800), "white").save(out / "pindaian.pdf")
    expect["pindaian.pdf"] = "image-only"
    return expect
