"""The batch's reports as Ray tasks (``--ray``): the same per-report function, the document's
bytes shipped with each task so the cluster's nodes need not see the input files.

With ``--device cuda`` (or ``recognizer="service"``) the OCR models live in recogniser actors, one
per GPU of the cluster, or one per GPU listed (``cuda:0,1``; each asks Ray for ``num_gpus=1``,
:func:`recognizers`), made once and reused by every task: a task's page
stages run on a CPU, and its recognition requests go to an actor, which answers the requests of
concurrent tasks together (:class:`govreport.ocr.service.Batcher`).
"""

from __future__ import annotations

import logging
import os
from collections import deque
from collections.abc import Callable
from typing import Any

from govreport.batch.archive import Item, read_item
from govreport.batch.workers import Outcome, failure, process_item
from govreport.errors import DeviceUnavailableError, GovreportError, MissingDependencyError
from govreport.i18n import _
from govreport.ocr.service import BATCH_PAGES, ProxyEngine
from govreport.settings import ExtractSettings

log = logging.getLogger("govreport")


class RecognizerActor:
    """A Ray actor holding the OCR models; ``ask`` is called by many tasks at once."""

    def __init__(self, engine: str, device: str, batch_pages: int) -> None:
        from govreport.ocr.service import Batcher, describe, service_engine

        self.device, self.error, self.batcher = device, None, None
        try:
            held = service_engine(engine, device)
        except GovreportError as exc:  # said by ready(), in one line
            self.error = exc
            return
        self.batcher = Batcher(held, batch_pages)
        self.description = describe(held, device)

    def ready(self) -> tuple[str, Any]:
        """``("ok", description)`` or ``("error", exc)``: the driver raises it before any task."""
        return ("error", self.error) if self.batcher is None else ("ok", self.description)

    def stats(self) -> dict[str, float]:
        return self.batcher.stats.as_dict() if self.batcher is not None else {}

    def ask(self, op: str, payload: Any) -> Any:
        if self.batcher is None:
            raise self.error  # type: ignore[misc]
        return self.batcher.ask(op, payload)


def recognizers(device: str, cluster_gpus: int) -> list[tuple[str, int]]:
    """The recogniser actors for ``device`` on a cluster with ``cluster_gpus`` GPUs, as (the device
    the actor's engine uses, the GPUs it asks Ray for): ``cpu``: one on the CPU; ``cuda``: one per
    GPU of the cluster; ``cuda:0,1``: one per listed GPU. Ray decides which GPU each gets and shows
    the actor only that one, so inside it the device is ``cuda:0``; too few GPUs is an error.

    >>> recognizers("cuda", 4), recognizers("cuda:0,1", 4)
    ([('cuda:0', 1), ('cuda:0', 1), ('cuda:0', 1), ('cuda:0', 1)], [('cuda:0', 1), ('cuda:0', 1)])
    """
    from govreport.ocr.sessions import parse_device

    kind, ids = parse_device(device)
    if kind == "cpu":
        return [("cpu", 0)]
    wanted = cluster_gpus if device.strip().lower() == "cuda" else len(ids)
    if cluster_gpus < max(wanted, 1):
        raise DeviceUnavailableError(_("--device {device} on Ray: the cluster has {n} GPU(s)")
                                     .format(device=device, n=cluster_gpus))
    return [("cuda:0", 1)] * wanted


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
        if service if service is not None else settings.device.startswith("cuda"):
            plan = recognizers(settings.device, int(ray.cluster_resources().get("GPU", 0)))
            actors = [ray.remote(num_cpus=1, num_gpus=gpus, max_concurrency=4 * batch_pages)(RecognizerActor)
                      .remote(settings.engine, device, batch_pages) for device, gpus in plan]
            for status, value in ray.get([a.ready.remote() for a in actors]):
                if status == "error":
                    raise value
                log.info("recogniser actor on %s", value)
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
        for i, st in enumerate(ray.get([a.stats.remote() for a in actors])):
            log.info("recogniser actor %d: %d requests in %d batches, busy %.1f s", i, st.get("requests", 0),
                     st.get("batches", 0), st.get("busy_s", 0.0))
    finally:
        if started:
            ray.shutdown()
