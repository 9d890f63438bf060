"""One test for every layer: `run_layer_test(layer_cls, config, input_shape, ...)`.

    from tests.layers.harness import run_layer_test
    run_layer_test(layers.Dense, {"units": 3}, (2, 5), expected_output_shape=(2, 3))

For a layer class and its constructor arguments it checks, in this order:

1. config: `get_config()` of the built layer is JSON-serialisable, names every argument of
   the layer's own constructor, and `from_config` of its JSON round trip gives a layer with
   the same config;
2. shapes: `compute_output_shape` (batch None) and symbolic calls (`layers.Input`) of a new
   and of the built layer agree with the real output shape; a layer built symbolically
   computes on a batch of another size;
3. weights: names (the part after "layer_name/"), shapes and order are `expected_weights`;
4. backends: on every installed backend, a layer with the NumPy reference's weights gives
   the same outputs (rtol 1e-5), float32 outputs, and the same weights after the call (so
   BatchNormalization's moving statistics are compared in training mode);
5. gradients: of sum(output * r) with respect to the float inputs and the trainable weights,
   taken through `value_and_grad` (compiled with `jit` on JAX) with the weights made explicit
   by `state_scope`; they agree across backends, and on NumPy in float64 with central finite
   differences;
6. Keras: when keras imports, `keras.layers.<same class name>` with the same config and our
   weights (`set_weights(get_weights())`) has the same weight names and shapes, and gives the
   same outputs and the same weights after the call. This proves Keras weight layout parity.

How the layer is called:
- one tensor: `input_shape=(2, 5, 3)` (batch first);
- several positional tensors, `layer(query, value)`: `input_shapes=[(2, 4, 8), (2, 6, 8)]`;
- one list of tensors, `layers.Add()([a, b])`: `input_shapes=[...]` with `call_with_list=True`;
- explicit arrays instead of random normal floats (integer ids, say): `input_data=array` or
  `input_data=[array, ...]`, laid out as `input_shapes` would be;
- `training=True` passes training=True; `call_kwargs={...}` passes other non-tensor arguments;
- `weights=[...]` (NumPy arrays in `layer.weights` order) replaces the initial weights, e.g.
  to give BatchNormalization non-trivial moving statistics.
A layer may return one tensor or a list/tuple of them; each output gets its own `r`.

`random=True` is for outputs that depend on a random draw (Dropout in training): values are
then not compared across backends or with Keras (the random streams differ), but finite
differences still check the NumPy gradient with the seed held fixed.
`keras=False` skips the Keras check; `keras_config={...}` overrides keys of our config for
Keras; `keras_layer=callable(config) -> keras layer` builds the reference another way.

Returns a LayerTestResult: the NumPy reference layer, the NumPy inputs, and each backend's
outputs as a list of NumPy arrays.
"""

from __future__ import annotations

import dataclasses
import inspect
import json

import numpy as np

import engine
from engine import tree
from engine.backend import available_backends, get_backend, using
from engine.layers import Layer
from engine.variables import state_scope

FD_EPSILON = 1e-6
FD_SAMPLES = 12  # entries per array checked by finite differences (random ones)
# JAX compiles every op on its first use with a new shape; one compiled gradient costs a
# quarter of that, and checks the layer under tracing. Elsewhere eager is the cheaper.
COMPILED_GRADIENTS = {"jax"}


@dataclasses.dataclass
class LayerTestResult:
    """What a test may check further: the NumPy reference layer, its inputs, every output."""

    layer: object
    inputs: list
    outputs: dict  # backend name -> list of NumPy outputs


