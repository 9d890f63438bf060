"""A subclassed model's call() traced into a functional graph of the same layers.

Inspection, the graph spec, code and ONNX export and the `.wbm` file all walk a graph. A
subclassed model (`class M(engine.Model)` with a `call` of its own) has none until its call
runs on symbolic tensors: then each held layer it calls records a node and each
`x + y` or `ops.*` an op node, as in any functional model. The graph holds the model's own
layers, so it shares their Variables: nothing is copied, and training either trains both.

    graph = functional_view(model)   # the model itself when it is functional already

A call that branches on values, or on `training`, or uses weights the model holds itself
(not in a layer), has no one graph: it raises UntraceableCallError saying what to do.
"""

from __future__ import annotations

import inspect
import numbers
import weakref

from engine import tree
from engine.errors import EngineError


class UntraceableCallError(EngineError, NotImplementedError):
    """A subclassed model's call() cannot be turned into one graph of its layers."""


def functional_view(model):
    """`model` when it has a graph (functional, Sequential); a subclassed model's call traced
    on symbolic inputs of its build shape otherwise, kept until its layers or weights change."""
    from engine.models.sequential import Sequential

    if not model.subclassed:
        return model
    if isinstance(model, Sequential):  # no graph until its input shape is known: says so
        model.require_graph()
    return _traced(model)[0]


def call_traced(model, inputs, training, node_hook):
    """A subclassed model's call on arrays, run as its traced graph so that `node_hook` sees
    each layer's (and op's) result, as Model.call's node_hook does; the outputs come back in
    the structure the model's own call returns."""
    graph, structure = _traced(model)
    outputs = graph.call(graph_inputs(model, inputs), training=training, node_hook=node_hook)
    if not isinstance(structure, (list, tuple, dict)):
        return outputs
    return tree.unflatten_as(structure, outputs)


def graph_inputs(model, inputs):
    """`inputs` (arrays or shapes, as the model's call takes them) as its graph takes them:
    as they are for a graph's own model or one input, else flat."""
    if not model.subclassed or _is_shape(_input_shapes(model)):
        return inputs
    return _leaves(inputs)


def _traced(model):
    """(graph, what the traced call returned), traced again only when the build shape, the
    layers or the Variables the model holds changed."""
    from engine.models.functional import Model

    if type(model).call is Model.call:
        raise UntraceableCallError(
            f"Model {model.name!r} has no call() of its own (its train_step calls its parts), "
            "so there is no graph to trace: inspect, save or export each part (a model) "
            "instead, or save the whole as .keras."
        )
    if not model.built or model._build_shapes is None:
        raise UntraceableCallError(
            f"Model {model.name!r} is subclassed and not built yet, so there is no input shape "
            "to trace its call() with: call it on a batch, fit it, or call "
            "model.build(input_shape) first."
        )
    key = (_input_shapes(model), model._input_dtypes, tuple(map(id, model.variables)),
           tuple(map(id, model.tracked_layers())))
    kept = _TRACED.get(model)
    if kept is None or kept[0] != key:
        try:
            _TRACED[model] = (key, _trace(model, key[0], key[1]))
        except UntraceableCallError as error:  # kept too: the sidebar asks on every refresh
            _TRACED[model] = (key, str(error))  # the message: its traceback holds the model
            raise
        kept = _TRACED[model]
    if isinstance(kept[1], str):
        raise UntraceableCallError(kept[1])
    return kept[1]


# model -> (what it was traced for, (graph, outputs) or why it cannot be): beside the model,
# not in an attribute, where the graph (a Layer) would count among the layers it holds
_TRACED = weakref.WeakKeyDictionary()


def _input_shapes(model):
    """The shape (or nested list/dict of shapes) the model's first positional input was built
    with."""
    shapes = model._build_shapes
    if len(shapes) != 1:
        raise UntraceableCallError(
            f"Model {model.name!r} was built with {len(shapes)} positional inputs; a traced "
            "graph takes one (a tensor, or a list or dict of them). Pass the inputs to call() "
            "as one list."
        )
    return _normalised(shapes[0])


def _trace(model, shapes, dtypes):
    from engine.models.functional import Model

    symbolic = _symbolic_inputs(shapes, dtypes)
    outputs = _traced_call(model, symbolic, None)
    if _takes_training(model):
        _same_graph_when_training(model, symbolic, outputs)
    flat_inputs = symbolic if _is_shape(shapes) else _leaves(symbolic)
    flat_outputs = outputs if not isinstance(outputs, (list, tuple, dict)) else (
        tree.flatten(outputs))
    return Model(flat_inputs, flat_outputs, name=model.name), outputs


