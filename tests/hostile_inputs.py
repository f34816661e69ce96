"""Builders of hostile and broken inputs, and the fuzz targets shared by the tests and
``benchmarks/fuzz.py``.

Every builder is cheap (milliseconds) and deterministic. A fuzz target takes raw bytes, runs one
parser on them for real (no mocks) and returns what it made; the only acceptable outcomes are a
result or a :class:`~govreport.errors.GovreportError`.
"""

from __future__ import annotations

import io
import os
import random
import signal
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "samples"
CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")


class Hang(Exception):
    """An input took longer than its time bound."""


@contextmanager
def time_bound(seconds: float) -> Iterator[None]:
    """Raise :class:`Hang` in the main thread after ``seconds`` (Python code only: a loop inside
    a C library is stopped only by a process-level watchdog, as ``benchmarks/fuzz.py`` uses)."""

    def on_alarm(signum: int, frame: object) -> None:
        raise Hang(f"over {seconds} s")

    old = signal.signal(signal.SIGALRM, on_alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


# ---------------------------------------------------------------------------------------------
# builders


def png_bytes(width: int, height: int, *, bitdepth: int = 1, fill: bool = True) -> bytes:
    """A grayscale PNG of ``width x height``; ``fill=False`` gives the header and an empty IDAT,
    so the file claims a size it does not hold (what a decompression bomb's header looks like)."""

    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)

    rowbytes = (width * bitdepth + 7) // 8
    comp = zlib.compressobj(9)
    body = []
    if fill:
        row = b"\x00" + b"\xff" * rowbytes
        body = [comp.compress(row) for _ in range(height)]
    body.append(comp.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, bitdepth, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(body))
            + chunk(b"IEND", b""))


def tiff_header_bytes(width: int, height: int) -> bytes:
    """A little-endian TIFF whose only IFD declares ``width x height`` 8-bit gray pixels in one
    strip that the file does not hold."""
    tags = [(256, 4, 1, width), (257, 4, 1, height), (258, 3, 1, 8), (259, 3, 1, 1), (262, 3, 1, 1),
            (273, 4, 1, 8 + 2 + 12 * 9 + 4), (277, 3, 1, 1), (278, 4, 1, height), (279, 4, 1, width * height)]
    ifd = struct.pack("<H", len(tags)) + b"".join(struct.pack("<HHII", *t) for t in tags) + b"\0\0\0\0"
    return b"II*\x00" + struct.pack("<I", 8) + ifd + b"\0" * 64


def noise_png(size: int = 160, seed: int = 0) -> bytes:
    """A photo-like PNG of random colour noise (no text, no table)."""
    import numpy as np
    from PIL import Image

    arr = np.random.default_rng(seed).integers(0, 256, (size, size, 3), dtype=np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "PNG")
    return buf.getvalue()


