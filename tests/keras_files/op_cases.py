"""Op nodes in `.keras` files: a table of ops applied to symbolic tensors, written once against
a `keras` module (the engine's or Keras's), and the real-Keras half of their round trips:

    KERAS_BACKEND=jax python -m tests.keras_files.op_cases FOLDER

CASES are models that use ops as people write them (operators, indexing, keyword arguments);
GROUPS hold every op the engine writes for Keras, one output each, by the kind of input the
op takes. For each case, Keras loads the engine's FOLDER/<case>.engine.keras and predicts the
batch, rebuilds the engine's to_json() (<case>.engine.json) with model_from_json, and builds
the case itself (but those of ENGINE_ONLY), saving <case>.keras.keras and its to_json() as
<case>.keras.json, and predicting with its own weights and then the engine's; the
predictions go to <case>.npz, one array an output.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

# The input shapes, few so that JAX compiles each model once: features, square matrices,
# images (channels last)
SHAPE, SQUARE, IMAGES = (4, 6), (3, 3), (8, 8, 3)
BATCH = 3

# name -> fn(keras, x) -> output(s), x a Dense layer's output of shape (batch, 4, 6)
CASES = {
    "add_tensors": lambda k, x: x + x[:, :1],
    "arithmetic_constants": lambda k, x: (x * 2.0 - 1.0) / 3.0 + np.arange(6, dtype="float32"),
    "reflected_operators": lambda k, x: 1.0 - x + 2.0 / (abs(x) + 1.0),
    "power_floor_mod": lambda k, x: (x ** 2) // 0.5 + x % 0.5 - (-x),
    "slices": lambda k, x: x[:, 1:3, ::2],
    "none_ellipsis_int": lambda k, x: x[..., None, 0][:, -1],
    "single_slice": lambda k, x: x[1:],
    "softmax_axis": lambda k, x: k.ops.softmax(x, axis=1),
    "gelu_exact": lambda k, x: k.ops.gelu(x, approximate=False),
    "leaky_relu": lambda k, x: k.ops.leaky_relu(x, negative_slope=0.1),
    "mean_keepdims": lambda k, x: k.ops.mean(x, axis=-1, keepdims=True),
    "sum_axes": lambda k, x: k.ops.sum(x, axis=(1, 2)),
    "max_min": lambda k, x: k.ops.max(x, axis=1) - k.ops.min(x, axis=1, keepdims=False),
    "concatenate": lambda k, x: k.ops.concatenate([x, k.ops.relu(x)], axis=-1),
    "matmul_constant": lambda k, x: x @ np.linspace(-1, 1, 12, dtype="float32").reshape(6, 2),
    "where_clip": lambda k, x: k.ops.where(x > 0.0, x, k.ops.clip(x, -0.5, 0.5)),
    "moments": lambda k, x: k.ops.moments(x, (1,))[1],
}
# Cases Keras can load but not build: its KerasTensor indexes with tuples of keys only
ENGINE_ONLY = {"single_slice"}
# Ops whose numbers Keras 3.15 (on its NumPy backend) computes otherwise than the engine: their
# files are checked against the same model built on the other side, from the same weights
KERAS_DIFFERS = {
    "sparsemax": "Keras's threshold sums the support's cumulative sums instead of taking the "
                 "last (its outputs need not sum to 1; on its JAX backend too)",
    "elastic_transform": "its displacements are random: Keras and the engine draw their own",
    "sobel_edges": "Keras's NumPy backend treats the borders otherwise (its JAX backend "
                   "agrees with the engine)",
}


def _positive(k, x):
    """x in (0.1, 0.9): inside every float op's domain."""
    return k.ops.sigmoid(x) * 0.8 + 0.1


def _integers(k, x):
    return k.ops.cast(k.ops.round(x * 3.0), "int32")


def _counts(k, x):
    """Integers from 0 to 5."""
    return k.ops.cast(k.ops.clip(k.ops.abs(x) * 2.0, 0.0, 5.0), "int32")


def _rows(k, x):
    """(batch, 24): a signal per sample."""
    return k.ops.reshape(x, (-1, 24))


def _spread(k, x, y):
    """An output without the batch's axis (a scalar, a flattened batch), as one with it."""
    return x + k.ops.sum(y)


def _pair(k, x):
    """A complex tensor as keras.ops' FFTs take it: (real part, imaginary part)."""
    return x, x * 0.5