def _symbolic_inputs(shapes, dtypes):
    """An Input per shape, of the dtype recorded for it where the model was built on data
    (`dtypes`, in the same lists and dicts; float32 where none was)."""
    from engine.layers.input_layer import Input

    if _is_shape(shapes):
        dtype = dtypes if isinstance(dtypes, str) else "float32"
        return Input(batch_shape=(None, *shapes[1:]), dtype=dtype)
    if isinstance(shapes, dict):
        dtypes = dtypes if isinstance(dtypes, dict) else {}
        return {key: _symbolic_inputs(value, dtypes.get(key)) for key, value in shapes.items()}
    dtypes = dtypes if isinstance(dtypes, (list, tuple)) and len(dtypes) == len(shapes) else (
        [None] * len(shapes))
    return [_symbolic_inputs(shape, dtype) for shape, dtype in zip(shapes, dtypes)]


def _traced_call(model, symbolic, training):
    """What model.call returns on symbolic tensors: the graph's output tensors."""
    kwargs = {} if training is None else {"training": training}
    try:
        outputs = model.call(symbolic, **kwargs)
    except Exception as error:
        raise UntraceableCallError(
            f"Model {model.name!r}'s call() cannot be traced into a graph of its layers, which "
            f"this needs: {type(error).__name__}: {error} A traced call may call its layers and "
            "engine.ops on its inputs, with no Python `if` or loop on tensor values and no "
            "weights of the model's own (put them in a layer). Otherwise save it as .keras "
            "or with save_weights, and inspect it written as engine.Model(inputs, outputs)."
        ) from error
    if not all(_is_symbolic(leaf) for leaf in tree.flatten(outputs)):
        raise UntraceableCallError(
            f"Model {model.name!r}'s call() returned something other than tensors computed "
            "from its inputs, so it has no graph; return the output tensor(s) only."
        )
    return outputs


def _same_graph_when_training(model, symbolic, outputs):
    """A call that runs other layers or ops when training (`if training:`) has two graphs:
    refuse it rather than trace one of them."""
    graphs = [_calls(outputs)]
    for training in (True, False):
        graphs.append(_calls(_traced_call(model, symbolic, training)))
    if not graphs[0] == graphs[1] == graphs[2]:
        raise UntraceableCallError(
            f"Model {model.name!r}'s call() runs other layers when training than when not (a "
            "Python `if training:`), so it has no one graph. Pass `training` on to the layers "
            "instead (self.dropout(x, training=training)); they know what to do with it."
        )


def _calls(outputs):
    """The layers and ops a graph runs, in the order a walk from its outputs meets them."""
    from engine.layers.op_node import Operation

    seen, order, pending = set(), [], list(tree.flatten(outputs))
    while pending:
        node = pending.pop().node
        if node.id in seen:
            continue
        seen.add(node.id)
        layer = node.layer
        order.append(layer.op_name if isinstance(layer, Operation) else id(layer))
        pending.extend(node.input_tensors)
    return order


def _takes_training(model) -> bool:
    return "training" in inspect.signature(type(model).call).parameters


def _is_symbolic(value) -> bool:
    from engine.layers.node import SymbolicTensor

    return isinstance(value, SymbolicTensor)


def _is_shape(value) -> bool:
    """A shape is a tuple (or list) of sizes, each an int or None; lists of shapes are not."""
    return isinstance(value, (tuple, list)) and all(
        d is None or isinstance(d, numbers.Integral) for d in value)


def _normalised(shapes):
    """Each shape as a tuple of ints and None, in the same lists and dicts."""
    if _is_shape(shapes):
        return tuple(None if d is None else int(d) for d in shapes)
    if isinstance(shapes, dict):
        return {key: _normalised(value) for key, value in shapes.items()}
    return [_normalised(s) for s in shapes]


def _leaves(structure) -> list:
    """The inputs in a list (or tuple) or dict (by sorted key) of them, flat; a shape is one."""
    if isinstance(structure, dict):
        return [leaf for key in sorted(structure) for leaf in _leaves(structure[key])]
    if isinstance(structure, (list, tuple)) and not _is_shape(structure):
        return [leaf for item in structure for leaf in _leaves(item)]
    return [structure]
