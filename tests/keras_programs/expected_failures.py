"""The one table of what stops each program on the engine today.

EXPECTED_FAILURES maps a program to the missing features it needs, on every backend (a tuple)
or per backend (a dict of tuples). Its tests run as strict xfails with those features as the
reason, so they turn into failures the moment the program passes: then delete its row. The
first feature is the one the program stops at today; the others are what it reaches later (the
names its text uses that the engine lacks). README.md ranks the features by programs blocked.
"""

from __future__ import annotations

from tests.keras_programs.harness import ENGINE_BACKENDS

# Layers (#28)

# Ops and random (#29)

# The Keras API around models and training (#27)
DROPOUT_MASKS = "Dropout masks other than Keras's move the losses past the program's rtol"


def written_for(
    framework: str, features: tuple[str, ...], elsewhere: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """A program for one framework: it needs `features` on that backend, and `elsewhere` on
    the others before it stops with an error naming the framework."""
    return {
        backend: features if backend == framework else elsewhere for backend in ENGINE_BACKENDS
    }


EXPECTED_FAILURES: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    "example_imbalanced_classification": (DROPOUT_MASKS,),
}


def missing_features(name: str, backend: str) -> tuple[str, ...]:
    """What program `name` needs on `backend` that the engine lacks today (empty: it passes)."""
    features = EXPECTED_FAILURES.get(name, ())
    if isinstance(features, dict):
        return features.get(backend, ())
    return features


def expected_failure(name: str, backend: str) -> str | None:
    """The xfail reason for program `name` on `backend`, or None when it is expected to pass."""
    return "; ".join(missing_features(name, backend)) or None