def run_layer_test(
    layer_cls,
    config=None,
    input_shape=None,
    *,
    input_shapes=None,
    input_data=None,
    call_with_list=False,
    training=False,
    call_kwargs=None,
    expected_output_shape=None,
    expected_weights=None,
    weights=None,
    random=False,
    check_gradients=True,
    keras=True,
    keras_config=None,
    keras_layer=None,
    rtol=1e-5,
    atol=1e-5,
    grad_rtol=1e-4,
    grad_atol=1e-5,
    seed=0,
) -> LayerTestResult:
    config = dict(config or {})
    kwargs = dict(call_kwargs or {}, training=training)
    rng = np.random.default_rng(seed)
    inputs = _make_inputs(input_shape, input_shapes, input_data, rng)
    args = [inputs] if call_with_list else list(inputs)

    reference = layer_cls(**config)
    with using("numpy"):
        reference(*args)
        if weights is not None:
            reference.set_weights(weights)
        weights = reference.get_weights()
        outputs = _flat(reference(*args, **kwargs))
    _check_config(layer_cls, reference)
    shapes = [tuple(o.shape) for o in outputs]
    if expected_output_shape is not None:
        assert shapes == _shape_list(expected_output_shape), (shapes, expected_output_shape)
    _check_shapes(layer_cls, reference, args, shapes, kwargs)
    if expected_weights is not None:
        assert _weight_layout(reference) == [(n, tuple(s)) for n, s in expected_weights]

    r = [rng.standard_normal(shape).astype(np.float32) for shape in shapes]
    results, after, grads = {}, {}, {}
    for name in available_backends():
        results[name], after[name] = _forward(layer_cls, reference, weights, args, kwargs, name)
        if not random:
            _assert_close(results[name], results["numpy"], rtol, atol, f"{name} outputs")
            _assert_close(after[name], after["numpy"], rtol, atol, f"{name} weights")
        if check_gradients:
            grads[name] = _gradients(layer_cls, reference, weights, args, kwargs, r, name)
            if not random:
                _assert_close(grads[name], grads["numpy"], grad_rtol, grad_atol, f"{name} grads")
    if check_gradients:
        _check_finite_differences(layer_cls, reference, weights, args, kwargs, r)
    if keras and not random:
        theirs = _keras_layer(reference, keras_config, keras_layer, args)
        if theirs is not None:
            theirs.set_weights(weights)
            keras_outputs = [np.asarray(o) for o in _flat(theirs(*args, **kwargs))]
            _assert_close(results["numpy"], keras_outputs, rtol, atol, "outputs against Keras")
            _assert_close(after["numpy"], theirs.get_weights(), rtol, atol,
                          "weights after the call against Keras")
    return LayerTestResult(reference, inputs, results)


# ------------------------------------------------------------------------------- inputs
def _make_inputs(input_shape, input_shapes, input_data, rng):
    if input_data is not None:
        data = input_data if isinstance(input_data, (list, tuple)) else [input_data]
        return [np.asarray(x) for x in data]
    shapes = [input_shape] if input_shapes is None else input_shapes
    return [rng.standard_normal(shape).astype(np.float32) for shape in shapes]


def _flat(outputs):
    return tree.flatten(outputs if isinstance(outputs, (list, tuple)) else [outputs])


def _is_float(x):
    return np.asarray(x).dtype.kind == "f"


# ------------------------------------------------------------------------- config, shapes
def _check_config(layer_cls, layer):
    config = layer.get_config()
    text = json.dumps(config)
    # the layer's own arguments; the base's (name, trainable, dtype) are the base's business
    arguments = set(inspect.signature(layer_cls.__init__).parameters) - set(
        inspect.signature(Layer.__init__).parameters) - {"args", "kwargs"}
    missing = arguments - set(config)
    assert not missing, f"get_config() of {layer_cls.__name__} lacks {sorted(missing)}"
    rebuilt = layer_cls.from_config(json.loads(text))
    assert json.loads(json.dumps(rebuilt.get_config())) == json.loads(text)


def _check_shapes(layer_cls, layer, args, shapes, kwargs):
    """compute_output_shape and a symbolic call give the real shapes with batch None."""
    unbatched = [(None, *s[1:]) for s in shapes]
    shape_args = tree.map_structure(lambda x: (None, *np.shape(x)[1:]), args)
    inferred = layer.compute_output_shape(*shape_args)
    assert _shape_list(inferred) == unbatched, (inferred, unbatched)

    symbolic_args = tree.map_structure(
        lambda x: engine.layers.Input(np.shape(x)[1:], dtype=_input_dtype(x)), args
    )
    fresh = layer_cls.from_config(layer.get_config())
    for built in (fresh, layer):  # built by this symbolic call; built before, eagerly
        assert [t.shape for t in _flat(built(*symbolic_args))] == unbatched

    # a layer built on symbolic inputs computes on arrays of another batch size
    one = tree.map_structure(lambda x: x[:1], args)
    with using("numpy"):
        again = _flat(fresh(*one, **kwargs))
    assert [tuple(o.shape) for o in again] == [(1, *s[1:]) for s in shapes]


def _shape_list(inferred):
    if isinstance(inferred, list) and all(isinstance(s, (tuple, list)) for s in inferred):
        return [tuple(s) for s in inferred]
    return [tuple(inferred)]


def _input_dtype(x):
    return "float32" if _is_float(x) else "int32"


def _weight_layout(layer):
    return [(w.name.split("/")[-1], tuple(w.shape)) for w in layer.weights]


# --------------------------------------------------------------------- backends, gradients
def _layer_on(layer_cls, reference, weights, args, name, dtype=None):
    """A layer like `reference`, built on backend `name` by one call, holding `weights`."""
    config = reference.get_config()
    if dtype is not None:
        config["dtype"] = dtype
    layer = layer_cls.from_config(config)
    with using(name):
        layer(*args)
    layer.set_weights(weights)
    return layer


def _forward(layer_cls, reference, weights, args, kwargs, name):
    """NumPy copies of the outputs on backend `name`, and of the weights after the call."""
    layer = _layer_on(layer_cls, reference, weights, args, name)
    backend = get_backend(name)
    with using(name):
        outputs = _flat(layer(*args, **kwargs))
    dtypes = [backend.dtype(o) for o in outputs]
    assert all(d == "float32" for d in dtypes if d.startswith("float")), (name, dtypes)
    return [backend.to_numpy(o) for o in outputs], layer.get_weights()


