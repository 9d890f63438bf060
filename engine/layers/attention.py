"""Attention (Luong's dot-product) and AdditiveAttention (Bahdanau's): attention of a query
over a value without projections, called on one list [query, value] or [query, value, key]."""

from __future__ import annotations

import numpy as np

from engine import ops
from engine.layers.declaration import Bool, Choice, Float, Int, Port, declare, exports
from engine.layers.layer import Layer


def _masked_score(dtype) -> float:
    """What Keras subtracts from the scores of masked steps: float16's largest value, or 1e9."""
    return 65504.0 if dtype == "float16" else 1.0e9


class ScoredAttention(Layer):
    """What both layers share: softmax(scores(query, key)) · value, as Keras's Attention.

    Masks come as Keras's, one list [query_mask, value_mask]: a masked value step gets no
    weight, a masked query step outputs zeros and keeps its mask on the output.
    `use_causal_mask=True` keeps each query step from the value steps after it.
    `return_attention_scores=True` returns (output, weights) in an eager call.
    """

    supports_masking = True

    def build(self, input_shape):
        query, value, key = _query_value_key(self, input_shape)
        self._check_shapes(query, value, key)
        self.add_score_weights(query[-1])
        self.seed_state = self.add_seed_state(self.seed) if self.dropout > 0 else None

    def add_score_weights(self, features):
        """The weights of the scores, Keras's names in Keras's order, for queries of
        `features`."""
        raise NotImplementedError

    def call(self, inputs, mask=None, training=False, return_attention_scores=False,
             use_causal_mask=False):
        query, value, key = _query_value_key(self, inputs)
        query_mask, value_mask = (list(mask) + [None])[:2] if mask else (None, None)
        scores = self.scores(query, key)
        allowed = _allowed_steps(scores, value_mask, use_causal_mask)
        if allowed is not None:
            masked = ops.subtract(scores, _masked_score(ops.dtype(scores)))
            scores = ops.where(allowed, scores, masked)
        weights = ops.softmax(scores, axis=-1)
        if training and self.dropout > 0:
            dtype = ops.dtype(weights)
            noise = ops.random_uniform(ops.shape(weights), self.next_seed(self.seed_state),
                                       dtype=dtype)
            keep = ops.cast(ops.greater_equal(noise, self.dropout), dtype)
            weights = ops.multiply(weights, ops.divide(keep, 1.0 - self.dropout))
        output = ops.matmul(weights, value)
        if query_mask is not None:
            output = ops.where(ops.expand_dims(ops.cast(query_mask, "bool"), -1), output, 0.0)
        return (output, weights) if return_attention_scores else output

    def scores(self, query, key):
        raise NotImplementedError

    def compute_mask(self, inputs, previous_mask):
        """The query's mask, as Keras's."""
        if not previous_mask or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def compute_output_shape(self, input_shape):
        query, value, key = _query_value_key(self, input_shape)
        self._check_shapes(query, value, key)
        return (*query[:-1], value[-1])

    def check_input_shapes(self, input_shape):
        query, value, key = _query_value_key(self, input_shape)
        self._check_shapes(query, value, key)
        features = self.scale.shape if self.scale is not None else ()
        if features and query[-1] != features[0]:
            raise self.shape_error(
                f"was built for a query with last axis {features[0]} and cannot take one of "
                f"shape {tuple(query)}; make a new layer for inputs of that size.",
                list(input_shape))

    def _check_shapes(self, query, value, key):
        shapes = [query, value, key]
        if any(len(shape) != 3 for shape in shapes):
            raise self.shape_error(
                "takes query, value and key as (batch, steps, features); got shapes "
                f"{', '.join(map(str, shapes))}.", shapes)
        if not _same(query[-1], key[-1]) or not _same(key[1], value[1]) or not all(
                _same(a[0], b[0]) for a in shapes for b in shapes):
            raise self.shape_error(
                "needs one batch size, a key with the query's features and a value with the "
                f"key's steps; got query {query}, value {value} and key {key}.", shapes)


