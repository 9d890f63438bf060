"""`dropout` and `recurrent_dropout` of the recurrent layers and cells, against Keras 3.

Keras's random numbers are not the engine's, so the training-mode comparisons give both the
same masks: ours through recurrent_dropout.draw_mask, Keras's through the masks its cell
caches for a call (`_dropout_mask`, `_recurrent_dropout_mask`).
"""

import numpy as np
import pytest

import engine
from engine import layers, ops
from engine.backend import available_backends, get_backend, using
from engine.errors import LayerConfigError
from engine.layers import recurrent_dropout
from tests.layers.harness import _loss_function

SEQUENCE = (2, 5, 3)
FRAMES = (2, 4, 6, 3)  # ConvLSTM1D: (batch, time, width, channels)

SLOW = pytest.mark.slow  # a Keras comparison takes seconds: two run in CI, all with --slow
CASES = [
    ("SimpleRNN", {"units": 4, "dropout": 0.3, "recurrent_dropout": 0.4}, SEQUENCE, SLOW),
    ("LSTM", {"units": 4, "dropout": 0.3}, SEQUENCE, SLOW),  # one mask for every gate
    ("LSTM", {"units": 4, "dropout": 0.3, "recurrent_dropout": 0.4}, SEQUENCE, ()),  # per gate
    ("GRU", {"units": 4, "dropout": 0.3, "recurrent_dropout": 0.4}, SEQUENCE, SLOW),
    ("GRU", {"units": 4, "recurrent_dropout": 0.4, "reset_after": False}, SEQUENCE, ()),
    ("ConvLSTM1D", {"filters": 2, "kernel_size": 3, "padding": "same", "dropout": 0.3,
                    "recurrent_dropout": 0.4}, FRAMES, SLOW),
]
KERAS_CASES = [pytest.param(kind, config, shape, marks=marks,
                            id=f"{kind}-{'-'.join(config)}")
               for kind, config, shape, marks in CASES]
PLAIN_CASES = [pytest.param(kind, config, shape, id=f"{kind}-{'-'.join(config)}")
               for kind, config, shape, _ in CASES]


class FixedMasks:
    """Stands in for recurrent_dropout.draw_mask: the k-th mask of a call is always the
    same array (from seed k), and the masks drawn are kept in order."""

    def __init__(self):
        self.drawn = []

    def __call__(self, shape, rate, seed, dtype):
        rng = np.random.default_rng(len(self.drawn))
        mask = (rng.random(tuple(shape)) >= rate).astype("float32") / np.float32(1.0 - rate)
        self.drawn.append(mask)
        return ops.convert_to_tensor(mask, dtype)

    def restart(self):
        self.drawn = []


@pytest.fixture
def fixed_masks(monkeypatch):
    masks = FixedMasks()
    monkeypatch.setattr(recurrent_dropout, "draw_mask", masks)
    return masks


def _keras_with_masks(layer, drawn):
    """Keras's layer of `layer`'s config and weights, its cell holding the masks `drawn`
    (inputs' then recurrent, as the engine draws them)."""
    import keras

    theirs = getattr(keras.layers, type(layer).__name__).from_config(layer.get_config())
    return theirs, lambda: _hold(theirs.cell, layer, drawn)


def _hold(cell, layer, drawn):
    count = recurrent_dropout.mask_count(layer)
    drawn = list(drawn)
    for rate, name in ((layer.dropout, "_dropout_mask"),
                       (layer.recurrent_dropout, "_recurrent_dropout_mask")):
        if recurrent_dropout.drops(rate):
            masks, drawn = drawn[:count], drawn[count:]
            per_gate = getattr(cell, "dropout_mask_count", None) is not None
            setattr(cell, name, masks if per_gate else masks[0])


