"""Every data source Keras 3's fit takes, on every backend: the same batches train the same
as Keras 3 does on arrays; callbacks see each source's length; bad sources change nothing."""

import functools
import itertools

import numpy as np
import pytest

import engine
from engine.training import DataError
from engine.utils import PyDataset
from tests.conftest import INSTALLED

keras = pytest.importorskip("keras")

COUNT, BATCH, EPOCHS = 24, 8, 2
STEPS = COUNT // BATCH


def data():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(COUNT, 4)).astype("float32")
    y = (x[:, :3] + rng.normal(size=(COUNT, 3)) * 0.5).argmax(axis=1).astype("int32")
    return x, y, rng.uniform(0.2, 2.0, COUNT).astype("float32")


def batches():
    """The batches every source gives, in order: (x, y, sample_weight)."""
    x, y, w = data()
    return [(x[i : i + BATCH], y[i : i + BATCH], w[i : i + BATCH]) for i in range(0, COUNT, BATCH)]


def model_for(ns, weights=None):
    i = ns.layers.Input((4,))
    model = ns.Model(i, ns.layers.Dense(3, activation="softmax")(ns.layers.Dense(5)(i)))
    if weights is not None:
        model.set_weights(weights)
    model.compile(ns.optimizers.Adam(0.05), "sparse_categorical_crossentropy")
    return model


class Batches(PyDataset):
    """A PyDataset of `batches()`; endless (num_batches None) if asked."""

    def __init__(self, endless=False, **kwargs):
        super().__init__(**kwargs)
        self.endless = endless
        self.epochs_ended = 0

    @property
    def num_batches(self):
        return None if self.endless else STEPS

    def __getitem__(self, index):
        return batches()[index % STEPS]

    def on_epoch_end(self):
        self.epochs_ended += 1


def tf_dataset(repeat=False):
    tf = pytest.importorskip("tensorflow")
    x, y, w = data()
    dataset = tf.data.Dataset.from_tensor_slices((x, y, w)).batch(BATCH)
    return dataset.repeat() if repeat else dataset


def torch_loader():
    torch = pytest.importorskip("torch")
    tensors = [torch.from_numpy(a) for a in data()]
    return torch.utils.data.DataLoader(torch.utils.data.TensorDataset(*tensors), batch_size=BATCH)


# name: (fit arguments, the `steps` callbacks are told)
SOURCES = {
    "arrays": (lambda: dict(zip(["x", "y", "sample_weight"], data()), batch_size=BATCH), STEPS),
    "generator_with_steps": (
        lambda: dict(x=itertools.cycle(batches()), steps_per_epoch=STEPS), STEPS),
    "py_dataset": (lambda: dict(x=Batches(workers=2, use_multiprocessing=True)), STEPS),
    "py_dataset_endless": (lambda: dict(x=Batches(endless=True), steps_per_epoch=STEPS), STEPS),
    "tf_dataset": (lambda: dict(x=tf_dataset()), STEPS),
    "tf_dataset_repeated": (lambda: dict(x=tf_dataset(repeat=True), steps_per_epoch=STEPS),
                            STEPS),
    "torch_dataloader": (lambda: dict(x=torch_loader()), STEPS),
    "iterable_of_unknown_length": (lambda: dict(x=Reiterable()), None),
}


class Reiterable:
    """An iterable without a length that starts again each time, as a user's class might."""

    def __iter__(self):
        return iter(batches())


@functools.cache
def keras_history(weights):
    model = model_for(keras, [np.asarray(w) for w in weights])
    x, y, w = data()
    history = model.fit(x, y, sample_weight=w, batch_size=BATCH, epochs=EPOCHS, shuffle=False,
                        verbose=0)
    return history.history["loss"], model.get_weights()


class Hashable:
    def __init__(self, array):
        self.array = np.asarray(array)

    def __array__(self, dtype=None, copy=None):
        return self.array

    def __hash__(self):
        return hash(self.array.tobytes())

    def __eq__(self, other):
        return np.array_equal(self.array, other.array)


class StepsSeen(engine.callbacks.Callback):
    def on_train_begin(self, logs=None):
        self.steps = self.params["steps"]


