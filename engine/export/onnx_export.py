"""ONNX export for inference: `export_onnx(model, path)` writes an opset-17 graph.

Each layer call becomes a few standard ONNX ops (onnx_layers.py); recurrent layers use ONNX's
own RNN, LSTM and GRU. Inputs keep the engine's channels-last layout and dtypes; the batch
axis (and any size the model leaves open) is symbolic. Requires the optional `onnx` package.
"""

from __future__ import annotations

import os

import numpy as np

from engine.export.errors import ExportError
from engine.export.program import (
    build_program,
    refuse_masks,
    refuse_op_nodes,
    refuse_stateful,
)
from engine.variables import one_step_state

OPSET = 17
IR_VERSION = 8  # the IR of opset 17, so runtimes older than the onnx package can load it
_TYPES = {"float32": "FLOAT", "float64": "DOUBLE", "int32": "INT32", "int64": "INT64"}


class GraphBuilder:
    """Collects ONNX nodes and constant initializers under unique tensor names."""

    def __init__(self, onnx):
        self.helper, self.numpy_helper = onnx.helper, onnx.numpy_helper
        self.nodes, self.initializers, self.names = [], [], set()

    def name(self, hint: str) -> str:
        name, count = hint, 1
        while name in self.names:
            count += 1
            name = f"{hint}_{count}"
        self.names.add(name)
        return name

    def constant(self, hint: str, value, dtype=np.float32) -> str:
        name = self.name(hint)
        self.initializers.append(
            self.numpy_helper.from_array(np.array(value, dtype=dtype, order="C"), name))
        return name

    def op(self, op_type: str, inputs: list, hint: str, outputs: int = 1, **attributes):
        """Add one node; returns its output name (or names, when `outputs` > 1)."""
        names = [self.name(hint if outputs == 1 else f"{hint}_{i}") for i in range(outputs)]
        self.nodes.append(self.helper.make_node(op_type, inputs, names, **attributes))
        return names[0] if outputs == 1 else names


def export_onnx(model, path) -> str:
    """Write the model to `path` as ONNX (opset 17) for inference; returns the path."""
    try:
        import onnx
    except ImportError as error:
        raise ExportError(
            "ONNX export needs the onnx package: pip install 'model-workbench[onnx]' "
            "(or pip install onnx onnxruntime)."
        ) from error
    from engine.export.onnx_layers import layer_ops

    refuse_op_nodes(model, "ONNX export")
    refuse_masks(model, "ONNX export")
    refuse_stateful(model, "ONNX export")
    program = build_program(model)
    builder = GraphBuilder(onnx)
    # the graph's own tensor names first, so no intermediate takes one
    builder.names.update(n for n, _ in program.inputs)
    builder.names.update(n for step in program.steps for n in step.outputs)
    with one_step_state():  # the weights it copies, all from one step (fit may be running)
        for step in program.steps:
            kind = type(step.layer).__name__
            ops = layer_ops(kind)
            if ops is None:
                raise ExportError(
                    f"Layer {step.layer.name!r} ({kind}) has no ONNX translation yet."
                )
            results = ops(builder, step)
            for result, name in zip(results, step.outputs):
                builder.nodes.append(onnx.helper.make_node("Identity", [result], [name]))
    inputs = [_value_info(onnx, name, layer.dtype, (layer.batch_size, *layer.shape))
              for name, layer in program.inputs]
    outputs = [_value_info(onnx, name, "float32", tensor.shape)
               for name, tensor in zip(program.outputs, model.outputs)]
    graph = onnx.helper.make_graph(builder.nodes, model.name or "model", inputs, outputs,
                                   builder.initializers)
    proto = onnx.helper.make_model(graph, producer_name="model-workbench",
                                   opset_imports=[onnx.helper.make_opsetid("", OPSET)],
                                   ir_version=IR_VERSION)
    onnx.checker.check_model(proto)
    onnx.save(proto, os.fspath(path))
    return os.fspath(path)


def _value_info(onnx, name, dtype, shape):
    if dtype not in _TYPES:
        raise ExportError(f"Input {name!r} has dtype {dtype!r}, which has no ONNX type here.")
    dims = ["batch" if i == 0 and d is None else (f"{name}_{i}" if d is None else d)
            for i, d in enumerate(shape)]
    return onnx.helper.make_tensor_value_info(name, getattr(onnx.TensorProto, _TYPES[dtype]),
                                              dims)
