"""Phone photos of printed reports, made the way a phone camera makes them, with known truth.

Each page is printed (rendered at 200 dpi), laid on a desk and photographed from a little off
square: a perspective projection (the page a trapezoid, not filling the frame), the desk around it
(wood-coloured, textured), light falling off across the page and a soft shadow (a hand, the
phone) over part of it, the lens's slight blur and sensor noise, and the phone's JPEG (quality
80-92). The pages are written as ``IMG_0001.jpg``, ``IMG_0002.jpg``, ... (one folder a report).
"""

from __future__ import annotations

import io
import json
import random
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from govreport.synth.degrade import truth_json
from govreport.synth.office import printed_report
from govreport.synth.render_image import render_page

FRAME = (2250, 3000)  #: the photo's size (a 12 MP phone photo scaled to a messaging app's size)


def _desk(size: tuple[int, int], nrng: np.random.Generator) -> np.ndarray:
    w, h = size
    base = np.array([nrng.uniform(90, 150), nrng.uniform(70, 110), nrng.uniform(40, 80)], np.float32)
    grain = cv2.resize(nrng.normal(0, 1, (h // 40, w // 4)).astype(np.float32), (w, h))
    desk = base[None, None, :] * (1 + 0.12 * grain[..., None])
    return desk


def photo_page(img: Image.Image, rng: random.Random) -> Image.Image:
    """A photo of one printed page ``img`` lying on a desk."""
    nrng = np.random.default_rng(rng.getrandbits(32))
    page = np.asarray(img.convert("RGB"), dtype=np.float32) * np.array([0.97, 0.96, 0.93], np.float32)
    ph, pw = page.shape[:2]
    fw, fh = FRAME
    fill = rng.uniform(0.78, 0.92)  # share of the frame's height the page takes
    s = fill * fh / ph
    cx, cy = fw / 2 + rng.uniform(-0.04, 0.04) * fw, fh / 2 + rng.uniform(-0.03, 0.03) * fh
    hw, hh = pw * s / 2, ph * s / 2
    tilt = rng.uniform(0.02, 0.07)  # the far edge narrower: the phone held a little off square
    jit = [(rng.uniform(-0.015, 0.015) * fw, rng.uniform(-0.01, 0.01) * fh) for _ in range(4)]
    dst = np.array([(cx - hw * (1 - tilt), cy - hh), (cx + hw * (1 - tilt), cy - hh),
                    (cx + hw, cy + hh), (cx - hw, cy + hh)], np.float32) + np.array(jit, np.float32)
    angle = np.radians(rng.uniform(-3, 3))
    rot = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]], np.float32)
    dst = (dst - (cx, cy)) @ rot.T + (cx, cy)
    src = np.array([(0, 0), (pw, 0), (pw, ph), (0, ph)], np.float32)
    m = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(page, m, (fw, fh), flags=cv2.INTER_AREA, borderValue=(0, 0, 0))
    inside = cv2.warpPerspective(np.ones((ph, pw), np.float32), m, (fw, fh), flags=cv2.INTER_LINEAR)
    out = warped * inside[..., None] + _desk(FRAME, nrng) * (1 - inside[..., None])
    # light: brighter towards one corner, a soft shadow over a band of the page
    yy, xx = np.mgrid[0:fh, 0:fw].astype(np.float32)
    a = rng.uniform(0, 2 * np.pi)
    ramp = (np.cos(a) * xx / fw + np.sin(a) * yy / fh)
    ramp = (ramp - ramp.min()) / max(1e-6, float(np.ptp(ramp)))
    light = 1 - rng.uniform(0.15, 0.3) * ramp
    if rng.random() < 0.8:
        edge = rng.uniform(0.2, 0.8) * fw
        width = rng.uniform(0.08, 0.2) * fw
        shadow = 1 / (1 + np.exp(-(xx + 0.3 * (yy - fh / 2) - edge) / width * 6))
        light *= 1 - rng.uniform(0.2, 0.35) * shadow
    out = out * light[..., None]
    out = cv2.GaussianBlur(out, (0, 0), rng.uniform(0.6, 1.1))
    out += nrng.normal(0, 3.5, out.shape[:2]).astype(np.float32)[..., None]
    return Image.fromarray(out.clip(0, 255).astype(np.uint8))


def generate(seed: int, out: Path, template: str = "gov2021") -> tuple[list[Path], dict[str, Any]]:
    """One photographed report: ``out/pages/IMG_0001.jpg``, ... and ``out/truth.json``."""
    pages_dir = out / "pages"
    pages_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"{template}:{seed}:photo")
    _truth, doc, status, layouts = printed_report(template, seed, rng)
    files: list[Path] = []
    first = rng.randint(100, 9000)
    for i, layout in enumerate(layouts):
        photo = photo_page(render_page(layout, 200), rng)
        buf = io.BytesIO()
        photo.save(buf, "JPEG", quality=rng.randint(80, 92))
        path = pages_dir / f"IMG_{first + i:04d}.jpg"
        path.write_bytes(buf.getvalue())
        files.append(path)
    synth = {"generator": "govreport.synth.photo", "seed": seed, "files": [f.name for f in files]}
    data = truth_json(doc, status, pages_dir.name, "image", pages=len(files), synth=synth)
    (out / "truth.json").write_text(json.dumps(data, ensure_ascii=False, indent=1), encoding="utf-8")
    return files, data