@functools.cache
def compiled_model(backend):
    return model_for(engine)


def fresh_model():
    """A model starting from seed 2's weights with a new optimizer state: one per backend,
    so that its steps compile once for all the sources."""
    model = compiled_model(engine.config.backend())
    engine.set_random_seed(2)
    model.set_weights(model_for(engine).get_weights())
    for variable in model.optimizer.variables:
        if variable.name != "adam/learning_rate":
            variable.assign(np.zeros(variable.shape, variable.dtype))
    return model


@pytest.mark.parametrize("source", SOURCES)
def test_each_source_trains_as_keras_does_on_the_same_batches(backend_name, source):
    arguments, steps = SOURCES[source]
    model = fresh_model()
    losses, weights = keras_history(tuple(map(Hashable, model.get_weights())))
    seen = StepsSeen()
    history = model.fit(**arguments(), epochs=EPOCHS, shuffle=False, verbose=0, callbacks=[seen])
    assert seen.steps == steps
    assert int(model.optimizer.iterations.numpy()) == EPOCHS * STEPS
    np.testing.assert_allclose(history.history["loss"], losses, rtol=2e-4)
    for mine, theirs in zip(model.get_weights(), weights):
        np.testing.assert_allclose(mine, theirs, rtol=2e-4, atol=2e-5)
    # evaluate reads the same source, from its beginning, as arrays
    x, y, w = data()
    expected = model.evaluate(x, y, sample_weight=w, batch_size=BATCH, verbose=0)
    arguments = arguments()
    if source != "arrays":
        arguments = dict(x=arguments["x"], steps=arguments.get("steps_per_epoch"))
    np.testing.assert_allclose(model.evaluate(**arguments, verbose=0), expected, rtol=1e-5)


@pytest.mark.parametrize("source", ["generator_with_steps", "py_dataset", "tf_dataset",
                                    "torch_dataloader"])
def test_predict_reads_the_inputs_of_any_source(source):
    arguments, _ = SOURCES[source]
    arguments = arguments()
    model = model_for(engine)
    x, _, _ = data()
    outputs = model.predict(arguments["x"], steps=arguments.get("steps_per_epoch"), verbose=0)
    np.testing.assert_allclose(outputs, model.predict(x, verbose=0), rtol=1e-6)


@pytest.mark.parametrize("source", ["py_dataset", "tf_dataset"])
def test_class_weight_with_a_py_dataset_or_tf_data_matches_arrays(source):
    x, y, _ = data()
    class_weight = {0: 0.5, 1: 2.0, 2: 1.0}
    dataset = PairsDataset() if source == "py_dataset" else tf_dataset().map(lambda x, y, w: (x, y))
    on_source = model_for(engine)
    on_arrays = model_for(engine, on_source.get_weights())
    on_source.fit(dataset, class_weight=class_weight, epochs=1, shuffle=False, verbose=0)
    on_arrays.fit(x, y, class_weight=class_weight, batch_size=BATCH, shuffle=False, verbose=0)
    for a, b in zip(on_source.get_weights(), on_arrays.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6)


class PairsDataset(PyDataset):
    """(x, y) batches, without sample weights."""

    def __len__(self):
        return STEPS

    def __getitem__(self, index):
        return batches()[index][:2]


def test_a_py_dataset_hears_of_every_epoch_and_is_shuffled_batch_by_batch():
    order = []

    class Recording(Batches):
        def __getitem__(self, index):
            order.append(index)
            return super().__getitem__(index)

    dataset = Recording()
    model_for(engine).fit(dataset, epochs=3, verbose=0)  # shuffle=True, Keras's default
    assert dataset.epochs_ended == 3
    assert [sorted(order[i : i + STEPS]) for i in range(0, 9, STEPS)] == [[0, 1, 2]] * 3
    assert order != [0, 1, 2] * 3  # shuffled (seeded, so this holds every run)