def _loss_function(layer, args, kwargs, r, name, dtype):
    """loss(params) with params = {"inputs": float inputs, "weights": trainable weights}."""
    backend = get_backend(name)
    trainable = [w for w in layer.weights if w.trainable] if layer.trainable else []
    fixed = {v: backend.convert(v.numpy() if v.dtype.startswith("int") else
                                v.numpy().astype(dtype)) for v in layer.variables
             if not any(v is w for w in trainable)}
    flat_args = tree.flatten(args)
    float_positions = [i for i, x in enumerate(flat_args) if _is_float(x)]
    constants = [backend.convert(np.asarray(x)) for x in flat_args]
    targets = [backend.convert(x.astype(dtype)) for x in r]

    def loss(params):
        leaves = list(constants)
        for i, value in zip(float_positions, params["inputs"]):
            leaves[i] = value
        values = {**fixed, **dict(zip(trainable, params["weights"]))}
        with using(name), state_scope(values):
            outputs = _flat(layer(*tree.unflatten_as(args, leaves), **kwargs))
            total = backend.sum(backend.multiply(outputs[0], targets[0]))
            for output, target in zip(outputs[1:], targets[1:]):
                total = backend.add(total, backend.sum(backend.multiply(output, target)))
        return total

    params = {
        "inputs": [backend.convert(np.asarray(flat_args[i]).astype(dtype))
                   for i in float_positions],
        "weights": [backend.convert(w.numpy().astype(dtype)) for w in trainable],
    }
    return loss, params


def _gradients(layer_cls, reference, weights, args, kwargs, r, name):
    layer = _layer_on(layer_cls, reference, weights, args, name)
    loss, params = _loss_function(layer, args, kwargs, r, name, "float32")
    backend = get_backend(name)
    gradient = backend.value_and_grad(loss)
    if name in COMPILED_GRADIENTS:
        gradient = backend.jit(gradient)
    _, grads = gradient(params)
    grads = [backend.to_numpy(g) for g in tree.flatten(grads)]
    assert all(np.all(np.isfinite(g)) for g in grads), f"{name} gradients are not finite"
    return grads


def _check_finite_differences(layer_cls, reference, weights, args, kwargs, r):
    """NumPy float64 gradients against central differences on sampled entries."""
    layer = _layer_on(layer_cls, reference, weights, args, "numpy", dtype="float64")
    loss, params = _loss_function(layer, args, kwargs, r, "numpy", "float64")
    _, grads = get_backend("numpy").value_and_grad(loss)(params)
    leaves = tree.flatten(params)
    rng = np.random.default_rng(1)
    for index, (value, grad) in enumerate(zip(leaves, tree.flatten(grads))):
        value = np.asarray(value)
        picks = rng.choice(value.size, size=min(FD_SAMPLES, value.size), replace=False)
        for flat_index in picks:
            numeric = _central_difference(loss, params, leaves, index, flat_index)
            analytic = np.asarray(grad).reshape(-1)[flat_index]
            np.testing.assert_allclose(
                analytic, numeric, rtol=1e-4, atol=1e-6,
                err_msg=f"gradient of parameter {index}, entry {flat_index}",
            )


def _central_difference(loss, params, leaves, index, flat_index):
    def shifted(delta):
        moved = [np.array(leaf, dtype=np.float64, copy=True) for leaf in leaves]
        moved[index].reshape(-1)[flat_index] += delta
        return float(np.asarray(loss(tree.unflatten_as(params, moved))))
    return (shifted(FD_EPSILON) - shifted(-FD_EPSILON)) / (2 * FD_EPSILON)


def _assert_close(actual, expected, rtol, atol, what):
    assert len(actual) == len(expected), what
    for i, (a, e) in enumerate(zip(actual, expected)):
        np.testing.assert_allclose(a, e, rtol=rtol, atol=atol, err_msg=f"{what} [{i}]")


# ---------------------------------------------------------------------------------- Keras
def _keras_layer(reference, keras_config, keras_layer, args):
    """The Keras layer with our config, built by one call; None when keras is missing."""
    try:
        import keras
    except ImportError:
        return None
    # our weights replace Keras's, so Keras need not draw its own (slow to compile on JAX)
    config = {key: "zeros" if key.endswith("_initializer") else value
              for key, value in reference.get_config().items() if key != "name"}
    config.update(keras_config or {})
    if keras_layer is not None:
        theirs = keras_layer(config)
    else:
        theirs = getattr(keras.layers, type(reference).__name__)(**config)
    theirs(*args)
    assert [(w.name, tuple(w.shape)) for w in theirs.weights] == _weight_layout(reference)
    return theirs
