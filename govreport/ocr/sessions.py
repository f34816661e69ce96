"""Devices and onnxruntime sessions, by the book.

A device string is ``cpu``, ``cuda`` (device 0), ``cuda:N`` or ``cuda:N,M,...`` (one recogniser per
listed device: :func:`device_list`). Sessions are made here, never by rapidocr: on CUDA the
``CUDAExecutionProvider`` is asked for explicitly, with ``cudnn_conv_algo_search`` set to
``HEURISTIC`` (the default ``EXHAUSTIVE`` search runs again for every new input shape), and the
providers the session actually got are read back: a CUDA session that came up on the CPU alone
(onnxruntime-gpu without its CUDA or cuDNN libraries) is a :class:`DeviceUnavailableError`, never
a silent CPU run.

>>> device_list("cuda:0,1")
['cuda:0', 'cuda:1']
>>> providers("cuda:1")[0]
('CUDAExecutionProvider', {'device_id': '1', 'cudnn_conv_algo_search': 'HEURISTIC', \
'arena_extend_strategy': 'kNextPowerOfTwo'})
"""

from __future__ import annotations

import functools
import logging
import re
import warnings
from pathlib import Path
from typing import Any

from govreport.errors import DeviceUnavailableError, MissingDependencyError
from govreport.i18n import _

log = logging.getLogger("govreport")

CUDA = "CUDAExecutionProvider"
CPU = "CPUExecutionProvider"
CUDNN_CONV_ALGO_SEARCH = "HEURISTIC"  #: searched once per shape, cheaply (EXHAUSTIVE: 4.4x slower reported)
CPU_OPTIONS = {"arena_extend_strategy": "kSameAsRequested"}
CUDA_OPTIONS = {"cudnn_conv_algo_search": CUDNN_CONV_ALGO_SEARCH, "arena_extend_strategy": "kNextPowerOfTwo"}
_DEVICE = re.compile(r"cuda(?::(\d+(?:,\d+)*))?")


def parse_device(device: str) -> tuple[str, tuple[int, ...]]:
    """``("cpu", ())`` or ``("cuda", ids)``; a :class:`ValueError` that says what is accepted.

    >>> parse_device("cuda"), parse_device("cuda:2")
    (('cuda', (0,)), ('cuda', (2,)))
    """
    text = device.strip().lower()
    if text == "cpu":
        return "cpu", ()
    m = _DEVICE.fullmatch(text.replace(" ", ""))
    if m is None:
        raise ValueError(_("device must be cpu, cuda, cuda:N or cuda:N,M,... (got {device!r})").format(device=device))
    ids = tuple(int(i) for i in m.group(1).split(",")) if m.group(1) else (0,)
    if len(set(ids)) != len(ids):
        raise ValueError(_("device {device!r} lists a GPU twice").format(device=device))
    return "cuda", ids


def device_list(device: str) -> list[str]:
    """One single device per recogniser: ``["cpu"]``, ``["cuda:0"]``, ``["cuda:0", "cuda:1"]``."""
    kind, ids = parse_device(device)
    return [f"cuda:{i}" for i in ids] if kind == "cuda" else ["cpu"]


def is_cuda(device: str) -> bool:
    return parse_device(device)[0] == "cuda"


