"""stateful=True recurrent layers against Keras 3 from the same weights: each batch starts
from the last one's final states, through predict, fit (shuffle=False) and evaluate, on every
backend and across a live set_backend; reset_states starts afresh."""

import functools

import numpy as np
import pytest

import engine
from engine import layers
from engine.errors import LayerConfigError, LayerShapeError

BATCH, TIME, FEATURES, UNITS = 2, 3, 4, 5
X = np.random.default_rng(0).standard_normal((3 * BATCH, TIME, FEATURES)).astype("float32")
Y = np.random.default_rng(1).standard_normal((3 * BATCH, UNITS)).astype("float32")
FRAMES = np.random.default_rng(2).standard_normal((3 * BATCH, TIME, 6, 2)).astype("float32")

KINDS = {  # name -> (our layer, Keras's layer, inputs), each stateful
    "LSTM": (lambda: layers.LSTM(UNITS, stateful=True),
             lambda k: k.layers.LSTM(UNITS, stateful=True), X),
    "GRU": (lambda: layers.GRU(UNITS, stateful=True, return_sequences=True),
            lambda k: k.layers.GRU(UNITS, stateful=True, return_sequences=True), X),
    "SimpleRNN": (lambda: layers.SimpleRNN(UNITS, stateful=True),
                  lambda k: k.layers.SimpleRNN(UNITS, stateful=True), X),
    "RNN(LSTMCell)": (lambda: layers.RNN(layers.LSTMCell(UNITS), stateful=True),
                      lambda k: k.layers.RNN(k.layers.LSTMCell(UNITS), stateful=True), X),
    "ConvLSTM1D": (lambda: layers.ConvLSTM1D(3, 3, padding="same", stateful=True),
                   lambda k: k.layers.ConvLSTM1D(3, 3, padding="same", stateful=True), FRAMES),
}


def _model(kind):
    make, _, data = KINDS[kind]
    inputs = layers.Input(shape=data.shape[1:], batch_size=BATCH)
    layer = make()
    return engine.Model(inputs, layer(inputs)), layer


def _keras_batches(kind, weights):
    """Keras's outputs for each batch of the kind's data in turn, then for the first batch
    again after reset_states."""
    keras = pytest.importorskip("keras")
    _, make, data = KINDS[kind]
    layer = make(keras)
    batches = np.split(data, len(data) // BATCH)
    layer(batches[0])
    layer.set_weights(weights)
    layer.reset_states()
    outputs = [np.asarray(layer(b)) for b in batches]
    layer.reset_states()
    return np.concatenate(outputs), np.asarray(layer(batches[0]))


SLOW = pytest.mark.slow  # Keras's eager calls are slow: the kinds beyond LSTM's with --slow


@pytest.mark.parametrize("kind", ["LSTM", "RNN(LSTMCell)", pytest.param("GRU", marks=SLOW),
                                  pytest.param("SimpleRNN", marks=SLOW),
                                  pytest.param("ConvLSTM1D", marks=SLOW)])
def test_consecutive_predict_batches_and_reset_states_match_keras(kind):
    model, layer = _model(kind)
    data = KINDS[kind][2]
    expected, fresh = _keras_batches(kind, model.get_weights())
    assert len(model.get_weights()) == len(layer.weights) == 3  # the states are no weights
    np.testing.assert_allclose(model.predict(data, batch_size=BATCH, verbose=0), expected,
                               rtol=1e-5, atol=1e-5)
    layer.reset_states()
    np.testing.assert_allclose(model.predict(data[:BATCH], verbose=0), fresh, rtol=1e-5,
                               atol=1e-5)


def test_conv_lstm_goes_on_from_the_final_states_of_the_last_batch():
    model, layer = _model("ConvLSTM1D")
    fresh = layers.ConvLSTM1D(3, 3, padding="same", return_state=True)
    fresh(FRAMES[:BATCH])
    fresh.set_weights(model.get_weights())
    states, expected = None, []
    for batch in np.split(FRAMES, 3):
        output, *states = fresh(batch, initial_state=states)
        expected.append(np.asarray(output))
    np.testing.assert_allclose(model.predict(FRAMES, batch_size=BATCH, verbose=0),
                               np.concatenate(expected), rtol=1e-5, atol=1e-5)
    for ours, theirs in zip(layer.states, states):
        np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), rtol=1e-5, atol=1e-5)


