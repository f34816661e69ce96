"""OCR for scanned reports: engines, page rendering, clean-up and numeric-cell reading.

The page pipeline that turns images into tokens lives in :mod:`govreport.ocr.scan`; the
heavy dependencies (rapidocr/onnxruntime, OpenCV, pypdfium2) are imported only when used.
"""

from govreport.ocr.engines import OcrBox, OcrEngine, get_engine
from govreport.ocr.numbers import NumericReading, read_numeric
from govreport.ocr.render import PageImage

__all__ = ["NumericReading", "OcrBox", "OcrEngine", "PageImage", "get_engine", "read_numeric"]
