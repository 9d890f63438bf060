"""The recurrent family around SimpleRNN, LSTM and GRU: LSTMCell alone, RNN over any cell,
Bidirectional, TimeDistributed, masks and initial states, against Keras (the harness rows are
in tests/layers/cases/recurrent.py)."""

import numpy as np
import pytest

import engine
from engine import layers, ops, tree
from engine.backend import available_backends, get_backend, using
from engine.errors import LayerConfigError, LayerShapeError
from engine.export.errors import ExportError
from engine.export.keras_io import from_keras
from engine.models.spec import model_from_spec

SLOW = pytest.mark.slow  # Keras builds are slow
SEQUENCE = (2, 5, 3)
# which steps are real: the second sample has a gap and ends padded
MASK = np.array([[True, True, True, True, True], [True, False, True, False, False]])


# ------------------------------------------------------------------------------ cells
def test_lstm_cell_alone_matches_keras_with_its_two_states():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(0)
    x, h, c = (rng.standard_normal(s).astype("float32") for s in ((2, 3), (2, 4), (2, 4)))
    cell = layers.LSTMCell(4, bias_initializer="random_uniform")
    output, states = cell(x, [h, c])
    theirs = keras.layers.LSTMCell(4)
    theirs(x, [h, c])
    theirs.set_weights(cell.get_weights())
    their_output, their_states = theirs(x, [h, c])
    assert [w.name for w in cell.weights] == [f"lstm_cell/{n}" for n in
                                              ("kernel", "recurrent_kernel", "bias")]
    assert cell.state_size == [4, 4] and len(cell.get_initial_state(2)) == 2
    for ours, expected in zip([output, *states], [their_output, *their_states]):
        np.testing.assert_allclose(ours, np.asarray(expected), rtol=1e-5, atol=1e-6)


def test_a_cell_called_alone_in_a_graph_runs_and_exports_refuse_it():
    x, h, c = layers.Input((3,)), layers.Input((4,)), layers.Input((4,))
    output, new_h, new_c = layers.LSTMCell(4)(x, [h, c])
    model = engine.Model([x, h, c], [output, new_c])
    data = [np.ones((2, 3), "float32"), np.zeros((2, 4), "float32"), np.zeros((2, 4), "float32")]
    assert [o.shape for o in model.predict(data, verbose=0)] == [(2, 4), (2, 4)]
    with pytest.raises(ExportError, match="called alone.*layers.RNN\\(cell\\)"):
        model.to_code("torch")


# -------------------------------------------------------------------------------- RNN
def test_rnn_over_a_cell_equals_the_layer_of_that_cell():
    x = np.random.default_rng(1).standard_normal(SEQUENCE).astype("float32")
    lstm = layers.LSTM(4, return_state=True, go_backwards=True)
    rnn = layers.RNN(layers.LSTMCell(4), return_state=True, go_backwards=True)
    lstm(x), rnn(x)
    rnn.set_weights(lstm.get_weights())
    for ours, theirs in zip(rnn(x, mask=MASK), lstm(x, mask=MASK)):
        np.testing.assert_allclose(ours, theirs, rtol=1e-6)


def _minimal_cell_class(base, backend_ops):
    """The cell of Keras's RNN guide, written once for engine and Keras."""

    class MinimalRNNCell(base):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                          initializer="glorot_uniform", name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    initializer="orthogonal",
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            prev_output = states[0]
            h = backend_ops.matmul(inputs, self.kernel)
            output = h + backend_ops.matmul(prev_output, self.recurrent_kernel)
            return output, [output]

    return MinimalRNNCell


