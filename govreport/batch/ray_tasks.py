"""The batch's reports as Ray tasks (``--ray``): the same per-report function, the document's
bytes shipped with each task so the cluster's nodes need not see the input files.

With ``--device cuda`` (or ``recognizer="service"``) the OCR models live in recogniser actors, one
per GPU (each asks Ray for ``num_gpus=1``), made once and reused by every task: a task's page
stages run on a CPU, and its recognition requests go to an actor, which answers the requests of
concurrent tasks together (:class:`govreport.ocr.service.Batcher`).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable
from typing import Any

from govreport.batch.archive import Item, read_item
from govreport.batch.workers import Outcome, failure, process_item
from govreport.errors import GovreportError, MissingDependencyError
from govreport.ocr.service import BATCH_PAGES, ProxyEngine
from govreport.settings import ExtractSettings


class RecognizerActor:
    """A Ray actor holding the OCR models; ``ask`` is called by many tasks at once."""

    def __init__(self, engine: str, device: str, batch_pages: int) -> None:
        from govreport.ocr.service import Batcher, service_engine

        self.batcher = Batcher(service_engine(engine, device), batch_pages)

    def ask(self, op: str, payload: Any) -> Any:
        return self.batcher.ask(op, payload)


class ActorEngine(ProxyEngine):
    """A task's engine: requests go to one of the recogniser actors."""

    def __init__(self, actors: list[Any], has_cls: bool) -> None:
        super().__init__(has_cls)
        self.actor = actors[os.getpid() % len(actors)]

    def call(self, op: str, payload: Any) -> Any:
        import ray

        return ray.get(self.actor.ask.remote(op, payload))


def _ray_task(item: Item, settings: ExtractSettings, data: bytes | None, actors: list[Any]) -> Outcome:
    from govreport.ocr import engines

    if actors:
        engines.use_engine(ActorEngine(actors, settings.engine == "rapidocr"))
    try:
        return process_item(item, settings, None, data)
    finally:
        engines.use_engine(None)


def run_ray(items: list[Item], settings: ExtractSettings, address: str, on_outcome: Callable[[Outcome], None],
            batch_pages: int = BATCH_PAGES, service: bool | None = None) -> None:
    """The same per-report function as Ray tasks; the document's bytes travel with the task, so
    the cluster's nodes need not see the input files. ``service``: recognition in actors (default:
    with ``device="cuda"``)."""
    try:
        import ray
    except ImportError:
        raise MissingDependencyError.for_extra("ray", "ray", "--ray") from None
    started = False
    if not ray.is_initialized():
        ray.init(address=None if address in ("", "local") else address, log_to_driver=False,
                 include_dashboard=False)
        started = True
    try:
        actors: list[Any] = []
        if service if service is not None else settings.device == "cuda":
            gpus = int(ray.cluster_resources().get("GPU", 0)) if settings.device == "cuda" else 0
            actor_cls = ray.remote(num_cpus=1, num_gpus=1 if gpus else 0,
                                   max_concurrency=4 * batch_pages)(RecognizerActor)
            actors = [actor_cls.remote(settings.engine, settings.device, batch_pages) for _ in range(max(1, gpus))]
        task = ray.remote(num_cpus=1)(_ray_task)
        window = max(2, 2 * int(ray.cluster_resources().get("CPU", 1)))
        pending = deque(items)
        inflight: dict[Any, Item] = {}
        while pending or inflight:
            while pending and len(inflight) < window:
                item = pending.popleft()
                try:
                    data = read_item(item, settings)
                except GovreportError as exc:
                    on_outcome(failure(item, exc))
                    continue
                inflight[task.remote(item, settings, data, actors)] = item
            if not inflight:
                continue
            ready, _ = ray.wait(list(inflight), num_returns=1)
            for ref in ready:
                item = inflight.pop(ref)
                try:
                    outcome = ray.get(ref)
                except Exception as exc:  # a task or worker that died
                    outcome = failure(item, exc)
                on_outcome(outcome)
    finally:
        if started:
            ray.shutdown()
