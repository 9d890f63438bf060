"""Pooling of channels-last inputs: max and average windows, and global average and max over
every spatial axis, in 1, 2 and 3 dimensions."""

from __future__ import annotations

import functools

from engine import ops
from engine.layers.declaration import Bool, Choice, Window, declare, exports
from engine.layers.layer import Layer
from engine.layers.windows import PADDINGS, check_rank, spatial_output_shape


class Pooling(Layer):
    """A window of `pool_size` moved by `strides` (pool_size when None) over the `rank`
    spatial axes, each window reduced to one value by `op` (engine.ops.max_pool or avg_pool)."""

    rank: int
    op: str
    pool_size = Window(2)  # each class redeclares it with Keras's default for its rank
    strides = Window(None)
    padding = Choice("valid", choices=PADDINGS)

    def configure(self):
        if self.strides is None:
            self.strides = self.pool_size

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, self.rank + 2)
        spatial = spatial_output_shape(self, input_shape, self.pool_size, self.strides,
                                       self.padding, (1,) * self.rank, "pool")
        return (input_shape[0], *spatial, input_shape[-1])

    def call(self, inputs):
        return getattr(ops, self.op)(inputs, self.pool_size, self.strides, self.padding)


@declare("pooling")
class MaxPooling1D(Pooling):
    """The largest value of each window of steps."""

    rank, op = 1, "max_pool"
    pool_size = Window(2)


@declare("pooling")
class MaxPooling2D(Pooling):
    """The largest value of each window."""

    rank, op = 2, "max_pool"
    pool_size = Window((2, 2))


@declare("pooling")
class MaxPooling3D(Pooling):
    """The largest value of each (depth, height, width) window."""

    rank, op = 3, "max_pool"
    pool_size = Window((2, 2, 2))


@declare("pooling")
class AveragePooling1D(Pooling):
    """The mean of each window of steps; with padding="same" the padded cells are left out."""

    rank, op = 1, "avg_pool"
    pool_size = Window(suggested=2)  # required, as in Keras


@declare("pooling")
class AveragePooling2D(Pooling):
    """The mean of each window; with padding="same" the padded cells are left out."""

    rank, op = 2, "avg_pool"
    pool_size = Window((2, 2))


@declare("pooling")
class AveragePooling3D(Pooling):
    """The mean of each (depth, height, width) window; with padding="same" the padded cells
    are left out."""

    rank, op = 3, "avg_pool"
    pool_size = Window(suggested=(2, 2, 2))  # required, as in Keras


# Keras's other names for the same classes
MaxPool1D, MaxPool2D, MaxPool3D = MaxPooling1D, MaxPooling2D, MaxPooling3D
AvgPool1D, AvgPool2D, AvgPool3D = AveragePooling1D, AveragePooling2D, AveragePooling3D


class DataFormat(Choice):
    """Keras's `data_format`: the engine computes channels-last only; None means
    keras.config.image_data_format(), which must then be "channels_last"."""

    def check(self, layer, value):
        from engine import config  # engine.config imports the layers' dependents

        if value is None and config.image_data_format() == "channels_first":
            raise self.error(layer, "is None, which means keras.config.image_data_format(), "
                             "set to 'channels_first'; the engine computes channels-last "
                             "inputs only. Call set_image_data_format('channels_last') and "
                             "put the channels last", value)
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
    """The mean over steps: (batch, channels), or (batch, 1, channels). With a mask (batch,
    steps) the mean of the unmasked steps; the output has no mask, as Keras's."""

    rank, reduction = 1, "mean"
    supports_masking = True

    def call(self, inputs, mask=None):
        if mask is None:
            return super().call(inputs)
        keep = ops.expand_dims(ops.cast(mask, "bool"), 2)
        total = ops.sum(ops.where(keep, inputs, 0.0), axis=1, keepdims=self.keepdims)
        count = ops.sum(ops.cast(keep, ops.dtype(inputs)), axis=1, keepdims=self.keepdims)
        return ops.divide(total, count)

    def compute_mask(self, inputs, previous_mask):
        return None


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
    """F.max_poolNd / F.avg_poolNd between permutes; "same" padding as an explicit pad (-inf
    for max, left out of the mean for average: the generated `average_pool`)."""
    layer = step.layer
    first, last = torch.CHANNELS[layer.rank]
    window, stride = torch.size(layer.pool_size), torch.size(layer.strides)
    pads = ()
    if layer.padding == "same":
        pads = torch.same_padding(step, layer.pool_size, layer.strides, (1,) * layer.rank)
    padding = torch.literal(pads)
    helpers = ()
    if maximum:
        fill = [f'F.pad({{}}, {padding}, value=float("-inf"))'] if any(pads) else []
        pool = [*fill, f"F.max_pool{layer.rank}d({{}}, {window}, {stride})"]
    elif any(pads):
        pool, helpers = [f"average_pool({{}}, {window}, {stride}, {padding})"], ("average_pool",)
    else:
        pool = [f"F.avg_pool{layer.rank}d({{}}, {window}, {stride})"]
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
    rank = layer.rank + 2
    x = onnx.channels_first(b, step.args[0], rank, step.name)
    y = b.op(op_type, [x], f"{step.name}/pool", kernel_shape=list(layer.pool_size),
             strides=list(layer.strides),
             **onnx.padding(step, layer.pool_size, layer.strides, (1,) * layer.rank),
             **attributes)
    return [onnx.channels_last(b, y, rank, step.name)]


exports(MaxPooling1D, MaxPooling2D, MaxPooling3D,
        torch=functools.partial(pooling_to_torch, maximum=True),
        arrays=functools.partial(pooling_to_arrays, template="max_pool"),
        onnx=functools.partial(pooling_to_onnx, op_type="MaxPool"))
exports(AveragePooling1D, AveragePooling2D, AveragePooling3D,
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
