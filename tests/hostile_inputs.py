"""Builders of hostile and broken inputs, and the fuzz targets shared by the tests and
``benchmarks/fuzz.py``.

Every builder is cheap (milliseconds) and deterministic. A fuzz target takes raw bytes, runs one
parser on them for real (no mocks) and returns what it made; the only acceptable outcomes are a
result or a :class:`~govreport.errors.GovreportError`.
"""

from __future__ import annotations

import io
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
