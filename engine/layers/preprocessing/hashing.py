"""Hashing (values to hash bins) and HashedCrossing (pairs of features to the bin of their
cross), as Keras 3's, and what every string-holding preprocessing layer shares: they run on
host data, NumPy strings and integers, as Keras runs them through TensorFlow on any backend,
and hand back arrays of the active backend. They have no weights and no gradient."""

from __future__ import annotations

import dataclasses
import numbers

import numpy as np

from engine import backend as backends
from engine import tree
from engine.errors import LayerConfigError
from engine.layers.declaration import DECLARED, Argument, Bool, Choice, Int, Port, declare, exports
from engine.layers.layer import Layer
from engine.layers.preprocessing.fingerprint import fingerprint64, fingerprint_cat64, siphash64

ENCODINGS = ("one_hot", "multi_hot", "count")
CROSS_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key
INT64_MAX = np.iinfo(np.int64).max


class HostLayer(Layer):
    """A layer whose `host_call` takes NumPy arrays (strings as str, integers as int64) and
    returns NumPy arrays, which reach the caller as arrays of the active backend (strings stay
    NumPy: no backend holds them). It cannot run inside a compiled step, as Keras's cannot on
    backends other than TensorFlow: use it on data before the model, or call it eagerly."""

    def host_call(self, *inputs):
        raise NotImplementedError

    def call(self, *inputs):
        """The host call on the inputs' values (in a model's run too)."""
        host = tree.map_structure(_host_or_refused(self), list(inputs))
        outputs = self.host_call(*host)
        if outputs.dtype.kind == "U":
            return outputs
        return backends.active().convert(outputs, self.output_dtype)

    @property
    def output_dtype(self) -> str:
        """The dtype of the outputs: the layer's own unless a subclass says otherwise."""
        return self.dtype

    def _call_eager(self, inputs, kwargs):
        """Layer's eager call without its conversion of the inputs to backend arrays, which
        cannot hold strings."""
        host = tree.map_structure(host_values, list(inputs))
        self._build_and_infer(tree.map_structure(np.shape, host))
        return self.call(*host)


def _host_or_refused(layer):
    def host(x):
        try:
            return host_values(x)
        except Exception as error:  # a traced array (jit) has no values on the host
            raise LayerConfigError(
                f"{type(layer).__name__} {layer.name!r} runs on host data and cannot run "
                "inside a compiled step (fit, evaluate, predict): apply it to the data before "
                "the model (dataset.map, or on the arrays), or call the model eagerly, "
                f"model(x). ({type(error).__name__})") from None

    return host


def host_values(x) -> np.ndarray:
    """`x` (an array of the active backend, a TensorFlow tensor, NumPy, a list or a scalar)
    as NumPy: text as str, bytes decoded from UTF-8, integers and bools as they are."""
    backend = backends.active()
    array = backend.to_numpy(x) if backend.is_array(x) else np.asarray(
        x.numpy() if hasattr(x, "numpy") else x)
    if array.dtype.kind == "S" or (array.dtype.kind == "O" and array.size and isinstance(
            array.flat[0], bytes)):
        return np.char.decode(array.astype(np.bytes_), "utf-8")
    if array.dtype.kind == "O":
        return array.astype(str)
    return array


def as_text(values: np.ndarray) -> np.ndarray:
    """Values as TensorFlow's as_string writes them before hashing: integers in decimal,
    floats truncated to integers first, bools as "true"/"false"."""
    if values.dtype.kind == "U":
        return values
    if values.dtype.kind == "b":
        return np.where(values, "true", "false")
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    return values.astype(str)


def hash_bins(values: np.ndarray, bins: int, salt=None) -> np.ndarray:
    """Each value's hash bin in [0, bins): FarmHash Fingerprint64 of its text, or SipHash-2-4
    keyed by `salt` (two ints), modulo `bins`; tf.strings.to_hash_bucket_fast/_strong."""
    text = as_text(np.asarray(values))
    hashed = (fingerprint64 if salt is None else lambda s: siphash64(salt, s))
    flat = [hashed(s.encode("utf-8")) % bins for s in text.ravel().tolist()]
    return np.asarray(flat, np.int64).reshape(text.shape)


