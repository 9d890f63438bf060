"""Pooling of channels-last inputs: 2-D max and average windows, and global average and max
over every spatial axis in 1, 2 and 3 dimensions."""

from __future__ import annotations

import functools

from engine import ops
from engine.layers.declaration import Bool, Choice, Window, declare, exports
from engine.layers.layer import Layer
from engine.layers.windows import PADDINGS, check_rank, spatial_output_shape


class Pooling2D(Layer):
    """A window of `pool_size` moved by `strides` (pool_size when None) reduced to one value."""

    rank = 2
    pool_size = Window((2, 2))
    strides = Window(None)
    padding = Choice("valid", choices=PADDINGS)

    def configure(self):
        if self.strides is None:
            self.strides = self.pool_size

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        spatial = spatial_output_shape(self, input_shape, self.pool_size, self.strides,
                                       self.padding, (1, 1), "pool")
        return (input_shape[0], *spatial, input_shape[-1])

@declare("pooling")
class MaxPooling2D(Pooling2D):
    """The largest value of each window."""

    def call(self, inputs):
        return ops.max_pool(inputs, self.pool_size, self.strides, self.padding)


@declare("pooling")
class AveragePooling2D(Pooling2D):
    """The mean of each window; with padding="same" the padded cells are left out."""

    def call(self, inputs):
        return ops.avg_pool(inputs, self.pool_size, self.strides, self.padding)


class DataFormat(Choice):
    """Keras's `data_format`: the engine computes channels-last only, which None also means."""

    def check(self, layer, value):
        if value is None:
            return "channels_last"
        if isinstance(value, str) and value.lower() == "channels_first":
            raise self.error(layer, "must be 'channels_last' or None: the engine computes "
                             "channels-last inputs only; transpose the inputs to put the "
                             "channels last", value)
        return self.convert(layer, value)


