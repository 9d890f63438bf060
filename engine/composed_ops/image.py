"""keras.ops.image's ops beyond resize and affine_transform, composed from the contract.

Each takes one image (rank 3) or a batch (rank 4), channels last unless `data_format` says
"channels_first", works on a channels-last batch inside and hands back the layout it got.
Numerics follow Keras's JAX backend, the reference of keras.ops.
"""

from __future__ import annotations

import numpy as np

from engine.backend import get_backend
from engine.backend import images as images_ops
from engine.composed_ops.inputs import as_array, as_float, current
from engine.ops import graph_aware, read

LAYOUTS = ("channels_last", "channels_first")
ORDERS = {"nearest": 0, "bilinear": 1}
# The machine epsilon of each float dtype, under which rgb_to_hsv reads a value as 0.
EPSILONS = {"float16": 2.0**-10, "bfloat16": 2.0**-7, "float32": 2.0**-23, "float64": 2.0**-52}
GRAY_WEIGHTS = (0.2989, 0.5870, 0.1140)


# ------------------------------------------------------------------------------- layouts
def _layout(function, data_format):
    from engine import config

    data_format = data_format or config.image_data_format()
    if data_format not in LAYOUTS:
        raise ValueError(f"{function}: data_format must be one of {LAYOUTS}, got "
                         f"{data_format!r}.")
    return data_format


def _checked_rank(function, x, spatial=2, argument="images"):
    rank = len(current().shape(x))
    if rank not in (spatial + 1, spatial + 2):
        raise ValueError(
            f"{function}: {argument} must have rank {spatial + 1} (one) or {spatial + 2} (a "
            f"batch); got shape {current().shape(x)}.")
    return rank == spatial + 1


def _batched_last(x, data_format, unbatched):
    """x as a channels-last batch."""
    b = current()
    if unbatched:
        x = b.expand_dims(x, 0)
    if data_format == "channels_first":
        rank = len(b.shape(x))
        x = b.transpose(x, (0, *range(2, rank), 1))
    return x


def _restored(x, data_format, unbatched, extra=0):
    """A channels-last batch back in the layout it came in (`extra` trailing axes kept)."""
    b = current()
    if data_format == "channels_first":
        rank = len(b.shape(x)) - extra
        x = b.transpose(x, (0, rank - 1, *range(1, rank - 1), *range(rank, rank + extra)))
    return b.squeeze(x, 0) if unbatched else x


def _channel_axis(data_format):
    return -1 if data_format == "channels_last" else -3


def _pair(value, count=2):
    return (int(value),) * count if np.isscalar(value) else tuple(int(v) for v in value)


# -------------------------------------------------------------------------------- colour
@graph_aware
def rgb_to_grayscale(images, data_format=None):
    """Luma 0.2989 R + 0.5870 G + 0.1140 B, one channel, in the images' dtype."""
    b, images = current(), as_array(images)
    data_format = _layout("rgb_to_grayscale", data_format)
    _checked_rank("rgb_to_grayscale", images)
    axis = _channel_axis(data_format)
    channels = b.shape(images)[axis]
    if channels == 1:
        return images
    if channels != 3:
        raise ValueError(f"rgb_to_grayscale: images need 3 (RGB) or 1 channel; got shape "
                         f"{b.shape(images)}.")
    dtype = b.dtype(images)
    shape = (3, 1, 1) if data_format == "channels_first" else (3,)
    weights = b.convert(np.reshape(GRAY_WEIGHTS, shape), b.dtype(as_float(images)))
    gray = b.sum(b.multiply(as_float(images), weights), axis=axis, keepdims=True)
    return b.cast(gray, dtype)


def _planes(function, images, data_format):
    b = current()
    data_format = _layout(function, data_format)
    _checked_rank(function, images)
    dtype = b.dtype(images)
    if not dtype.startswith(("float", "bfloat")):
        raise ValueError(f"{function}: images must be floats; got dtype {dtype}.")
    axis = _channel_axis(data_format)
    if b.shape(images)[axis] != 3:
        raise ValueError(f"{function}: images need 3 channels; got shape {b.shape(images)}.")
    planes = [b.getitem(images, (Ellipsis, k) if axis == -1 else (Ellipsis, k, slice(None),
                                                                    slice(None)))
              for k in range(3)]
    return planes, axis


