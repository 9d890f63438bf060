"""The playground's whole configuration as one value: checked, defaulted, and shareable.

TensorFlow Playground keeps every setting in one state object that serialises to its URL; so
does this: a dict (`DEFAULTS` names every key) that `checked()` validates and completes, and a
URL-fragment-like string (`to_fragment` / `from_fragment`) that restores it exactly, seed
included. The defaults are TensorFlow Playground's own.
"""

from __future__ import annotations

import math
from urllib.parse import parse_qsl, urlencode

import numpy as np

from workbench import datasets
from workbench.errors import WorkbenchError


class PlaygroundConfigError(WorkbenchError, ValueError):
    """A playground setting that cannot be used; nothing was changed."""


CLASSIFICATION = tuple(datasets.PLANE)
REGRESSION = tuple(datasets.PLANE_REGRESSION)
FEATURES = {
    "x1": lambda x1, x2: x1,
    "x2": lambda x1, x2: x2,
    "x1^2": lambda x1, x2: x1 * x1,
    "x2^2": lambda x1, x2: x2 * x2,
    "x1*x2": lambda x1, x2: x1 * x2,
    "sin(x1)": lambda x1, x2: np.sin(x1),
    "sin(x2)": lambda x1, x2: np.sin(x2),
}
ACTIVATIONS = ("relu", "tanh", "sigmoid", "linear")
REGULARIZATIONS = ("none", "l1", "l2")
PROBLEMS = ("classification", "regression")
MAX_LAYERS, MAX_NEURONS = 6, 8

DEFAULTS = {
    "problem": "classification",
    "dataset": "circles",
    "noise": 0.0,
    "ratio": 50,
    "samples": 500,
    "seed": 0,
    "batch_size": 10,
    "features": ["x1", "x2"],
    "hidden": [4, 2],
    "activation": "tanh",
    "learning_rate": 0.03,
    "regularization": "none",
    "regularization_rate": 0.0,
}


def checked(config: dict, base: dict | None = None) -> dict:
    """`base` (the defaults when None) updated with `config`, every value checked.

    Raises PlaygroundConfigError naming the setting and what it accepts."""
    base = dict(DEFAULTS if base is None else base)
    unknown = set(config) - set(DEFAULTS)
    if unknown:
        raise PlaygroundConfigError(
            f"Unknown playground setting(s) {', '.join(sorted(unknown))}; the settings are "
            f"{', '.join(DEFAULTS)}."
        )
    if "problem" in config and "dataset" not in config and config["problem"] != base["problem"]:
        base["dataset"] = (CLASSIFICATION if config["problem"] == "classification" else REGRESSION)[
            0
        ]
    merged = {**base, **config}
    for key, check in _CHECKS.items():
        merged[key] = check(merged[key], key)
    kinds = CLASSIFICATION if merged["problem"] == "classification" else REGRESSION
    if merged["dataset"] not in kinds:
        raise PlaygroundConfigError(
            f"Dataset {merged['dataset']!r} is not a {merged['problem']} dataset; choose one "
            f"of {', '.join(kinds)}."
        )
    return merged


def _number(low, high, integer=False, low_open=False):
    def check(value, key):
        kind = int if integer else (int, float)
        if isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value):
            raise PlaygroundConfigError(f"{key} must be a number, got {value!r}.")
        if value < low or value > high or (low_open and value == low):
            bound = f"above {low}" if low_open else f"at least {low}"
            raise PlaygroundConfigError(f"{key} must be {bound} and at most {high}, got {value!r}.")
        return value if integer else float(value)

    return check


def _choice(choices):
    def check(value, key):
        if value not in choices:
            raise PlaygroundConfigError(
                f"{key} must be one of {', '.join(choices)}, got {value!r}."
            )
        return value

    return check


def _features(value, key):
    if not isinstance(value, (list, tuple)) or not value:
        raise PlaygroundConfigError(f"{key} must list at least one of {', '.join(FEATURES)}.")
    for name in value:
        _choice(tuple(FEATURES))(name, key)
    return [name for name in FEATURES if name in value]  # one order, however they were given


def _hidden(value, key):
    if not isinstance(value, (list, tuple)) or len(value) > MAX_LAYERS:
        raise PlaygroundConfigError(
            f"{key} lists the neurons of each hidden layer (at most {MAX_LAYERS} layers), "
            f"got {value!r}."
        )
    return [_number(1, MAX_NEURONS, integer=True)(units, "neurons per layer") for units in value]


_CHECKS = {
    "problem": _choice(PROBLEMS),
    "dataset": _choice(CLASSIFICATION + REGRESSION),
    "noise": _number(0, 1),
    "ratio": _number(10, 90, integer=True),
    "samples": _number(10, 5000, integer=True),
    "seed": _number(0, 2**31 - 1, integer=True),
    "batch_size": _number(1, 5000, integer=True),
    "features": _features,
    "hidden": _hidden,
    "activation": _choice(ACTIVATIONS),
    "learning_rate": _number(0, 10, low_open=True),
    "regularization": _choice(REGULARIZATIONS),
    "regularization_rate": _number(0, 10),
}


def feature_matrix(points: np.ndarray, features: list) -> np.ndarray:
    """The network's inputs for 2-D points: one column per selected feature (float32)."""
    x1, x2 = points[:, 0], points[:, 1]
    return np.stack([FEATURES[name](x1, x2) for name in features], axis=1).astype(np.float32)


# --------------------------------------------------------------------------- sharing
def to_fragment(config: dict) -> str:
    """The configuration as a URL-fragment-like string, e.g. 'problem=classification&…'."""
    flat = {
        key: ",".join(map(str, value)) if isinstance(value, list) else value
        for key, value in checked(config).items()
    }
    return urlencode(flat, safe=",()^*")


def from_fragment(text: str) -> dict:
    """The configuration a `to_fragment` string describes (missing keys take the defaults)."""
    raw = dict(parse_qsl(text.lstrip("#"), keep_blank_values=True))
    config = {}
    for key, value in raw.items():
        default = DEFAULTS.get(key)
        try:
            if isinstance(default, list):
                items = [item for item in value.split(",") if item]
                config[key] = [int(item) for item in items] if key == "hidden" else items
            elif isinstance(default, str) or key not in DEFAULTS:
                config[key] = value
            elif isinstance(default, int):
                config[key] = int(value)
            else:
                config[key] = float(value)
        except ValueError as error:
            raise PlaygroundConfigError(f"{key}={value!r} in the fragment: {error}.") from error
    return checked(config)
