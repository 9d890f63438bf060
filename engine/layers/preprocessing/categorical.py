"""Discretization (numbers to bucket ids) and CategoryEncoding (ids to one-hot, multi-hot or
count vectors), as Keras 3's; neither has weights nor a gradient."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.errors import LayerConfigError
from engine.layers.declaration import (
    DECLARED,
    Argument,
    Bool,
    Choice,
    Float,
    Int,
    declare,
    exports,
)
from engine.layers.layer import Layer
from engine.layers.preprocessing.numerical import is_number

ENCODINGS = ("one_hot", "multi_hot", "count")


class Boundaries(Argument):
    """Increasing bucket boundaries: a list of numbers."""

    type = "int_list"

    def convert(self, layer, value):
        if not isinstance(value, (list, tuple)) or not all(map(is_number, value)) or list(
                value) != sorted(value):
            raise self.error(layer, "must be a list of numbers in increasing order", value)
        return [float(v) for v in value]


def encoded(ids, mode: str, depth: int, dtype: str):
    """Integer `ids` (batch, ...) as `mode` says: "int" as they are; "one_hot" a vector per
    id (a last axis of 1 replaced); "multi_hot" and "count" one vector per sample over the
    last axis (ids outside [0, depth) count nowhere)."""
    if mode == "int":
        return ids
    if mode == "one_hot" and len(ops.shape(ids)) > 1 and ops.shape(ids)[-1] == 1:
        ids = ops.squeeze(ids, -1)
    hot = ops.one_hot(ids, depth, dtype=dtype)
    if mode == "one_hot":
        return hot
    return ops.max(hot, axis=-2) if mode == "multi_hot" else ops.sum(hot, axis=-2)


def encoded_shape(layer, input_shape, mode: str, depth: int):
    if mode in ("multi_hot", "count") and len(input_shape) != 2:
        raise layer.shape_error(f'output_mode="{mode}" encodes the ids of each sample along '
                                "the last axis: give inputs of rank 2 (batch, ids).",
                                input_shape)
    if mode == "int":
        return input_shape
    if mode == "one_hot":
        kept = input_shape[:-1] if len(input_shape) > 1 and input_shape[-1] == 1 else input_shape
        return (*kept, depth)
    return (*input_shape[:-1], depth)


@declare("preprocessing")
class Discretization(Layer):
    """Each number replaced by the id of its bucket: how many `bin_boundaries` are at or
    below it (numpy.digitize), encoded by `output_mode`. The boundaries are given, or
    `adapt(data)` places `num_bins` - 1 of them at the data's quantiles."""

    bin_boundaries = Boundaries(None, suggested=[0.0, 1.0])
    num_bins = Int(None, minimum=1)
    epsilon = Float(0.01, minimum=0.0)
    output_mode = Choice("int", choices=("int", *ENCODINGS))
    sparse = Bool(False)

    def configure(self):
        if self.bin_boundaries is not None and self.num_bins is not None and \
                self.num_bins != len(self.bin_boundaries) + 1:
            raise LayerConfigError(
                f"Discretization: `num_bins`={self.num_bins} disagrees with the "
                f"{len(self.bin_boundaries)} bin_boundaries (num_bins is their count + 1).")
        if self.sparse:
            raise LayerConfigError("Discretization: `sparse=True` is not supported; the "
                                   "engine has dense arrays only.")

    def build(self, input_shape):
        if self.bin_boundaries is None:
            raise LayerConfigError(
                f"Discretization {self.name!r}: give `bin_boundaries`, or `num_bins` and call "
                "`adapt(data)` before using the layer.")

    def adapt(self, data):
        """Boundaries at the quantiles 1/num_bins, 2/num_bins, ... of every value in `data`
        (an array, or an iterable of batches), interpolated within the sorted values as
        Keras's quantile summary gives them; Keras's summary is approximate (to within
        `epsilon` of rank) on large data, these are exact."""
        if self.num_bins is None:
            raise LayerConfigError("Discretization: `adapt` needs `num_bins`, the number of "
                                   "buckets to make.")
        batches = [data] if hasattr(data, "shape") else list(data)
        values = np.concatenate([np.ravel(ops.to_numpy(b) if not isinstance(b, np.ndarray)
                                          else b) for b in batches]) if batches else []
        if len(values) == 0:
            raise LayerConfigError("Discretization: `adapt` got no data; pass an array or "
                                   "batches of them.")
        levels = np.arange(1, self.num_bins) / self.num_bins
        quantiles = np.quantile(values.astype(np.float64), levels,
                                method="interpolated_inverted_cdf")
        self.bin_boundaries = [float(q) for q in quantiles]

    def call(self, inputs):
        boundaries = np.asarray(self.bin_boundaries, "float32")
        above = ops.greater_equal(ops.expand_dims(ops.cast(inputs, "float32"), -1), boundaries)
        ids = ops.cast(ops.sum(ops.cast(above, "int32"), axis=-1), "int32")
        return encoded(ids, self.output_mode, len(boundaries) + 1, "float32")

    def get_config(self):
        """Keras's config for this layer: no `trainable`, which its constructor refuses."""
        config = {**Layer.get_config(self), **{a.name: getattr(self, a.name)
                                              for a in DECLARED["Discretization"].arguments}}
        del config["trainable"]
        return config

    def compute_output_shape(self, input_shape):
        return encoded_shape(self, input_shape, self.output_mode,
                             len(self.bin_boundaries) + 1)