def image_bytes(fmt: str = "PNG", size: tuple[int, int] = (120, 60)) -> bytes:
    """A small image with a few strokes, in ``fmt`` (PNG, JPEG, TIFF, BMP, GIF, WEBP)."""
    from PIL import Image, ImageDraw

    im = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(im)
    draw.rectangle((5, 5, size[0] - 5, size[1] - 5), outline="black")
    draw.line((5, size[1] // 2, size[0] - 5, size[1] // 2), fill="black")
    draw.text((10, 10), "12 34", fill="black")
    buf = io.BytesIO()
    im.save(buf, fmt)
    return buf.getvalue()


def blank_pdf(pages: int) -> bytes:
    """A PDF of ``pages`` blank A4 pages (``pages=0`` gives a document with an empty page tree)."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument.new()
    for _ in range(pages):
        doc.new_page(595, 842)
    buf = io.BytesIO()
    doc.save(buf)
    doc.close()
    return buf.getvalue()


def encrypted_report_pdf(user_password: str = "1234") -> bytes:
    """The bundled tab-separated sample printed with fpdf2 (CJK font) and AES-encrypted."""
    from fpdf import FPDF
    from fpdf.enums import EncryptionMethod

    pdf = FPDF()
    pdf.add_font("cjk", fname=str(CJK_FONT))
    pdf.set_font("cjk", size=6)
    pdf.add_page()
    for line in (SAMPLES / "sample_2021_tabs.txt").read_text(encoding="utf-8").split("\n"):
        if pdf.get_y() > 280:
            pdf.add_page()
        y = pdf.get_y()
        for i, cell in enumerate(line.split("\t")):
            pdf.set_xy(10 if i == 0 else 90 + 15 * (i - 1), y)
            pdf.cell(w=78 if i == 0 else 14, h=3, text=cell[:60] if i == 0 else cell)
        pdf.set_xy(10, y + 3.2)
    pdf.set_encryption(owner_password="owner-" + user_password, user_password=user_password,
                       encryption_method=EncryptionMethod.AES_128)
    return bytes(pdf.output())


def evil_zip(symlink: bool = True) -> bytes:
    """A zip holding ``../`` and absolute member names and (optionally) a symlink member."""
    text = (SAMPLES / "sample_2021_tabs.txt").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("../../escaped.txt", text)
        zf.writestr("/tmp/absolute.txt", text)
        zf.writestr("ok/report.txt", text)
        if symlink:
            info = zipfile.ZipInfo("link.txt")
            info.create_system = 3
            info.external_attr = (0o120777 << 16)
            zf.writestr(info, "/etc/passwd")
    return buf.getvalue()


def docx_bytes_with_document_xml(xml: bytes) -> bytes:
    """The bundled Word sample with its ``word/document.xml`` replaced by ``xml``."""
    src = zipfile.ZipFile(SAMPLES / "sample_2019_word.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            data = xml if info.filename == "word/document.xml" else src.read(info)
            out.writestr(info.filename, data)
    return buf.getvalue()


def raw_pdf(objects: list[bytes], root: int = 1) -> bytes:
    """A PDF from numbered object bodies (object ``k`` is ``objects[k - 1]``), with a correct xref."""
    out = bytearray(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for k, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % k + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += b"trailer\n<< /Size %d /Root %d 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, root, xref)
    return bytes(out)


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def form_bomb_pdf(depth: int = 20, cyclic: bool = False) -> bytes:
    """One page drawing form 0; form ``k`` draws form ``k+1`` twice (a tree of ``2**depth`` leaves
    from a few KB), or with ``cyclic`` the last form draws the first again (forms that draw each
    other)."""
    n = depth
    first = 5
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /XObject << /F 5 0 R >> >> "
               b"/Contents 4 0 R >>",
               _stream(b"", b"/F Do")]
    for k in range(n):
        nxt = first + k + 1 if k + 1 < n else (first if cyclic else None)
        draw = b"0 0 m 100 100 l S 10 10 m 500 10 l S"
        if nxt is not None:
            draw = b"q 0.9 0 0 0.9 1 1 cm /F Do Q q 1 0 0 1 2 3 cm /F Do Q " + draw
        res = b"/Resources << /XObject << /F %d 0 R >> >>" % nxt if nxt is not None else b""
        objects.append(_stream(b"/Type /XObject /Subtype /Form /BBox [0 0 595 842] " + res, draw))
    return raw_pdf(objects)


def huge_pages_pdf(pages: int = 40, inches: int = 200) -> bytes:
    """``pages`` pages of ``inches`` x ``inches`` with a ruled box and no text: all go to OCR."""
    side = inches * 72
    kids = b" ".join(b"%d 0 R" % (3 + 2 * k) for k in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    for k in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] /Contents %d 0 R >>"
                       % (side, side, 4 + 2 * k))
        objects.append(_stream(b"", b"10 w 100 100 m %d 100 l S 100 100 m 100 %d l S" % (side - 100, side - 100)))
    return raw_pdf(objects)


def million_paths_pdf(pages: int = 1, paths: int = 1_000_000) -> bytes:
    """Pages of ``paths`` tiny path objects each (a few MB compressed): slow to walk, no text."""
    body = b"".join(b"%d %d m %d %d l S\n" % (k % 500, k // 500 % 800, k % 500 + 1, k // 500 % 800)
                    for k in range(paths))
    data = zlib.compress(body, 9)
    kids = b" ".join(b"%d 0 R" % (3 + 2 * k) for k in range(pages))
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"<< /Type /Pages /Kids [" + kids + b"] /Count %d >>" % pages]
    for k in range(pages):
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>" % (4 + 2 * k))
        objects.append(_stream(b"/Filter /FlateDecode", data))
    return raw_pdf(objects)


def docx_bomb(inflated: int = 1 << 30) -> bytes:
    """The bundled Word sample with ``inflated`` bytes of spaces added to ``word/document.xml``
    (about 1 MB compressed per GB)."""
    src = zipfile.ZipFile(SAMPLES / "sample_2019_word.docx")
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
        for info in src.infolist():
            if info.filename != "word/document.xml":
                out.writestr(info.filename, src.read(info))
                continue
            xml = src.read(info)
            cut = xml.rindex(b"</w:body>")
            member = zipfile.ZipInfo("word/document.xml")
            member.compress_type = zipfile.ZIP_DEFLATED
            with out.open(member, "w", force_zip64=True) as fh:
                fh.write(xml[:cut])
                chunk = b" " * (1 << 20)
                for _ in range(inflated // len(chunk)):
                    fh.write(chunk)
                fh.write(xml[cut:])
    return buf.getvalue()


def zip_bomb(inflated: int = 1 << 30) -> bytes:
    """A zip whose one text member inflates to ``inflated`` bytes."""
    buf = io.BytesIO()
    member = zipfile.ZipInfo("report.txt")
    member.compress_type = zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf, zf.open(member, "w", force_zip64=True) as fh:
        chunk = b"0\t" * (1 << 19)
        for _ in range(inflated // len(chunk)):
            fh.write(chunk)
    return buf.getvalue()


def many_members_zip(members: int = 100_000, reports: int = 2) -> bytes:
    """A zip of ``members`` tiny text members (not reports) and ``reports`` real ones."""
    text = (SAMPLES / "sample_2021_tabs.txt").read_bytes()
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for k in range(reports):
            zf.writestr(f"r/report{k}.txt", text + b"\n" * (k + 1))
        for k in range(members - reports):
            zf.writestr(f"n/{k:06d}.txt", b"x")
    return buf.getvalue()


def gbk_names_zip() -> bytes:
    """A zip made on Chinese Windows: the member name ``年度报告.txt`` in GBK, without the UTF-8 flag."""
    text = (SAMPLES / "sample_2021_tabs.txt").read_bytes()
    gbk = "年度报告.txt".encode("gbk")
    stand_in = b"Q" * len(gbk)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr(stand_in.decode("ascii"), text)
    data = buf.getvalue()
    assert data.count(stand_in) == 2  # the local and the central header
    return data.replace(stand_in, gbk)


HOSTILE_NAMES = [
    b"\xc4\xea\xb6\xc8\xb1\xa8\xb8\xe6.txt",  # 年度报告 in GBK: not UTF-8
    b"=HYPERLINK(\"http:__x\").txt",
    b"+1-2@3.txt",
    b"-rf --help.txt",
    b"\tname.txt",
    b"name with\nnewline.txt",
    b"\xe2\x80\xaereversed.txt",  # U+202E right-to-left override
    b"a" * 240 + b".txt",
]


#: file names that broke or could break an export (issue 30): control characters, bytes that are not
#: UTF-8, and the longest name a file system takes (255 bytes)
FILE_NAME_CASES: dict[str, bytes] = {
    "cr": b"cr\rname.txt",
    "lf": b"lf\nname.txt",
    "tab": b"tab\tname.txt",
    "crlf_lead": b"\r\nlead.txt",
    "not_utf8": b"\xc4\xea\xb6\xc8\xb1\xa8\xb8\xe6.txt",
    "not_utf8_cr": b"\xff\r\xfe.txt",
    "max_255": "报".encode() * 83 + b"xx.txt",  # 249 + 6 = 255 bytes
}
assert len(FILE_NAME_CASES["max_255"]) == 255


def write_named(folder: Path, names: dict[str, bytes], data: bytes) -> dict[str, Path]:
    """``data`` under each of ``names`` (bytes, as a POSIX file name is) in ``folder``; each copy differs
    by a trailing newline so that no two share an id."""
    folder.mkdir(parents=True, exist_ok=True)
    out = {}
    for k, (label, raw) in enumerate(names.items()):
        path = Path(os.fsdecode(os.path.join(os.fsencode(folder), raw)))
        path.write_bytes(data + b"\n" * (k + 1))
        out[label] = path
    return out


def symlink_loops(folder: Path) -> list[Path]:
    """A link to itself, two links to each other and a folder link to its own parent, in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    made = []
    for name, target in (("self.pdf", "self.pdf"), ("a.txt", "b.txt"), ("b.txt", "a.txt")):
        (folder / name).symlink_to(target)
        made.append(folder / name)
    (folder / "up").symlink_to("..", target_is_directory=True)
    return made


# ---------------------------------------------------------------------------------------------
# mutations


def mutate(data: bytes, rng: random.Random, rounds: int | None = None) -> bytes:
    """A few random byte-level edits: flips, random bytes, deletions, duplications, a truncation."""
    b = bytearray(data)
    for _ in range(rounds if rounds is not None else rng.randint(1, 8)):
        if not b:
            b.extend(rng.randbytes(rng.randint(1, 16)))
            continue
        op = rng.randrange(6) if rng.random() < 0.5 else 0  # mostly small edits; truncation is rarer
        i = rng.randrange(len(b))
        if op == 0:
            b[i] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = rng.randbytes(rng.randint(1, 32))
        elif op == 2:
            del b[i:i + rng.randint(1, 256)]
        elif op == 3:
            j = rng.randrange(len(b))
            b[i:i] = b[j:j + rng.randint(1, 512)]
        elif op == 4:
            b[i] = rng.choice(b"0123456789\t\n|<>/ \x00\xff%")
        else:
            del b[max(1, i):]
    return bytes(b)


def mutate_docx(data: bytes, rng: random.Random) -> bytes:
    """Mutate inside the archive: ``word/document.xml`` edited, the rest kept (so the XML parser
    and the Word reader see the damage, not only the zip layer)."""
    try:
        xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml")
    except (zipfile.BadZipFile, KeyError):
        return mutate(data, rng)
    if rng.random() < 0.3:
        return mutate(data, rng)
    if rng.random() < 0.6:  # edit digits only: the XML stays well-formed, the tables change
        b = bytearray(xml)
        digits = [i for i, c in enumerate(b) if 48 <= c <= 57]
        for i in rng.sample(digits, min(len(digits), rng.randint(1, 40))):
            b[i] = rng.choice(b"0123456789 -*")
        return docx_bytes_with_document_xml(bytes(b))
    return docx_bytes_with_document_xml(mutate(xml, rng))


# ---------------------------------------------------------------------------------------------
# fuzz targets: bytes in, a result or a GovreportError out


def _settings():  # type: ignore[no-untyped-def]
    from govreport.settings import ExtractSettings

    return ExtractSettings(max_pages=20, max_pixels=2_000_000)


def _build(layout) -> object:  # type: ignore[no-untyped-def]
    from govreport.pipeline import build_report

    return build_report(layout, "<fuzz>", _settings())


def target_text(data: bytes) -> object:
    from govreport.layout.text import read_text

    return _build(read_text(data, _settings(), name="<fuzz>"))


def target_html(data: bytes) -> object:
    from govreport.layout.html import decode_html, read_html_string

    return _build(read_html_string(decode_html(data)[0]))


def target_docx(data: bytes) -> object:
    from govreport.layout.docx import read_docx_bytes

    return _build(read_docx_bytes(data))


def _with_file(data: bytes, suffix: str, fn: Callable[[Path], object]) -> object:
    with tempfile.TemporaryDirectory(prefix="govreport-fuzz-") as tmp:
        path = Path(tmp) / f"input{suffix}"
        path.write_bytes(data)
        return fn(path)


def target_pdf(data: bytes) -> object:
    """The PDF text-layer reader (OCR off: pages it would OCR are skipped) and the tables."""
    from govreport.layout.pdf_text import read_pdf

    return _with_file(data, ".pdf", lambda p: _build(read_pdf(p, _settings(), ocr=False)))


def target_image(data: bytes) -> object:
    """The image loader (decoding, frame count and pixel limits; no OCR)."""
    from govreport.ocr.render import load_image_file

    s = _settings()
    return _with_file(data, ".png", lambda p: load_image_file(p, s.max_pages, s.max_pixels))


def target_sniff(data: bytes) -> object:
    """:func:`govreport.sources.load` up to the reader choice, on a file named ``.bin``."""
    from govreport.sources import sniff, unsupported

    return sniff(data[:8192], "x.bin"), unsupported(data[:8192], "x.bin")


def seeds() -> dict[str, list[bytes]]:
    """Valid inputs per target, to mutate."""
    return {
        "text": [(SAMPLES / "sample_2021_tabs.txt").read_bytes(), (SAMPLES / "sample_2019_pipes.md").read_bytes(),
                 (SAMPLES / "sample_2021_tabs.txt").read_text(encoding="utf-8").encode("gbk")],
        "html": [(SAMPLES / "sample_2021_web.html").read_bytes()],
        "docx": [(SAMPLES / "sample_2019_word.docx").read_bytes()],
        "pdf": [(SAMPLES / "sample_2021_text.pdf").read_bytes(), blank_pdf(1)],
        "image": [image_bytes("PNG"), image_bytes("JPEG"), image_bytes("TIFF"), image_bytes("GIF"),
                  image_bytes("BMP"), image_bytes("WEBP")],
    }


TARGETS: dict[str, Callable[[bytes], object]] = {
    "text": target_text, "html": target_html, "docx": target_docx, "pdf": target_pdf, "image": target_image,
}
MUTATORS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "text": mutate, "html": mutate, "docx": mutate_docx, "pdf": mutate, "image": mutate,
}