@graph_aware
def rgb_to_hsv(images, data_format=None):
    """RGB in [0, 1] as hue, saturation and value, each in [0, 1]."""
    b, images = current(), as_array(images)
    (red, green, blue), axis = _planes("rgb_to_hsv", images, data_format)
    eps = EPSILONS[b.dtype(images)]
    red, green, blue = (b.where(b.less(b.abs(p), eps), 0.0, p) for p in (red, green, blue))
    value = b.maximum(b.maximum(red, green), blue)
    span = b.subtract(value, b.minimum(b.minimum(red, green), blue))
    safe_value = b.where(b.greater(value, 0.0), value, 1.0)
    safe_span = b.where(b.greater(span, 0.0), span, 1.0)
    saturation = b.where(b.greater(value, 0.0), b.divide(span, safe_value), 0.0)
    norm = b.divide(1.0, b.multiply(safe_span, 6.0))
    hue = b.where(b.equal(value, green),
                  b.add(b.multiply(norm, b.subtract(blue, red)), 2.0 / 6.0),
                  b.add(b.multiply(norm, b.subtract(red, green)), 4.0 / 6.0))
    hue = b.where(b.equal(value, red), b.multiply(norm, b.subtract(green, blue)), hue)
    hue = b.add(b.where(b.greater(span, 0.0), hue, 0.0), b.cast(b.less(hue, 0.0), b.dtype(hue)))
    return b.cast(b.stack([hue, saturation, value], axis=axis), b.dtype(images))


@graph_aware
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation and value in [0, 1] as RGB."""
    b, images = current(), as_array(images)
    (hue, saturation, value), axis = _planes("hsv_to_rgb", images, data_format)
    hue = b.multiply(b.subtract(hue, b.floor(hue)), 6.0)
    ramps = (b.clip(b.subtract(b.abs(b.subtract(hue, 3.0)), 1.0), 0.0, 1.0),
             b.clip(b.subtract(2.0, b.abs(b.subtract(hue, 2.0))), 0.0, 1.0),
             b.clip(b.subtract(2.0, b.abs(b.subtract(hue, 4.0))), 0.0, 1.0))
    grey = b.subtract(1.0, saturation)
    rgb = [b.multiply(value, b.add(grey, b.multiply(saturation, ramp))) for ramp in ramps]
    return b.cast(b.stack(rgb, axis=axis), b.dtype(images))


# ------------------------------------------------------------------------- crop and pad
def _checked_margins(function, names, values):
    """`values` (before, after, target) with exactly two given, none negative."""
    before, after, target = values
    if [before, after, target].count(None) != 1:
        raise ValueError(f"{function}: give exactly two of {', '.join(names)}; got "
                         + ", ".join(f"{n}={v}" for n, v in zip(names, values)) + ".")
    for name, value in zip(names, values):
        if value is not None and value < 0:
            raise ValueError(f"{function}: {name} must be >= 0; got {value}.")
    return before, after, target


def _sides(function, kind, images, data_format, top, left, bottom, right, height, width):
    """(data_format, unbatched, [(top, bottom), (left, right)]): the margins to pad or crop,
    the missing one of each side's three arguments worked out from the other two."""
    b = current()
    data_format = _layout(function, data_format)
    unbatched = _checked_rank(function, images)
    rows, columns = b.shape(_batched_last(images, data_format, unbatched))[1:3]
    found = []
    for (first, second), values, size in (
            (("top", "bottom"), (top, bottom, height), rows),
            (("left", "right"), (left, right, width), columns)):
        names = (f"{first}_{kind}", f"{second}_{kind}",
                 "target_height" if first == "top" else "target_width")
        before, after, target = _checked_margins(function, names, values)
        grow = 1 if kind == "padding" else -1
        if before is None:
            before = (target - size) * grow - after
        if after is None:
            after = (target - size) * grow - before
        if before < 0 or after < 0:
            raise ValueError(f"{function}: {names[2]}={target} leaves a negative "
                             f"{first if before < 0 else second} {kind} for size {size}.")
        if kind == "cropping" and before + after > size:
            raise ValueError(f"{function}: {names[0]}={before} and {names[1]}={after} cut more "
                             f"than the size {size}.")
        found.append((before, after))
    return data_format, unbatched, found