def test_rnn_runs_a_cell_of_ones_own_and_exports_refuse_it(tmp_path):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(2).standard_normal(SEQUENCE).astype("float32")
    ours = layers.RNN(_minimal_cell_class(layers.Layer, ops)(4), return_sequences=True)
    theirs = keras.layers.RNN(_minimal_cell_class(keras.layers.Layer, keras.ops)(4),
                              return_sequences=True)
    ours(x), theirs(x)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(ours(x, mask=MASK), np.asarray(theirs(x, mask=MASK)), rtol=1e-5,
                               atol=1e-6)
    i = layers.Input((5, 3))
    model = engine.Model(i, ours(i))
    for target in ("torch", "jax", "onnx"):
        with pytest.raises(ExportError, match="MinimalRNNCell.*has no export"):
            if target == "onnx":
                model.export_onnx(tmp_path / "model.onnx")
            else:
                model.to_code(target)


# ------------------------------------------------------------------------------ masks
@pytest.mark.parametrize("cls, config", [
    (layers.LSTM, {"return_sequences": True, "return_state": True}),
    (layers.GRU, {"go_backwards": True, "return_sequences": True}),
    (layers.SimpleRNN, {"return_state": True}),
])
def test_masked_steps_keep_the_state_and_repeat_the_output(cls, config):
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(5).standard_normal(SEQUENCE).astype("float32")
    layer = cls(4, bias_initializer="random_uniform", **config)
    layer(x)
    theirs = getattr(keras.layers, cls.__name__)(4, **config)
    theirs(x)
    theirs.set_weights(layer.get_weights())
    expected = [np.asarray(o) for o in tree.flatten(theirs(x, mask=MASK))]
    for name in available_backends():
        with using(name):
            twin = cls.from_config(layer.get_config())
            twin(x)
            twin.set_weights(layer.get_weights())
            outputs = tree.flatten(twin(x, mask=MASK))
        for ours, their in zip(outputs, expected):
            np.testing.assert_allclose(get_backend(name).to_numpy(ours), their, rtol=1e-5,
                                       atol=1e-6, err_msg=name)
    if config.get("return_sequences") and not config.get("go_backwards"):
        np.testing.assert_array_equal(expected[0][1, 1], expected[0][1, 0])


@SLOW
def test_an_embeddings_mask_flows_through_the_wrappers_as_in_keras():
    keras = pytest.importorskip("keras")

    def build(namespace):
        L = namespace.layers
        ids = namespace.Input((None,), dtype="int32")
        x = L.Bidirectional(L.LSTM(3, return_sequences=True))(L.Embedding(20, 4,
                                                                          mask_zero=True)(ids))
        x = L.TimeDistributed(L.Dense(3))(x)
        return namespace.Model(ids, L.Bidirectional(L.GRU(2), merge_mode="ave")(x))

    model, theirs = build(engine), build(keras)
    theirs.set_weights(model.get_weights())
    ids = np.array([[1, 2, 3, 0, 0], [4, 5, 0, 0, 0]])
    np.testing.assert_allclose(model.predict(ids, verbose=0), theirs.predict(ids, verbose=0),
                               rtol=1e-5, atol=1e-6)


