"""Shared fixtures: which backends are installed, and a clean engine state for every test."""

from __future__ import annotations

import os

# Keras (a dev dependency, used as a reference) reads its backend once, at import.
os.environ.setdefault("KERAS_BACKEND", "jax")

import pytest  # noqa: E402

import engine  # noqa: E402
from engine import backend as backends  # noqa: E402

INSTALLED = backends.available_backends()
ALL_BACKENDS = list(backends.BACKENDS)


def pytest_addoption(parser):
    parser.addoption("--slow", action="store_true", help="also run tests marked slow")


def pytest_collection_modifyitems(config, items):
    """Tests marked slow are exhaustive runs whose CI sample is a test of its own."""
    if config.getoption("--slow"):
        return
    skip = pytest.mark.skip(reason="an exhaustive run: pass --slow to run it")
    for item in items:
        if "slow" in item.keywords:
            item.add_marker(skip)


def backend_params():
    """One pytest param per backend; missing frameworks are skipped with the reason."""
    return [
        pytest.param(
            name,
            marks=() if name in INSTALLED else pytest.mark.skip(reason=f"{name} is not installed"),
        )
        for name in ALL_BACKENDS
    ]


@pytest.fixture(params=backend_params())
def backend_name(request):
    """Runs the test once per backend, with that backend as the default."""
    engine.set_backend(request.param)
    return request.param


@pytest.fixture(autouse=True)
def clean_engine():
    """Each test starts on NumPy with seed 0 and fresh layer names, and leaves it so."""
    engine.set_backend("numpy")
    engine.set_random_seed(0)
    engine.clear_session()
    yield
    engine.set_backend("numpy")