@graph_aware
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Zeros added around the images: two of top/bottom/target_height (and of
    left/right/target_width) fix the margins."""
    b, images = current(), as_array(images)
    data_format, unbatched, margins = _sides(
        "pad_images", "padding", images, data_format, top_padding, left_padding,
        bottom_padding, right_padding, target_height, target_width)
    x = _batched_last(images, data_format, unbatched)
    return _restored(b.pad(x, [(0, 0), *margins, (0, 0)]), data_format, unbatched)


@graph_aware
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """The images with margins cut off: two of top/bottom/target_height (and of
    left/right/target_width) fix them."""
    b, images = current(), as_array(images)
    data_format, unbatched, margins = _sides(
        "crop_images", "cropping", images, data_format, top_cropping, left_cropping,
        bottom_cropping, right_cropping, target_height, target_width)
    x = _batched_last(images, data_format, unbatched)
    rows, columns = b.shape(x)[1:3]
    (top, bottom), (left, right) = margins
    x = b.getitem(x, (slice(None), slice(top, rows - bottom), slice(left, columns - right)))
    return _restored(x, data_format, unbatched)


# ----------------------------------------------------------------------------- patches
def _patches(function, images, size, strides, dilation_rate, padding, data_format, spatial):
    b, images = current(), as_array(images)
    data_format = _layout(function, data_format)
    unbatched = _checked_rank(function, images, spatial)
    size = _pair(size, spatial)
    if len(size) != spatial:
        raise ValueError(f"{function}: size must be an int or {spatial} ints; got {size}.")
    strides = size if not strides else _pair(strides, spatial)
    x = _batched_last(images, data_format, unbatched)
    channels = b.shape(x)[-1]
    features = int(np.prod(size)) * channels
    # a convolution with an identity kernel copies each window into one feature vector
    kernel = b.convert(np.eye(features).reshape((*size, channels, features)), b.dtype(x))
    patches = b.conv(x, kernel, strides, padding, dilation_rate)
    return _restored(patches, data_format, unbatched)


@graph_aware
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Each window of `size` (2 ints, or 3 for volumes) flattened into the channel axis;
    strides default to `size`."""
    if not isinstance(size, int) and len(size) not in (2, 3):
        raise ValueError(f"extract_patches: size must be an int or 2 or 3 ints; got {size}.")
    spatial = 3 if not isinstance(size, int) and len(size) == 3 else 2
    return _patches("extract_patches", images, size, strides, dilation_rate, padding,
                    data_format, spatial)


@graph_aware
def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """extract_patches of volumes (depth, height, width, channels)."""
    return _patches("extract_patches_3d", volumes, size, strides, dilation_rate, padding,
                    data_format, 3)


# ----------------------------------------------------------------------------- filters
def _gaussian(size, sigma):
    b = current()
    x = b.subtract(b.arange(size, dtype=b.dtype(sigma)), (size - 1) / 2.0)
    weights = b.exp(b.multiply(-0.5, b.square(b.divide(x, sigma))))
    return b.divide(weights, b.sum(weights))


def _depthwise(x, kernel, padding="same"):
    """Each channel of channels-last batch `x` filtered by 2-D `kernel` (cross-correlation)."""
    b = current()
    channels = b.shape(x)[-1]
    kernel = b.broadcast_to(b.expand_dims(b.expand_dims(kernel, -1), -1),
                            (*b.shape(kernel), channels, 1))
    return b.depthwise_conv(x, kernel, 1, padding)


