"""Adaptive pooling of channels-last inputs: each spatial axis cut into `output_size`
windows that tile it (neighbours may share a point), each window reduced to its mean or
maximum, in 1, 2 and 3 dimensions (PyTorch's and Keras's adaptive pooling)."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.composed_ops.spatial import _windows
from engine.export.errors import ExportError
from engine.layers.declaration import Window, declare, exports
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.windows import check_rank


class AdaptivePooling(Layer):
    """(batch, *spatial, channels) to (batch, *output_size, channels) by `op`
    (engine.ops.adaptive_average_pool or adaptive_max_pool)."""

    rank: int
    op: str
    reduction: str  # the reduction of one window: "mean" or "max"
    output_size = Window(suggested=2)  # required, as in Keras
    data_format = DataFormat(None, choices=("channels_last",))

    def call(self, inputs):
        return getattr(ops, self.op)(inputs, self.output_size, "channels_last")

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        return (input_shape[0], *self.output_size, input_shape[-1])


@declare("pooling")
class AdaptiveAveragePooling1D(AdaptivePooling):
    """The mean of each of `output_size` windows that tile the steps."""

    rank, op, reduction = 1, "adaptive_average_pool", "mean"
    output_size = Window(suggested=2)


@declare("pooling")
class AdaptiveAveragePooling2D(AdaptivePooling):
    """The mean of each of `output_size` (rows, columns) windows that tile the image."""

    rank, op, reduction = 2, "adaptive_average_pool", "mean"
    output_size = Window(suggested=(2, 2))


@declare("pooling")
class AdaptiveAveragePooling3D(AdaptivePooling):
    """The mean of each of `output_size` (depth, rows, columns) windows that tile the volume."""

    rank, op, reduction = 3, "adaptive_average_pool", "mean"
    output_size = Window(suggested=(2, 2, 2))


@declare("pooling")
class AdaptiveMaxPooling1D(AdaptivePooling):
    """The largest value of each of `output_size` windows that tile the steps."""

    rank, op, reduction = 1, "adaptive_max_pool", "max"
    output_size = Window(suggested=2)


@declare("pooling")
class AdaptiveMaxPooling2D(AdaptivePooling):
    """The largest value of each of `output_size` (rows, columns) windows."""

    rank, op, reduction = 2, "adaptive_max_pool", "max"
    output_size = Window(suggested=(2, 2))


@declare("pooling")
class AdaptiveMaxPooling3D(AdaptivePooling):
    """The largest value of each of `output_size` (depth, rows, columns) windows."""

    rank, op, reduction = 3, "adaptive_max_pool", "max"
    output_size = Window(suggested=(2, 2, 2))


# ---------------------------------------------------------------------------------- exports
def _spatial_sizes(step):
    """The input's spatial sizes, which the exported windows are cut from."""
    sizes = tuple(step.arg_shapes[0][1:-1])
    if None in sizes:
        raise ExportError(f"{type(step.layer).__name__} {step.name!r}: its windows depend on the "
                          f"input's spatial sizes, unknown here {sizes}; give the Input a fixed "
                          "shape to export it.")
    return sizes


def adaptive_to_torch(step, torch):
    """F.adaptive_{avg,max}_poolNd between permutes: PyTorch's own windows."""
    layer = step.layer
    first, last = torch.CHANNELS[layer.rank]
    kind = "avg" if layer.reduction == "mean" else "max"
    pool = f"F.adaptive_{kind}_pool{layer.rank}d({{}}, {torch.size(layer.output_size)})"
    return torch.Emitted([], torch.chain(step, [f"{{}}.permute{first}", pool,
                                                f"{{}}.permute{last}"]))


def _window_slices(axis, windows):
    return [", ".join([":"] * axis + [f"{start}:{stop}"]) for start, stop in windows]


def adaptive_to_arrays(step, code):
    """One statement per spatial axis: the windows' reductions (one a line), concatenated."""
    layer = step.layer
    sizes = _spatial_sizes(step)
    value, lines = step.args[0], []
    for axis, (size, out) in enumerate(zip(sizes, layer.output_size), start=1):
        parts = [code.template(layer.reduction, x=f"{value}[{key}]", axes=str(axis),
                               keep=", keepdims=True")
                 for key in _window_slices(axis, _windows(size, out))]
        listed = "".join(f"{code.indent}    {part},\n" for part in parts)
        lines += code.assign(step, code.template("concatenate", x=f"[\n{listed}{code.indent}]",
                                                 axis=str(axis)))
        value = step.outputs[0]
    return lines


def adaptive_to_onnx(b, step, onnx):
    """Per spatial axis: each window sliced out and reduced (keepdims), then concatenated."""
    layer = step.layer
    sizes = _spatial_sizes(step)
    reduce = "ReduceMean" if layer.reduction == "mean" else "ReduceMax"
    x = step.args[0]
    for axis, (size, out) in enumerate(zip(sizes, layer.output_size), start=1):
        parts = []
        for k, (start, stop) in enumerate(_windows(size, out)):
            bounds = [b.constant(f"{step.name}/{name}", [v], np.int64)
                      for name, v in (("start", start), ("stop", stop), ("axis", axis))]
            window = b.op("Slice", [x, *bounds], f"{step.name}/window{axis}_{k}")
            parts.append(b.op(reduce, [window], f"{step.name}/{reduce}{axis}_{k}",
                              axes=[axis], keepdims=1))
        x = b.op("Concat", parts, step.name if axis == layer.rank else f"{step.name}/axis{axis}",
                 axis=axis)
    return [x]


exports(AdaptiveAveragePooling1D, AdaptiveAveragePooling2D, AdaptiveAveragePooling3D,
        AdaptiveMaxPooling1D, AdaptiveMaxPooling2D, AdaptiveMaxPooling3D,
        torch=adaptive_to_torch, arrays=adaptive_to_arrays, onnx=adaptive_to_onnx)