@declare("preprocessing")
class CategoryEncoding(Layer):
    """Integer ids in [0, num_tokens) as float vectors of num_tokens: one per id
    ("one_hot"), or one per sample marking ("multi_hot") or counting ("count") its ids."""

    num_tokens = Int(None, minimum=1, suggested=4)
    output_mode = Choice("multi_hot", choices=ENCODINGS)
    sparse = Bool(False)

    def configure(self):
        if self.sparse:
            raise LayerConfigError("CategoryEncoding: `sparse=True` is not supported; the "
                                   "engine has dense arrays only.")

    def build(self, input_shape):
        if self.num_tokens is None:
            raise LayerConfigError(f"CategoryEncoding {self.name!r}: give `num_tokens`, the "
                                   "number of ids.")

    def call(self, inputs):
        return encoded(ops.cast(inputs, "int32"), self.output_mode, self.num_tokens, self.dtype)

    def compute_output_shape(self, input_shape):
        return encoded_shape(self, input_shape, self.output_mode, self.num_tokens)


# ---------------------------------------------------------------------------------- exports
def _depth(layer) -> int:
    return getattr(layer, "num_tokens", None) or len(layer.bin_boundaries) + 1


def _mode_steps(layer, input_shape, one_hot: str, reduce: dict) -> list:
    """Wrappers encoding ids: the one-hot template, then the reduction of the mode."""
    mode = layer.output_mode
    if mode == "int":
        return []
    wrappers = []
    if mode == "one_hot" and len(input_shape) > 1 and input_shape[-1] == 1:
        wrappers.append("{}[..., 0]")
    wrappers.append(one_hot)
    if mode != "one_hot":
        wrappers.append(reduce[mode])
    return wrappers


def to_torch(step, torch):
    layer = step.layer
    ids = (["{}.float()", f"torch.bucketize({{}}, torch.tensor({layer.bin_boundaries}), "
                          "right=True)"] if isinstance(layer, Discretization) else [])
    steps = _mode_steps(layer, step.input_shape, f"F.one_hot({{}}.long(), {_depth(layer)})"
                        ".float()", {"multi_hot": "{}.amax(-2)", "count": "{}.sum(-2)"})
    return torch.Emitted([], torch.chain(step, [*ids, *steps] or ["{}"]))


def to_arrays(step, code):
    layer = step.layer
    ids = ([code.template("bucket", boundaries=code.literal(layer.bin_boundaries))]
           if isinstance(layer, Discretization) else [])
    steps = _mode_steps(layer, step.input_shape, code.template("one_hot", depth=_depth(layer)),
                        {"multi_hot": code.template("max", axes=-2, keep=""),
                         "count": code.template("sum", axes=-2)})
    return code.chain(step, [*ids, *steps] or ["{}"])


def to_onnx(b, step, onnx):
    layer, x, name = step.layer, step.args[0], step.name
    if isinstance(layer, Discretization):
        x = b.op("Cast", [x], f"{name}/float", to=1)  # 1: FLOAT
        x = b.op("Unsqueeze", [x, b.constant(f"{name}/last", [-1], np.int64)],
                 f"{name}/column")
        bounds = b.constant(f"{name}/boundaries", np.asarray(layer.bin_boundaries, np.float32))
        above = b.op("Cast", [b.op("GreaterOrEqual", [x, bounds], f"{name}/above")],
                     f"{name}/counted", to=6)  # 6: INT32
        x = b.op("ReduceSum", [above, b.constant(f"{name}/axis", [-1], np.int64)],
                 f"{name}/ids", keepdims=0)
    if layer.output_mode == "int":
        return [b.op("Identity", [x], name)]
    if layer.output_mode == "one_hot" and len(step.input_shape) > 1 and \
            step.input_shape[-1] == 1:
        x = b.op("Squeeze", [x, b.constant(f"{name}/squeeze", [-1], np.int64)],
                 f"{name}/squeezed")
    depth = b.constant(f"{name}/depth", [_depth(layer)], np.int64)
    values = b.constant(f"{name}/values", np.array([0.0, 1.0], np.float32))
    x = b.op("Cast", [x], f"{name}/int64", to=7)  # 7: INT64, as onnxruntime's OneHot takes
    hot = b.op("OneHot", [x, depth, values], f"{name}/one_hot", axis=-1)
    if layer.output_mode == "one_hot":
        return [b.op("Identity", [hot], name)]
    if layer.output_mode == "multi_hot":
        return [b.op("ReduceMax", [hot], name, axes=[-2], keepdims=0)]
    axes = b.constant(f"{name}/axes", [-2], np.int64)
    return [b.op("ReduceSum", [hot, axes], name, keepdims=0)]


exports(Discretization, CategoryEncoding, torch=to_torch, arrays=to_arrays, onnx=to_onnx)