@graph_aware
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Each channel convolved with a normalised Gaussian, zeros beyond the edges; the kernel
    is kernel_size[1] rows by kernel_size[0] columns (sigma alike), as Keras builds it."""
    b, images = current(), as_float(images)
    data_format = _layout("gaussian_blur", data_format)
    unbatched = _checked_rank("gaussian_blur", images)
    kernel_size = _pair(kernel_size)
    sigma = b.cast(as_array(sigma), b.dtype(images))
    if len(b.shape(sigma)) == 0:
        sigma = b.stack([sigma, sigma])
    across = _gaussian(kernel_size[0], b.getitem(sigma, 0))
    down = _gaussian(kernel_size[1], b.getitem(sigma, 1))
    kernel = b.multiply(b.expand_dims(down, 1), b.expand_dims(across, 0))
    x = _batched_last(images, data_format, unbatched)
    return _restored(_depthwise(x, kernel), data_format, unbatched)


SOBEL = np.array([[-1.0, -2.0, -1.0], [0.0, 0.0, 0.0], [1.0, 2.0, 1.0]])


@graph_aware
def sobel_edges(images, data_format=None):
    """(..., 2): the vertical then the horizontal Sobel gradient of each channel, zeros
    beyond the edges."""
    b, images = current(), as_array(images)
    data_format = _layout("sobel_edges", data_format)
    unbatched = _checked_rank("sobel_edges", images)
    x = _batched_last(images, data_format, unbatched)
    edges = [_depthwise(x, b.convert(kernel, b.dtype(x))) for kernel in (SOBEL, SOBEL.T)]
    return _restored(b.stack(edges, axis=-1), data_format, unbatched, extra=1)


@graph_aware
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity of two images, per image, averaged over channels, with
    Gaussian-weighted local statistics over valid windows (Keras's ssim)."""
    b = current()
    image1, image2 = as_array(image1), as_array(image2)
    dtype = b.dtype(image1)
    image1, image2 = as_float(image1), b.cast(as_array(image2), b.dtype(as_float(image1)))
    data_format = _layout("ssim", data_format)
    unbatched = _checked_rank("ssim", image1, argument="image1")
    _checked_rank("ssim", image2, argument="image2")
    x1 = _batched_last(image1, data_format, unbatched)
    x2 = _batched_last(image2, data_format, unbatched)
    gauss = _gaussian(filter_size, b.cast(b.convert(filter_sigma), b.dtype(x1)))
    kernel = b.multiply(b.expand_dims(gauss, 1), b.expand_dims(gauss, 0))

    def local_mean(v):
        return _depthwise(v, kernel, "valid")

    mu1, mu2 = local_mean(x1), local_mean(x2)
    mu11, mu22, mu12 = b.multiply(mu1, mu1), b.multiply(mu2, mu2), b.multiply(mu1, mu2)
    var1 = b.subtract(local_mean(b.multiply(x1, x1)), mu11)
    var2 = b.subtract(local_mean(b.multiply(x2, x2)), mu22)
    covariance = b.subtract(local_mean(b.multiply(x1, x2)), mu12)
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    numerator = b.multiply(b.add(b.multiply(mu12, 2.0), c1), b.add(b.multiply(covariance, 2.0),
                                                                   c2))
    denominator = b.multiply(b.add(b.add(mu11, mu22), c1), b.add(b.add(var1, var2), c2))
    value = b.mean(b.mean(b.divide(numerator, denominator), axis=(1, 2)), axis=-1)
    return b.cast(b.squeeze(value, 0) if unbatched else value, dtype)


# ------------------------------------------------------------------------------ sampling
@graph_aware
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """`inputs` sampled at `coordinates` (one row per axis of inputs): order 0 nearest,
    1 linear; outside points by `fill_mode` (constant, nearest, wrap, mirror, reflect)."""
    b = current()
    inputs, coordinates = as_array(inputs), as_array(coordinates)
    if len(b.shape(coordinates)) < 2 or b.shape(coordinates)[0] != len(b.shape(inputs)):
        raise ValueError(
            f"map_coordinates: coordinates need one row per axis of inputs (rank "
            f"{len(b.shape(inputs))}) and rank >= 2; got shape {b.shape(coordinates)}.")
    if fill_mode not in images_ops.FILL_MODES:
        raise ValueError(f"map_coordinates: fill_mode must be one of {images_ops.FILL_MODES}; "
                         f"got {fill_mode!r}.")
    if order not in (0, 1):
        raise ValueError(f"map_coordinates: order must be 0 or 1; got {order!r}.")
    return images_ops.map_coordinates(b, inputs, coordinates, order, fill_mode, fill_value)