def _query_value_key(layer, inputs):
    """(query, value, key) of the list a layer is called on (shapes or tensors); the key is
    the value when not given. A shape error says how to call the layer."""
    if not isinstance(inputs, (list, tuple)) or len(inputs) not in (2, 3):
        got = f"a list of {len(inputs)}" if isinstance(inputs, (list, tuple)) else "one"
        raise layer.shape_error(
            "takes one list [query, value] or [query, value, key], as in "
            f"layers.{type(layer).__name__}()([query, value]); got {got} tensor(s).")
    return inputs[0], inputs[1], inputs[2] if len(inputs) == 3 else inputs[1]


def _same(a, b) -> bool:
    return a is None or b is None or a == b


def _allowed_steps(scores, value_mask, causal):
    """The bool mask of the (batch, query steps, value steps) scores, or None."""
    allowed = None if value_mask is None else ops.expand_dims(ops.cast(value_mask, "bool"), -2)
    if causal:
        query_steps, value_steps = ops.shape(scores)[-2:]
        rows = ops.expand_dims(ops.arange(query_steps), -1)
        below = ops.expand_dims(ops.greater_equal(rows, ops.arange(value_steps)), 0)
        allowed = below if allowed is None else ops.logical_and(allowed, below)
    return allowed


CALLED_ON_A_LIST = (Port("inputs", "list"),)


@declare("attention", ports=CALLED_ON_A_LIST)
class Attention(ScoredAttention):
    """Keras 3's Attention: scores query · key ("dot"), times a learned scalar `scale` when
    `use_scale`; or ("concat") concat_score_weight * Σ tanh(scale * (query + key))."""

    use_scale = Bool(False)
    score_mode = Choice("dot", choices=("dot", "concat"))
    dropout = Float(0.0, minimum=0.0, maximum=1.0, below=True)
    seed = Int(None)
    # Keras's initializers of the weights (the generated JAX and TensorFlow `init` reads them)
    scale_initializer = concat_score_weight_initializer = "ones"

    def add_score_weights(self, features):
        self.scale = self.add_weight(
            shape=(), initializer=self.scale_initializer, name="scale") if (
            self.use_scale) else None
        self.concat_score_weight = self.add_weight(
            shape=(), initializer=self.concat_score_weight_initializer,
            name="concat_score_weight") if self.score_mode == "concat" else None

    def scores(self, query, key):
        if self.score_mode == "dot":
            scores = ops.matmul(query, ops.swapaxes(key, -2, -1))
            return scores if self.scale is None else ops.multiply(scores, self.scale)
        summed = ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3))
        if self.scale is not None:
            summed = ops.multiply(self.scale, summed)
        return ops.multiply(self.concat_score_weight, ops.sum(ops.tanh(summed), axis=-1))


@declare("attention", ports=CALLED_ON_A_LIST)
class AdditiveAttention(ScoredAttention):
    """Keras 3's AdditiveAttention: scores Σ scale * tanh(query + key) over the features,
    `scale` a learned vector of the query's feature size when `use_scale`."""

    use_scale = Bool(True)
    dropout = Float(0.0, minimum=0.0, maximum=1.0, below=True)
    seed = None  # Keras's takes no seed of its own: its dropout draws unseeded
    scale_initializer = "glorot_uniform"

    def add_score_weights(self, features):
        self.scale = self.add_weight(shape=(features,), initializer=self.scale_initializer,
                                     name="scale") if self.use_scale else None

    def scores(self, query, key):
        scored = ops.tanh(ops.add(ops.expand_dims(query, -2), ops.expand_dims(key, -3)))
        if self.scale is not None:
            scored = ops.multiply(self.scale, scored)
        return ops.sum(scored, axis=-1)


# ---------------------------------------------------------------------------------- exports
def _parts(step):
    """(query, value, key) of the step's list argument."""
    tensors = step.args[0]
    return tensors[0], tensors[1], tensors[2] if len(tensors) > 2 else tensors[1]


def _attention_steps(layer, query, value, key, weight, tanh, total, softmax, scores_of,
                     weighted):
    """The output as expressions computed in turn, "{}" standing for the previous one:
    `weight(name)` spells a weight; `tanh`, `total` (the sum over the last axis) and
    `softmax` (over the last axis) are templates of "{}"; `scores_of(query, key)` spells the
    batched query · keyᵀ and `weighted(value)` the batched "{}" · value."""
    use_scale = layer.use_scale
    if isinstance(layer, Attention) and layer.score_mode == "dot":
        scores = [scores_of(query, key), *([f"{{}} * {weight('scale')}"] if use_scale else [])]
    elif isinstance(layer, Attention):
        scores = [f"{query}[:, :, None] + {key}[:, None]",
                  *([f"{weight('scale')} * {{}}"] if use_scale else []),
                  tanh, total, f"{weight('concat_score_weight')} * {{}}"]
    else:
        scores = [f"{query}[:, :, None] + {key}[:, None]", tanh,
                  *([f"{weight('scale')} * {{}}"] if use_scale else []), total]
    return [*scores, softmax, weighted(value)]


