"""Keras 3 guide and example programs: each runs under real Keras 3, and under the engine on
every backend it agrees with Keras's numbers from the same starting weights."""

from __future__ import annotations

import math

import numpy as np
import pytest

import engine
from tests.keras_programs import harness
from tests.keras_programs.expected_failures import expected_failure


def reference_numbers(name: str) -> dict[str, float]:
    numbers = harness.reference(name)
    if isinstance(numbers, str):
        pytest.fail(f"{name} failed under Keras: {numbers}")
    return numbers


def slow_marks(name: str) -> list:
    return [pytest.mark.slow] if harness.slow(name) else []


@pytest.mark.parametrize(
    "name", [pytest.param(name, marks=slow_marks(name)) for name in harness.PROGRAM_NAMES]
)
def test_program_runs_under_keras(name):
    numbers = reference_numbers(name)
    assert numbers, f"{name}.run returned no numbers"
    assert all(math.isfinite(value) for value in numbers.values()), numbers


def engine_cases():
    installed = engine.available_backends()
    for name in harness.PROGRAM_NAMES:
        for backend in harness.ENGINE_BACKENDS:
            marks = slow_marks(name)
            if backend not in installed:
                marks.append(pytest.mark.skip(reason=f"{backend} is not installed"))
            elif backend not in harness.engine_backends(name):
                written_for = ", ".join(harness.engine_backends(name))
                marks.append(pytest.mark.skip(reason=f"{name} is written for {written_for}"))
            elif reason := expected_failure(name, backend):
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(name, backend, marks=marks, id=f"{name}-{backend}")


@pytest.mark.parametrize(("name", "backend"), list(engine_cases()))
def test_program_on_engine_matches_keras(name, backend):
    engine.set_backend(backend)
    numbers = harness.run(name, engine)
    expected = reference_numbers(name)
    assert numbers.keys() == expected.keys()
    for key, value in expected.items():
        np.testing.assert_allclose(numbers[key], value, rtol=harness.rtol(name), err_msg=key)


def other_framework_cases():
    installed = engine.available_backends()
    for name in harness.PROGRAM_NAMES:
        written_for = harness.engine_backends(name)
        for backend in harness.ENGINE_BACKENDS:
            if backend in written_for or backend not in installed:
                continue
            marks = slow_marks(name)
            if reason := expected_failure(name, backend):
                marks.append(pytest.mark.xfail(strict=True, reason=reason))
            yield pytest.param(name, backend, marks=marks, id=f"{name}-{backend}")


@pytest.mark.parametrize(("name", "backend"), list(other_framework_cases()))
def test_program_for_another_framework_fails_naming_it(name, backend):
    """A train_step written for one framework, run on another backend, is an error naming
    the framework it needs, never silently skipped."""
    engine.set_backend(backend)
    with pytest.raises(Exception) as failure:
        harness.run(name, engine)
    framework = harness.engine_backends(name)[0]
    assert framework.lower() in str(failure.value).lower(), failure.value