def _homography(b, start_points, end_points):
    """(batch, 8): the projective map sending each of `end_points` to the same corner of
    `start_points` (4 (x, y) each), read off a 3x3 matrix scaled to end in 1. It is
    square -> start after end -> square (Heckbert's closed form), in a few elementwise ops of
    backend `b`."""
    to_start, to_end = _square_to(b, start_points), _square_to(b, end_points)
    product = [[_sum_of(b, [b.multiply(to_start[i][k], _adjugate_entry(b, to_end, k, j))
                           for k in range(3)]) for j in range(3)] for i in range(3)]
    scale = product[2][2]
    return b.stack([b.divide(product[i][j], scale) for i in range(3) for j in range(3)
                    if (i, j) != (2, 2)], axis=-1)


def _sum_of(b, terms):
    total = terms[0]
    for term in terms[1:]:
        total = b.add(total, term)
    return total


def _square_to(b, points):
    """3x3 (nested lists of (batch,) arrays): the projective map of the unit square's corners
    (0, 0), (1, 0), (1, 1), (0, 1) to `points` (batch, 4, 2), in that order."""
    (x0, x1, x2, x3), (y0, y1, y2, y3) = (
        [b.getitem(points, (slice(None), corner, axis)) for corner in range(4)]
        for axis in range(2))
    dx1, dx2, dy1, dy2 = b.subtract(x1, x2), b.subtract(x3, x2), b.subtract(y1, y2), \
        b.subtract(y3, y2)
    dx3 = b.add(b.subtract(x0, x1), b.subtract(x2, x3))
    dy3 = b.add(b.subtract(y0, y1), b.subtract(y2, y3))
    det = b.subtract(b.multiply(dx1, dy2), b.multiply(dx2, dy1))
    g = b.divide(b.subtract(b.multiply(dx3, dy2), b.multiply(dx2, dy3)), det)
    h = b.divide(b.subtract(b.multiply(dx1, dy3), b.multiply(dx3, dy1)), det)
    one = b.add(b.multiply(g, 0.0), 1.0)
    return [[b.add(b.subtract(x1, x0), b.multiply(g, x1)),
             b.add(b.subtract(x3, x0), b.multiply(h, x3)), x0],
            [b.add(b.subtract(y1, y0), b.multiply(g, y1)),
             b.add(b.subtract(y3, y0), b.multiply(h, y3)), y0],
            [g, h, one]]


def _adjugate_entry(b, m, row, column):
    """Entry (row, column) of the adjugate of the 3x3 `m` (its inverse up to a scale): the
    signed minor of m without row `column` and column `row`."""
    (r0, r1), (c0, c1) = [k for k in range(3) if k != column], [k for k in range(3) if k != row]
    minor = b.subtract(b.multiply(m[r0][c0], m[r1][c1]), b.multiply(m[r0][c1], m[r1][c0]))
    return minor if (row + column) % 2 == 0 else b.negative(minor)


