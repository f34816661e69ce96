from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

# Property tests draw a fixed set of examples by default, the same in CI and in the README's test
# command, so a red build reproduces anywhere. `HYPOTHESIS_PROFILE=explore` draws new examples to
# hunt for failures; each one found is fixed and kept as an @example.
settings.register_profile("ci", derandomize=True)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

# What a person reads is Chinese by default (govreport.i18n); the suite's assertions on messages are
# written against the English msgids, so tests run in English unless they choose Chinese (the `zh`
# fixture, `--lang zh`, or GOVREPORT_LANG=zh in a child's environment).
os.environ.setdefault("GOVREPORT_LANG", "en")

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT.parent / "shared" / "seeds"
SAMPLES = ROOT / "samples"


@pytest.fixture(scope="session")
def seeds() -> Path:
    if not SEEDS.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    return SEEDS


@pytest.fixture
def zh():
    """Messages in Chinese for this test (the previous choice restored after)."""
    from govreport.i18n import language

    with language("zh"):
        yield
