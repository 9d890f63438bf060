"""2-D pooling over (batch, height, width, channels): max, average, and global average."""

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


@declare("pooling")
class GlobalAveragePooling2D(Layer):
    """The mean over height and width: (batch, channels), or (batch, 1, 1, channels)."""

    keepdims = Bool(False)

    def call(self, inputs):
        return ops.mean(inputs, axis=(1, 2), keepdims=self.keepdims)

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 4)
        if self.keepdims:
            return (input_shape[0], 1, 1, input_shape[-1])
        return (input_shape[0], input_shape[-1])


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


def global_average_to_torch(step, torch):
    keep = ", keepdim=True" if step.layer.keepdims else ""
    return torch.Emitted([], torch.assign(step, f"{step.args[0]}.mean(dim=(1, 2){keep})"))


def global_average_to_arrays(step, code):
    keep = ", keepdims=True" if step.layer.keepdims else ""
    return code.chain(step, [code.template("mean", axes="(1, 2)", keep=keep)])


def global_average_to_onnx(b, step, onnx):
    keep = int(step.layer.keepdims)
    return [b.op("ReduceMean", [step.args[0]], step.name, axes=[1, 2], keepdims=keep)]


exports(GlobalAveragePooling2D, torch=global_average_to_torch,
        arrays=global_average_to_arrays, onnx=global_average_to_onnx)
