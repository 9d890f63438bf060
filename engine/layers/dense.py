"""Dense: a fully connected layer on the last axis."""

from __future__ import annotations

from engine import activations, ops
from engine.layers.declaration import (
    ActivationName,
    Bool,
    ConstraintName,
    InitializerName,
    Int,
    RegularizerName,
    declare,
    exports,
)
from engine.layers.layer import Layer


@declare("core")
class Dense(Layer):
    """activation(inputs @ kernel + bias), applied to the last axis of inputs of any rank."""

    supports_masking = True  # passes its input's mask on, as Keras's does

    units = Int(minimum=1, suggested=32)
    activation = ActivationName(None)
    use_bias = Bool(True)
    kernel_initializer = InitializerName("glorot_uniform")
    bias_initializer = InitializerName("zeros")
    kernel_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    kernel_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)

    def build(self, input_shape):
        if len(input_shape) < 2 or input_shape[-1] is None:
            raise self.shape_error(
                "expects inputs of rank 2 or more, (batch, ..., features), with a known last "
                "axis.",
                input_shape,
            )
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer=self.kernel_initializer, name="kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight(shape=(self.units,), initializer=self.bias_initializer,
                                        name="bias", regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        return activations.apply(self.activation, ops.dense(inputs, self.kernel, self.bias))

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self.units)


# ---------------------------------------------------------------------------------- exports
def to_torch(step, torch):
    layer = step.layer
    init = torch.module(step, "nn.Linear", [str(step.input_shape[-1]), str(layer.units),
                                            *torch.bias_flag(layer)])
    wrappers = [f"self.{step.name}({{}})", torch.activation(layer.activation)]
    return torch.Emitted(init, torch.chain(step, wrappers))


def torch_weights(step, torch):
    w = torch.named_weights(step.layer)
    return {"weight": w["kernel"].T, **({"bias": w["bias"]} if "bias" in w else {})}


def to_arrays(step, code):
    return code.call(step, "apply_dense", [code.params(step), step.args[0]],
                     code.activation(step.layer.activation))


def to_onnx(b, step, onnx):
    w = onnx.named_weights(step.layer)
    y = onnx.affine(b, step.args[0], w["kernel"], w.get("bias"), step.name)
    return [onnx.activation(b, step.layer.activation, y, f"{step.name}/activation")]


exports(Dense, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays, onnx=to_onnx)
