"""Keras's image file helpers: arrays to and from PIL images, and images to and from files.

Pillow is imported only when one of them runs, so the engine does not depend on it.
"""

from __future__ import annotations

import io
import os
import pathlib
import warnings

import numpy as np

from engine import config

INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
COLOR_MODES = {"grayscale": "L", "rgb": "RGB", "rgba": "RGBA"}


def _pillow(function: str):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(
            f"{function} needs Pillow, which is not installed: pip install pillow."
        ) from None
    return Image


def _data_format(function: str, data_format) -> str:
    if data_format is None:
        return config.image_data_format()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f'{function}: `data_format` must be "channels_last", "channels_first" or None (the '
            f"configured image_data_format). Received: data_format={data_format!r}."
        )
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A PIL image from one image array (height, width, channels) or (channels, height,
    width): with `scale`, its values are stretched to 0..255 first; 1 channel gives an "L"
    image ("I" if over 255), 3 an "RGB" one, 4 an "RGBA" one."""
    data_format = _data_format("array_to_img", data_format)
    image = _pillow("array_to_img")
    x = np.array(x, dtype=dtype or config.floatx())
    if x.ndim != 3:
        raise ValueError(
            f"array_to_img: expected one image, an array of rank 3. Received an array of "
            f"shape {x.shape}; pass x[i] for one image of a batch."
        )
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        if np.max(x) != 0:
            x = x / np.max(x)
        x = x * 255
    channels = x.shape[2]
    if channels in (3, 4):
        return image.fromarray(x.astype("uint8"), "RGB" if channels == 3 else "RGBA")
    if channels == 1:
        if np.max(x) > 255:
            return image.fromarray(x[:, :, 0].astype("int32"), "I")
        return image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(
        f"array_to_img: an image has 1, 3 or 4 channels. Received {channels} channels "
        f"(shape {x.shape} in {data_format})."
    )


def img_to_array(img, data_format=None, dtype=None) -> np.ndarray:
    """A PIL image as a rank-3 array of `dtype` (config.floatx() by default); a grayscale
    image gets a channel axis of 1."""
    data_format = _data_format("img_to_array", data_format)
    x = np.asarray(img, dtype=dtype or config.floatx())
    if x.ndim == 2:
        x = x[None] if data_format == "channels_first" else x[..., None]
    elif x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    else:
        raise ValueError(
            f"img_to_array: expected an image of rank 2 or 3; received shape {x.shape}."
        )
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs) -> None:
    """Write an image array to `path` (a path or a file object) in `file_format`, by default
    the path's extension; other keyword arguments go to PIL's Image.save."""
    data_format = _data_format("save_img", data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel, so the RGBA image is saved as RGB.",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """A PIL image read from `path` (a path or io.BytesIO) in `color_mode`, resized to
    `target_size` (height, width) with `interpolation`; `keep_aspect_ratio` first crops the
    centre to the target's aspect ratio."""
    if color_mode not in COLOR_MODES:
        raise ValueError(
            f"load_img: `color_mode` must be one of {', '.join(map(repr, COLOR_MODES))}. "
            f"Received: color_mode={color_mode!r}."
        )
    image = _pillow("load_img")
    if isinstance(path, io.BytesIO):
        img = image.open(path)
    elif isinstance(path, (str, bytes, os.PathLike)):
        with open(path, "rb") as file:
            img = image.open(io.BytesIO(file.read()))
    else:
        raise TypeError(
            f"load_img: `path` must be a path or an io.BytesIO. Received {type(path).__name__}."
        )
    mode = COLOR_MODES[color_mode]
    if img.mode != mode and not (mode == "L" and img.mode in ("I;16", "I")):
        img = img.convert(mode)
    if target_size is None:
        return img
    size = (int(target_size[1]), int(target_size[0]))
    if img.size == size:
        return img
    if interpolation not in INTERPOLATIONS:
        raise ValueError(
            f"load_img: `interpolation` must be one of {', '.join(INTERPOLATIONS)}. "
            f"Received: interpolation={interpolation!r}."
        )
    resample = getattr(image.Resampling, interpolation.upper())
    box = _centre_crop(img.size, size) if keep_aspect_ratio else None
    return img.resize(size, resample, box=box)


def _centre_crop(size, target) -> list[int]:
    """The (left, top, right, bottom) box of the largest centred crop of an image of `size`
    (width, height) that has the aspect ratio of `target` (width, height)."""
    width, height = size
    target_width, target_height = target
    crop_height = min(height, width * target_height // target_width)
    crop_width = min(width, height * target_width // target_height)
    left, top = (width - crop_width) // 2, (height - crop_height) // 2
    return [left, top, left + crop_width, top + crop_height]