def _spd(k, x):
    """Symmetric positive definite (batch, 3, 3) matrices."""
    return k.ops.matmul(x, k.ops.swapaxes(x, 1, 2)) + np.eye(3, dtype="float32") * 3.0


def _table(*names):
    return {name: lambda k, x, name=name: _op(k, name)(x) for name in names}


def _op(k, name):
    namespace, _, function = name.rpartition(".")
    return getattr(getattr(k.ops, namespace) if namespace else k.ops, function)


_UNARY = {
    **_table("abs", "absolute", "arcsinh", "arctan", "cbrt", "ceil", "conj", "conjugate", "copy",
             "cos", "cosh", "deg2rad", "exp", "exp2", "expm1", "fabs", "floor", "negative",
             "rad2deg", "real", "imag", "angle", "sign", "signbit", "sin", "sinc", "sinh",
             "square", "tanh", "trunc", "round", "erf", "erfc", "isfinite", "isinf", "isnan",
             "isneginf", "isposinf", "isreal", "logical_not", "i0", "nan_to_num", "zeros_like",
             "ones_like", "stop_gradient", "ravel", "relu", "relu6", "sigmoid", "silu",
             "softplus", "softsign", "swish", "hard_sigmoid", "hard_silu", "hard_swish",
             "hard_tanh", "log_sigmoid", "selu", "sparse_plus", "sparse_sigmoid", "tanh_shrink",
             "celu", "elu", "gelu", "leaky_relu", "hard_shrink", "soft_shrink", "squareplus"),
    "empty_like": lambda k, x: k.ops.zeros_like(k.ops.empty_like(x)),
    "full_like": lambda k, x: k.ops.full_like(x, 2.0),
    "cast": lambda k, x: k.ops.cast(x * 10.0, "int32"),
    "threshold": lambda k, x: k.ops.threshold(x, 0.1, -1.0),
}
_POSITIVE = {
    **{name: lambda k, x, name=name: _op(k, name)(_positive(k, x)) for name in (
        "arccos", "arcsin", "arctanh", "log", "log10", "log1p", "log2", "sqrt", "rsqrt",
        "reciprocal", "tan", "erfinv")},
    "arccosh": lambda k, x: k.ops.arccosh(_positive(k, x) + 1.0),
}
_BINARY = {
    **{name: lambda k, x, name=name: _op(k, name)(x, x[:, :1]) for name in (
        "add", "subtract", "multiply", "divide", "true_divide", "maximum", "minimum", "equal",
        "not_equal", "greater", "greater_equal", "less", "less_equal", "arctan2", "divide_no_nan",
        "fmax", "fmin", "hypot", "logaddexp", "logaddexp2", "nextafter", "heaviside",
        "isclose")},
    **{name: lambda k, x, name=name: _op(k, name)(x > 0.0, x < 0.5) for name in (
        "logical_and", "logical_or", "logical_xor")},
    **{name: lambda k, x, name=name: _op(k, name)(_integers(k, x), _counts(k, x[:, :1]))
       for name in ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_left_shift",
                    "bitwise_right_shift", "left_shift", "right_shift", "gcd", "lcm")},
    **{name: lambda k, x, name=name: _op(k, name)(_integers(k, x)) for name in (
        "bitwise_invert", "bitwise_not")},
    "power": lambda k, x: k.ops.power(_positive(k, x), x),
    "fmod": lambda k, x: k.ops.fmod(x, 0.7),
    # quotients off whole numbers, where backends' float rounding may floor either way
    "floor_divide": lambda k, x: k.ops.floor_divide(x, x[:, :1] * 0.7 + 0.1),
    "mod": lambda k, x: k.ops.mod(x, x[:, :1] * 0.7 + 0.1),
    "ldexp": lambda k, x: k.ops.ldexp(x, _counts(k, x)),
    "allclose": lambda k, x: k.ops.logical_and(k.ops.allclose(x, x * 1.0000001), x > 0.0),
    "clip": lambda k, x: k.ops.clip(x, -0.5, 0.5),
    "where": lambda k, x: k.ops.where(x > 0.0, x, x * 0.5),
    "select": lambda k, x: k.ops.select([x > 0.5, x < -0.5], [x, x * 2.0], 1.0),
    "isin": lambda k, x: k.ops.isin(_integers(k, x), np.array([0, 1, 3])),
    "digitize": lambda k, x: k.ops.digitize(x, np.array([-1.0, 0.0, 1.0], "float32")),
    "searchsorted": lambda k, x: k.ops.searchsorted(
        np.array([-1.0, 0.0, 1.0], "float32"), _rows(k, x)),
    "cdist": lambda k, x: k.ops.cdist(x, x * 0.5),
}


