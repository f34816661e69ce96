"""Settings shared by every stage, as one validated dataclass.

>>> ExtractSettings(engine="rapidocr", device="cpu").dpi is None
True
>>> ExtractSettings(device="tpu")
Traceback (most recent call last):
...
ValueError: device must be cpu, cuda, cuda:N or cuda:N,M,... (got 'tpu')
"""

from __future__ import annotations

from dataclasses import dataclass

#: render resolution for OCR: digits of a 10.5 pt table come out ~28 px tall, which the PP-OCR
#: recogniser (48 px input) reads reliably, and an A4 page stays ~3.9 Mpx.
OCR_DPI = 200
MAX_MEMORY_MB = 1536  #: memory one document may take (a 200 dpi scan needs about 750 MB)
MAX_SECONDS = 600.0  #: time one document may take (a 200-page scan takes about 250 s on 2 cores)
ENGINES = ("rapidocr", "paddle")
DEVICES = ("cpu", "cuda")  #: the kinds; ``cuda:N`` and ``cuda:N,M,...`` name GPUs (govreport.ocr.sessions)


@dataclass(frozen=True, slots=True)
class ExtractSettings:
    engine: str = "rapidocr"  #: OCR engine name: rapidocr (default) or paddle
    device: str = "cpu"  #: cpu, cuda, cuda:N or cuda:N,M,... (cuda needs onnxruntime-gpu, or paddle with GPU)
    dpi: int | None = None  #: render resolution for PDFs; None picks the OCR default
    password: str | None = None  #: for encrypted PDFs
    template: str | None = None  #: force a template ID instead of detecting it
    max_pages: int = 200  #: refuse documents longer than this
    max_pixels: int = 25_000_000  #: downscale larger pages to this many pixels (refuse over 4x)
    max_bytes: int = 200 * 1024 * 1024  #: refuse input files larger than this
    low_confidence: float = 0.80  #: OCR confidence under which a cell is flagged
    max_memory_mb: int = MAX_MEMORY_MB  #: a document needing more memory is refused (batch, CLI)
    max_seconds: float = MAX_SECONDS  #: a document taking longer is refused (batch, CLI)

    @property
    def ocr_dpi(self) -> int:
        """The resolution PDF pages are rendered at for OCR."""
        return self.dpi or OCR_DPI

    def __post_init__(self) -> None:
        if self.engine not in ENGINES:
            raise ValueError(f"engine must be one of {', '.join(ENGINES)} (got {self.engine!r})")
        from govreport.ocr.sessions import parse_device

        parse_device(self.device)  # a ValueError that says what is accepted
        if self.dpi is not None and not 50 <= self.dpi <= 600:
            raise ValueError(f"dpi must be between 50 and 600 (got {self.dpi})")
        if self.max_pages < 1 or self.max_pixels < 1 or self.max_bytes < 1 or self.max_memory_mb < 64 \
                or not self.max_seconds > 0:
            raise ValueError("limits must be positive")
        if self.template is not None:
            from govreport.models.template import templates

            if self.template not in templates():
                raise ValueError(f"unknown template {self.template!r} (known: {', '.join(templates())})")