@graph_aware
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """The images warped so that `start_points` (4 (x, y) corners, or a batch of them) land
    on `end_points`; outside points read `fill_value`."""
    b, images = current(), as_array(images)
    data_format = _layout("perspective_transform", data_format)
    unbatched = _checked_rank("perspective_transform", images)
    if interpolation not in ORDERS:
        raise ValueError(f"perspective_transform: interpolation must be one of "
                         f"{tuple(ORDERS)}; got {interpolation!r}.")
    # points given as NumPy or lists are solved on the host, in no time
    host = not any(b.is_array(read(p)) for p in (start_points, end_points))
    solver = get_backend("numpy") if host else b
    points = [solver.cast(solver.convert(np.asarray(p)) if host else as_array(p), "float32")
              for p in (start_points, end_points)]
    for name, p in zip(("start_points", "end_points"), points):
        if len(solver.shape(p)) not in (2, 3) or solver.shape(p)[-2:] != (4, 2):
            raise ValueError(f"perspective_transform: {name} must be (4, 2) or (batch, 4, 2); "
                             f"got shape {solver.shape(p)}.")
    if solver.shape(points[0]) != solver.shape(points[1]):
        raise ValueError(f"perspective_transform: start_points and end_points differ in shape: "
                         f"{solver.shape(points[0])} and {solver.shape(points[1])}.")
    points = [p if len(solver.shape(p)) == 3 else solver.expand_dims(p, 0) for p in points]
    x = _batched_last(images, data_format, unbatched)
    transform = _homography(solver, *points)
    transform = b.convert(transform) if host else transform
    if b.shape(transform)[0] != b.shape(x)[0]:
        transform = b.broadcast_to(transform, (b.shape(x)[0], 8))
    dtype = b.dtype(x)
    out = b.affine_transform(as_float(x), transform, interpolation, "constant", fill_value)
    if not dtype.startswith(("float", "bfloat")):
        out = images_ops.round_half_away(b, out)  # integer images round, as map_coordinates
    return _restored(b.cast(out, dtype), data_format, unbatched)


