"""Shared fixtures: tiny configs so the whole suite runs in a couple of minutes on 2 cores."""
from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
# Every chart the tests draw is validated against the Vega-Lite schema (app.blocks
# skips that on a visitor's request): a page whose chart is invalid fails its AppTest.
os.environ.setdefault("VGLAB_VALIDATE_CHARTS", "1")


def pytest_configure(config):
    config.addinivalue_line(
        "markers", "scale: several app replicas behind nginx with one Redis store "
                   "(tests/test_scale.py); runs in the normal suite, needs redis-server, "
                   "nginx and chromium")


@pytest.fixture(autouse=True, scope="session")
def _isolated_cache(tmp_path_factory):
    """Keep generated data sets (MNIST-1D) in a per-session folder, not the user's home."""
    os.environ.setdefault("VGCORE_CACHE", str(tmp_path_factory.mktemp("vgcore-cache")))
    yield


@pytest.fixture
def tiny_config():
    from vgcore import ExperimentConfig
    return ExperimentConfig(dataset="xor", train_size=64, test_size=32, hidden=(6, 6),
                            activations=("sigmoid", "relu"), epochs=2, batch_size=16)
