"""keras.ops.image's composed ops and keras.ops.nn's spatial ones (engine/composed_ops/image.py,
spatial.py) against keras.ops on every backend, from one table of tiny images, plus
gradients, errors and elastic_transform's properties."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import ops

RNG = np.random.default_rng(3)


def uniform(*shape):
    return RNG.uniform(0.0, 1.0, shape).astype("float32")


IMAGES = uniform(2, 5, 6, 3)  # (batch, height, width, channels)
FIRST = np.transpose(IMAGES, (0, 3, 1, 2)).copy()
ONE = IMAGES[0]
VOLUMES = uniform(1, 4, 4, 4, 2)
INTEGERS = (IMAGES * 100).astype("int32")
CORNERS = np.array([[0, 0], [5, 0], [0, 4], [5, 4]], "float32")
MOVED = np.array([[0.5, 0.2], [4.6, 0.4], [0.3, 3.5], [5.2, 4.1]], "float32")
POINTS = RNG.uniform(-1.5, 6.5, (2, 7)).astype("float32")

# (keras.ops group, name, positional arguments, keyword arguments)
CASES = [
    *[("image", name, (x,), kw) for name in ("rgb_to_grayscale", "rgb_to_hsv", "hsv_to_rgb")
      for x, kw in ((IMAGES, {}), (ONE, {}), (FIRST, {"data_format": "channels_first"}))],
    ("image", "rgb_to_grayscale", (IMAGES[..., :1],), {}),
    ("image", "rgb_to_grayscale", (INTEGERS,), {}),
    ("image", "crop_images", (INTEGERS, 1, 2, 0, 1), {}),
    ("image", "pad_images", (INTEGERS, 1, 2, 0, 1), {}),
    ("image", "rgb_to_hsv", (np.array([[[[0.2, 0.2, 0.2], [0.0, 0.5, 1.0]]]], "float32"),), {}),
    ("image", "crop_images", (IMAGES,), {"top_cropping": 1, "left_cropping": 2,
                                         "target_height": 3, "target_width": 3}),
    ("image", "crop_images", (ONE,), {"bottom_cropping": 1, "right_cropping": 1,
                                      "top_cropping": 2, "left_cropping": 0}),
    ("image", "crop_images", (FIRST,), {"top_cropping": 1, "bottom_cropping": 1,
                                        "left_cropping": 1, "target_width": 2,
                                        "data_format": "channels_first"}),
    ("image", "pad_images", (IMAGES,), {"top_padding": 1, "left_padding": 2,
                                        "target_height": 8, "target_width": 9}),
    ("image", "pad_images", (ONE,), {"bottom_padding": 2, "right_padding": 1,
                                     "top_padding": 0, "left_padding": 3}),
    ("image", "pad_images", (FIRST,), {"top_padding": 1, "bottom_padding": 1,
                                       "right_padding": 1, "target_width": 8,
                                       "data_format": "channels_first"}),
    ("image", "extract_patches", (IMAGES, 2), {}),
    ("image", "extract_patches", (ONE, (2, 3)), {"strides": (1, 2)}),
    ("image", "extract_patches", (IMAGES, (3, 2)), {"strides": 1, "padding": "same"}),
    ("image", "extract_patches", (IMAGES, (2, 2)), {"strides": 1, "dilation_rate": 2}),
    ("image", "extract_patches", (FIRST, 2), {"data_format": "channels_first"}),
    ("image", "extract_patches", (VOLUMES, (2, 2, 2)), {}),
    ("image", "extract_patches_3d", (VOLUMES, 2), {"strides": 1}),
    ("image", "extract_patches_3d", (VOLUMES[0], (2, 3, 2)), {"padding": "same"}),
    ("image", "gaussian_blur", (IMAGES,), {}),
    ("image", "gaussian_blur", (IMAGES,), {"kernel_size": (3, 5), "sigma": (0.7, 1.6)}),
    ("image", "gaussian_blur", (ONE,), {"kernel_size": (4, 4), "sigma": (1.0, 1.0)}),
    ("image", "gaussian_blur", (FIRST,), {"data_format": "channels_first"}),
    ("image", "sobel_edges", (IMAGES,), {}),
    ("image", "sobel_edges", (FIRST,), {"data_format": "channels_first"}),
    *[("image", "map_coordinates", (IMAGES[0, :, :, 0], POINTS, order), {"fill_mode": mode})
      for order in (0, 1) for mode in ("constant", "nearest", "wrap", "mirror", "reflect")],
    ("image", "map_coordinates", (IMAGES[0, :, :, 0], POINTS, 1), {"fill_value": 0.5}),
    ("image", "map_coordinates", (IMAGES[0], np.stack([POINTS[0], POINTS[1] / 2,
                                                       np.full(7, 1.3, "float32")]), 1), {}),
    ("image", "map_coordinates", ((IMAGES[0, :, :, 0] * 10).astype("int32"), POINTS, 1), {}),
    ("image", "perspective_transform", (IMAGES[:1], CORNERS, MOVED), {}),
    ("image", "perspective_transform", (ONE, CORNERS, MOVED), {"interpolation": "nearest",
                                                               "fill_value": 0.5}),
    ("image", "perspective_transform", (IMAGES, np.stack([CORNERS, MOVED]),
                                        np.stack([MOVED, CORNERS])), {}),
    ("image", "perspective_transform", (FIRST[:1], MOVED, CORNERS),
     {"data_format": "channels_first"}),
    ("image", "ssim", (IMAGES, IMAGES * 0.8 + 0.1), {"filter_size": 3}),
    ("image", "ssim", (ONE, ONE[::-1].copy()), {"filter_size": 3, "max_val": 2.0}),
    ("image", "ssim", (FIRST, FIRST ** 2), {"filter_size": 3, "filter_sigma": 1.0,
                                            "data_format": "channels_first"}),
    *[("image", "scale_and_translate", (IMAGES, (2, 7, 4, 3), np.array([1.4, 0.7], "float32"),
                                        np.array([0.3, -0.5], "float32"), (1, 2), method),
       {"antialias": antialias})
      for method in ("linear", "cubic", "lanczos3", "lanczos5") for antialias in (True, False)],
    ("nn", "adaptive_average_pool", (IMAGES, (2, 4)), {}),
    ("nn", "adaptive_max_pool", (IMAGES, 3), {}),
    ("nn", "adaptive_average_pool", (IMAGES[:, 0], 4), {}),
    ("nn", "adaptive_max_pool", (IMAGES[:, 0], 2), {}),
    ("nn", "adaptive_average_pool", (VOLUMES, (3, 2, 3)), {}),
    ("nn", "adaptive_max_pool", (VOLUMES, (3, 2, 3)), {}),
    ("nn", "adaptive_average_pool", (FIRST, (3, 4)), {"data_format": "channels_first"}),
    ("nn", "adaptive_max_pool", (FIRST, (4, 4)), {"data_format": "channels_first"}),
    ("nn", "depth_to_space", (uniform(2, 2, 3, 8), 2), {}),
    ("nn", "depth_to_space", (uniform(2, 8, 2, 3), 2), {"data_format": "channels_first"}),
    ("nn", "space_to_depth", (uniform(2, 4, 6, 3), 2), {}),
    ("nn", "space_to_depth", (FIRST[:, :, :4], 2), {"data_format": "channels_first"}),
    ("nn", "unfold", (FIRST, 2), {}),
    ("nn", "unfold", (FIRST, (3, 2)), {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
    ("nn", "fold", (uniform(2, 12, 20), (5, 6), 2), {}),
    ("nn", "fold", (uniform(2, 12, 18), (5, 6), (3, 2)),
     {"dilation": (1, 2), "padding": 1, "stride": (2, 1)}),
]


# One case of each op runs by default; the rest, with --slow (JAX compiles each new shape).
QUICK = {
    ("rgb_to_grayscale", 3), ("rgb_to_hsv", 3), ("hsv_to_rgb", 3), ("crop_images", 3),
    ("pad_images", 3), ("extract_patches", 4), ("extract_patches_3d", 4), ("gaussian_blur", 3),
    ("sobel_edges", 3), ("map_coordinates", 9), ("perspective_transform", 1), ("ssim", 1),
    ("scale_and_translate", 0), ("adaptive_average_pool", 0), ("adaptive_max_pool", 0),
    ("depth_to_space", 0), ("space_to_depth", 0), ("unfold", 1), ("fold", 1),
}


def _table():
    seen, rows = {}, []
    for case in CASES:
        name = case[1]
        seen[name] = seen.get(name, -1) + 1
        marks = () if (name, seen[name]) in QUICK else (pytest.mark.slow,)
        rows.append(pytest.param(*case, marks=marks, id=_case_id(case)))
    return rows


def _keras(group, name, args, kwargs):
    """keras.ops's answer, told the layout outright: Keras 3.15's JAX gaussian_blur reads
    data_format=None as channels first."""
    import inspect

    import keras

    function = getattr(getattr(keras.ops, group), name)
    if "data_format" in inspect.signature(function).parameters:
        kwargs = {"data_format": "channels_last", **kwargs}
    return keras.ops.convert_to_numpy(function(*args, **kwargs))


def _case_id(case):
    group, name, args, kwargs = case
    shapes = "x".join(str(np.ndim(a)) for a in args if isinstance(a, np.ndarray))
    settings = "-".join(f"{k}={v}" for k, v in kwargs.items() if np.isscalar(v))
    return f"{name}-{shapes}-{settings}"


@pytest.mark.parametrize("group, name, args, kwargs", _table())
def test_op_computes_as_keras(group, name, args, kwargs):
    expected = _keras(group, name, args, kwargs)
    for backend in engine.backend.available_backends():
        with engine.backend.using(backend):
            got = ops.to_numpy(getattr(getattr(ops, group), name)(*args, **kwargs))
        assert got.shape == expected.shape, (backend, got.shape, expected.shape)
        assert str(got.dtype) == str(expected.dtype), (backend, got.dtype, expected.dtype)
        np.testing.assert_allclose(got.astype("float64"), expected.astype("float64"),
                                   rtol=2e-5, atol=3e-5, err_msg=f"{name} on {backend}")


def _slow(name, function):
    return pytest.param(name, function, marks=pytest.mark.slow, id=name)


@pytest.mark.parametrize("name, function", [
    _slow("hsv", lambda x: ops.image.hsv_to_rgb(ops.image.rgb_to_hsv(x) * 0.9)),
    ("blur_sobel", lambda x: ops.image.sobel_edges(ops.image.gaussian_blur(x))),
    ("patches", lambda x: ops.image.extract_patches(ops.image.pad_images(
        x, 1, 0, 0, 1), 2, strides=1)),
    _slow("ssim", lambda x: ops.image.ssim(x, x * x, filter_size=3)),
    _slow("perspective", lambda x: ops.image.perspective_transform(x, CORNERS, MOVED)),
    _slow("scale", lambda x: ops.image.scale_and_translate(
        x, (2, 3, 4, 3), np.array([0.6, 0.7], "float32"), np.zeros(2, "float32"), (1, 2),
        "cubic")),
    _slow("adaptive", lambda x: ops.nn.adaptive_max_pool(ops.nn.adaptive_average_pool(x, (4, 3)),
                                                    2)),
    _slow("fold", lambda x: ops.nn.fold(ops.nn.unfold(ops.nn.space_to_depth(
        x[:, :4, :4, :], 2), 2, stride=1), (2, 12), 2, stride=1)),
])
def test_gradients_flow(name, function, backend_name):
    x = uniform(2, 5, 6, 3).astype("float64") * 0.8 + 0.1
    r = uniform(*np.shape(ops.to_numpy(function(x.astype("float32"))))).astype("float64")
    with engine.backend.using(backend_name):
        b = engine.backend.active()
        weights = b.convert(r.astype("float32"))
        value_and_grad = b.value_and_grad(lambda v: ops.sum(function(v) * weights))
        _, gradient = value_and_grad(b.convert(x.astype("float32")))
        gradient = ops.to_numpy(gradient)
    with engine.backend.using("numpy"):
        numeric = np.zeros_like(x)
        for index in np.ndindex(x.shape):
            step = np.zeros_like(x)
            step[index] = 1e-6
            numeric[index] = (np.sum(ops.to_numpy(function(x + step)) * r)
                              - np.sum(ops.to_numpy(function(x - step)) * r)) / 2e-6
    np.testing.assert_allclose(gradient, numeric, rtol=2e-3, atol=2e-4)


def test_elastic_transform_is_seeded_and_sized():
    """Its draws are the engine's, so no comparison with Keras: the same seed gives the same
    images, and alpha=0 moves nothing."""
    for backend in engine.backend.available_backends():
        with engine.backend.using(backend):
            first = ops.to_numpy(ops.image.elastic_transform(IMAGES, sigma=1.0, seed=5))
            again = ops.to_numpy(ops.image.elastic_transform(IMAGES, sigma=1.0, seed=5))
            still = ops.to_numpy(ops.image.elastic_transform(
                FIRST, alpha=0.0, sigma=1.0, data_format="channels_first"))
        assert first.shape == IMAGES.shape and first.dtype == np.float32
        np.testing.assert_array_equal(first, again)
        assert not np.allclose(first, IMAGES)
        np.testing.assert_allclose(still, FIRST, atol=1e-6)


@pytest.mark.parametrize("call, message", [
    (lambda: ops.image.crop_images(IMAGES, 1, 1, 1, 1, 2, 2), "exactly two"),
    (lambda: ops.image.crop_images(IMAGES, top_cropping=4, target_height=3, left_cropping=0,
                                   right_cropping=0), "negative"),
    (lambda: ops.image.pad_images(IMAGES, -1, 0, 0, 0), ">= 0"),
    (lambda: ops.image.crop_images(IMAGES, 3, 0, 3, 0), "cut more"),
    (lambda: ops.image.rgb_to_grayscale(IMAGES[..., :2]), "3 \\(RGB\\)"),
    (lambda: ops.image.rgb_to_hsv(IMAGES.astype("int32")), "floats"),
    (lambda: ops.image.gaussian_blur(IMAGES[0, 0]), "rank 3"),
    (lambda: ops.image.sobel_edges(IMAGES, data_format="nchw"), "data_format"),
    (lambda: ops.image.map_coordinates(IMAGES, POINTS, 1), "one row per axis"),
    (lambda: ops.image.map_coordinates(IMAGES[0, :, :, 0], POINTS, 3), "order"),
    (lambda: ops.image.perspective_transform(IMAGES, CORNERS[:3], MOVED[:3]), "\\(4, 2\\)"),
    (lambda: ops.image.scale_and_translate(IMAGES, (2, 3, 3, 3), [1.0, 1.0], [0.0, 0.0],
                                           (1, 2), "area"), "method"),
    (lambda: ops.nn.adaptive_average_pool(IMAGES, (2, 0)), "output_size"),
    (lambda: ops.nn.depth_to_space(IMAGES, 2), "multiple of 4"),
    (lambda: ops.nn.fold(uniform(2, 12, 19), (5, 6), 2), "does not hold"),
])
def test_bad_arguments_say_what_to_do(call, message):
    with pytest.raises(ValueError, match=message):
        call()