def _axis(name, **kwargs):
    return lambda k, x: _op(k, name)(x, axis=-1, **kwargs)


_REDUCTIONS = {
    **{name: _axis(name) for name in (
        "sum", "mean", "max", "min", "amax", "amin", "std", "var", "prod", "median", "ptp",
        "nanmax", "nanmean", "nanmedian", "nanmin", "nanprod", "nanstd", "nansum", "nanvar",
        "nanargmax", "nanargmin", "argmax", "argmin", "logsumexp", "count_nonzero", "average",
        "cumsum", "cumprod", "nancumsum", "nancumprod", "sort", "argsort", "softmax",
        "log_softmax", "sparsemax", "glu", "normalize", "trapezoid")},
    "mean_keepdims": _axis("mean", keepdims=True),
    "any": lambda k, x: k.ops.any(x > 0.5, axis=1, keepdims=True),
    "all": lambda k, x: k.ops.all(x > -0.5, axis=-1),
    "percentile": lambda k, x: k.ops.percentile(x, 30.0, axis=-1),
    "quantile": lambda k, x: k.ops.quantile(x, 0.3, axis=-1),
    "nanpercentile": lambda k, x: k.ops.nanpercentile(x, 30.0, axis=-1),
    "nanquantile": lambda k, x: k.ops.nanquantile(x, 0.3, axis=-1),
    "norm": lambda k, x: _spread(k, x, k.ops.norm(x)),
    "diff": lambda k, x: k.ops.diff(x, 1, 1),
    "argpartition": lambda k, x: k.ops.argpartition(x, 2, axis=-1),
    "ctc_loss": lambda k, x: k.ops.ctc_loss(
        _counts(k, x[:, :2, 0]) + 1, x, k.ops.sum(_counts(k, x[:, :2, 0]) * 0 + 1, axis=1),
        k.ops.sum(_counts(k, x[:, :, 0]) * 0 + 1, axis=1)),

    "top_k": lambda k, x: k.ops.top_k(x, 2),
    "in_top_k": lambda k, x: k.ops.in_top_k(_counts(k, x[:, 0, 0]), x[:, 0], 2),
    "moments": lambda k, x: k.ops.moments(x, (1,), keepdims=True),
    "layer_normalization": lambda k, x: k.ops.layer_normalization(x),
    "rms_normalization": lambda k, x: k.ops.rms_normalization(x),
    "batch_normalization": lambda k, x: k.ops.batch_normalization(
        x, np.linspace(-1, 1, 6, dtype="float32"), np.linspace(1, 2, 6, dtype="float32"), -1),
    "one_hot": lambda k, x: k.ops.one_hot(_counts(k, x), 6),
    "multi_hot": lambda k, x: k.ops.multi_hot(_counts(k, x[:, 0]), 6),
    "binary_crossentropy": lambda k, x: k.ops.binary_crossentropy(
        _positive(k, x), _positive(k, x * 0.5)),
    "categorical_crossentropy": lambda k, x: k.ops.categorical_crossentropy(
        k.ops.softmax(x), k.ops.softmax(x * 2.0)),
    "sparse_categorical_crossentropy": lambda k, x: k.ops.sparse_categorical_crossentropy(
        _counts(k, x[..., 0]), k.ops.softmax(x)),
    "psnr": lambda k, x: _spread(k, x, k.ops.psnr(_positive(k, x), _positive(k, x * 0.9), 1.0)),
    "segment_sum": lambda k, x: k.ops.segment_sum(
        k.ops.swapaxes(x, 0, 1), np.array([0, 0, 1, 1]), 2),
    "segment_max": lambda k, x: k.ops.segment_max(
        k.ops.swapaxes(x, 0, 1), np.array([0, 1, 1, 2]), 3),
    "segment_min": lambda k, x: k.ops.segment_min(
        k.ops.swapaxes(x, 0, 1), np.array([0, 1, 1, 2]), 3),
    "segment_prod": lambda k, x: k.ops.segment_prod(
        k.ops.swapaxes(x, 0, 1), np.array([0, 0, 1, 1]), 2),
}
_SHAPES = {
    "reshape": lambda k, x: k.ops.reshape(x, (-1, 24)),
    "transpose": lambda k, x: k.ops.transpose(x, (0, 2, 1)),
    "expand_dims": lambda k, x: k.ops.expand_dims(x, 1),
    "squeeze": lambda k, x: k.ops.squeeze(x[:, :1], 1),
    "broadcast_to": lambda k, x: _spread(k, x, k.ops.broadcast_to(k.ops.sum(x), (4, 6))),
    "concatenate": lambda k, x: k.ops.concatenate([x, x * 2.0], axis=1),
    "stack": lambda k, x: k.ops.stack([x, x * 2.0], axis=1),
    "hstack": lambda k, x: k.ops.hstack([x, x]),
    "vstack": lambda k, x: k.ops.vstack([x, x]),
    "dstack": lambda k, x: k.ops.dstack([x, x]),
    "append": lambda k, x: k.ops.append(x, x, axis=1),
    "split": lambda k, x: k.ops.split(x, 2, axis=1),
    "array_split": lambda k, x: k.ops.array_split(x, 3, axis=2),
    "hsplit": lambda k, x: k.ops.hsplit(x, 2),
    "vsplit": lambda k, x: k.ops.vsplit(x, 1),
    "dsplit": lambda k, x: k.ops.dsplit(x, 3),
    "unstack": lambda k, x: k.ops.unstack(x, 4, axis=1),
    "flip": lambda k, x: k.ops.flip(x, 1),
    "fliplr": lambda k, x: k.ops.fliplr(x),
    "flipud": lambda k, x: k.ops.flipud(x),
    "moveaxis": lambda k, x: k.ops.moveaxis(x, 1, 2),
    "swapaxes": lambda k, x: k.ops.swapaxes(x, 1, 2),
    "roll": lambda k, x: k.ops.roll(x, 1, 2),
    "rot90": lambda k, x: k.ops.rot90(x, 1, (1, 2)),
    "repeat": lambda k, x: k.ops.repeat(x, 2, 1),
    "tile": lambda k, x: k.ops.tile(x, (1, 2, 1)),
    "take": lambda k, x: k.ops.take(x, np.array([0, 2]), axis=1),
    "take_along_axis": lambda k, x: k.ops.take_along_axis(x, k.ops.argsort(x, axis=1), 1),
    "getitem": lambda k, x: x[:, 1:3, ::2],
    "get_item": lambda k, x: k.ops.get_item(x, (slice(None), 0)),
    "diagonal": lambda k, x: k.ops.diagonal(x, 0, 1, 2),
    "trace": lambda k, x: k.ops.trace(x, 0, 1, 2),
    "tril": lambda k, x: k.ops.tril(x, 0),
    "triu": lambda k, x: k.ops.triu(x, 1),
    "diag": lambda k, x: k.ops.diag(x[:, 0]),
    "diagflat": lambda k, x: k.ops.diagflat(x[:, 0, :2]),
    "vander": lambda k, x: k.ops.vander(x[:, 0, 0], 3),
    "rearrange": lambda k, x: _spread(k, x, k.ops.rearrange(k.ops.sum(x, axis=0), "h w -> w h")),
    "slice": lambda k, x: k.ops.slice(x, (0, 1, 2), (BATCH, 2, 3)),
    # on a copy: Keras's NumPy backend updates its input in place
    "slice_update": lambda k, x: k.ops.slice_update(x * 1.0, (0, 1, 2), x[:, :2, :3] * 2.0),
    "scatter": lambda k, x: k.ops.scatter(np.array([[0, 1], [2, 3]]), x[:2, 0, 0], (BATCH, 4)),
    "scatter_update": lambda k, x: k.ops.scatter_update(
        x * 1.0, np.array([[0, 1, 2], [1, 0, 0]]), x[:2, 0, 0]),
    "view": lambda k, x: k.ops.view(_integers(k, x), "float32"),
    "matmul": lambda k, x: k.ops.matmul(x, k.ops.transpose(x, (0, 2, 1))),
    "dot": lambda k, x: k.ops.dot(x, np.linspace(-1, 1, 12, dtype="float32").reshape(6, 2)),
    "tensordot": lambda k, x: k.ops.tensordot(x, np.ones((6, 2), "float32"), 1),
    "inner": lambda k, x: k.ops.inner(x, x * 0.5),
    "outer": lambda k, x: k.ops.outer(x[:, 0], x[:, 1]),
    "kron": lambda k, x: k.ops.kron(x, np.ones((1, 2, 1), "float32")),
    "vdot": lambda k, x: _spread(k, x, k.ops.vdot(x, x * 0.5)),
    "einsum": lambda k, x: k.ops.einsum("bij,bkj->bik", x, x),
    "cross": lambda k, x: k.ops.cross(x[..., :3], x[..., 3:]),
    "correlate": lambda k, x: _spread(k, x, k.ops.correlate(
        x[0, 0], np.array([1.0, -1.0, 0.5], "float32"))),
    "corrcoef": lambda k, x: k.ops.corrcoef(x[:, 0]),
    "unravel_index": lambda k, x: k.ops.unravel_index(k.ops.argmax(_rows(k, x), -1), (4, 6)),
    "extract_sequences": lambda k, x: k.ops.extract_sequences(x, 3, 1),
    "stft": lambda k, x: k.ops.stft(_rows(k, x), 8, 4, 8),
    "istft": lambda k, x: k.ops.istft(k.ops.stft(_rows(k, x), 8, 4, 8), 8, 4, 8),
    "rfft": lambda k, x: k.ops.rfft(x),
    "irfft": lambda k, x: k.ops.irfft(k.ops.rfft(x)),
    "fft": lambda k, x: k.ops.fft(_pair(k, x)),
    "fft2": lambda k, x: k.ops.fft2(_pair(k, x)),
    "ifft2": lambda k, x: k.ops.ifft2(_pair(k, x)),
}
_LINALG = {
    **{name: lambda k, x, name=name: _op(k, name)(_spd(k, x)) for name in (
        "cholesky", "inv", "matrix_rank", "pinv")},
    "cholesky_inverse": lambda k, x: _spread(k, x, k.ops.cholesky_inverse(
        k.ops.cholesky(_spd(k, x)[0]))),
    "eigh": lambda k, x: k.ops.eigh(_spd(k, x))[0],
    "svd": lambda k, x: k.ops.svd(_spd(k, x))[1],
    "qr": lambda k, x: k.ops.abs(k.ops.qr(_spd(k, x))[1]),
    "solve": lambda k, x: k.ops.solve(_spd(k, x), x),
    "solve_triangular": lambda k, x: k.ops.solve_triangular(
        k.ops.cholesky(_spd(k, x)), x, True),
    "lstsq": lambda k, x: _spread(k, x, k.ops.lstsq(_spd(k, x)[0], x[0])),
}
_IMAGES = {
    **{name: lambda k, x, name=name: _op(k, f"image.{name}")(x) for name in (
        "rgb_to_grayscale", "sobel_edges", "gaussian_blur")},
    "hsv_to_rgb": lambda k, x: k.ops.image.hsv_to_rgb(k.ops.image.rgb_to_hsv(_positive(k, x))),
    "resize": lambda k, x: k.ops.image.resize(x, (4, 4)),
    "crop_images": lambda k, x: k.ops.image.crop_images(x, 1, 2, target_height=5,
                                                        target_width=4),
    "pad_images": lambda k, x: k.ops.image.pad_images(x, 1, 2, target_height=10,
                                                      target_width=11),
    "affine_transform": lambda k, x: k.ops.image.affine_transform(
        x, x[:, 0, 0, :1] * 0.0 + np.array([1.0, 0.1, 0.5, -0.1, 1.0, 0.2, 0.0, 0.0], "float32")),
    "perspective_transform": lambda k, x: k.ops.image.perspective_transform(
        x, np.array([[0, 0], [7, 0], [0, 7], [7, 7]], "float32"),
        np.array([[1, 0], [7, 1], [0, 6], [6, 7]], "float32")),
    "extract_patches": lambda k, x: k.ops.image.extract_patches(x, 2),
    "extract_patches_3d": lambda k, x: k.ops.image.extract_patches_3d(
        k.ops.stack([x, x], axis=1), (1, 2, 2)),
    "ssim": lambda k, x: _spread(k, x, k.ops.image.ssim(
        _positive(k, x), _positive(k, x * 0.9), 1.0, 3)),
    "max_pool": lambda k, x: k.ops.max_pool(x, 2, 2),
    "elastic_transform": lambda k, x: k.ops.image.elastic_transform(x, seed=3),
    "map_coordinates": lambda k, x: _spread(k, x, k.ops.image.map_coordinates(
        x, np.array([[0, 1, 2], [0.5, 3.2, 7.0], [1.5, 6.0, 2.2], [0, 1, 2]], "float32"), 1)),
    "scale_and_translate": lambda k, x: k.ops.image.scale_and_translate(
        x, (BATCH, 4, 4, 3), np.array([0.5, 0.5], "float32"), np.array([0.0, 0.0], "float32"),
        (1, 2), "bilinear"),
    "avg_pool": lambda k, x: k.ops.average_pool(x, 2, 1, "same"),
    "depth_to_space": lambda k, x: k.ops.depth_to_space(k.ops.space_to_depth(x, 2), 2),
    "unfold": lambda k, x: k.ops.unfold(k.ops.transpose(x, (0, 3, 1, 2)), 2),
    "fold": lambda k, x: k.ops.fold(k.ops.unfold(k.ops.transpose(x, (0, 3, 1, 2)), 2),
                                    (8, 8), 2),
}
# name -> (input shape, {op: fn(keras, x) -> output(s)})
GROUPS = {
    "unary": (SHAPE, _UNARY),
    "positive": (SHAPE, _POSITIVE),
    "binary": (SHAPE, _BINARY),
    "reductions": (SHAPE, _REDUCTIONS),
    "shapes": (SHAPE, _SHAPES),
    "linalg": (SQUARE, _LINALG),
    "images": (IMAGES, _IMAGES),
    # ops some of the engine's compiling backends cannot run: see BACKEND_GAPS
    "bincount": (SHAPE, {"bincount": lambda k, x: k.ops.bincount(
        _counts(k, x[:, 0, 0]), minlength=6)}),
    "decompositions": (SQUARE, {
        **{name: lambda k, x, name=name: _op(k, name)(_spd(k, x)) for name in (
            "det", "logdet", "slogdet", "lu_factor")},
        "eig": lambda k, x: k.ops.real(k.ops.eig(_spd(k, x))[0]),
    }),
}
# group -> {engine backend: why the engine cannot run it there}
BACKEND_GAPS = {
    "bincount": dict.fromkeys(("jax", "tensorflow"), "the engine reads bincount's length from "
                              "the counts (to_numpy), which a compiled graph cannot"),
    "decompositions": {"tensorflow": "XLA, which the engine's TensorFlow backend compiles "
                                     "with, has no kernels for Eig, MatrixDeterminant, Lu"},
}


