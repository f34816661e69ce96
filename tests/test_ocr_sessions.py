"""GPU by the book (issue 29), checked on the CPU build of onnxruntime: the device strings, the
providers and options the sessions are made with and read back, CUDA refused in one line where it
cannot run, the GPU's bucketed strip widths reading as the CPU's, one recogniser per listed device."""

from __future__ import annotations

import logging
import multiprocessing
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import onnxruntime as ort
import pytest
from hypothesis import given
from hypothesis import strategies as st

from govreport.batch import ray_tasks, workers
from govreport.errors import DeviceUnavailableError, ExitCode, MissingDependencyError
from govreport.ocr import engines, sessions
from govreport.ocr.render import PageImage
from govreport.ocr.scan import tokens_from_page_images
from govreport.settings import ExtractSettings

from .scanfixtures import make_table_page

HAS_CUDA = sessions.CUDA in ort.get_available_providers() and sessions.cuda_devices() > 0
cpu_build = pytest.mark.skipif(sessions.CUDA in ort.get_available_providers(), reason="onnxruntime-gpu here")


def _govreport(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "govreport.cli", *args], capture_output=True, text=True,
                          timeout=300)


# -- device strings ---------------------------------------------------------------------------------
@given(st.lists(st.integers(0, 63), min_size=1, max_size=8, unique=True))
def test_listed_gpus_are_one_device_each_in_order(ids: list[int]) -> None:
    text = "cuda:" + ",".join(map(str, ids))
    assert sessions.parse_device(text) == ("cuda", tuple(ids))
    assert sessions.device_list(text) == [f"cuda:{i}" for i in ids]
    assert ExtractSettings(device=text).device == text


@pytest.mark.parametrize("bad", ["tpu", "gpu", "cuda:", "cuda:a", "cuda:0,", "cuda:-1", "cuda:0;1", "cuda:1,1", ""])
def test_a_bad_device_is_a_value_error_that_says_what_is_accepted(bad: str) -> None:
    with pytest.raises(ValueError, match="cuda"):
        ExtractSettings(device=bad)


def test_plain_cuda_is_gpu_0_and_cpu_has_no_gpu() -> None:
    assert sessions.device_list("cuda") == ["cuda:0"] and sessions.device_list("CPU") == ["cpu"]
    assert engines.one_device("cuda:3") == "cuda:3"
    assert engines.one_device("cuda:0,1") in ("cuda:0", "cuda:1")


# -- providers and options ----------------------------------------------------------------------------
def test_cuda_is_asked_for_explicitly_with_the_heuristic_search() -> None:
    (name, opts), (rest, _) = sessions.providers("cuda:1")
    assert name == "CUDAExecutionProvider" and rest == "CPUExecutionProvider"
    assert opts["device_id"] == "1" and opts["cudnn_conv_algo_search"] in ("HEURISTIC", "DEFAULT")
    assert [p for p, _ in sessions.providers("cpu")] == ["CPUExecutionProvider"]
    with pytest.raises(ValueError):
        sessions.providers("cuda:0,1")  # one session, one device


@pytest.mark.ocr
def test_the_engines_sessions_have_the_providers_and_options_they_were_made_with() -> None:
    engine = engines.get_engine("rapidocr", "cpu")
    assert isinstance(engine, engines.RapidOcrEngine)
    engine.upside_down([np.full((32, 96), 255, np.uint8)])  # the classifier is made when first used
    for model in (engine._det, engine._rec, engine._cls):
        session = model.session.session  # rapidocr's wrapper holds the session govreport made
        assert session.get_providers() == ["CPUExecutionProvider"]
        opts = session.get_session_options()
        assert opts.graph_optimization_level == ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        assert opts.enable_cpu_mem_arena is False and opts.log_severity_level == 4
    assert engine.providers == {"det": ["CPUExecutionProvider"], "rec": ["CPUExecutionProvider"]}
    assert engine.width_step == 8


