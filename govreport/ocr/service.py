"""One recogniser for many page workers: the OCR models in one place per device, fed through a
bounded queue, with the strips of several pages (of several documents) in each model batch.

The page stages (rendering, deskew, seals, rules, cutting cells) run in CPU worker processes; each
worker's engine is a :class:`RemoteEngine`, which sends its requests (recognise these crops, detect
on this page, are these lines upside down) to the service and waits for the answer. The service
(:func:`serve`, a process of its own; or a Ray actor, :mod:`govreport.batch.ray_tasks`) takes up to
``batch_pages`` waiting requests at a time and recognises their crops in one call
(:func:`recognize_many`): each request's crops are packed into strips of their own (a strip never
mixes two pages, so what a page reads never depends on its companions' crops), and the strips of
all of them share the model's batches. ``--device cuda --workers 8`` thus keeps one GPU busy with
one copy of the models; the queue holds at most one request per worker, so memory stays bounded.

The device is a parameter: the same code runs with ``device="cpu"``, which is how it is tested.

>>> import numpy as np
>>> class Echo:
...     def recognize(self, crops):
...         return [(str(c.shape[1]), 1.0) for c in crops]
>>> recognize_many(Echo(), [[np.zeros((4, 3))], [np.zeros((4, 5)), np.zeros((4, 7))]])
[[('3', 1.0)], [('5', 1.0), ('7', 1.0)]]
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Sequence
from typing import Any

import numpy as np

from govreport.ocr.engines import OcrBox, OcrEngine, get_engine
from govreport.ocr.sessions import is_cuda

log = logging.getLogger("govreport")

BATCH_PAGES = 8  #: requests (about one page's cells each) recognised together
LINGER_S = 0.003  #: how long the service waits for companions once a request is in
GPU_REC_BATCH = 64  #: strips per model run on a GPU (the CPU keeps the engine's own, smaller)

Request = tuple[str, Any]  #: ("recognize", crops) | ("detect", image) | ("upside_down", crops) | ("stats", None)


def recognize_many(engine: Any, requests: Sequence[list[np.ndarray]]) -> list[list[tuple[str, float]]]:
    """Recognise several requests' crops in one engine call; each request's crops start a strip of
    their own where the engine packs strips (``recognize(crops, breaks=...)``)."""
    flat = [c for r in requests for c in r]
    if len(requests) > 1 and getattr(engine, "packs_strips", False):
        starts, k = set(), 0
        for r in requests:
            starts.add(k)
            k += len(r)
        got = engine.recognize(flat, breaks=frozenset(starts))
    else:
        got = [res for r in requests for res in engine.recognize(r)] if requests else []
    out, k = [], 0
    for r in requests:
        out.append(list(got[k:k + len(r)]))
        k += len(r)
    return out


def answer(engine: Any, requests: Sequence[Request]) -> list[Any]:
    """The answers to ``requests``, recognition requests batched together (:func:`recognize_many`)."""
    out: list[Any] = [None] * len(requests)
    rec = [i for i, (op, _) in enumerate(requests) if op == "recognize"]
    for i, res in zip(rec, recognize_many(engine, [requests[i][1] for i in rec]), strict=True):
        out[i] = res
    for i, (op, payload) in enumerate(requests):
        if op == "detect":
            out[i] = engine.detect(payload)
        elif op == "upside_down":
            fn = getattr(engine, "upside_down", None)
            out[i] = fn(payload) if fn is not None else None
    return out


def service_engine(name: str, device: str) -> OcrEngine:
    """The engine a service holds on one single ``device``: the process's engine, with larger model
    batches on a GPU."""
    engine = get_engine(name, device)
    if is_cuda(device) and hasattr(engine, "rec_batch"):
        engine.rec_batch = max(engine.rec_batch, GPU_REC_BATCH)  # type: ignore[attr-defined]
    return engine


def describe(engine: Any, device: str) -> str:
    """One line for the log: the device and the providers its sessions have."""
    providers = getattr(engine, "providers", None)
    if not providers:
        return device
    return f"{device} (" + "; ".join(f"{k}: {', '.join(v)}" for k, v in providers.items()) + ")"


class Stats:
    """What a service did: requests, model batches and the seconds it was busy answering them."""

    def __init__(self) -> None:
        self.start, self.requests, self.batches, self.busy = time.monotonic(), 0, 0, 0.0

    def add(self, requests: int, seconds: float) -> None:
        self.requests += requests
        self.batches += 1
        self.busy += seconds

    def as_dict(self) -> dict[str, float]:
        return {"requests": self.requests, "batches": self.batches, "busy_s": round(self.busy, 3),
                "up_s": round(time.monotonic() - self.start, 3)}


# -- the service as a process ---------------------------------------------------------------------
def serve(address: str, authkey: bytes, name: str, device: str, batch_pages: int, level: int,
          ready: Any = None) -> None:
    """Process target: listen on the AF_UNIX ``address``; each page worker connects and sends one
    request at a time; waiting requests (up to ``batch_pages``) are answered together. Once the
    engine is made, ``ready`` (a connection) is sent ``("ok", description)`` or ``("error", exc)``;
    an engine that cannot start answers every request with its error. ``("stats", None)`` is
    answered with :meth:`Stats.as_dict`.

    One loop (an accepting thread, then: wait for requests, gather a batch, recognise, answer)
    over the connections it owns, so it stays one function"""
    import signal
    from multiprocessing.connection import Listener, wait

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    logging.getLogger("govreport").setLevel(level)
    listener = Listener(address, family="AF_UNIX", authkey=authkey)
    conns: list[Any] = []
    lock = threading.Lock()
    wake_r, wake_w = _wakeup_pipe()

    def accept() -> None:
        while True:
            try:
                conn = listener.accept()
            except Exception:  # a client that failed the handshake
                continue
            with lock:
                conns.append(conn)
            wake_w.send_bytes(b"")

    threading.Thread(target=accept, daemon=True, name="govreport-ocr-accept").start()
    try:
        engine: Any = service_engine(name, device)
        broken: BaseException | None = None
    except Exception as exc:  # e.g. --device cuda without CUDA: every page gets the message
        engine, broken = None, exc
    if ready is not None:
        with contextlib.suppress(OSError):
            ready.send(("error", broken) if broken is not None else ("ok", describe(engine, device)))
    stats = Stats()
    while True:
        with lock:
            current = list(conns)
        ready = wait([*current, wake_r])
        if wake_r in ready:
            wake_r.recv_bytes()
        batch: list[tuple[Any, Request]] = []
        seen: set[int] = set()
        while True:
            for conn in ready:
                if conn is wake_r or id(conn) in seen:
                    continue
                try:
                    batch.append((conn, conn.recv()))
                    seen.add(id(conn))
                except (EOFError, OSError):  # that worker ended
                    with lock:
                        conns.remove(conn)
            if not batch or len(batch) >= batch_pages:
                break
            others = [c for c in current if id(c) not in seen and c in conns]
            ready = wait(others, timeout=LINGER_S) if others else []
            if not ready:
                break
        asked = [b for b in batch if b[1][0] == "stats"]
        for conn, _ in asked:
            with contextlib.suppress(OSError, ValueError):
                conn.send(("ok", stats.as_dict()))
        batch = [b for b in batch if b[1][0] != "stats"]
        if not batch:
            continue
        t0 = time.monotonic()
        try:
            if broken is not None:
                raise broken
            outcomes = [("ok", r) for r in answer(engine, [req for _, req in batch])]
        except Exception as exc:  # the workers raise it where they asked
            outcomes = [("error", exc)] * len(batch)
        stats.add(len(batch), time.monotonic() - t0)
        for (conn, _), outcome in zip(batch, outcomes, strict=True):
            with contextlib.suppress(OSError, ValueError):  # that worker was ended meanwhile
                conn.send(outcome)


def _wakeup_pipe() -> tuple[Any, Any]:
    from multiprocessing import Pipe

    return Pipe(duplex=False)


class ProxyEngine:
    """An :class:`OcrEngine` whose models live elsewhere: each call is one request (:func:`answer`)
    sent by :meth:`call` (a connection to the service, or a Ray actor)."""

    name = "remote"
    model_info = "models in the recognition service"

    def __init__(self, has_cls: bool = True) -> None:
        if not has_cls:
            self.upside_down = None  # type: ignore[assignment]

    def call(self, op: str, payload: Any) -> Any:  # pragma: no cover - the subclasses say how
        raise NotImplementedError

    def detect(self, image: np.ndarray) -> list[OcrBox]:
        return self.call("detect", image)

    def recognize(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        return self.call("recognize", list(crops)) if len(crops) else []

    def upside_down(self, crops: list[np.ndarray]) -> list[float]:
        return self.call("upside_down", list(crops)) if len(crops) else []


# -- the service inside one process (threads; the Ray actor uses it) --------------------------------
class Batcher:
    """Requests from many threads answered in batches of up to ``batch_pages`` by one thread."""

    def __init__(self, engine: Any, batch_pages: int = BATCH_PAGES) -> None:
        self.engine, self.batch_pages = engine, batch_pages
        self.stats = Stats()
        self._queue: queue.Queue[tuple[Request, list[Any], threading.Event]] = queue.Queue()
        threading.Thread(target=self._loop, name="govreport-recognizer", daemon=True).start()

    def ask(self, op: str, payload: Any) -> Any:
        box: list[Any] = []
        done = threading.Event()
        self._queue.put(((op, payload), box, done))
        done.wait()
        status, value = box[0]
        if status == "error":
            raise value
        return value

    def _loop(self) -> None:
        while True:
            batch = [self._queue.get()]
            try:
                while len(batch) < self.batch_pages:
                    batch.append(self._queue.get(timeout=LINGER_S))
            except queue.Empty:
                pass
            t0 = time.monotonic()
            try:
                outcomes = [("ok", r) for r in answer(self.engine, [req for req, _, _ in batch])]
            except Exception as exc:
                outcomes = [("error", exc)] * len(batch)
            self.stats.add(len(batch), time.monotonic() - t0)
            for (_, box, done), outcome in zip(batch, outcomes, strict=True):
                box.append(outcome)
                done.set()

