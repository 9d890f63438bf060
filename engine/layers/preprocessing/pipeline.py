"""Pipeline: layers applied in turn, as Keras 3's keras.layers.Pipeline (a light Sequential
for preprocessing and augmentation), each told whether it is training."""

from __future__ import annotations

import dataclasses

from engine.layers.declaration import declare, exports, translation
from engine.layers.layer import Layer
from engine.layers.layer_argument import LayerArgument, config_of


@declare("preprocessing")
class Pipeline(Layer):
    """`layers` called one after another on the output of the last (Keras's Pipeline)."""

    layers = LayerArgument(several=True, suggested=[
        {"class_name": "RandomFlip", "config": {}},
        {"class_name": "RandomRotation", "config": {"factor": 0.1}}])

    def get_config(self) -> dict:
        """Keras's Pipeline config: its name and layers only (its constructor takes no
        more)."""
        config = config_of(self)
        return {"name": config["name"], "layers": config["layers"]}

    @property
    def wrapped_layers(self) -> list:
        """The layers it runs (as exports find them)."""
        return list(self.layers)

    def build(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            if not layer.built:
                layer.build(shape)
            shape = layer.compute_output_shape(shape)

    def call(self, inputs, training=True):
        for layer in self.layers:
            inputs = layer.call(inputs, **layer.call_kwargs({"training": training}))
        return inputs

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        for layer in self.layers:
            shape = layer.compute_output_shape(shape)
        return shape


# ---------------------------------------------------------------------------------- exports
def _inner_steps(step, error) -> list:
    """One step per layer, each on the last one's output; the last gives the step's."""
    steps, x, shape = [], step.args[0], step.input_shape
    for index, layer in enumerate(step.layer.layers):
        if layer.weights:
            raise error(f"Pipeline {step.layer.name!r} holds {layer.name!r}, which has weights; "
                        "the engine exports Pipelines of layers without weights. Put the layer "
                        "in the model itself.")
        last = index == len(step.layer.layers) - 1
        output = step.outputs[0] if last else f"{step.outputs[0]}_{index}"
        name = step.name if last else f"{step.name}_{index}"
        steps.append(dataclasses.replace(step, layer=layer, name=name, args=[x],
                                         arg_shapes=[shape], outputs=[output]))
        x, shape = output, layer.compute_output_shape(shape)
    return steps


def _to_torch(step, torch):
    init, forward, helpers = [], [], []
    for inner in _inner_steps(step, torch.ExportError):
        emitted = translation(type(inner.layer).__name__, "torch")(inner, torch)
        init += emitted.init
        forward += emitted.forward
        helpers += [h for h in emitted.helpers if h not in helpers]
    return torch.Emitted(init, forward, tuple(helpers))


def _to_arrays(step, code):
    return [line for inner in _inner_steps(step, ValueError)
            for line in translation(type(inner.layer).__name__, "arrays")(inner, code)]


def _to_onnx(b, step, onnx):
    x = step.args[0]
    for inner in _inner_steps(step, ValueError):
        (x,) = translation(type(inner.layer).__name__, "onnx")(
            b, dataclasses.replace(inner, args=[x]), onnx)
    return [x]


exports(Pipeline, torch=_to_torch, arrays=_to_arrays, onnx=_to_onnx)