def session_options() -> Any:
    """The options every session gets (those rapidocr used to set): full graph optimisation, no CPU
    memory arena, onnxruntime's own log quiet unless ``-vv``."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.log_severity_level = 2 if log.isEnabledFor(logging.DEBUG) else 4
    opts.enable_cpu_mem_arena = False
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    return opts


def providers(device: str) -> list[tuple[str, dict[str, str]]]:
    """The providers asked for on one single ``device`` (``cpu`` or ``cuda:N``), with their options:
    on CUDA, ``CUDAExecutionProvider`` first, then the CPU for the few nodes CUDA does not run."""
    kind, ids = parse_device(device)
    if kind == "cpu":
        return [(CPU, dict(CPU_OPTIONS))]
    if len(ids) != 1:
        raise ValueError(f"one session runs on one device (got {device!r})")
    return [(CUDA, {"device_id": str(ids[0]), **CUDA_OPTIONS}), (CPU, dict(CPU_OPTIONS))]


def make_session(model: Path, device: str) -> Any:
    """An ``InferenceSession`` of ``model`` on one single ``device``, its providers read back: on CUDA,
    a session without ``CUDAExecutionProvider`` is a :class:`DeviceUnavailableError`."""
    import onnxruntime as ort

    ort.set_default_logger_severity(1 if log.isEnabledFor(logging.DEBUG) else 3)  # its errors say why CUDA failed
    if is_cuda(device):
        _preload_cuda(ort)
    with warnings.catch_warnings():  # "specified provider is not available": said below, in one line
        warnings.simplefilter("ignore")
        session = ort.InferenceSession(str(model), sess_options=session_options(), providers=providers(device))
    got = session.get_providers()
    if is_cuda(device) and CUDA not in got:
        raise DeviceUnavailableError(_(
            "--device {device}: onnxruntime made the {model} session without CUDA (providers: {got}); "
            "the CUDA or cuDNN libraries onnxruntime-gpu needs are missing or do not match it (-vv shows why)"
        ).format(device=device, model=model.name, got=", ".join(got)))
    log.debug("%s on %s: %s", model.name, device, ", ".join(got))
    return session


@functools.cache
def _preload_cuda(ort: Any) -> None:
    """Load the CUDA and cuDNN libraries of the ``nvidia-*`` wheels (``onnxruntime-gpu[cuda,cudnn]``)
    where onnxruntime can (1.21 on): without them on the library path, CUDA would not come up."""
    preload = getattr(ort, "preload_dlls", None)
    if preload is not None:
        try:
            preload()
        except Exception as exc:  # the system's libraries may still do; the read-back says if not
            log.debug("onnxruntime.preload_dlls: %s", exc)


def cuda_devices() -> int:
    """CUDA devices the driver shows this process (0 without a driver or a device)."""
    import ctypes

    try:
        cuda = ctypes.CDLL("libcuda.so.1")
    except OSError:
        return 0
    count = ctypes.c_int(0)
    if cuda.cuInit(0) != 0 or cuda.cuDeviceGetCount(ctypes.byref(count)) != 0:
        return 0
    return count.value


def check_device(name: str, device: str) -> None:
    """Refuse a CUDA ``device`` the engine ``name`` cannot run on here, before any work is done: a
    :class:`MissingDependencyError` (exit 9) where the CUDA build is not installed, a
    :class:`DeviceUnavailableError` (exit 11) where no such GPU is visible."""
    kind, ids = parse_device(device)
    if kind != "cuda":
        return
    if name == "rapidocr":
        try:
            import onnxruntime as ort
        except ImportError as e:  # pragma: no cover - a core dependency
            raise MissingDependencyError.for_extra("onnxruntime-gpu", "gpu", "--device cuda") from e
        available = ort.get_available_providers()
        if CUDA not in available:
            raise MissingDependencyError(_(
                "--device cuda needs onnxruntime-gpu (the CUDA build): pip uninstall onnxruntime && pip install "
                "'govreport[gpu]' (onnxruntime here offers only {providers})").format(providers=", ".join(available)))
    elif name == "paddle":
        try:
            import paddle
        except ImportError as e:
            raise MissingDependencyError.for_extra("paddleocr", "paddle", "--engine paddle") from e
        if not paddle.device.is_compiled_with_cuda():
            raise MissingDependencyError(_("--device cuda needs a CUDA build of paddlepaddle (paddlepaddle-gpu)"))
    visible = cuda_devices()
    if visible == 0:
        raise DeviceUnavailableError(_("--device {device}: no CUDA device is visible here (no NVIDIA driver, or "
                                       "CUDA_VISIBLE_DEVICES hides them); use --device cpu").format(device=device))
    missing = [i for i in ids if i >= visible]
    if missing:
        raise DeviceUnavailableError(_("--device {device}: no GPU {ids} here ({n} visible: cuda:0 to cuda:{last})")
                                     .format(device=device, ids=", ".join(map(str, missing)), n=visible,
                                             last=visible - 1))
