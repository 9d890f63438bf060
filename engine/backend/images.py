"""The contract's image ops (keras.ops.image), written once from the other ops.

Images are channels-last batches (batch, height, width, channels) with static spatial sizes.
`resize` multiplies by interpolation matrices made on the host; `affine_transform` gathers the
corners of each sampled point from the flattened image. Both differentiate with respect to
the images on every backend through the ops they are made of.
"""

from __future__ import annotations

import functools
import itertools

import numpy as np

INTERPOLATIONS = ("bilinear", "nearest")
FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


@functools.lru_cache(maxsize=64)
def bilinear_matrix(size: int, new_size: int) -> np.ndarray:
    """(new_size, size) float64: each output point's weights of the input points, sampled at
    half-pixel centres and clamped to the edges (TensorFlow's and JAX's bilinear, no
    antialiasing)."""
    source = np.clip((np.arange(new_size) + 0.5) * size / new_size - 0.5, 0, size - 1)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, size - 1)
    fraction = source - low
    weights = np.zeros((new_size, size))
    rows = np.arange(new_size)
    np.add.at(weights, (rows, low), 1 - fraction)
    np.add.at(weights, (rows, high), fraction)
    return weights


@functools.lru_cache(maxsize=64)
def nearest_indices(size: int, new_size: int) -> np.ndarray:
    """The input point each output point copies: the one holding its half-pixel centre."""
    centres = (np.arange(new_size) + 0.5) * size / new_size
    return np.minimum(np.floor(centres), size - 1).astype(np.int32)


def resize(b, images, size, interpolation):
    height, width = b.shape(images)[1:3]
    new_height, new_width = size
    if interpolation == "nearest":
        rows = b.take(images, nearest_indices(height, new_height), axis=1)
        return b.take(rows, nearest_indices(width, new_width), axis=2)
    dtype = b.dtype(images)
    rows = b.convert(bilinear_matrix(height, new_height), dtype)
    columns = b.convert(bilinear_matrix(width, new_width), dtype)
    return b.einsum("ph,qw,bhwc->bpqc", rows, columns, images)


def affine_transform(b, images, transform, interpolation, fill_mode, fill_value):
    batch, height, width, channels = b.shape(images)
    dtype = b.dtype(images)
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    x, y = b.convert(xs.reshape(1, -1), dtype), b.convert(ys.reshape(1, -1), dtype)
    transform = b.cast(transform, dtype)
    a0, a1, a2, b0, b1, b2, c0, c1 = (
        b.getitem(transform, (slice(None), slice(k, k + 1))) for k in range(8))
    k = b.add(b.add(b.multiply(c0, x), b.multiply(c1, y)), 1.0)
    source_x = b.divide(b.add(b.add(b.multiply(a0, x), b.multiply(a1, y)), a2), k)
    source_y = b.divide(b.add(b.add(b.multiply(b0, x), b.multiply(b1, y)), b2), k)
    flat = b.reshape(images, (batch, height * width, channels))
    total = None
    for corner_x, corner_y, weight in _corners(b, source_x, source_y, interpolation):
        value = _sample(b, flat, (height, width), corner_x, corner_y, fill_mode, fill_value)
        term = value if weight is None else b.multiply(value, b.expand_dims(weight, -1))
        total = term if total is None else b.add(total, term)
    return b.reshape(total, (batch, height, width, channels))


def _corners(b, x, y, interpolation):
    """(x index, y index, weight) of the points that make each sampled value (float indices;
    weight None: the one point taken whole)."""
    if interpolation == "nearest":
        return [(round_half_away(b, x), round_half_away(b, y), None)]
    x0, y0 = b.floor(x), b.floor(y)
    fx, fy = b.subtract(x, x0), b.subtract(y, y0)
    gx, gy = b.subtract(1.0, fx), b.subtract(1.0, fy)
    x1, y1 = b.add(x0, 1.0), b.add(y0, 1.0)
    return [(x0, y0, b.multiply(gx, gy)), (x1, y0, b.multiply(fx, gy)),
            (x0, y1, b.multiply(gx, fy)), (x1, y1, b.multiply(fx, fy))]


def round_half_away(b, v):
    return b.multiply(b.sign(v), b.floor(b.add(b.abs(v), 0.5)))