def _data(shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


@pytest.mark.parametrize("kind, config, shape", KERAS_CASES)
def test_training_outputs_and_gradients_match_keras_given_the_same_masks(
        kind, config, shape, fixed_masks):
    pytest.importorskip("keras")
    import jax

    x = _data(shape)
    reference = getattr(layers, kind)(**config, return_sequences=True,
                                      bias_initializer="random_uniform")
    reference(x)
    weights = reference.get_weights()
    fixed_masks.restart()
    reference(x, training=True)
    drawn = list(fixed_masks.drawn)
    assert len(drawn) == recurrent_dropout.mask_count(reference) * sum(
        recurrent_dropout.drops(rate) for rate in (reference.dropout,
                                                   reference.recurrent_dropout))

    theirs, hold = _keras_with_masks(reference, drawn)
    theirs(x)
    theirs.set_weights(weights)
    hold()
    expected = np.asarray(theirs(x, training=True))
    r = _data(expected.shape, seed=1)

    def keras_loss(trainable, inputs):
        hold()
        outputs, _ = theirs.stateless_call(trainable, [v.value for v in
                                                       theirs.non_trainable_variables],
                                           inputs, training=True)
        return (outputs * r).sum()

    keras_grads = jax.grad(keras_loss, argnums=(0, 1))(
        [v.value for v in theirs.trainable_variables], x)
    keras_grads = [np.asarray(g) for g in (keras_grads[1], *keras_grads[0])]

    for name in available_backends():
        layer = type(reference).from_config(reference.get_config())
        with using(name):
            layer(x)
            layer.set_weights(weights)
            backend = get_backend(name)
            fixed_masks.restart()
            output = backend.to_numpy(layer(x, training=True))
        np.testing.assert_allclose(output, expected, rtol=1e-5, atol=1e-5, err_msg=name)
        loss, params = _loss_function(layer, (x,), {"training": True}, [r], name, "float32")
        fixed_masks.restart()
        _, grads = backend.value_and_grad(loss)(params)
        grads = [backend.to_numpy(g) for g in (*grads["inputs"], *grads["weights"])]
        for ours, theirs_grad in zip(grads, keras_grads):
            np.testing.assert_allclose(ours, theirs_grad, rtol=1e-4, atol=1e-5, err_msg=name)


def test_cells_match_keras_in_rnn_and_alone(fixed_masks):
    keras = pytest.importorskip("keras")
    x = _data(SEQUENCE)
    cell = layers.LSTMCell(4, dropout=0.3, recurrent_dropout=0.4)
    rnn = layers.RNN(cell, return_sequences=True)
    rnn(x)
    fixed_masks.restart()
    ours = np.asarray(rnn(x, training=True))
    assert len(fixed_masks.drawn) == 8  # once per call, not per step: 4 gates, 2 kinds
    theirs = keras.layers.RNN(keras.layers.LSTMCell(4, dropout=0.3, recurrent_dropout=0.4),
                              return_sequences=True)
    theirs(x)
    theirs.set_weights(rnn.get_weights())
    _hold(theirs.cell, cell, fixed_masks.drawn)
    np.testing.assert_allclose(ours, np.asarray(theirs(x, training=True)), rtol=1e-5,
                               atol=1e-6)

    alone = layers.GRUCell(4, dropout=0.3, recurrent_dropout=0.4)
    h = _data((2, 4), seed=2)
    alone(x[:, 0], [h])
    fixed_masks.restart()
    output, _ = alone(x[:, 0], [h], training=True)
    their_cell = keras.layers.GRUCell(4, dropout=0.3, recurrent_dropout=0.4)
    their_cell(x[:, 0], [h])
    their_cell.set_weights(alone.get_weights())
    _hold(their_cell, alone, fixed_masks.drawn)
    their_output, _ = their_cell(x[:, 0], [h], training=True)
    np.testing.assert_allclose(np.asarray(output), np.asarray(their_output), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("kind, config, shape", PLAIN_CASES)
def test_inference_is_unchanged_by_dropout(kind, config, shape):
    x = _data(shape)
    with_dropout = getattr(layers, kind)(**config)
    with_dropout(x)
    plain = getattr(layers, kind)(**{k: v for k, v in config.items() if "dropout" not in k})
    plain(x)
    plain.set_weights(with_dropout.get_weights())
    np.testing.assert_array_equal(np.asarray(with_dropout(x)), np.asarray(plain(x)))
    np.testing.assert_array_equal(np.asarray(with_dropout(x, training=False)),
                                  np.asarray(plain(x)))


def test_masks_keep_the_mean_and_differ_per_sample_and_call():
    layer = layers.SimpleRNN(4, dropout=0.25, recurrent_dropout=0.5, seed=3)
    layer(np.zeros((1, 2, 3), "float32"))
    first = recurrent_dropout.draw(layer, (4000, 3), (4000, 4), "float32", training=True)
    second = recurrent_dropout.draw(layer, (4000, 3), (4000, 4), "float32", training=True)
    for masks, rate in ((first.inputs, 0.25), (first.recurrent, 0.5)):
        (mask,) = (np.asarray(m) for m in masks)
        assert set(np.unique(mask)) == {0.0, np.float32(1 / (1 - rate))}
        assert abs(mask.mean() - 1.0) < 0.05 and abs((mask == 0).mean() - rate) < 0.03
    assert not np.array_equal(np.asarray(first.inputs[0]), np.asarray(second.inputs[0]))
    assert recurrent_dropout.draw(layer, (2, 3), (2, 4), "float32", training=False) is (
        recurrent_dropout.NO_DROPOUT)


@pytest.mark.parametrize("argument, value", [("dropout", 1.5), ("recurrent_dropout", -0.1)])
def test_a_rate_outside_zero_one_is_refused(argument, value):
    with pytest.raises(LayerConfigError, match=f"LSTM: `{argument}` must be in"):
        layers.LSTM(4, **{argument: value})


@pytest.mark.parametrize("name", ["numpy", "jax", "torch", "tensorflow"])
def test_fit_draws_fresh_masks_each_step_and_survives_a_backend_switch(name):
    if name not in available_backends():
        pytest.skip(f"{name} is not installed")
    x, y = _data(SEQUENCE), _data((2, 1), seed=1)
    engine.set_backend(name)
    model = engine.Sequential([layers.Input(SEQUENCE[1:]),
                               layers.GRU(4, dropout=0.3, recurrent_dropout=0.3, seed=1),
                               layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    seed_state = model.layers[0].seed_state
    before = seed_state.numpy().copy()
    history = model.fit(x, y, epochs=2, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    after = seed_state.numpy().copy()
    assert not np.array_equal(before, after)  # every compiled step moved the seed on
    other = "numpy" if name != "numpy" else available_backends()[-1]
    engine.set_backend(other)
    history = model.fit(x, y, epochs=1, verbose=0)
    assert np.all(np.isfinite(history.history["loss"]))
    assert not np.array_equal(after, seed_state.numpy())
