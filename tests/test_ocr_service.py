"""The recognition service (issue 17): page stages in workers, the models in one process per
device, strips of several pages in one model batch; the same cells as recognising in each worker.
The device is a parameter: these run on the CPU, as a GPU machine runs them with ``cuda``."""

from __future__ import annotations

import multiprocessing

import numpy as np
import pytest

from govreport.batch.workers import ServiceEngine, _Service
from govreport.ocr import engines
from govreport.ocr.render import PageImage
from govreport.ocr.scan import tokens_from_page_images
from govreport.ocr.service import answer, recognize_many
from govreport.settings import ExtractSettings

from .scanfixtures import make_table_page

pytestmark = pytest.mark.ocr


def _crops(seed: int) -> list[np.ndarray]:
    page = make_table_page(seed)
    gray = np.asarray(page.image.convert("L"))
    return [gray[y0 + 20:y1 - 20, x0 + 8:x1 - 8] for (x0, y0, x1, y1) in list(page.cell_boxes.values())[:40]]


def test_strips_of_several_requests_read_as_each_alone():
    engine = engines.get_engine()
    requests = [_crops(61), _crops(62)[:7], _crops(63)[:1]]
    together = recognize_many(engine, requests)
    alone = [engine.recognize(r) for r in requests]
    assert [[t for t, _ in r] for r in together] == [[t for t, _ in r] for r in alone]
    assert sum(t != "" for r in together for t, _ in r) > 30
    assert answer(engine, [("recognize", requests[2]), ("upside_down", requests[2])])[0] == alone[2]


def test_pages_read_through_the_service_give_the_same_tokens():
    settings = ExtractSettings()
    page = make_table_page(64)
    pages = [PageImage(1, np.asarray(page.image), 200)]
    local, _ = tokens_from_page_images(pages, settings)
    service = _Service(multiprocessing.get_context("spawn"), settings, batch_pages=4, level=30)
    try:
        engines.use_engine(ServiceEngine(service.address, service.authkey, has_cls=True))
        remote, _ = tokens_from_page_images(pages, settings)
    finally:
        engines.use_engine(None)
        service.close()
    assert [(t.kind, t.text, t.bbox) for t in remote] == [(t.kind, t.text, t.bbox) for t in local]
    assert sum(t.kind.value == "number" for t in local) > 50
