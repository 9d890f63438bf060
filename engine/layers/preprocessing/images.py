"""Resizing and CenterCrop: channels-last images brought to one size, as Keras 3 does it.

Both keep to the image's aspect ratio where asked: the largest centred window of the target's
aspect ratio is cut out (crop_to_aspect_ratio, and CenterCrop of an image smaller than its
target), or the image is padded on both sides to it (pad_to_aspect_ratio), then resized.
"""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.backend.images import INTERPOLATIONS
from engine.errors import LayerConfigError
from engine.layers.declaration import Bool, Choice, Float, Int, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.windows import check_rank


def aspect_crop(size: tuple, target: tuple) -> tuple:
    """((top, height), (left, width)) of the largest centred window of `size` (height,
    width) with the aspect ratio of `target`."""
    (height, width), (target_height, target_width) = size, target
    crop_height = max(min(height, int(width * target_height / target_width)), 1)
    crop_width = max(min(width, int(height * target_width / target_height)), 1)
    return ((int((height - crop_height) / 2), crop_height),
            (int((width - crop_width) / 2), crop_width))


def aspect_padding(size: tuple, target: tuple) -> tuple:
    """(rows, columns) added on each side of an image of `size` to give it the aspect
    ratio of `target`."""
    (height, width), (target_height, target_width) = size, target
    padded_height = max(height, int(width * target_height / target_width))
    padded_width = max(width, int(height * target_width / target_height))
    return int((padded_height - height) / 2), int((padded_width - width) / 2)


class ImageLayer(Layer):
    """A layer on channels-last image batches that gives images of (height, width)."""

    height = Int(minimum=1, suggested=32)
    width = Int(minimum=1, suggested=32)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        if None in input_shape[1:3]:
            raise self.shape_error("needs images of known height and width; give the Input "
                                   "a fixed image size.", input_shape)
        return (input_shape[0], self.height, self.width, input_shape[3])


@declare("preprocessing")
class Resizing(ImageLayer):
    """Images resized to (height, width) by `interpolation`, after a crop or padding to the
    target's aspect ratio when asked."""

    interpolation = Choice("bilinear", choices=INTERPOLATIONS)
    crop_to_aspect_ratio = Bool(False)
    pad_to_aspect_ratio = Bool(False)
    fill_mode = Choice("constant", choices=("constant",))
    fill_value = Float(0.0)
    antialias = Bool(False)
    data_format = DataFormat(None, choices=("channels_last",))

    def configure(self):
        if self.crop_to_aspect_ratio and self.pad_to_aspect_ratio:
            raise LayerConfigError("Resizing: `crop_to_aspect_ratio` and "
                                   "`pad_to_aspect_ratio` cannot both be True; choose one.")
        if self.antialias:
            raise LayerConfigError("Resizing: `antialias=True` is not supported; the engine "
                                   "resizes without antialiasing (antialias=False).")

    def call(self, inputs):
        return resized(self, ops.cast(inputs, self.dtype))


def resized(layer, images):
    """`images` cropped or padded as `layer` says, then resized to its size."""
    size, target = tuple(ops.shape(images)[1:3]), (layer.height, layer.width)
    if layer.crop_to_aspect_ratio:
        (top, rows), (left, columns) = aspect_crop(size, target)
        images = ops.getitem(images, (slice(None), slice(top, top + rows),
                                      slice(left, left + columns)))
    elif layer.pad_to_aspect_ratio:
        rows, columns = aspect_padding(size, target)
        images = ops.pad(images, ((0, 0), (rows, rows), (columns, columns), (0, 0)),
                         layer.fill_value)
    if tuple(ops.shape(images)[1:3]) == target and layer.interpolation == "bilinear":
        return images  # bilinear resizing to the same size changes nothing
    return ops.image.resize(images, target, interpolation=layer.interpolation)


@declare("preprocessing")
class CenterCrop(ImageLayer):
    """The centred (height, width) window of each image; an image smaller than that along
    either axis is cropped to the target's aspect ratio and resized (bilinear) instead."""

    data_format = DataFormat(None, choices=("channels_last",))
    # how an image smaller than the window is brought to size (Keras's smart_resize)
    interpolation, crop_to_aspect_ratio, pad_to_aspect_ratio = "bilinear", True, False

    def call(self, inputs):
        images = ops.cast(inputs, self.dtype)
        top, left = self.window_start(ops.shape(images)[1:3])
        if top is None:
            return resized(self, images)
        return ops.getitem(images, (slice(None), slice(top, top + self.height),
                                    slice(left, left + self.width)))

    def window_start(self, size):
        """(top, left) of the centred window, or (None, None) when the image is smaller."""
        height, width = size
        if height < self.height or width < self.width:
            return None, None
        return (height - self.height) // 2, (width - self.width) // 2


