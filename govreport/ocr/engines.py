"""OCR engines behind one small interface.

``rapidocr`` (default) runs the PP-OCR ONNX models shipped inside the ``rapidocr`` wheel with
onnxruntime; nothing is ever downloaded: every model path is pinned to a file of the wheel and a
missing file is an error. ``paddle`` wraps PaddleOCR when it is installed (its models must already
be in PaddleOCR's cache; govreport does not fetch them).

Engines are created once per process and name/device (:func:`get_engine`).
"""

from __future__ import annotations

import functools
import logging
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

from govreport.errors import MissingDependencyError
from govreport.ocr.sessions import check_device, cuda_devices, device_list, is_cuda, make_session  # noqa: F401

log = logging.getLogger("govreport")

GPU_WIDTH_STEP = 320  #: on a GPU, recogniser input widths are multiples of this (rapidocr's base width)

Quad = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


@dataclass(frozen=True, slots=True)
class OcrBox:
    """One detected text line: its text, its quadrilateral (clockwise from top-left) and score."""

    text: str
    quad: Quad
    score: float

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.quad]
        ys = [p[1] for p in self.quad]
        return (min(xs), min(ys), max(xs), max(ys))


@dataclass(slots=True)
class RecWork:
    """What a recogniser was fed: model runs, crops, and input columns (each run's strip width
    times its batch, padding included; at a fixed height, the measure of its work on a CPU)."""

    runs: int = 0
    crops: int = 0
    columns: int = 0

    def add(self, runs: int, crops: int, columns: int) -> None:
        self.runs += runs
        self.crops += crops
        self.columns += columns