class GlobalPooling(Layer):
    """Every spatial axis of (batch, *spatial, channels) reduced by `reduction` (an engine.ops
    reduction): (batch, channels), or with keepdims (batch, 1, ..., 1, channels)."""

    rank: int
    reduction: str  # "mean" or "max"
    data_format = DataFormat(None, choices=("channels_last",))
    keepdims = Bool(False)

    @property
    def spatial_axes(self) -> tuple:
        return tuple(range(1, self.rank + 1))

    def call(self, inputs):
        return getattr(ops, self.reduction)(inputs, axis=self.spatial_axes,
                                            keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        kept = (1,) * self.rank if self.keepdims else ()
        return (input_shape[0], *kept, input_shape[-1])


@declare("pooling")
class GlobalAveragePooling1D(GlobalPooling):
    """The mean over steps: (batch, channels), or (batch, 1, channels)."""

    rank, reduction = 1, "mean"


@declare("pooling")
class GlobalAveragePooling2D(GlobalPooling):
    """The mean over height and width: (batch, channels), or (batch, 1, 1, channels)."""

    rank, reduction = 2, "mean"


@declare("pooling")
class GlobalAveragePooling3D(GlobalPooling):
    """The mean over depth, height and width: (batch, channels), or (batch, 1, 1, 1, channels)."""

    rank, reduction = 3, "mean"


@declare("pooling")
class GlobalMaxPooling1D(GlobalPooling):
    """The largest value over steps: (batch, channels), or (batch, 1, channels)."""

    rank, reduction = 1, "max"


@declare("pooling")
class GlobalMaxPooling2D(GlobalPooling):
    """The largest value over height and width: (batch, channels), or (batch, 1, 1, channels)."""

    rank, reduction = 2, "max"


@declare("pooling")
class GlobalMaxPooling3D(GlobalPooling):
    """The largest value over depth, height and width: (batch, channels), or keepdims'
    (batch, 1, 1, 1, channels)."""

    rank, reduction = 3, "max"


# Keras's other names for the same classes
GlobalAvgPool1D, GlobalAvgPool2D, GlobalAvgPool3D = (
    GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D)
GlobalMaxPool1D, GlobalMaxPool2D, GlobalMaxPool3D = (
    GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D)


# ---------------------------------------------------------------------------------- exports
def pooling_to_torch(step, torch, maximum):
    """F.max_pool2d / F.avg_pool2d between permutes; "same" padding as an explicit pad (-inf
    for max, left out of the mean for average: the generated `average_pool`)."""
    layer = step.layer
    first, last = torch.CHANNELS[2]
    window, stride = torch.size(layer.pool_size), torch.size(layer.strides)
    pads = ()
    if layer.padding == "same":
        pads = torch.same_padding(step, layer.pool_size, layer.strides, (1, 1))
    padding = torch.literal(pads)
    helpers = ()
    if maximum:
        fill = [f'F.pad({{}}, {padding}, value=float("-inf"))'] if any(pads) else []
        pool = [*fill, f"F.max_pool2d({{}}, {window}, {stride})"]
    elif any(pads):
        pool, helpers = [f"average_pool({{}}, {window}, {stride}, {padding})"], ("average_pool",)
    else:
        pool = [f"F.avg_pool2d({{}}, {window}, {stride})"]
    wrappers = [f"{{}}.permute{first}", *pool, f"{{}}.permute{last}"]
    return torch.Emitted([], torch.chain(step, wrappers), helpers)


def pooling_to_arrays(step, code, template):
    layer = step.layer
    wrapper = code.template(template, window=code.shape(layer.pool_size),
                            strides=code.shape(layer.strides),
                            padding=code.literal(layer.padding.upper()))
    return code.chain(step, [wrapper])


def pooling_to_onnx(b, step, onnx, op_type, **attributes):
    layer = step.layer
    x = onnx.channels_first(b, step.args[0], 4, step.name)
    y = b.op(op_type, [x], f"{step.name}/pool", kernel_shape=list(layer.pool_size),
             strides=list(layer.strides),
             **onnx.padding(step, layer.pool_size, layer.strides, (1, 1)), **attributes)
    return [onnx.channels_last(b, y, 4, step.name)]


exports(MaxPooling2D,
        torch=functools.partial(pooling_to_torch, maximum=True),
        arrays=functools.partial(pooling_to_arrays, template="max_pool"),
        onnx=functools.partial(pooling_to_onnx, op_type="MaxPool"))
exports(AveragePooling2D,
        torch=functools.partial(pooling_to_torch, maximum=False),
        arrays=functools.partial(pooling_to_arrays, template="average_pool"),
        onnx=functools.partial(pooling_to_onnx, op_type="AveragePool", count_include_pad=0))


TORCH_REDUCTIONS = {"mean": "mean", "max": "amax"}
ONNX_REDUCTIONS = {"mean": "ReduceMean", "max": "ReduceMax"}


def global_pooling_to_torch(step, torch):
    layer = step.layer
    keep = ", keepdim=True" if layer.keepdims else ""
    method = TORCH_REDUCTIONS[layer.reduction]
    return torch.Emitted([], torch.assign(
        step, f"{step.args[0]}.{method}(dim={layer.spatial_axes}{keep})"))


def global_pooling_to_arrays(step, code):
    layer = step.layer
    keep = ", keepdims=True" if layer.keepdims else ""
    return code.chain(step, [code.template(layer.reduction, axes=str(layer.spatial_axes),
                                           keep=keep)])


def global_pooling_to_onnx(b, step, onnx):
    layer = step.layer
    return [b.op(ONNX_REDUCTIONS[layer.reduction], [step.args[0]], step.name,
                 axes=list(layer.spatial_axes), keepdims=int(layer.keepdims))]


exports(GlobalAveragePooling1D, GlobalAveragePooling2D, GlobalAveragePooling3D,
        GlobalMaxPooling1D, GlobalMaxPooling2D, GlobalMaxPooling3D,
        torch=global_pooling_to_torch, arrays=global_pooling_to_arrays,
        onnx=global_pooling_to_onnx)
