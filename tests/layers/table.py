"""The layer test table: every layer's harness rows, one `row(...)` per case.

Each module of tests/layers/cases/ holds `ROWS`, a list of `row(Layer, config, input_shape,
**run_layer_test_options)`; tests/layers/test_layer_table.py runs every row through
`run_layer_test` (tests/layers/harness.py), then the row's `then(result)` if it has one, and
fails when a declared layer has no row that runs in CI (not slow) and is not in its EXEMPT.
Adding a layer = its file + its rows here.
"""

from __future__ import annotations

import dataclasses
import importlib
import pkgutil
from collections.abc import Callable

import numpy as np
import pytest

from tests.layers import cases


@dataclasses.dataclass(frozen=True)
class Row:
    """One `run_layer_test(cls, config, input_shape, **options)` call."""

    cls: type
    config: dict
    input_shape: tuple | None
    options: dict
    slow: bool
    then: Callable | None  # further checks of the LayerTestResult, e.g. returns_its_input

    @property
    def layer_name(self) -> str:
        return self.cls.__name__


def row(cls, config=None, input_shape=None, *, slow=False, then=None, **options) -> Row:
    """A harness case; `slow=True` runs it only with --slow; `then(result)` checks more."""
    return Row(cls, dict(config or {}), input_shape, options, slow, then)


def returns_its_input(result) -> None:
    """The NumPy output is the input: random layers at inference, say."""
    np.testing.assert_array_equal(result.outputs["numpy"][0], result.inputs[0])


def all_rows() -> list[tuple[str, Row]]:
    """(module name, row) for every row of every module of tests/layers/cases/."""
    found = []
    for module_info in sorted(pkgutil.iter_modules(cases.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{cases.__name__}.{module_info.name}")
        found.extend((module_info.name, entry) for entry in module.ROWS)
    return found


def params() -> list:
    """pytest params of every row, named module-Layer-index (the row's place in its module,
    so that adding a row elsewhere renames nothing)."""
    found, counts = [], {}
    for module, entry in all_rows():
        index = counts[module] = counts.get(module, -1) + 1
        found.append(pytest.param(entry, id=f"{module}-{entry.layer_name}-{index}",
                                  marks=pytest.mark.slow if entry.slow else ()))
    return found
