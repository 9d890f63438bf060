"""Small datasets for the workbench: 2-D toy problems (NumPy, seeded) and scikit-learn's digits.

Each returns a Dataset: `model.fit(ds.x, ds.y)` or `x, y = ds`. The 2-D sets lie roughly in
[-1, 1]^2 and are shuffled (so `validation_split`, which takes the last samples, is fair).
Binary labels are float32 of shape (n, 1); class labels are int32 of shape (n,).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.errors import DatasetError


@dataclass(frozen=True)
class Dataset:
    x: np.ndarray
    y: np.ndarray
    name: str
    task: str  # "binary" | "multiclass" | "regression"
    classes: int = 0

    def __iter__(self):
        return iter((self.x, self.y))

    def __len__(self):
        return len(self.x)

    def split(self, test_fraction: float = 0.2) -> tuple[Dataset, Dataset]:
        """(train, test): the last `test_fraction` of the (already shuffled) samples is test."""
        if not 0 < test_fraction < 1:
            raise DatasetError(f"test_fraction must be between 0 and 1, got {test_fraction!r}.")
        cut = len(self) - max(1, int(round(len(self) * test_fraction)))
        return self._subset(slice(None, cut)), self._subset(slice(cut, None))

    def _subset(self, part) -> Dataset:
        return Dataset(self.x[part], self.y[part], self.name, self.task, self.classes)

    def info(self) -> dict:
        return {
            "name": self.name,
            "task": self.task,
            "samples": len(self),
            "classes": self.classes,
            "x_shape": list(self.x.shape[1:]),
            "y_shape": list(self.y.shape[1:]),
        }


def _finish(name, x, labels, classes, seed) -> Dataset:
    order = np.random.default_rng(seed + 1).permutation(len(x))
    x, labels = x[order].astype(np.float32), labels[order]
    if classes == 2:
        return Dataset(x, labels.reshape(-1, 1).astype(np.float32), name, "binary", 2)
    return Dataset(x, labels.astype(np.int32), name, "multiclass", classes)


def _check(samples, noise):
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 2:
        raise DatasetError(f"samples must be an int of at least 2, got {samples!r}.")
    if not 0 <= noise <= 1:
        raise DatasetError(f"noise must be between 0 and 1, got {noise!r}.")


def spirals(samples: int = 400, noise: float = 0.1, seed: int = 0, classes: int = 2) -> Dataset:
    """Interleaved spiral arms, one per class (TensorFlow Playground's spiral)."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % classes
    t = rng.uniform(0, 1, samples)
    angle = 1.75 * 2 * np.pi * t + 2 * np.pi * labels / classes
    radius = 0.9 * t
    x = np.stack([radius * np.sin(angle), radius * np.cos(angle)], axis=1)
    return _finish("spirals", x + rng.normal(0, noise * 0.3, x.shape), labels, classes, seed)


def circles(samples: int = 400, noise: float = 0.1, seed: int = 0, factor: float = 0.5) -> Dataset:
    """A disc (class 1) inside a ring (class 0)."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % 2
    angle = rng.uniform(0, 2 * np.pi, samples)
    radius = np.where(
        labels == 1, rng.uniform(0, factor * 0.9, samples), rng.uniform(0.7, 1.0, samples)
    )
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1)
    return _finish("circles", x + rng.normal(0, noise * 0.3, x.shape), labels, 2, seed)


def moons(samples: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Two interleaving half circles."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % 2
    angle = rng.uniform(0, np.pi, samples)
    upper = np.stack([np.cos(angle), np.sin(angle)], axis=1)
    lower = np.stack([1 - np.cos(angle), 0.5 - np.sin(angle)], axis=1)
    x = np.where(labels[:, None] == 0, upper, lower)
    x = (x - [0.5, 0.25]) / 1.5  # centred, within [-1, 1]
    return _finish("moons", x + rng.normal(0, noise * 0.3, x.shape), labels, 2, seed)


def xor(samples: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Class 1 where both coordinates have the same sign (a margin keeps the axes clear)."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (samples, 2))
    x += np.sign(x) * 0.05
    labels = (x[:, 0] * x[:, 1] > 0).astype(np.int64)
    return _finish("xor", x + rng.normal(0, noise * 0.3, x.shape), labels, 2, seed)


def gaussians(samples: int = 400, noise: float = 0.1, seed: int = 0, classes: int = 2) -> Dataset:
    """One Gaussian blob per class, centres spread on a circle."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    labels = np.arange(samples) % classes
    angle = 2 * np.pi * labels / classes + np.pi / 4
    centres = 0.5 * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    x = centres + rng.normal(0, 0.1 + 0.3 * noise, (samples, 2))
    return _finish("gaussians", x, labels, classes, seed)


def plane(samples: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Regression on a tilted plane: y = (x1 + x2) / 2, in [-1, 1]."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (samples, 2))
    return _regression("plane", x + rng.normal(0, noise * 0.3, x.shape), x.sum(axis=1) / 2)


# (x1, x2, sign) of each bump of multi_gaussian: a 3 x 2 chequer of hills and valleys
_BUMPS = [
    (cx, cy, (-1) ** (i + j))
    for i, cy in enumerate((0.45, -0.45))
    for j, cx in enumerate((-0.65, 0.0, 0.65))
]


def multi_gaussian(samples: int = 400, noise: float = 0.1, seed: int = 0) -> Dataset:
    """Regression on six bumps, alternately up (+1) and down (-1): each point takes the value
    of the bump that reaches highest there, falling linearly to 0 at distance 0.35."""
    _check(samples, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1, 1, (samples, 2))
    heights = np.stack(
        [
            sign * np.clip(1 - np.hypot(x[:, 0] - cx, x[:, 1] - cy) / 0.35, 0, 1)
            for cx, cy, sign in _BUMPS
        ],
        axis=1,
    )
    y = heights[np.arange(samples), np.abs(heights).argmax(axis=1)]
    return _regression("multi_gaussian", x + rng.normal(0, noise * 0.3, x.shape), y)


def _regression(name, x, y) -> Dataset:
    return Dataset(x.astype(np.float32), y.reshape(-1, 1).astype(np.float32), name, "regression")


def digits(image: bool = False) -> Dataset:
    """scikit-learn's 8x8 handwritten digits (1,797 samples, bundled with it: no download).

    x is scaled to [0, 1]: (n, 64), or (n, 8, 8, 1) with image=True.
    """
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise DatasetError(
            'The digits dataset comes with scikit-learn: pip install "model-workbench[workbench]".'
        ) from error
    bunch = load_digits()
    x = (bunch.data / 16.0).astype(np.float32)
    x = x.reshape(-1, 8, 8, 1) if image else x
    return Dataset(x, bunch.target.astype(np.int32), "digits", "multiclass", 10)


PLANE = {"spirals": spirals, "circles": circles, "moons": moons, "xor": xor, "gaussians": gaussians}
PLANE_REGRESSION = {"plane": plane, "multi_gaussian": multi_gaussian}
DATASETS = {**PLANE, **PLANE_REGRESSION, "digits": digits}


def load(name: str, **options) -> Dataset:
    """A dataset by name: one of DATASETS, with that function's options."""
    if name not in DATASETS:
        raise DatasetError(f"Unknown dataset {name!r}. Choose one of: {', '.join(DATASETS)}.")
    try:
        return DATASETS[name](**options)
    except TypeError as error:
        raise DatasetError(f"Dataset {name!r} cannot take these options: {error}.") from error


def as_dataset(data, name: str = "data") -> Dataset:
    """A Dataset from a Dataset or an (x, y) pair of arrays."""
    if isinstance(data, Dataset):
        return data
    if isinstance(data, tuple) and len(data) == 2:
        x, y = np.asarray(data[0]), np.asarray(data[1])
        if y.dtype.kind in "iu":
            return Dataset(x, y, name, "multiclass", int(y.max()) + 1 if y.size else 0)
        binary = y.size and set(np.unique(y)) <= {0.0, 1.0}
        return Dataset(x, y, name, "binary" if binary else "regression", 2 if binary else 0)
    raise DatasetError(
        f"Training data is a workbench Dataset or an (x, y) tuple of arrays, got "
        f"{type(data).__name__}."
    )