def test_initial_states_as_keyword_tensors_in_a_functional_model():
    keras = pytest.importorskip("keras")
    rng = np.random.default_rng(3)
    data = [rng.standard_normal((2, 4, 3)).astype("float32"),
            rng.standard_normal((2, 5, 3)).astype("float32")]

    def build(namespace):
        encoder_in, decoder_in = namespace.Input((None, 3)), namespace.Input((None, 3))
        _, h, c = namespace.layers.LSTM(4, return_state=True, name="encoder")(encoder_in)
        decoded = namespace.layers.LSTM(4, name="decoder")(decoder_in, initial_state=[h, c])
        return namespace.Model([encoder_in, decoder_in], decoded)

    model, theirs = build(engine), build(keras)
    theirs.set_weights(model.get_weights())
    expected = np.asarray(theirs.predict(data, verbose=0))
    np.testing.assert_allclose(model.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    rebuilt = model_from_spec(model.to_spec())
    rebuilt.set_weights(model.get_weights())
    np.testing.assert_allclose(rebuilt.predict(data, verbose=0), expected, rtol=1e-5, atol=1e-6)
    assert model.to_spec()["nodes"][-1]["kwargs"] == {
        "initial_state": [{"node": "encoder", "output": 1}, {"node": "encoder", "output": 2}]}
    for other in (from_keras(theirs), model.to_keras()):  # Keras's calls keep the keyword
        np.testing.assert_allclose(np.asarray(other.predict(data, verbose=0)), expected,
                                   rtol=1e-5, atol=1e-6)
    with pytest.raises(ExportError, match="'decoder'.*keyword arguments \\(initial_state\\)"):
        model.to_code("jax")


def test_a_wrong_number_of_initial_states_is_refused():
    x = np.zeros(SEQUENCE, "float32")
    with pytest.raises(LayerShapeError, match="takes 2 initial state tensor"):
        layers.LSTM(4)(x, initial_state=[np.zeros((2, 4), "float32")])


# ---------------------------------------------------------------------- Bidirectional
def test_bidirectional_with_a_mask_and_a_backward_layer_of_ones_own():
    keras = pytest.importorskip("keras")
    backward = layers.GRU(3, go_backwards=True, return_sequences=True, activation="relu")
    forward = layers.GRU(3, return_sequences=True)
    bidirectional = layers.Bidirectional(forward, "mul", backward_layer=backward)
    x = np.random.default_rng(6).standard_normal(SEQUENCE).astype("float32")
    bidirectional(x)
    assert [w.name.split("/")[0] for w in bidirectional.weights] == [
        f"forward_{forward.name}"] * 3 + [backward.name] * 3
    theirs = keras.layers.Bidirectional.from_config(bidirectional.get_config())
    theirs(x)
    theirs.set_weights(bidirectional.get_weights())
    ours = bidirectional(x, mask=MASK)
    np.testing.assert_allclose(ours, np.asarray(theirs(x, mask=MASK)), rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(ours[1, 3:], 0.0)  # masked steps of a sequence: zeros


def test_bidirectional_config_errors():
    with pytest.raises(LayerConfigError, match="`layer` must be a layer with go_backwards"):
        layers.Bidirectional(layers.Dense(3))
    with pytest.raises(LayerConfigError, match="`merge_mode` must be one of"):
        layers.Bidirectional(layers.LSTM(3), merge_mode="max")
    with pytest.raises(LayerConfigError, match="same go_backwards=False"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(3))
    with pytest.raises(LayerConfigError, match="differ in return_sequences"):
        layers.Bidirectional(layers.LSTM(3), backward_layer=layers.LSTM(
            3, go_backwards=True, return_sequences=True))


# -------------------------------------------------------------------- TimeDistributed
def test_time_distributed_needs_a_time_axis():
    with pytest.raises(LayerShapeError, match="expects inputs of shape \\(batch, time, ...\\)"):
        layers.TimeDistributed(layers.Dense(3))(np.zeros((2, 3), "float32"))


# --------------------------------------------------------------------------- configs
def test_layer_arguments_are_built_from_the_allowlist_only():
    with pytest.raises(LayerConfigError, match="`cell` must name an engine layer"):
        layers.RNN({"class_name": "os.system", "config": {}})
    with pytest.raises(LayerConfigError, match="`cell` must be a layer with state_size"):
        layers.RNN(layers.Dense(3))


def test_wrappers_round_trip_through_a_saved_model(tmp_path):
    i = layers.Input((5, 3))
    x = layers.Bidirectional(layers.RNN([layers.LSTMCell(3), layers.GRUCell(2)],
                                        return_sequences=True))(i)
    model = engine.Model(i, layers.TimeDistributed(layers.Dense(2))(x))
    data = np.random.default_rng(4).standard_normal(SEQUENCE).astype("float32")
    model.save(tmp_path / "model.mwb")
    loaded = engine.load_model(tmp_path / "model.mwb")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)