def names():
    return [*CASES, *GROUPS]


def _shape(name):
    return GROUPS[name][0] if name in GROUPS else SHAPE


def _labelled(keras, name, x) -> list[tuple]:
    """(op, output) for each output of a case or group, an op's several outputs in turn."""
    functions = {name: CASES[name]} if name in CASES else GROUPS[name][1]
    return [(op, y) for op, fn in functions.items() for y in _flat(fn(keras, x))]


def output_labels(keras, name) -> list[str]:
    """The op each output of a case or group computes, for messages and KERAS_DIFFERS."""
    return [op for op, _ in _labelled(keras, name, keras.Input(_shape(name)))]


def build(keras, name):
    """The case or group as a model: Input, a Dense layer (weights to carry), then its ops;
    a group's outputs are its ops' in order."""
    i = keras.Input(_shape(name))
    x = keras.layers.Dense(_shape(name)[-1], name="dense")(i)
    if name in CASES:
        return keras.Model(i, CASES[name](keras, x), name=name)
    return keras.Model(i, [y for _, y in _labelled(keras, name, x)], name=name)


def _flat(value):
    return [y for v in value for y in _flat(v)] if isinstance(value, (list, tuple)) else [value]


def batch(name):
    return np.random.default_rng(0).normal(size=(BATCH, *_shape(name))).astype("float32")


def outputs(predictions) -> list:
    """A model's predictions as a list of arrays."""
    return [np.asarray(p) for p in _flat(predictions)]


def main(folder: Path) -> None:
    import keras

    for name in names():
        x = batch(name)
        results = {}
        if name not in ENGINE_ONLY:
            theirs = build(keras, name)
            theirs.save(folder / f"{name}.keras.keras")
            (folder / f"{name}.keras.json").write_text(theirs.to_json())
            results["keras"] = outputs(theirs.predict(x, verbose=0))
        ours = keras.models.load_model(folder / f"{name}.engine.keras")
        rebuilt = keras.models.model_from_json((folder / f"{name}.engine.json").read_text())
        rebuilt.set_weights(ours.get_weights())
        if name not in ENGINE_ONLY:
            theirs.set_weights(ours.get_weights())
            results["keras_engine_weights"] = outputs(theirs.predict(x, verbose=0))
        results["engine_file"] = outputs(ours.predict(x, verbose=0))
        results["engine_json"] = outputs(rebuilt.predict(x, verbose=0))
        np.savez(folder / f"{name}.npz", **{f"{key}_{index}": value
                                            for key, values in results.items()
                                            for index, value in enumerate(values)})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
