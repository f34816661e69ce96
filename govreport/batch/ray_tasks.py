"""The batch's reports as Ray tasks (``--ray``): the same per-report function, the document's
bytes shipped with each task so the cluster's nodes need not see the input files."""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from typing import Any

from govreport.batch.archive import Item, read_item
from govreport.batch.workers import Outcome, failure, process_item
from govreport.errors import GovreportError, MissingDependencyError
from govreport.settings import ExtractSettings


def _ray_task(item: Item, settings: ExtractSettings, data: bytes | None) -> Outcome:
    return process_item(item, settings, None, data)


def run_ray(items: list[Item], settings: ExtractSettings, address: str, on_outcome: Callable[[Outcome], None]) -> None:
    """The same per-report function as Ray tasks; the document's bytes travel with the task, so
    the cluster's nodes need not see the input files."""
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
        task = ray.remote(_ray_task)
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
                inflight[task.remote(item, settings, data)] = item
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