@cpu_build
def test_a_cuda_session_that_comes_up_without_cuda_is_refused() -> None:
    import rapidocr

    models = Path(rapidocr.__file__).parent.joinpath("models").glob("*.onnx")
    model = min(models, key=lambda p: p.stat().st_size)  # any model will do: the smallest
    with pytest.raises(DeviceUnavailableError) as err:
        sessions.make_session(model, "cuda:0")
    assert err.value.exit_code == ExitCode.DEVICE_UNAVAILABLE == 11
    assert "cuda:0" in str(err.value) and "CPUExecutionProvider" in str(err.value) and "\n" not in str(err.value)


@cpu_build
def test_cuda_where_onnxruntime_has_none_is_a_missing_dependency() -> None:
    with pytest.raises(MissingDependencyError, match="onnxruntime-gpu"):
        sessions.check_device("rapidocr", "cuda:0,1")
    with pytest.raises(MissingDependencyError):
        engines.RapidOcrEngine("cuda")


def test_a_gpu_that_is_not_there_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(ort, "get_available_providers", lambda: ["CUDAExecutionProvider", "CPUExecutionProvider"])
    monkeypatch.setattr(sessions, "cuda_devices", lambda: 2)
    sessions.check_device("rapidocr", "cuda:0,1")
    with pytest.raises(DeviceUnavailableError, match=r"cuda:1,2: no GPU 2 here \(2 visible"):
        sessions.check_device("rapidocr", "cuda:1,2")
    monkeypatch.setattr(sessions, "cuda_devices", lambda: 0)
    with pytest.raises(DeviceUnavailableError, match="no CUDA device is visible"):
        sessions.check_device("rapidocr", "cuda")


@pytest.mark.skipif(HAS_CUDA, reason="CUDA runs here")
def test_cli_cuda_without_cuda_is_one_line_and_its_exit_code(tmp_path: Path) -> None:
    expected = ExitCode.DEVICE_UNAVAILABLE if sessions.CUDA in ort.get_available_providers() \
        else ExitCode.MISSING_DEPENDENCY
    page = tmp_path / "page.png"
    make_table_page(3).image.save(page)
    for device in ("cuda", "cuda:0,1"):
        for args in (["extract", str(page)], ["batch", str(page), "--out", str(tmp_path / "out")]):
            run = _govreport(*args, "--device", device)
            assert run.returncode == expected, run.stderr
            assert run.stderr.startswith("govreport: error: --device cuda") and run.stderr.count("\n") == 1
    assert not (tmp_path / "out").exists()  # refused before any work
    run = _govreport("extract", str(page), "--device", "cuda:x")
    assert run.returncode == ExitCode.USAGE and "cuda:N,M" in run.stderr and run.stderr.count("\n") == 1


@pytest.mark.ocr
def test_cli_v_logs_the_providers(tmp_path: Path) -> None:
    page = tmp_path / "page.png"
    make_table_page(4).image.save(page)
    run = _govreport("extract", str(page), "-v", "-o", str(tmp_path / "r.json"))
    assert "OCR engine ready" in run.stderr and "recogniser: CPUExecutionProvider" in run.stderr, run.stderr


# -- widths from a small fixed set ----------------------------------------------------------------------
@pytest.mark.ocr
def test_gpu_widths_read_the_same_as_the_cpus() -> None:
    """The GPU's strip widths (multiples of 320 px), run on the CPU: the same tokens as the CPU's
    (multiples of 8), on a clean page and on one with a seal at 150 dpi, and only those widths fed."""
    engine = engines.get_engine()
    assert isinstance(engine, engines.RapidOcrEngine)
    settings = ExtractSettings()
    pages = [PageImage(1, np.asarray(make_table_page(71).image), 200),
             PageImage(2, np.asarray(make_table_page(72, seal=(3, 4), dpi=150).image), 150)]
    cpu, _ = tokens_from_page_images(pages, settings)
    seen: list[int] = []
    session = engine._rec.session

    class Spy:
        def __call__(self, batch: np.ndarray) -> np.ndarray:
            seen.append(batch.shape[3])
            return session(batch)

        def __getattr__(self, name: str) -> object:
            return getattr(session, name)

    engine.width_step, engine._rec.session = engines.GPU_WIDTH_STEP, Spy()
    try:
        gpu, _ = tokens_from_page_images(pages, settings)
    finally:
        engine.width_step, engine._rec.session = 8, session
    assert [(t.kind, t.text, t.bbox) for t in gpu] == [(t.kind, t.text, t.bbox) for t in cpu]
    assert sum(t.kind.value == "number" for t in cpu) > 80
    assert seen and all(w % 320 == 0 for w in seen) and len(set(seen)) <= 8