def encode_ids(layer, ids: np.ndarray, mode: str, depth: int, weights=None) -> np.ndarray:
    """Integer `ids` as Keras's encode_categorical_inputs makes them: "int" as they are;
    "one_hot" a vector per id (a last axis of 1 replaced); "multi_hot", "count" and "tf_idf"
    (the counts times `weights`) one vector per sample over the last axis, a rank-1 input
    being one sample. Ids outside [0, depth) count nowhere. Float32 vectors."""
    if mode == "int":
        return ids
    ids = np.atleast_1d(ids)
    if mode == "one_hot":
        if ids.ndim > 1 and ids.shape[-1] == 1:
            ids = ids[..., 0]
        return (ids[..., None] == np.arange(depth)).astype(np.float32)
    if ids.ndim > 2:
        raise layer.shape_error(
            f'output_mode="{mode}" encodes the ids of each sample along the last axis: give '
            "inputs of rank 1 (one sample) or 2 (batch, ids).", ids.shape)
    counts = (ids[..., None] == np.arange(depth)).sum(axis=-2).astype(np.float32)
    if mode == "multi_hot":
        return np.minimum(counts, 1.0)
    return counts if weights is None else counts * np.asarray(weights, np.float32)


def encoded_shape(input_shape, mode: str, depth) -> tuple:
    """The shape encode_ids gives for inputs of `input_shape`."""
    input_shape = tuple(input_shape)
    if mode == "int":
        return input_shape
    if mode == "one_hot":
        kept = input_shape[:-1] if len(input_shape) > 1 and input_shape[-1] == 1 else \
            input_shape
        return (*kept, depth)
    return (*input_shape[:-1], depth)


def check_dense(layer):
    if layer.sparse:
        raise LayerConfigError(f"{type(layer).__name__}: `sparse=True` is not supported; the "
                               "engine has dense arrays only (Keras's needs TensorFlow too).")


def int_dtype(layer):
    """Keras's output dtype: int64 ids for output_mode="int" (the layer's dtype where it is
    an integer type), float32 vectors otherwise."""
    if layer.output_mode != "int":
        return "float32"
    return layer.dtype if layer.dtype in ("int32", "int64") else "int64"