def test_dict_inputs_are_matched_to_the_models_input_names():
    x, y, _ = data()
    a, b = engine.layers.Input((2,), name="left"), engine.layers.Input((2,), name="right")
    merged = engine.layers.Concatenate()([b, a])
    model = engine.Model([a, b], engine.layers.Dense(3, activation="softmax")(merged))
    model.compile("sgd", "sparse_categorical_crossentropy")
    start = model.get_weights()
    as_list = model.fit([x[:, :2], x[:, 2:]], y, shuffle=False, verbose=0).history["loss"]
    model.set_weights(start)
    inputs = {"right": x[:, 2:], "left": x[:, :2]}
    as_dict = model.fit(inputs, y, shuffle=False, verbose=0).history["loss"]
    assert as_dict == as_list
    generator = (({"left": x[:8, :2], "right": x[:8, 2:]}, y[:8]) for _ in range(2))
    model.fit(generator, verbose=0)
    with pytest.raises(DataError, match="right"):
        model.fit({"left": x[:, :2]}, y, verbose=0)


def test_a_finite_generator_trains_one_pass_then_stops_with_a_warning():
    model = model_for(engine)
    with pytest.warns(UserWarning, match="no batches for epoch 2"):
        history = model.fit(iter(batches()), epochs=3, verbose=0)
    assert history.epoch == [0]
    assert int(model.optimizer.iterations.numpy()) == STEPS


def test_a_generator_running_out_mid_epoch_ends_that_epoch_with_a_warning():
    model = model_for(engine)
    with pytest.warns(UserWarning, match="ran out"):
        history = model.fit(iter(batches()), steps_per_epoch=2, epochs=3, verbose=0)
    assert history.epoch == [0, 1]
    assert int(model.optimizer.iterations.numpy()) == STEPS


def bad_batches(kind):
    x, y, w = batches()[0]
    return {
        "four_items": [(x, y, w, w)],
        "strings": [(np.array(["a"] * 8), y)],
        "no_targets": [x],
    }[kind]


@pytest.mark.parametrize(
    "source, error, message",
    [
        (lambda: dict(x=Batches(endless=True)), DataError, "steps_per_epoch"),
        (lambda: dict(x=tf_dataset(repeat=True)), DataError, "steps_per_epoch"),
        (lambda: dict(x=iter(bad_batches("four_items"))), DataError, "tuple of 4"),
        (lambda: dict(x=iter(bad_batches("strings"))), TypeError, "numeric"),
        (lambda: dict(x=iter(bad_batches("no_targets"))), DataError, "targets"),
        (lambda: dict(x=Batches(), y=np.zeros(3)), DataError, "do not pass y"),
        (lambda: dict(x=iter([])), DataError, "no batches"),
        (lambda: dict(x=object()), DataError, "Cannot read batches"),
    ],
)
def test_bad_sources_are_refused_and_change_nothing(source, error, message):
    model = model_for(engine)
    before = model.get_weights()
    with pytest.raises(error, match=message):
        model.fit(**source(), verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0
    for a, b in zip(model.get_weights(), before):
        np.testing.assert_array_equal(a, b)


@pytest.mark.skipif("torch" not in INSTALLED, reason="torch is not installed")
def test_a_torch_dataloader_feeds_a_model_on_another_backend():
    engine.set_backend("jax" if "jax" in INSTALLED else "numpy")
    model = model_for(engine)
    model.fit(torch_loader(), epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == STEPS


@pytest.mark.parametrize(
    "packed", [("x",), ("x", "y"), ("x", "y", "w"), ["x", "y"], "x", ("x", None, "w")]
)
def test_unpack_x_y_sample_weight_is_keras(packed):
    assert engine.utils.unpack_x_y_sample_weight(packed) == keras.utils.unpack_x_y_sample_weight(
        packed
    )


@pytest.mark.parametrize("args", [("x",), (["a", "b"],), ("x", "y"), ("x", "y", "w")])
def test_pack_x_y_sample_weight_is_keras(args):
    assert engine.utils.pack_x_y_sample_weight(*args) == keras.utils.pack_x_y_sample_weight(*args)


def test_unpacking_more_than_three_items_is_refused():
    with pytest.raises(DataError, match="tuple of 4"):
        engine.utils.unpack_x_y_sample_weight((1, 2, 3, 4))