# -- one recogniser per device ---------------------------------------------------------------------------
def test_ray_plans_one_actor_per_gpu_and_refuses_too_few() -> None:
    assert ray_tasks.recognizers("cpu", 0) == [("cpu", 0)]
    assert ray_tasks.recognizers("cuda", 2) == [("cuda:0", 1)] * 2
    assert ray_tasks.recognizers("cuda:2,5", 8) == [("cuda:0", 1)] * 2
    for device, gpus in (("cuda", 0), ("cuda:0,1", 1)):
        with pytest.raises(DeviceUnavailableError, match="GPU"):
            ray_tasks.recognizers(device, gpus)


@pytest.mark.ocr
def test_two_services_share_the_workers(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        caplog: pytest.LogCaptureFixture) -> None:
    """What ``cuda:0,1`` does, on two CPU services: each worker talks to its own, both answer."""
    monkeypatch.setattr(workers, "service_devices", lambda settings: ["cpu", "cpu"])
    for seed, name in ((81, "north"), (82, "south")):  # two reports (pages named alike would be one report)
        make_table_page(seed).image.save(tmp_path / f"{name}.png")
    from govreport.batch.archive import discover

    items = [i for i in discover([str(tmp_path)], ExtractSettings()) if not hasattr(i, "error")]
    got: list[workers.Outcome] = []
    with caplog.at_level(logging.INFO, logger="govreport"):
        workers.run_pool(items, ExtractSettings(), 2, str(tmp_path), False, got.append, service=True)
    assert len(got) == 2
    busy = [r.getMessage() for r in caplog.records if r.getMessage().startswith("recognition service on cpu:")]
    assert len(busy) == 2 and all(" 0 requests" not in m for m in busy), busy


def test_a_service_that_cannot_start_stops_the_run_before_any_document(tmp_path: Path) -> None:
    settings = ExtractSettings(engine="paddle")
    try:
        import paddleocr  # noqa: F401
        pytest.skip("paddleocr is installed")
    except ImportError:
        pass
    svc = workers._Service(multiprocessing.get_context("spawn"), settings, 4, logging.WARNING)
    try:
        with pytest.raises(MissingDependencyError, match="paddleocr"):
            svc.wait_ready()
    finally:
        svc.close()


# -- benchmarks/gpu_check.sh where there is no GPU ------------------------------------------------------
@pytest.mark.parametrize("smi", [None, "#!/bin/sh\necho 'No devices were found'\nexit 6\n"])
def test_gpu_check_fails_clearly_without_a_gpu(tmp_path: Path, smi: str | None) -> None:
    """Exit 2 and one line, before anything is installed or generated (``nvidia-smi`` absent, or
    present without a device)."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    for tool in ("bash", "dirname", "nproc", "grep", "printf", "head"):
        found = shutil.which(tool)
        if found:
            (bindir / tool).symlink_to(found)
    if smi is not None:
        (bindir / "nvidia-smi").write_text(smi)
        (bindir / "nvidia-smi").chmod(0o755)
    script = Path(__file__).resolve().parents[1] / "benchmarks" / "gpu_check.sh"
    run = subprocess.run([str(bindir / "bash"), str(script)], capture_output=True, text=True, timeout=60,
                         env={"PATH": str(bindir), "WORK": str(tmp_path / "work")})
    assert run.returncode == 2, run.stderr
    assert run.stderr.startswith("gpu_check: error: no NVIDIA GPU here") and run.stderr.count("\n") == 1
    assert not (tmp_path / "work").exists()