@dataclasses.dataclass
class Token(Argument):
    """A token of one kind (`kind`: str or int): a mask or OOV token, a mask value."""

    kind: type = str

    @property
    def type(self):
        return "string" if self.kind is str else "int"

    def convert(self, layer, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(
                value, str if self.kind is str else numbers.Integral):
            raise self.error(layer, f"must be {'a string' if self.kind is str else 'an int'}",
                             value)
        return value if self.kind is str else int(value)


class Salt(Argument):
    """SipHash's key: one unsigned integer (used twice) or a list of two, each below 2**63
    as TensorFlow takes them; get_config gives the pair, as Keras's."""

    type = "int"

    def convert(self, layer, value):
        pair = [value, value] if isinstance(value, numbers.Integral) else value
        if not isinstance(pair, (list, tuple)) or len(pair) != 2 or not all(
                isinstance(v, numbers.Integral) and not isinstance(v, (bool, np.bool_))
                and 0 <= v <= INT64_MAX for v in pair):
            raise self.error(layer, "must be an unsigned integer below 2**63 or a list of two",
                             value)
        return [int(v) for v in pair]


@declare("preprocessing")
class Hashing(HostLayer):
    """Each value (string or integer) to a hash bin in [0, num_bins): FarmHash Fingerprint64
    of its text, or SipHash keyed by `salt`; `mask_value` (a string: an integer's as its text,
    "0") goes to bin 0 and the others to [1, num_bins). Encoded by `output_mode`."""

    num_bins = Int(minimum=1, suggested=8)
    mask_value = Token(None)
    salt = Salt(None)
    output_mode = Choice("int", choices=("int", *ENCODINGS))
    sparse = Bool(False)

    def configure(self):
        check_dense(self)
        self.dtype = int_dtype(self)

    def host_call(self, inputs):
        bins, masked = self.num_bins, None
        if self.mask_value is not None and bins > 1:
            bins -= 1
            masked = as_text(inputs) == self.mask_value  # "0" masks the integer 0
        if inputs.dtype.kind not in "Uiubf":
            raise LayerConfigError(f"Hashing {self.name!r} hashes strings and integers, got "
                                   f"values of dtype {inputs.dtype}.")
        ids = hash_bins(inputs, bins, self.salt)
        if masked is not None:
            ids = np.where(masked, 0, ids + 1)
        return encode_ids(self, ids, self.output_mode, self.num_bins)

    def compute_output_shape(self, input_shape):
        return encoded_shape(input_shape, self.output_mode, self.num_bins)


@declare("preprocessing", ports=(Port("inputs", kind="list"),))
class HashedCrossing(HostLayer):
    """The cross of two or more features (strings or integers, each of shape (), (batch,)
    or (batch, 1)) to a bin in [0, num_bins): their hashes combined as
    tf.sparse.cross_hashed does (strings by Fingerprint64, integers as themselves), modulo
    num_bins; "one_hot" encodes the bin."""

    num_bins = Int(minimum=1, suggested=8)
    output_mode = Choice("int", choices=("int", "one_hot"))
    sparse = Bool(False)

    def configure(self):
        check_dense(self)
        self.dtype = int_dtype(self)

    def build(self, input_shapes):
        if not isinstance(input_shapes, (list, tuple)) or len(input_shapes) < 2:
            raise self.shape_error("crosses a list of at least two features.", input_shapes)
        first = tuple(input_shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise self.shape_error("takes features of shape (), (batch,) or (batch, 1).",
                                   first)
        if any(tuple(shape) != first for shape in input_shapes[1:]):
            raise self.shape_error("takes features of one shape.", input_shapes)

    def host_call(self, inputs):
        shape = inputs[0].shape
        columns = [self._feature_hashes(feature) for feature in inputs]
        crossed = []
        for hashes in zip(*columns):
            combined = CROSS_HASH_KEY
            for value in hashes:
                combined = fingerprint_cat64(combined, value)
            crossed.append(combined % self.num_bins)
        ids = np.asarray(crossed, np.int64).reshape(shape)
        return encode_ids(self, ids, self.output_mode, self.num_bins)

    def _feature_hashes(self, feature) -> list[int]:
        if feature.dtype.kind == "U":
            return [fingerprint64(s.encode("utf-8")) for s in feature.ravel().tolist()]
        if feature.dtype.kind not in "iu":
            raise LayerConfigError(f"HashedCrossing {self.name!r} crosses string and integer "
                                   f"features, got one of dtype {feature.dtype}.")
        return [int(v) & ((1 << 64) - 1) for v in feature.astype(np.int64).ravel().tolist()]

    def compute_output_shape(self, input_shapes):
        return encoded_shape(input_shapes[0], self.output_mode, self.num_bins)

    def get_config(self):
        """Keras's config for this layer: no `trainable`, which its constructor drops."""
        config = {**Layer.get_config(self), **{a.name: getattr(self, a.name)
                                              for a in DECLARED["HashedCrossing"].arguments}}
        del config["trainable"]
        return config


# ---------------------------------------------------------------------------------- exports
def refuse_host_layer(*arguments):
    """The exports of a layer that runs on host data: a clear refusal (the exported code and
    ONNX graphs compute on numeric tensors; these layers hash or look up strings)."""
    from engine.export.errors import ExportError

    step = arguments[-2]
    raise ExportError(
        f"Layer {step.layer.name!r} ({type(step.layer).__name__}) runs on host data (strings, "
        "hashes, vocabularies), which exported code and ONNX do not carry: apply it to the "
        "data before the model (dataset.map or a preprocessing step) and export the model "
        "that takes its outputs. model.save and model.to_keras() keep it."
    )


# The exports of every host layer: a refusal naming the layer.
HOST_ONLY = {"torch": refuse_host_layer, "arrays": refuse_host_layer,
             "onnx": refuse_host_layer}

exports(Hashing, HashedCrossing, **HOST_ONLY)