# ---------------------------------------------------------------------------------- exports
def plan(layer, size) -> tuple:
    """What the layer does to images of `size`: (crop slices or None, padding or None,
    interpolation or None when no resize follows)."""
    target = (layer.height, layer.width)
    if isinstance(layer, CenterCrop):
        top, left = layer.window_start(size)
        if top is not None:
            return (((top, layer.height), (left, layer.width)), None, None)
    crop = padding = None
    if layer.crop_to_aspect_ratio:
        crop = aspect_crop(size, target)
        size = (crop[0][1], crop[1][1])
    elif layer.pad_to_aspect_ratio:
        padding = aspect_padding(size, target)
        size = (size[0] + 2 * padding[0], size[1] + 2 * padding[1])
    same = size == target and layer.interpolation == "bilinear"
    return crop, padding, None if same else layer.interpolation


def _sliced(crop) -> str:
    (top, rows), (left, columns) = crop
    return f"[:, {top}:{top + rows}, {left}:{left + columns}]"


def _known_size(step, error):
    size = tuple(step.input_shape[1:3])
    if None in size:
        raise error(f"Layer {step.layer.name!r} needs images of known height and width to "
                    f"export; the input has shape {step.input_shape}.")
    return size


def to_torch(step, torch):
    layer = step.layer
    crop, padding, interpolation = plan(layer, _known_size(step, torch.ExportError))
    wrappers = ["{}.float()"]
    if crop is not None:
        wrappers.append("{}" + _sliced(crop))
    if padding is not None:
        rows, columns = padding
        wrappers.append(f"F.pad({{}}, (0, 0, {columns}, {columns}, {rows}, {rows}), "
                        f"value={layer.fill_value!r})")
    if interpolation is not None:
        first, last = torch.CHANNELS[2]
        mode = '"bilinear"' if interpolation == "bilinear" else '"nearest-exact"'
        wrappers += [f"{{}}.permute{first}",
                     f"F.interpolate({{}}, ({layer.height}, {layer.width}), mode={mode})",
                     f"{{}}.permute{last}"]
    return torch.Emitted([], torch.chain(step, wrappers))


def to_arrays(step, code):
    layer = step.layer
    crop, padding, interpolation = plan(layer, _known_size(step, ValueError))
    wrappers = [code.template("float")]
    if crop is not None:
        wrappers.append("{}" + _sliced(crop))
    if padding is not None:
        rows, columns = padding
        pads = code.literal(((0, 0), (rows, rows), (columns, columns), (0, 0)))
        wrappers.append(code.template("pad", pads=f"{pads}, constant_values={layer.fill_value!r}"))
    if interpolation is not None:
        wrappers.append(code.template("resize", height=layer.height, width=layer.width,
                                      method=code.literal(interpolation)))
    return code.chain(step, wrappers)


def to_onnx(b, step, onnx):
    """Cast, Slice or Pad, then Resize channels first: "bilinear" at half-pixel centres,
    "nearest" as the floor of the half-pixel centre scaled (TensorFlow's rule)."""
    layer = step.layer
    crop, padding, interpolation = plan(layer, _known_size(step, ValueError))
    x = b.op("Cast", [step.args[0]], f"{step.name}/cast", to=1)  # 1: FLOAT
    if crop is not None:
        (top, rows), (left, columns) = crop
        starts = b.constant(f"{step.name}/starts", [top, left], np.int64)
        ends = b.constant(f"{step.name}/ends", [top + rows, left + columns], np.int64)
        axes = b.constant(f"{step.name}/axes", [1, 2], np.int64)
        x = b.op("Slice", [x, starts, ends, axes], f"{step.name}/crop")
    if padding is not None:
        rows, columns = padding
        pads = b.constant(f"{step.name}/pads", [0, rows, columns, 0, 0, rows, columns, 0],
                          np.int64)
        value = b.constant(f"{step.name}/fill", np.float32(layer.fill_value))
        x = b.op("Pad", [x, pads, value], f"{step.name}/pad", mode="constant")
    if interpolation is None:
        return [b.op("Identity", [x], step.name)]
    x = onnx.channels_first(b, x, 4, step.name)
    shape = b.op("Shape", [x], f"{step.name}/shape")
    batch_channels = b.op("Slice", [shape, b.constant(f"{step.name}/zero", [0], np.int64),
                                    b.constant(f"{step.name}/two", [2], np.int64)],
                          f"{step.name}/batch_channels")
    target = b.constant(f"{step.name}/target", [layer.height, layer.width], np.int64)
    sizes = b.op("Concat", [batch_channels, target], f"{step.name}/sizes", axis=0)
    if interpolation == "nearest":
        modes = {"mode": "nearest", "coordinate_transformation_mode": "tf_half_pixel_for_nn",
                 "nearest_mode": "floor"}
    else:
        modes = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    y = b.op("Resize", [x, "", "", sizes], f"{step.name}/resize", **modes)
    return [onnx.channels_last(b, y, 4, step.name)]


exports(Resizing, CenterCrop, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