def test_a_bidirectional_stateful_layer_carries_both_directions_as_keras():
    keras = pytest.importorskip("keras")
    inputs = layers.Input(shape=(TIME, FEATURES), batch_size=BATCH)
    wrapper = layers.Bidirectional(layers.LSTM(UNITS, stateful=True))
    model = engine.Model(inputs, wrapper(inputs))
    theirs = keras.layers.Bidirectional(keras.layers.LSTM(UNITS, stateful=True))
    theirs(X[:BATCH])
    theirs.set_weights(model.get_weights())
    theirs.reset_states()
    expected = np.concatenate([np.asarray(theirs(b)) for b in np.split(X, 3)])
    np.testing.assert_allclose(model.predict(X, batch_size=BATCH, verbose=0), expected,
                               rtol=1e-5, atol=1e-5)
    wrapper.reset_states()
    assert all(not np.any(v.numpy()) for v in model.non_trainable_variables)


def test_states_carry_across_a_live_set_backend(backend_name):
    engine.set_backend("numpy")
    model, layer = _model("LSTM")
    expected, _ = _keras_batches("LSTM", model.get_weights())
    first = model.predict(X[:BATCH], verbose=0)
    engine.set_backend(backend_name)
    rest = model.predict(X[BATCH:], batch_size=BATCH, verbose=0)
    np.testing.assert_allclose(np.concatenate([first, rest]), expected, rtol=1e-5, atol=1e-5)
    assert layer.states[0].backend.name == backend_name


@functools.cache
def _keras_fit_and_evaluate_states(weights, learning_rate):
    """Keras's weights (given as bytes, to be cached) after SGD over the batches of X in
    order, each starting from the last one's final states (computed before its update), then
    the states an evaluation pass over them leaves, from zeros, with the new weights. A Keras
    layer with return_state carries the states by hand, differentiated by JAX."""
    keras = pytest.importorskip("keras")
    import jax
    import jax.numpy as jnp

    layer = keras.layers.LSTM(UNITS, return_state=True)
    layer(X[:BATCH])
    weights = [np.frombuffer(w, "float32").reshape(v.shape)
               for w, v in zip(weights, layer.weights)]
    layer.set_weights(weights)

    seeds = [v.value for v in layer.non_trainable_variables]  # dropout's, unused

    def loss(params, x, y, states):
        (output, *final), _ = layer.stateless_call(params, seeds, x, initial_state=states)
        return jnp.mean((output - y) ** 2), final

    params = [jnp.asarray(w) for w in weights]
    states = [jnp.zeros((BATCH, UNITS))] * 2
    for x, y in zip(np.split(X, 3), np.split(Y, 3)):
        (_, states), grads = jax.value_and_grad(loss, has_aux=True)(params, x, y, states)
        params = [p - learning_rate * g for p, g in zip(params, grads)]
    states = [jnp.zeros((BATCH, UNITS))] * 2
    for x, y in zip(np.split(X, 3), np.split(Y, 3)):
        _, states = loss(params, x, y, states)
    return [np.asarray(p) for p in params], [np.asarray(s) for s in states]


def test_fit_and_evaluate_carry_states_as_keras(backend_name):
    model, layer = _model("LSTM")
    weights, states = _keras_fit_and_evaluate_states(
        tuple(w.tobytes() for w in model.get_weights()), 0.1)
    model.compile(engine.optimizers.SGD(0.1), "mse")
    model.fit(X, Y, batch_size=BATCH, shuffle=False, verbose=0)
    for ours, expected in zip(model.get_weights(), weights):
        np.testing.assert_allclose(ours, expected, rtol=1e-4, atol=1e-5)
    layer.reset_states()
    model.evaluate(X, Y, batch_size=BATCH, verbose=0)
    for ours, expected in zip(layer.states, states):
        np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-4, atol=1e-5)


def test_stateful_needs_a_fixed_batch_size():
    inputs = layers.Input(shape=(TIME, FEATURES))
    with pytest.raises(LayerConfigError, match=r"stateful=True.*batch_size"):
        layers.LSTM(UNITS, stateful=True)(inputs)


def test_a_batch_of_another_size_is_refused():
    model, _ = _model("LSTM")
    with pytest.raises(LayerShapeError, match="batches of 2"):
        model.predict(X[:3], verbose=0)


def test_a_layer_that_is_not_stateful_has_no_states_to_reset():
    layer = layers.GRU(UNITS)
    layer(X[:BATCH])
    layer.reset_states()
    assert layer.states == [] and len(layer.variables) == 3


def test_exports_that_keep_no_states_refuse_a_stateful_layer():
    from engine.export.errors import ExportError

    inputs = layers.Input(shape=(TIME, FEATURES), batch_size=BATCH)
    model = engine.Model(inputs, layers.Bidirectional(layers.GRU(UNITS, stateful=True))(inputs))
    with pytest.raises(ExportError, match=r"to_code\('jax'\) .* is stateful"):
        model.to_code("jax")
    assert "stateful=True" in model.to_code("keras")