@graph_aware
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Each image sampled at its grid moved by Gaussian-smoothed random offsets (scale
    `alpha`, smoothness `sigma`). Its random draws are the engine's, not Keras's."""
    from engine import random

    b, images = current(), as_array(images)
    data_format = _layout("elastic_transform", data_format)
    unbatched = _checked_rank("elastic_transform", images)
    if interpolation not in ORDERS:
        raise ValueError(f"elastic_transform: interpolation must be one of {tuple(ORDERS)}; "
                         f"got {interpolation!r}.")
    if fill_mode not in images_ops.FILL_MODES:
        raise ValueError(f"elastic_transform: fill_mode must be one of "
                         f"{images_ops.FILL_MODES}; got {fill_mode!r}.")
    x = _batched_last(images, data_format, unbatched)
    batch, height, width, channels = b.shape(x)
    dtype = b.dtype(as_float(x))
    size = int(6 * float(sigma)) | 1
    noise = random.normal((batch, height, width, 2), dtype=dtype, seed=seed)
    offsets = gaussian_blur(b.multiply(noise, float(sigma)), (size, size),
                            (float(sigma), float(sigma)))
    offsets = b.multiply(offsets, float(alpha))
    ys, xs = np.meshgrid(np.arange(height), np.arange(width), indexing="ij")
    rows = b.add(b.convert(ys, dtype), b.getitem(offsets, (Ellipsis, 1)))
    columns = b.add(b.convert(xs, dtype), b.getitem(offsets, (Ellipsis, 0)))
    index = np.arange(batch * channels)
    grid = [b.broadcast_to(b.expand_dims(v, 1), (batch, channels, height, width))
            for v in (rows, columns)]
    images_first = b.transpose(x, (0, 3, 1, 2))
    coordinates = b.stack([
        b.convert(np.broadcast_to((index // channels).reshape(batch, channels, 1, 1),
                                  (batch, channels, height, width)), dtype),
        b.convert(np.broadcast_to((index % channels).reshape(batch, channels, 1, 1),
                                  (batch, channels, height, width)), dtype),
        *grid])
    order = ORDERS[interpolation]  # batch and channel coordinates are whole: taken as they are
    out = images_ops.map_coordinates(b, images_first, coordinates, (0, 0, order, order),
                                     fill_mode, fill_value)
    return _restored(b.transpose(out, (0, 2, 3, 1)), data_format, unbatched)


# ------------------------------------------------------------------------------ rescaling
def _triangle(b, x):
    return b.maximum(b.subtract(1.0, b.abs(x)), 0.0)


def _keys_cubic(b, x):
    near = b.add(b.multiply(b.multiply(b.subtract(b.multiply(x, 1.5), 2.5), x), x), 1.0)
    far = b.add(b.multiply(b.subtract(b.multiply(b.add(b.multiply(x, -0.5), 2.5), x), 4.0),
                           x), 2.0)
    return b.where(b.greater_equal(x, 2.0), 0.0, b.where(b.greater_equal(x, 1.0), far, near))


def _lanczos(radius):
    def kernel(b, x):
        y = b.multiply(b.multiply(radius, b.sin(b.multiply(x, np.pi))),
                       b.sin(b.multiply(x, np.pi / radius)))
        safe = b.where(b.not_equal(x, 0.0), b.multiply(b.square(x), np.pi**2), 1.0)
        out = b.where(b.greater(x, 1e-3), b.divide(y, safe), 1.0)
        return b.where(b.greater(x, float(radius)), 0.0, out)

    return kernel


KERNELS = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
           "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
           "lanczos3": _lanczos(3), "lanczos5": _lanczos(5)}


def _weight_matrix(b, in_size, out_size, scale, translation, kernel, antialias):
    """(in_size, out_size): how much each input point gives each output point, as
    jax.image.scale_and_translate weighs them (kernel widened when shrinking with
    antialias; weights normalised; output points sampled outside the input get none)."""
    dtype = b.dtype(scale)
    inverse = b.divide(1.0, scale)
    widen = b.maximum(inverse, 1.0) if antialias else 1.0
    sample = b.subtract(b.multiply(b.add(b.arange(out_size, dtype=dtype), 0.5), inverse),
                        b.add(b.multiply(translation, inverse), 0.5))
    distance = b.abs(b.subtract(b.expand_dims(sample, 0),
                                b.expand_dims(b.arange(in_size, dtype=dtype), 1)))
    weights = kernel(b, b.divide(distance, widen))
    total = b.sum(weights, axis=0, keepdims=True)
    weights = b.where(b.greater(b.abs(total), 1000.0 * float(np.finfo(np.float32).eps)),
                      b.divide(weights, b.where(b.not_equal(total, 0.0), total, 1.0)), 0.0)
    inside = b.logical_and(b.greater_equal(sample, -0.5), b.less_equal(sample, in_size - 0.5))
    return b.where(b.expand_dims(inside, 0), weights, 0.0)


@graph_aware
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """`images` resampled along `spatial_dims` to `output_shape`: output point o reads the
    input at (o + 0.5 - translation) / scale - 0.5 through `method`'s kernel, as
    jax.image.scale_and_translate does."""
    b, images = current(), as_array(images)
    if method not in KERNELS:
        raise ValueError(f"scale_and_translate: method must be one of {tuple(KERNELS)}; got "
                         f"{method!r}.")
    # a scale and translation given as NumPy or lists weigh the points on the host
    host = not any(b.is_array(read(v)) for v in (scale, translation))
    solver = get_backend("numpy") if host else b
    scale, translation = (solver.convert(np.asarray(v)) if host else as_array(v)
                          for v in (scale, translation))
    dtype = solver.dtype(solver.add(scale, translation))
    dtype = dtype if dtype.startswith(("float", "bfloat")) else "float32"
    scale, translation = solver.cast(scale, dtype), solver.cast(translation, dtype)
    out = b.cast(images, dtype) if not b.dtype(images).startswith(("float", "bfloat")) else images
    rank = len(b.shape(images))
    letters = "abcdefghijklmnopqrstuvw"[:rank]
    for k, axis in enumerate(spatial_dims):
        axis %= rank
        weights = _weight_matrix(solver, b.shape(out)[axis], int(output_shape[axis]),
                                 solver.getitem(scale, k), solver.getitem(translation, k),
                                 KERNELS[method], antialias)
        weights = b.convert(solver.to_numpy(weights)) if host else weights
        target = letters[:axis] + "z" + letters[axis + 1:]
        out = b.einsum(f"{letters},{letters[axis]}z->{target}", out,
                       b.cast(weights, b.dtype(out)))
    return out
