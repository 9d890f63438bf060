"""TimeDistributed: one layer applied to every time step of a sequence."""

from __future__ import annotations

import dataclasses

import numpy as np

from engine import ops
from engine.layers.declaration import declare, exports, translation
from engine.layers.layer import Layer
from engine.layers.layer_argument import LayerArgument, config_of


@declare("recurrent")
class TimeDistributed(Layer):
    """Keras 3's TimeDistributed: `layer` on inputs (batch, time, ...) sees (batch * time,
    ...), every step with the same weights (the layer's own, under its own name)."""

    layer = LayerArgument(suggested={"class_name": "Dense", "config": {"units": 32}})

    get_config = config_of

    @property
    def wrapped_layers(self) -> list:
        """The layer it runs, which holds its weights (as exports name them)."""
        return [self.layer]

    def build(self, input_shape):
        if len(input_shape) < 3:
            raise self.shape_error(
                "expects inputs of shape (batch, time, ...) with at least one axis after "
                "time; give it sequences.", tuple(input_shape))
        if not self.layer.built:
            self.layer.build(_step_shape(input_shape))

    def call(self, inputs, training=None):
        shape = ops.shape(inputs)
        steps = ops.reshape(inputs, (-1, *shape[2:]))
        outputs = self.layer.call(steps, **self.layer.call_kwargs({"training": training}))
        return ops.reshape(outputs, (-1, shape[1], *ops.shape(outputs)[1:]))

    def compute_mask(self, inputs, previous_mask):
        """The input's mask: every step's output is still that step's."""
        return previous_mask

    def compute_output_shape(self, input_shape):
        step = self.layer.compute_output_shape(_step_shape(input_shape))
        return (input_shape[0], input_shape[1], *step[1:])


def _step_shape(input_shape):
    """The shape the layer sees: batch and time as one axis."""
    batch, time = input_shape[0], input_shape[1]
    merged = None if batch is None or time is None else batch * time
    return (merged, *input_shape[2:])


# ---------------------------------------------------------------------------------- exports
# The layer's own translation, on its steps as one batch: (batch * time, ...) in, reshaped back.
def _inner(step, target):
    """(the inner layer's translation for `target`, its step, the input of that step): the
    step's x (batch * time, ...) and y are named after the wrapper's output."""
    layer, x = step.layer.layer, step.args[0]
    inner = dataclasses.replace(
        step, layer=layer, args=[f"{step.outputs[0]}_x"],
        arg_shapes=[_step_shape(step.input_shape)], outputs=[f"{step.outputs[0]}_y"])
    return translation(type(layer).__name__, target), inner, x


def _sizes(step, x, time_of) -> tuple[str, str]:
    """(the steps' shape, the output's shape) as code: the time axis from `time_of(x)` when
    it is unknown."""
    rest = ", ".join(str(s) for s in step.input_shape[2:])
    time = step.input_shape[1]
    out = step.layer.compute_output_shape(step.input_shape)[2:]
    time = str(time) if time is not None else time_of(x)
    return f"-1, {rest}", f"-1, {time}, {', '.join(str(s) for s in out)}"


def _to_torch(step, torch):
    translate, inner, x = _inner(step, "torch")
    emitted = translate(inner, torch)
    steps_shape, out_shape = _sizes(step, x, lambda x: f"{x}.shape[1]")
    pad = torch.INDENT
    forward = [f"{pad}{inner.args[0]} = {x}.reshape({steps_shape})", *emitted.forward,
               f"{pad}{step.outputs[0]} = {inner.outputs[0]}.reshape({out_shape})"]
    return torch.Emitted(emitted.init, forward, emitted.helpers)


def _torch_weights(step, torch):
    translate, inner, _ = _inner(step, "torch_weights")
    return {} if translate is None else translate(inner, torch)


def _to_arrays(step, code):
    translate, inner, x = _inner(step, "arrays")
    tensorflow = code.dialect.framework == "TensorFlow"
    steps_shape, out_shape = _sizes(
        step, x, (lambda x: f"tf.shape({x})[1]") if tensorflow else (lambda x: f"{x}.shape[1]"))

    def reshape(tensor, sizes):
        return f"tf.reshape({tensor}, ({sizes}))" if tensorflow else f"{tensor}.reshape({sizes})"

    pad = code.indent
    return [f"{pad}{inner.args[0]} = {reshape(x, steps_shape)}", *translate(inner, code),
            f"{pad}{step.outputs[0]} = {reshape(inner.outputs[0], out_shape)}"]


def _to_onnx(b, step, onnx):
    translate, inner, x = _inner(step, "onnx")
    steps_shape = [-1, *step.input_shape[2:]]
    b_steps = b.op("Reshape", [x, b.constant(f"{step.name}/steps_shape", steps_shape, np.int64)],
                   f"{step.name}/steps_in")
    (y,) = translate(b, dataclasses.replace(inner, args=[b_steps], name=step.name), onnx)
    # the time axis as the input has it; the output's other sizes are known
    time = b.op("Slice", [b.op("Shape", [x], f"{step.name}/shape"),
                          b.constant(f"{step.name}/one", [1], np.int64),
                          b.constant(f"{step.name}/two", [2], np.int64)], f"{step.name}/time")
    rest = step.layer.compute_output_shape(step.input_shape)[2:]
    out_shape = b.op("Concat", [b.constant(f"{step.name}/batch", [-1], np.int64), time,
                                b.constant(f"{step.name}/rest", list(rest), np.int64)],
                     f"{step.name}/out_shape", axis=0)
    return [b.op("Reshape", [y, out_shape], step.name)]


exports(TimeDistributed, torch=_to_torch, torch_weights=_torch_weights, arrays=_to_arrays,
        onnx=_to_onnx)
