"""Resizing channels-last inputs without weights: UpSampling (repeat each step or pixel),
ZeroPadding (zeros at the edges), Cropping (edges cut off), in 1, 2 and 3 dimensions."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.declaration import Argument, Choice, Int, Window, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.windows import check_rank

INTERPOLATIONS = ("nearest", "bilinear")


def repeat(x, times: int, axis: int):
    """Each entry of `x` along `axis` repeated `times` times in a row (numpy.repeat)."""
    length = ops.shape(x)[axis]
    return ops.take(x, np.repeat(np.arange(length, dtype="int32"), times), axis=axis)


def linear_weights(length: int, scale: int) -> np.ndarray:
    """(length * scale, length): each output row's weights of the input points, sampling at
    half-pixel centres clamped to the edges (bilinear resizing as TensorFlow and JAX do it)."""
    source = np.clip((np.arange(length * scale) + 0.5) / scale - 0.5, 0, length - 1)
    low = np.floor(source).astype(int)
    high = np.minimum(low + 1, length - 1)
    fraction = (source - low).astype("float32")
    weights = np.zeros((length * scale, length), "float32")
    rows = np.arange(length * scale)
    np.add.at(weights, (rows, low), 1 - fraction)
    np.add.at(weights, (rows, high), fraction)
    return weights


class Edges(Argument):
    """Amounts at the start and end of each spatial axis: an int (the same everywhere), one
    per axis (both ends), or in 2-D and 3-D a (start, end) pair per axis. Kept as Keras keeps
    them: (start, end) in 1-D, ((top, bottom), (left, right)) in 2-D, three pairs in 3-D."""

    type = "int_or_int_list"

    def convert(self, layer, value):
        rank = layer.rank
        if _amount(value):
            pairs = ((value, value),) * rank
        elif rank == 1 and _sequence(value, 2) and all(_amount(v) for v in value):
            pairs = (tuple(value),)
        elif rank > 1 and _sequence(value, rank) and all(_amount(v) for v in value):
            pairs = tuple((v, v) for v in value)
        elif rank > 1 and _sequence(value, rank) and all(
                _sequence(v, 2) and all(_amount(a) for a in v) for v in value):
            pairs = tuple(tuple(v) for v in value)
        else:
            forms = ("a (start, end) pair of them" if rank == 1 else
                     f"a tuple of {rank} of them, or {rank} (start, end) pairs")
            raise self.error(layer, f"must be an int >= 0, {forms}", value)
        pairs = tuple((int(a), int(b)) for a, b in pairs)
        return pairs[0] if rank == 1 else pairs


def _amount(value) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value >= 0


def _sequence(value, length) -> bool:
    return isinstance(value, (tuple, list)) and len(value) == length


# ---------------------------------------------------------------------------------- layers
class UpSampling(Layer):
    """Each step (1-D), pixel (2-D) or voxel (3-D) repeated `size` times along each spatial
    axis."""

    rank: int
    interpolation = "nearest"  # UpSampling2D's argument; UpSampling1D only repeats

    @property
    def sizes(self) -> tuple:
        return (self.size,) if self.rank == 1 else self.size

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        spatial = (None if d is None else d * s for d, s in zip(input_shape[1:-1], self.sizes))
        return (input_shape[0], *spatial, input_shape[-1])

    def call(self, inputs):
        for axis, times in enumerate(self.sizes, start=1):
            inputs = repeat(inputs, times, axis)
        return inputs


@declare("reshaping")
class UpSampling1D(UpSampling):
    """(batch, steps, features) -> (batch, steps * size, features)."""

    rank = 1
    size = Int(2, minimum=1)


@declare("reshaping")
class UpSampling2D(UpSampling):
    """(batch, height, width, channels) -> (batch, height * size[0], width * size[1],
    channels): pixels repeated ("nearest") or interpolated between centres ("bilinear")."""

    rank = 2
    size = Window((2, 2))
    data_format = DataFormat(None, choices=("channels_last",))
    interpolation = Choice("nearest", choices=INTERPOLATIONS)

    def call(self, inputs):
        if self.interpolation == "nearest":
            return super().call(inputs)
        height, width = ops.shape(inputs)[1:3]
        rows = linear_weights(height, self.size[0])
        columns = linear_weights(width, self.size[1])
        return ops.einsum("ph,qw,bhwc->bpqc", rows, columns, inputs)


@declare("reshaping")
class UpSampling3D(UpSampling):
    """(batch, depth, height, width, channels) -> (batch, depth * size[0], height * size[1],
    width * size[2], channels), each voxel repeated."""

    rank = 3
    size = Window((2, 2, 2))
    data_format = DataFormat(None, choices=("channels_last",))


class EdgeLayer(Layer):
    """A layer that adds (`sign` 1) or removes (-1) amounts at the spatial edges."""

    rank: int
    sign: int
    edges: str  # the name of the Edges argument

    @property
    def pairs(self) -> tuple:
        """((start, end), ...) per spatial axis."""
        value = getattr(self, self.edges)
        return (value,) if self.rank == 1 else value

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        spatial = []
        for axis, (size, (start, end)) in enumerate(zip(input_shape[1:-1], self.pairs), 1):
            new = None if size is None else size + self.sign * (start + end)
            if new is not None and new <= 0:
                raise self.shape_error(
                    f"{self.edges}={getattr(self, self.edges)} removes {start + end} along axis "
                    f"{axis} but the input has only {size} there. Crop less.", input_shape)
            spatial.append(new)
        return (input_shape[0], *spatial, input_shape[-1])


class ZeroPadding(EdgeLayer):
    """Zeros added before and after each spatial axis."""

    sign, edges = 1, "padding"

    def call(self, inputs):
        return ops.pad(inputs, ((0, 0), *self.pairs, (0, 0)))


class Cropping(EdgeLayer):
    """Entries cut off before and after each spatial axis."""

    sign, edges = -1, "cropping"

    def call(self, inputs):
        shape = ops.shape(inputs)
        cuts = tuple(slice(start, size - end)
                     for size, (start, end) in zip(shape[1:-1], self.pairs))
        return ops.getitem(inputs, (slice(None), *cuts))


@declare("reshaping")
class ZeroPadding1D(ZeroPadding):
    """(batch, steps, features) -> (batch, start + steps + end, features)."""

    rank = 1
    padding = Edges(1)
    data_format = DataFormat(None, choices=("channels_last",))


@declare("reshaping")
class ZeroPadding2D(ZeroPadding):
    """(batch, height, width, channels), zeros added around height and width."""

    rank = 2
    padding = Edges((1, 1))
    data_format = DataFormat(None, choices=("channels_last",))


@declare("reshaping")
class ZeroPadding3D(ZeroPadding):
    """(batch, depth, height, width, channels), zeros added around depth, height and width."""

    rank = 3
    padding = Edges(((1, 1), (1, 1), (1, 1)))
    data_format = DataFormat(None, choices=("channels_last",))


@declare("reshaping")
class Cropping1D(Cropping):
    """(batch, steps, features) -> (batch, steps - start - end, features)."""

    rank = 1
    cropping = Edges((1, 1))


@declare("reshaping")
class Cropping2D(Cropping):
    """(batch, height, width, channels), rows and columns cut off at the edges."""

    rank = 2
    cropping = Edges(((0, 0), (0, 0)))
    data_format = DataFormat(None, choices=("channels_last",))


@declare("reshaping")
class Cropping3D(Cropping):
    """(batch, depth, height, width, channels), slices cut off at the edges of depth, height
    and width."""

    rank = 3
    cropping = Edges(((1, 1), (1, 1), (1, 1)))
    data_format = DataFormat(None, choices=("channels_last",))


# ---------------------------------------------------------------------------------- exports
def upsampling_to_torch(step, torch):
    """repeat_interleave along each spatial axis; bilinear by F.interpolate, channels first."""
    layer = step.layer
    if layer.interpolation == "nearest":
        wrappers = [f"{{}}.repeat_interleave({times}, dim={axis})"
                    for axis, times in enumerate(layer.sizes, start=1) if times > 1]
        return torch.Emitted([], torch.chain(step, wrappers or ["{}"]))
    first, last = torch.CHANNELS[2]
    wrappers = [f"{{}}.permute{first}",
                f'F.interpolate({{}}, scale_factor={layer.size}, mode="bilinear")',
                f"{{}}.permute{last}"]
    return torch.Emitted([], torch.chain(step, wrappers))


def upsampling_to_arrays(step, code):
    layer = step.layer
    if layer.interpolation == "nearest":
        wrappers = [code.template("repeat", times=times, axis=axis)
                    for axis, times in enumerate(layer.sizes, start=1) if times > 1]
        return code.chain(step, wrappers or ["{}"])
    rows, columns = layer.size
    return code.chain(step, [code.template("upsample_bilinear", rows=rows, columns=columns)])


def upsampling_to_onnx(b, step, onnx):
    """Resize channels first: "nearest" as floor of the asymmetric source coordinate (each
    entry repeated), "bilinear" at half-pixel centres."""
    layer = step.layer
    rank = layer.rank + 2
    x = onnx.channels_first(b, step.args[0], rank, step.name)
    scales = b.constant(f"{step.name}/scales", [1.0, 1.0, *layer.sizes])
    if layer.interpolation == "nearest":
        modes = {"mode": "nearest", "coordinate_transformation_mode": "asymmetric",
                 "nearest_mode": "floor"}
    else:
        modes = {"mode": "linear", "coordinate_transformation_mode": "half_pixel"}
    y = b.op("Resize", [x, "", scales], f"{step.name}/resize", **modes)
    return [onnx.channels_last(b, y, rank, step.name)]


exports(UpSampling1D, UpSampling2D, UpSampling3D, torch=upsampling_to_torch,
        arrays=upsampling_to_arrays, onnx=upsampling_to_onnx)


def zero_padding_to_torch(step, torch):
    pads = tuple(a for pair in reversed(step.layer.pairs) for a in pair)
    return torch.Emitted([], torch.chain(step, [f"F.pad({{}}, {torch.literal((0, 0, *pads))})"]))


def zero_padding_to_arrays(step, code):
    pads = ((0, 0), *step.layer.pairs, (0, 0))
    return code.chain(step, [code.template("pad", pads=code.literal(pads))])


def zero_padding_to_onnx(b, step, onnx):
    pairs = ((0, 0), *step.layer.pairs, (0, 0))
    pads = b.constant(f"{step.name}/pads", [p[0] for p in pairs] + [p[1] for p in pairs],
                      np.int64)
    return [b.op("Pad", [step.args[0], pads], step.name, mode="constant")]


exports(ZeroPadding1D, ZeroPadding2D, ZeroPadding3D, torch=zero_padding_to_torch,
        arrays=zero_padding_to_arrays, onnx=zero_padding_to_onnx)


def _cropped(layer) -> str:
    """The crop as a slice of the step's input: [:, 1:-2, 3:]."""
    cuts = [f"{start}:{-end if end else ''}" for start, end in layer.pairs]
    return f"[:, {', '.join(cuts)}]"


def cropping_to_torch(step, torch):
    return torch.Emitted([], torch.assign(step, f"{step.args[0]}{_cropped(step.layer)}"))


def cropping_to_arrays(step, code):
    return code.assign(step, f"{step.args[0]}{_cropped(step.layer)}")


def cropping_to_onnx(b, step, onnx):
    pairs = step.layer.pairs
    starts = b.constant(f"{step.name}/starts", [start for start, _ in pairs], np.int64)
    ends = b.constant(f"{step.name}/ends", [-end if end else np.iinfo(np.int64).max
                                            for _, end in pairs], np.int64)
    axes = b.constant(f"{step.name}/axes", list(range(1, len(pairs) + 1)), np.int64)
    return [b.op("Slice", [step.args[0], starts, ends, axes], step.name)]


exports(Cropping1D, Cropping2D, Cropping3D, torch=cropping_to_torch,
        arrays=cropping_to_arrays, onnx=cropping_to_onnx)
