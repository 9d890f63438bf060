"""Dropout: random zeroing while training, scaled so the expected output equals the input."""

from __future__ import annotations

from engine import ops
from engine.layers.declaration import Float, Int, declare, exports
from engine.layers.layer import Layer


@declare("regularization")
class Dropout(Layer):
    """Inverted dropout while training; the identity at inference.

    Each value is kept with probability 1 - rate and divided by 1 - rate. `seed` makes the
    sequence of masks reproducible.
    """

    supports_masking = True  # passes its input's mask on, as Keras's does

    rate = Float(minimum=0.0, maximum=1.0, below=True, suggested=0.5)
    seed = Int(None)

    def build(self, input_shape):
        self.seed_state = self.add_seed_state(self.seed)

    def call(self, inputs, training=False):
        if not training or self.rate == 0:
            return inputs
        dtype = ops.dtype(inputs)
        noise = ops.random_uniform(ops.shape(inputs), self.next_seed(self.seed_state), dtype=dtype)
        keep = ops.cast(ops.greater_equal(noise, self.rate), dtype)
        return ops.multiply(inputs, ops.divide(keep, 1.0 - self.rate))

    def compute_output_shape(self, input_shape):
        return input_shape


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    init = torch.module(step, "nn.Dropout", [repr(step.layer.rate)])
    return torch.Emitted(init, torch.assign(step, f"self.{step.name}({step.args[0]})"))


def to_arrays(step, code):
    why = f"Dropout({step.layer.rate}) passes values through at inference"
    return code.assign(step, f"{step.args[0]}  # {why}")


def to_onnx(b, step, onnx):
    return [step.args[0]]  # the identity at inference


exports(Dropout, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