def pack_strips(widths: list[int], gap: int, target: int) -> list[list[tuple[int, int, int]]]:
    """Crops of ``widths`` (in order) packed into strips: ``(crop index, x0, x1)`` per crop, ``gap``
    white pixels before each crop and after the last. As few strips as ``target`` pixels wide
    allow (a crop wider than that has a strip of its own), split as evenly as the order allows,
    so that a batch of them needs no padding.

    >>> pack_strips([100, 100, 100], 10, 1000)
    [[(0, 10, 110), (1, 120, 220), (2, 230, 330)]]
    >>> [[i for i, _, _ in s] for s in pack_strips([300, 300, 300, 300, 100], 10, 1000)]
    [[0, 1], [2, 3, 4]]
    """
    if not widths:
        return []
    total = gap + sum(w + gap for w in widths)
    n = -(-total // target)

    def greedy(limit: int) -> list[list[tuple[int, int, int]]]:
        strips: list[list[tuple[int, int, int]]] = [[]]
        x = gap
        for i, w in enumerate(widths):
            if strips[-1] and x + w + gap > limit:
                strips.append([])
                x = gap
            strips[-1].append((i, x, x + w))
            x += w + gap
        return strips

    lo, hi = max(-(-total // n), max(widths) + 2 * gap), max(target, max(widths) + 2 * gap)
    best = greedy(hi)
    while lo < hi:  # the narrowest limit that needs no more strips than the target width does
        mid = (lo + hi) // 2
        cand = greedy(mid)
        if len(cand) <= len(best):
            best, hi = cand, mid
        else:
            lo = mid + 1
    return best


@runtime_checkable
class OcrEngine(Protocol):
    """What the scan path needs from an OCR engine. Images are ``uint8`` gray or RGB arrays."""

    name: str
    model_info: str  #: human-readable model description, for logs and notes

    def detect(self, image: np.ndarray) -> list[OcrBox]:
        """Full pass (text detection then recognition); coordinates in ``image`` pixels."""
        ...

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Recognition model only, batched: one ``(text, score)`` per single-line crop."""
        ...


def _to_bgr(img: np.ndarray) -> np.ndarray:
    import cv2

    if img.ndim == 2:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] == 4:
        return cv2.cvtColor(img, cv2.COLOR_RGBA2BGR)
    return np.ascontiguousarray(img[:, :, ::-1])


def _quad(points: Any) -> Quad:
    p = [(float(x), float(y)) for x, y in np.asarray(points, dtype=float).reshape(-1, 2)[:4]]
    return (p[0], p[1], p[2], p[3])


class RapidOcrEngine:
    """PP-OCR via ``rapidocr`` + onnxruntime, offline, with the models bundled in the wheel."""

    name = "rapidocr"
    REC_HEIGHT = 48  #: fixed input height of the PP-OCR recogniser
    GAP = 16  #: white pixels between crops in a strip (see :meth:`recognize`)
    STRIP = 1600  #: target strip width
    squeeze = 0.8  #: horizontal scale applied to crops (below 1 trades accuracy for speed)
    packs_strips = True  #: :meth:`recognize` takes ``breaks`` (see govreport.ocr.service)

    def __init__(self, device: str = "cpu", rec_batch: int = 8) -> None:
        self.rec_batch = rec_batch
        self.work = RecWork()
        try:
            import onnxruntime  # noqa: F401 - the engine's runtime: missing is an install problem
            import rapidocr
            from rapidocr import RapidOCR
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise MissingDependencyError.for_extra("rapidocr", "ocr", "OCR of scanned input") from e
        self.device = device = one_device(device)
        check_device(self.name, device)
        #: strip widths are rounded up to a multiple of this: on a GPU a few shapes that repeat (each
        #: convolution algorithm is searched once per shape), on the CPU the least padding
        self.width_step = GPU_WIDTH_STEP if is_cuda(device) else 8
        models = Path(rapidocr.__file__).resolve().parent / "models"
        det, rec, self._cls_path = (_bundled(models, p) for p in ("*det*.onnx", "*rec*.onnx", "*cls*.onnx"))
        self.model_info = f"rapidocr {_version(rapidocr)}: {det.stem}, {rec.stem}"
        params: dict[str, Any] = {
            "Global.log_level": "error",
            "Global.use_cls": False,
            "Global.model_root_dir": str(models),
            "Det.model_path": str(det),
            "Rec.model_path": str(rec),
            "Cls.model_path": str(self._cls_path),
            "Rec.rec_batch_num": rec_batch,
            # whole pages: cap the longer side instead of blowing the shorter one up to 736 px
            "Det.limit_type": "max",
            "Det.limit_side_len": 1600,
        }
        self._ocr = RapidOCR(params=params)
        # The sessions are made here (:func:`~govreport.ocr.sessions.make_session`: providers asked
        # for explicitly and read back) and handed to rapidocr through its ``session`` setting.
        self._det = self._load("Det", det, self._ocr._load_det_model)
        self._rec = self._load("Rec", rec, self._ocr._load_rec_model)
        self._cls: Any = None
        #: the providers each session has, as onnxruntime reports them
        self.providers = {"det": self._det.session.session.get_providers(),
                          "rec": self._rec.session.session.get_providers()}
        log.info("OCR engine ready: %s on %s (detector: %s; recogniser: %s)", self.model_info, device,
                 ", ".join(self.providers["det"]), ", ".join(self.providers["rec"]))

    def _load(self, section: str, model: Path, loader: Any) -> Any:
        """rapidocr's model object for ``section``, on a session made by :func:`make_session`."""
        from omegaconf import flag_override

        cfg = self._ocr.cfg
        with flag_override(cfg, "allow_objects", True):
            cfg[section].session = make_session(model, self.device)
            return loader()

    def detect(self, image: np.ndarray) -> list[OcrBox]:
        """Text detection by the DB model, then :meth:`recognize` on the rectified line crops."""
        out = self._ocr(_to_bgr(image), use_cls=False, use_rec=False)
        boxes = getattr(out, "boxes", None)
        if boxes is None or len(boxes) == 0:
            return []
        quads = [_quad(b) for b in boxes]
        texts = self.recognize([_crop_quad(image, q) for q in quads])
        return [OcrBox(t, q, s) for q, (t, s) in zip(quads, texts, strict=True) if t]

    def recognize(self, crops: list[np.ndarray], breaks: frozenset[int] = frozenset()) -> list[tuple[str, float]]:
        """Batched recognition of single-line crops (gray or RGB ``uint8``): one ``(text, score)``
        per crop, in order. The call every stage batches through (and :mod:`govreport.ocr.service`,
        which feeds the engine the crops of several pages or documents at once): any number of
        crops, any widths; a crop whose index is in ``breaks`` starts a new strip (the crops of
        different pages never share one).

        Crops are scaled to the model's 48 px height and packed side by side, separated by
        :attr:`GAP` white pixels, into strips of about equal width (:func:`pack_strips`); strips go
        to the model :attr:`rec_batch` at a time, and each character the CTC decoder emits goes to
        the crop under it. Nothing is padded to rapidocr's 320 px minimum. Packed, short numeric
        crops read far better than one by one (cells right on 20 poor generated scans: 91% packed,
        83% one crop per input, 2026-12-01). The gap is kept at 16 px: at 12 px a thin stroke that
        opens a crop (the "(" of a seal-covered "(七)" on a poor scan) went unread, and at 8 px a
        label's ordinal leaked into the number before it ("13" read "132").
        :attr:`work` counts what the model was fed."""
        import cv2

        if not crops:
            return []
        hgt, gap = self.REC_HEIGHT, self.GAP
        scaled: list[np.ndarray] = []  # (48, w) gray or (48, w, 3) BGR, float in [-1, 1]
        for c in crops:
            img = c if c.ndim == 2 or (c.ndim == 3 and c.shape[2] == 1) else _to_bgr(c)
            img = img.reshape(img.shape[:2]) if img.ndim == 3 and img.shape[2] == 1 else img
            h, w = img.shape[:2]
            nw = max(8, int(np.ceil(self.squeeze * hgt * w / max(h, 1))))
            interp = cv2.INTER_AREA if h > hgt else cv2.INTER_LINEAR
            scaled.append(cv2.resize(img, (nw, hgt), interpolation=interp).astype(np.float32) / 127.5 - 1.0)
        cuts = sorted({0, len(crops), *(b for b in breaks if 0 < b < len(crops))})
        strips = [[(a + i, x0, x1) for i, x0, x1 in strip] for a, b in zip(cuts, cuts[1:], strict=False)
                  for strip in pack_strips([im.shape[1] for im in scaled[a:b]], gap, self.STRIP)]
        widths = [s[-1][2] + gap for s in strips]
        log.debug("recognize: %d crops in %d strips, %d px", len(crops), len(strips), sum(widths))
        order = np.argsort(widths, kind="stable")  # strips of like width share a batch
        out: list[tuple[str, float]] = [("", 0.0)] * len(crops)
        for b0 in range(0, len(order), self.rec_batch):
            chunk = [int(k) for k in order[b0 : b0 + self.rec_batch]]
            width = -(-max(widths[k] for k in chunk) // self.width_step) * self.width_step
            batch = np.ones((len(chunk), 3, hgt, width), np.float32)  # white background and gaps
            for bi, k in enumerate(chunk):
                for i, x0, x1 in strips[k]:
                    im = scaled[i]
                    batch[bi, :, :, x0:x1] = im if im.ndim == 2 else im.transpose(2, 0, 1)
            preds = self._rec.session(batch)
            self.work.add(len(chunk), sum(len(strips[k]) for k in chunk), len(chunk) * width)
            idx, prob = preds.argmax(axis=2), preds.max(axis=2)
            step = width / preds.shape[1]
            for bi, k in enumerate(chunk):
                for i, text, score in self._split_strip(idx[bi], prob[bi], step, strips[k]):
                    out[i] = (text, score)
        return out

    def _split_strip(
        self, idx: np.ndarray, prob: np.ndarray, step: float, members: list[tuple[int, int, int]]
    ) -> list[tuple[int, str, float]]:
        """Greedy CTC decoding of one strip; each character goes to the crop under its time step.

        Decoding each crop's slice of the output on its own let a neighbour's first digit, emitted
        a step early, leak in ("11" read "113"); a character is assigned by where it was emitted."""
        chars = self._rec.postprocess_op.character
        keep = idx != 0
        keep[1:] &= idx[1:] != idx[:-1]
        steps = np.flatnonzero(keep)
        bounds = [(x0 + x1) / 2 for (_, _, x1), (_, x0, _) in zip(members, members[1:], strict=False)]
        owner = np.searchsorted(bounds, (steps + 0.5) * step)
        out = []
        for j, (i, _, _) in enumerate(members):
            mine = steps[owner == j]
            got = [(chars[int(idx[t])], float(prob[t])) for t in mine]
            text = "".join(c for c, _ in got).strip()
            # spaces emitted in the white gaps say nothing about how well the crop was read
            probs = [p for c, p in got if not c.isspace()]
            out.append((i, text, round(float(np.mean(probs)), 5) if text else 0.0))
        return out

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        """Probability that each text-line crop is rotated by 180° (PP-OCR direction classifier)."""
        if not crops:
            return []
        if self._cls is None:
            self._cls = self._load("Cls", self._cls_path, self._ocr._load_cls_model)
        res = self._cls([_to_bgr(c).copy() for c in crops]).cls_res
        return [float(score) if "180" in str(label) else 1.0 - float(score) for label, score in res]


def _crop_quad(image: np.ndarray, quad: Quad) -> np.ndarray:
    """The quadrilateral cut out and warped to an upright rectangle."""
    import cv2

    pts = np.asarray(quad, np.float32)
    w = int(max(np.linalg.norm(pts[0] - pts[1]), np.linalg.norm(pts[2] - pts[3])))
    h = int(max(np.linalg.norm(pts[0] - pts[3]), np.linalg.norm(pts[1] - pts[2])))
    w, h = max(w, 2), max(h, 2)
    dst = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    m = cv2.getPerspectiveTransform(pts, dst)
    crop = cv2.warpPerspective(image, m, (w, h), borderMode=cv2.BORDER_REPLICATE, flags=cv2.INTER_CUBIC)
    if h > 1.5 * w:  # a vertical line of text
        crop = cv2.rotate(crop, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return crop


def _bundled(models: Path, pattern: str) -> Path:
    found = sorted(models.glob(pattern))
    if not found:
        raise MissingDependencyError(
            f"the rapidocr wheel has no bundled model matching {pattern} in {models}; "
            "reinstall it: pip install --force-reinstall rapidocr (govreport never downloads models)"
        )
    return found[0]


def _version(mod: Any) -> str:
    try:
        from importlib.metadata import version

        return version(mod.__name__)
    except Exception:  # pragma: no cover
        return "?"


class PaddleOcrEngine:
    """PaddleOCR (optional extra ``paddle``); models come from PaddleOCR's own local cache."""

    name = "paddle"

    def __init__(self, device: str = "cpu") -> None:
        try:
            from paddleocr import PaddleOCR
        except ImportError as e:
            raise MissingDependencyError.for_extra("paddleocr", "paddle", "--engine paddle") from e
        self.model_info = "paddleocr"
        self._ocr = PaddleOCR(
            lang="ch",
            device=one_device(device).replace("cuda", "gpu"),
            use_doc_orientation_classify=False,
            use_doc_unwarping=False,
            use_textline_orientation=False,
        )
        self._rec: Any = None

    def detect(self, image: np.ndarray) -> list[OcrBox]:
        res = self._ocr.predict(_to_bgr(image))
        out: list[OcrBox] = []
        for page in res or []:
            d = page if isinstance(page, dict) else getattr(page, "json", {}).get("res", {})
            for poly, text, score in zip(
                d.get("rec_polys", []), d.get("rec_texts", []), d.get("rec_scores", []), strict=False
            ):
                out.append(OcrBox(str(text), _quad(poly), float(score)))
        return out

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if not crops:
            return []
        if self._rec is None:
            from paddleocr import TextRecognition

            self._rec = TextRecognition()
        res = self._rec.predict([_to_bgr(c) for c in crops], batch_size=16)
        return [(str(r["rec_text"]), float(r["rec_score"])) for r in res]


_REMOTE: list[OcrEngine] = []  #: set in a page worker whose models live in a recognition service


def use_engine(engine: OcrEngine | None) -> None:
    """Make ``engine`` what :func:`get_engine` returns in this process (``None``: the local ones again)."""
    _REMOTE[:] = [engine] if engine is not None else []


def one_device(device: str) -> str:
    """The single device a process uses of ``device``: ``cuda`` is ``cuda:0``; of several listed GPUs
    (``cuda:0,1``) one chosen by the process id, so that worker processes spread over them (a
    recognition service or a Ray actor is given one device each).

    >>> one_device("cuda"), one_device("cpu")
    ('cuda:0', 'cpu')
    """
    devices = device_list(device)
    return devices[os.getpid() % len(devices)]


def get_engine(name: str = "rapidocr", device: str = "cpu") -> OcrEngine:
    """The process-wide engine for ``name`` on ``device`` (:func:`one_device`; sessions are created
    once), or the engine :func:`use_engine` set."""
    if _REMOTE:
        return _REMOTE[0]
    return _engine(name, one_device(device))


@functools.lru_cache(maxsize=4)
def _engine(name: str, device: str) -> OcrEngine:
    if name == "rapidocr":
        return RapidOcrEngine(device)
    if name == "paddle":
        return PaddleOcrEngine(device)
    raise ValueError(f"unknown OCR engine {name!r} (known: rapidocr, paddle)")
