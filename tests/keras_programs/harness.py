"""Runs one Keras program under real Keras 3 or under the engine, from the same starting weights.

A program is a module in `programs/` with a docstring naming its source and
`run(keras, same_weights) -> dict` of final numbers (losses, metrics). It is the guide's or
example's code with two adaptations: `keras` (and `layers`, `ops` taken from it) is the
parameter, and downloads are synthetic NumPy data of the same shapes. It calls
`same_weights(model)` once the model is built, which replaces its weights by the next draws of
one seeded NumPy generator (Glorot-uniform for kernels): Keras and the engine draw initial
weights differently, so this is what makes their runs start at the same point. Vectors of zeros
and ones (biases, BatchNorm's scales and statistics) keep their values, the same in both.

Optional module constants:
- RTOL: relative tolerance of the comparison with Keras (default `DEFAULT_RTOL`); a program
  with dropout or other draws during training says why it needs more. (`fit` shuffles in
  another order than Keras, so programs train on one batch an epoch: then order is moot.)
- KERAS_BACKEND: the Keras backend the reference needs (default "jax", this process's);
  another one runs in a subprocess (`python -m tests.keras_programs.reference NAME...`);
- ENGINE_BACKENDS: the engine backends it is written for (a train_step in one framework);
- SLOW: True for a program too heavy for CI's budget; it runs only with `pytest --slow`.
"""

from __future__ import annotations

import functools
import importlib
import json
import os
import pkgutil
import subprocess
import sys
from pathlib import Path

import numpy as np

from tests.keras_programs import programs

SEED = 1337
DEFAULT_RTOL = 1e-2
ENGINE_BACKENDS = ("numpy", "jax", "torch", "tensorflow")
REPOSITORY_ROOT = Path(__file__).resolve().parents[2]

PROGRAM_NAMES = sorted(info.name for info in pkgutil.iter_modules(programs.__path__))


def program(name: str):
    """The program's module."""
    return importlib.import_module(f"{programs.__name__}.{name}")


def rtol(name: str) -> float:
    return getattr(program(name), "RTOL", DEFAULT_RTOL)


def reference_backend(name: str) -> str:
    return getattr(program(name), "KERAS_BACKEND", "jax")


def engine_backends(name: str) -> tuple[str, ...]:
    return getattr(program(name), "ENGINE_BACKENDS", ENGINE_BACKENDS)


def slow(name: str) -> bool:
    return getattr(program(name), "SLOW", False)


def glorot_uniform(shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """Keras's Glorot-uniform rule: fans from the last two axes times the receptive field."""
    receptive_field = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive_field, shape[-1] * receptive_field
    limit = np.sqrt(6.0 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape).astype("float32")


def same_weights_setter(seed: int = SEED):
    """`same_weights(model)`: the next draws of one generator for the model's weights."""
    rng = np.random.default_rng(seed)

    def draw(weight: np.ndarray) -> np.ndarray:
        if weight.ndim >= 2:
            return glorot_uniform(weight.shape, rng)
        if weight.ndim == 1 and not np.isin(weight, (0, 1)).all():
            return rng.uniform(-0.05, 0.05, size=weight.shape).astype(weight.dtype)
        return weight

    def same_weights(model) -> None:
        model.set_weights([draw(w) for w in model.get_weights()])

    return same_weights


def run(name: str, keras) -> dict[str, float]:
    """Run program `name` against the `keras`-like namespace, seeded, and return its numbers."""
    keras.utils.set_random_seed(SEED)
    results = program(name).run(keras, same_weights_setter())
    return {key: float(value) for key, value in results.items()}


@functools.cache
def reference(name: str) -> dict[str, float] | str:
    """The program's numbers under real Keras 3 on the backend it needs, or the error it raised.

    This process's Keras runs it itself; programs for another Keras backend all run in one
    subprocess on their first request (`python -m tests.keras_programs.reference NAME...`),
    since starting one costs seconds."""
    backend = reference_backend(name)
    if backend == os.environ.get("KERAS_BACKEND"):
        import keras

        return run_or_error(name, keras)
    return references_in_subprocess(backend, slow(name))[name]


@functools.cache
def references_in_subprocess(backend: str, slow_ones: bool) -> dict[str, dict[str, float] | str]:
    """The programs for Keras's `backend`, the slow ones or the others, in one subprocess."""
    names = [
        name for name in PROGRAM_NAMES
        if reference_backend(name) == backend and slow(name) == slow_ones
    ]
    completed = subprocess.run(
        [sys.executable, "-m", "tests.keras_programs.reference", *names],
        env={**os.environ, "KERAS_BACKEND": backend},
        cwd=REPOSITORY_ROOT, capture_output=True, text=True, check=False,
    )
    if completed.returncode:
        raise RuntimeError(f"Keras on {backend} did not start:\n{completed.stderr[-3000:]}")
    return json.loads(completed.stdout.strip().splitlines()[-1])


def run_or_error(name: str, keras) -> dict[str, float] | str:
    """`run`'s numbers, or the exception it raised, as text."""
    try:
        return run(name, keras)
    except Exception as error:  # noqa: BLE001 - reported by the test that reads it
        return f"{type(error).__name__}: {error}"