def _assignments(output, expressions, indent) -> list[str]:
    """`output = expression` for each in turn, "{}" in each the output so far."""
    return [f"{indent}{output} = {e if i == 0 else e.replace('{}', output)}"
            for i, e in enumerate(expressions)]


def to_torch(step, torch):
    layer, name = step.layer, step.name
    init = [f"{torch.INDENT}self.{name} = nn.ParameterDict()"] if layer.weights else []
    for key, array in torch.named_weights(layer).items():
        init.append(f"{torch.INDENT}self.{name}[{torch.literal(key)}] = "
                    f"nn.Parameter(torch.ones({array.shape}))")
    steps = _attention_steps(
        layer, *_parts(step), lambda w: f"self.{name}[{torch.literal(w)}]", "torch.tanh({})",
        "{}.sum(dim=-1)", "torch.softmax({}, dim=-1)",
        lambda q, k: f"torch.matmul({q}, {k}.transpose(1, 2))",
        lambda v: f"torch.matmul({{}}, {v})")
    return torch.Emitted(init, _assignments(step.outputs[0], steps, torch.INDENT))


def torch_weights(step, torch):
    return dict(torch.named_weights(step.layer))


def to_arrays(step, code):
    params, einsum = code.params(step), code.template("einsum")
    steps = _attention_steps(
        step.layer, *_parts(step), lambda w: f"{params}[{code.literal(w)}]",
        code.activation("tanh"), code.template("sum", x="{}", axes=-1),
        code.template("softmax", x="{}", axis=-1),
        lambda q, k: f"{einsum}('bqd,bkd->bqk', {q}, {k})",
        lambda v: f"{einsum}('bqk,bkd->bqd', {{}}, {v})")
    return _assignments(step.outputs[0], steps, code.indent)


def to_onnx(b, step, onnx):
    """MatMul of the query and the transposed key (dot), or Tanh of their broadcast sum
    (concat, additive), then Softmax and MatMul with the value."""
    layer, name = step.layer, step.name
    query, value, key = _parts(step)
    weights = onnx.named_weights(layer)

    def weight(w):
        return b.constant(f"{name}/{w}", weights[w])

    if isinstance(layer, Attention) and layer.score_mode == "dot":
        transposed = b.op("Transpose", [key], f"{name}/key_t", perm=[0, 2, 1])
        scores = b.op("MatMul", [query, transposed], f"{name}/scores")
        if layer.use_scale:
            scores = b.op("Mul", [scores, weight("scale")], f"{name}/scaled")
    else:
        rows = b.op("Unsqueeze", [query, b.constant(f"{name}/at2", [2], np.int64)],
                    f"{name}/query_rows")
        columns = b.op("Unsqueeze", [key, b.constant(f"{name}/at1", [1], np.int64)],
                       f"{name}/key_columns")
        summed = b.op("Add", [rows, columns], f"{name}/summed")
        concat = isinstance(layer, Attention)
        if concat and layer.use_scale:
            summed = b.op("Mul", [weight("scale"), summed], f"{name}/scaled")
        scored = b.op("Tanh", [summed], f"{name}/tanh")
        if not concat and layer.use_scale:
            scored = b.op("Mul", [weight("scale"), scored], f"{name}/scaled")
        scores = b.op("ReduceSum", [scored, b.constant(f"{name}/last", [-1], np.int64)],
                      f"{name}/scores", keepdims=0)
        if concat:
            scores = b.op("Mul", [weight("concat_score_weight"), scores], f"{name}/weighted")
    softmax = b.op("Softmax", [scores], f"{name}/weights", axis=-1)
    return [b.op("MatMul", [softmax, value], name)]


for _layer in (Attention, AdditiveAttention):
    exports(_layer, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays,
            onnx=to_onnx)
