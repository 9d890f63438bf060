"""keras.utils's image helpers, standardize_dtype and Sequence: the engine's give what Keras's
give for the same inputs."""

from __future__ import annotations

import contextlib
import io

import keras
import numpy as np
import pytest

import engine
from engine import utils

pytest.importorskip("PIL")

RNG = np.random.default_rng(7)
RGB = RNG.uniform(-2, 3, size=(6, 9, 3)).astype("float32")
ARRAYS = {
    "rgb": RGB,
    "rgba": RNG.uniform(0, 1, size=(6, 9, 4)),
    "gray": RNG.uniform(0, 1, size=(6, 9, 1)),
    "gray_wide": RNG.uniform(0, 1000, size=(6, 9, 1)),
    "channels_first": RGB.transpose(2, 0, 1),
}


def _same_image(ours, theirs):
    assert (ours.mode, ours.size) == (theirs.mode, theirs.size)
    np.testing.assert_array_equal(np.asarray(ours), np.asarray(theirs))


@pytest.mark.parametrize("name", ARRAYS)
@pytest.mark.parametrize("scale", [True, False])
def test_array_to_img_matches_keras(name, scale):
    data_format = "channels_first" if name == "channels_first" else None
    x = ARRAYS[name] if scale else np.abs(ARRAYS[name]) * 50
    _same_image(utils.array_to_img(x, data_format=data_format, scale=scale),
                keras.utils.array_to_img(x, data_format=data_format, scale=scale))


@pytest.mark.parametrize("name", ["rgb", "rgba", "gray"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("dtype", [None, "uint8", "float64"])
def test_img_to_array_matches_keras(name, data_format, dtype):
    img = keras.utils.array_to_img(ARRAYS[name])
    ours = utils.img_to_array(img, data_format=data_format, dtype=dtype)
    theirs = keras.utils.img_to_array(img, data_format=data_format, dtype=dtype)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


@pytest.fixture(scope="module")
def photo(tmp_path_factory):
    """A 12 x 20 RGB image saved as PNG by Keras."""
    path = tmp_path_factory.mktemp("images") / "photo.png"
    keras.utils.save_img(path, RNG.uniform(size=(12, 20, 3)))
    return path


@pytest.mark.parametrize(
    "options",
    [
        {},
        {"color_mode": "grayscale"},
        {"color_mode": "rgba", "target_size": (5, 7)},
        {"target_size": (8, 8), "interpolation": "bilinear"},
        {"target_size": (8, 8), "interpolation": "bicubic", "keep_aspect_ratio": True},
        {"target_size": (9, 4), "interpolation": "lanczos", "keep_aspect_ratio": True},
        {"target_size": (3, 30), "interpolation": "box", "keep_aspect_ratio": True},
    ],
)
def test_load_img_matches_keras(photo, options):
    _same_image(utils.load_img(photo, **options), keras.utils.load_img(str(photo), **options))
    with open(photo, "rb") as file:
        data = file.read()
    _same_image(utils.load_img(io.BytesIO(data), **options),
                keras.utils.load_img(io.BytesIO(data), **options))


@pytest.mark.parametrize("suffix", ["png", "jpg", "bmp"])
@pytest.mark.parametrize("name", ["rgb", "rgba", "gray"])
def test_save_img_writes_what_keras_writes(tmp_path, suffix, name):
    for save, file in ((utils.save_img, "ours"), (keras.utils.save_img, "theirs")):
        rgba_jpeg = suffix == "jpg" and name == "rgba"
        with pytest.warns(UserWarning, match="RGB") if rgba_jpeg else contextlib.nullcontext():
            save(tmp_path / f"{file}.{suffix}", ARRAYS[name])
    _same_image(utils.load_img(tmp_path / f"ours.{suffix}", color_mode="rgba"),
                utils.load_img(tmp_path / f"theirs.{suffix}", color_mode="rgba"))


def test_save_img_to_a_file_object_takes_file_format():
    buffer = io.BytesIO()
    utils.save_img(buffer, ARRAYS["rgb"], file_format="png")
    buffer.seek(0)
    _same_image(utils.load_img(buffer), keras.utils.array_to_img(ARRAYS["rgb"]))


@pytest.mark.parametrize(
    "call, message",
    [
        (lambda: utils.array_to_img(np.zeros((2, 2))), "rank 3"),
        (lambda: utils.array_to_img(np.zeros((2, 2, 2))), "1, 3 or 4 channels"),
        (lambda: utils.array_to_img(np.zeros((2, 2, 3)), data_format="nhwc"), "data_format"),
        (lambda: utils.img_to_array(np.zeros((1, 2, 2, 3))), "rank 2 or 3"),
        (lambda: utils.load_img("x.png", color_mode="cmyk"), "color_mode"),
    ],
)
def test_bad_arguments_are_refused(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_load_img_refuses_an_unknown_interpolation(photo):
    with pytest.raises(ValueError, match="interpolation"):
        utils.load_img(photo, target_size=(4, 4), interpolation="cubic")
    with pytest.raises(TypeError, match="io.BytesIO"):
        utils.load_img(3)


DTYPES = [None, "float64", "int", int, float, bool, str, complex, np.float32, np.dtype("int8"),
          "bfloat16", "uint8", "string"]


@pytest.mark.parametrize("dtype", DTYPES, ids=repr)
def test_standardize_dtype_matches_keras(dtype):
    assert utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)


def test_standardize_dtype_of_framework_dtypes():
    torch = pytest.importorskip("torch")
    jnp = pytest.importorskip("jax.numpy")
    for dtype in (torch.float16, torch.int64, jnp.bfloat16, jnp.float32):
        assert utils.standardize_dtype(dtype) == keras.utils.standardize_dtype(dtype)
    with pytest.raises(ValueError, match="standardize_dtype"):
        utils.standardize_dtype("float13")


def test_sequence_is_pydataset():
    assert utils.Sequence is utils.PyDataset
    assert engine.utils.Sequence.__name__ == "PyDataset"