def _sample(b, flat, sizes, x, y, fill_mode, fill_value):
    """The image values at integer points (x, y), (batch, points, channels), the points
    outside the image mapped back in by `fill_mode` ("constant": `fill_value` there)."""
    height, width = sizes
    x, y = b.stop_gradient(x), b.stop_gradient(y)
    inside = None
    if fill_mode == "constant":
        inside = b.logical_and(
            b.logical_and(b.greater_equal(x, 0.0), b.less_equal(x, width - 1.0)),
            b.logical_and(b.greater_equal(y, 0.0), b.less_equal(y, height - 1.0)))
    x, y = _fixed(b, x, width, fill_mode), _fixed(b, y, height, fill_mode)
    index = b.cast(b.add(b.multiply(y, float(width)), x), "int32")
    batch, _, channels = b.shape(flat)
    index = b.broadcast_to(b.expand_dims(index, -1), (*b.shape(index), channels))
    values = b.take_along_axis(flat, index, axis=1)
    if inside is None:
        return values
    inside = b.expand_dims(inside, -1)
    return b.where(inside, values, b.cast(b.full((1, 1, 1), fill_value), b.dtype(flat)))


def _fixed(b, i, size, fill_mode):
    """Integer-valued float indices `i` mapped into [0, size) as scipy.ndimage's modes do."""
    if fill_mode == "wrap":
        return _mod(b, i, float(size))
    if fill_mode == "mirror":
        return _mirror(b, i, size)
    if fill_mode == "reflect":  # mirror on a grid of half steps, edges included twice
        return b.floor(b.divide(b.subtract(_mirror(b, b.add(b.multiply(i, 2.0), 1.0),
                                                   2 * size + 1), 1.0), 2.0))
    return b.clip(i, 0.0, size - 1.0)  # "nearest", and "constant" (masked outside)


def _mirror(b, i, size):
    if size == 1:
        return b.multiply(i, 0.0)
    span = size - 1.0
    return b.abs(b.subtract(_mod(b, b.add(i, span), 2.0 * span), span))


def _mod(b, a, n: float):
    return b.subtract(a, b.multiply(b.floor(b.divide(a, n)), n))


def map_coordinates(b, inputs, coordinates, order, fill_mode, fill_value):
    """`inputs` (any rank) sampled at `coordinates` (rank of inputs, *points): order 0 takes
    the nearest point (halves away from zero), order 1 interpolates linearly, as
    jax.scipy.ndimage.map_coordinates does (`order` may also give one order per axis);
    points outside are mapped back in by `fill_mode` ("constant": each outside corner counts
    as `fill_value`). Integer inputs are rounded."""
    dtype = b.dtype(inputs)
    shape = b.shape(inputs)
    coordinates = b.cast(coordinates, dtype if dtype.startswith(("float", "bfloat"))
                         else "float32")
    flat = b.reshape(inputs, (-1,))
    strides = [int(np.prod(shape[axis + 1:])) for axis in range(len(shape))]
    orders = (order,) * len(shape) if isinstance(order, int) else order
    per_axis = [_corners_1d(b, b.getitem(coordinates, axis), axis_order)
                for axis, axis_order in enumerate(orders)]
    total = None
    for corner in itertools.product(*per_axis):
        index, inside, weight = None, None, None
        for (point, point_weight), size, stride in zip(corner, shape, strides):
            point = b.stop_gradient(point)
            if fill_mode == "constant":
                here = b.logical_and(b.greater_equal(point, 0.0),
                                     b.less_equal(point, size - 1.0))
                inside = here if inside is None else b.logical_and(inside, here)
            term = b.multiply(_fixed(b, point, size, fill_mode), float(stride))
            index = term if index is None else b.add(index, term)
            if point_weight is not None:
                weight = point_weight if weight is None else b.multiply(weight, point_weight)
        value = b.cast(b.take(flat, b.cast(index, "int32"), axis=0), b.dtype(coordinates))
        if inside is not None:
            value = b.where(inside, value, b.cast(b.convert(fill_value), b.dtype(value)))
        term = value if weight is None else b.multiply(value, weight)
        total = term if total is None else b.add(total, term)
    if not dtype.startswith(("float", "bfloat")):
        total = round_half_away(b, total)
    return b.cast(total, dtype)


def _corners_1d(b, x, order):
    """(point, weight) pairs along one axis: the nearest point (weight None), or the two
    neighbours with linear weights."""
    if order == 0:
        return [(round_half_away(b, x), None)]
    low = b.floor(x)
    fraction = b.subtract(x, low)
    return [(low, b.subtract(1.0, fraction)), (b.add(low, 1.0), fraction)]
