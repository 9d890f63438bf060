"""fit/evaluate/predict arguments as Keras 3 has them: the same weights and data give the same
losses, metrics and weights as Keras on every backend, and bad arguments change nothing."""

import functools

import numpy as np
import pytest

import engine
from engine.training import DataError
from tests.conftest import ALL_BACKENDS, INSTALLED

keras = pytest.importorskip("keras")

COUNT, CLASSES = 24, 3

def on_backends(cases, everywhere=()):
    """(backend, case) params: the cases of `everywhere` on every backend, the others on NumPy
    and, as an exhaustive run (slow), on the other backends."""
    params = []
    for backend in ALL_BACKENDS:
        for case in cases:
            marks = [] if backend in INSTALLED else [pytest.mark.skip(reason="not installed")]
            if backend != "numpy" and case not in everywhere:
                marks.append(pytest.mark.slow)
            params.append(pytest.param(backend, case, marks=marks, id=f"{backend}-{case}"))
    return params


def data():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(COUNT, 4)).astype("float32")
    y = (x[:, :CLASSES] + rng.normal(size=(COUNT, CLASSES)) * 0.5).argmax(axis=1)
    weights = rng.uniform(0.2, 2.0, COUNT).astype("float32")
    return x, y.astype("int32"), weights


def labels(kind, y):
    """Targets as sparse labels, labels of shape (n, 1), or one-hot rows."""
    return {"sparse": y, "column": y[:, None], "one_hot": np.eye(CLASSES, dtype="float32")[y]}[
        kind
    ]


def model_for(ns, kind, seed_weights=None):
    i = ns.layers.Input((4,))
    h = ns.layers.Dense(5, activation="tanh")(i)
    model = ns.Model(i, ns.layers.Dense(CLASSES, activation="softmax")(h))
    if seed_weights is not None:
        model.set_weights(seed_weights)
    loss = "categorical_crossentropy" if kind == "one_hot" else "sparse_categorical_crossentropy"
    model.compile(ns.optimizers.Adam(0.05), loss, metrics=["accuracy"])
    return model


@functools.cache
def compiled_keras_model(kind):
    return model_for(keras, kind)


def keras_model(kind, weights):
    """Keras's model for `kind` starting afresh from `weights`: one model per kind, its
    optimizer state zeroed, so that its compiled steps are traced once for every test."""
    model = compiled_keras_model(kind)
    model.set_weights(weights)
    model.optimizer.build(model.trainable_variables)
    for variable in model.optimizer.variables:
        if not variable.path.endswith("learning_rate"):
            variable.assign(np.zeros(variable.shape, variable.dtype))
    return model


@functools.cache
def compiled_engine_model(backend, kind):
    return model_for(engine, kind)


def engine_model(kind):
    """The model for `kind` from seed 3's weights with a new optimizer state: one per backend
    and kind, so that its steps compile once for all the tests."""
    model = compiled_engine_model(engine.config.backend(), kind)
    engine.set_random_seed(3)
    model.set_weights(model_for(engine, kind).get_weights())
    for variable in model.optimizer.variables:
        if not variable.name.endswith("learning_rate"):
            variable.assign(np.zeros(variable.shape, variable.dtype))
    return model


# name: (labels, fit arguments beyond x and y; "weights" stands for the sample weights)
FIT_CASES = {
    "class_weight": ("sparse", dict(class_weight={0: 1.0, 1: 2.5, 2: 0.5})),
    "class_weight_one_hot": ("one_hot", dict(class_weight={0: 0.3, 1: 1.0, 2: 4.0})),
    "class_weight_column_labels": ("column", dict(class_weight={0: 2.0, 1: 1.0, 2: 0.5})),
    "class_weight_naming_some_classes": ("sparse", dict(class_weight={1: 3.0})),
    "class_weight_and_validation_split": (
        "sparse", dict(class_weight={0: 1.0, 1: 2.5, 2: 0.5}, validation_split=0.25)),
    "sample_weight": ("sparse", dict(sample_weight="weights")),
    "sample_weight_and_validation_split": (
        "sparse", dict(sample_weight="weights", validation_split=0.25)),
    "steps_per_epoch_reads_on": ("sparse", dict(steps_per_epoch=2, epochs=4)),
    "steps_per_epoch_sets_the_batch_size": ("sparse", dict(steps_per_epoch=3, batch_size=None)),
    "initial_epoch": ("sparse", dict(initial_epoch=2, epochs=4)),
    "validation_steps_batch_size_and_freq": (
        "sparse",
        dict(validation_data="self", validation_steps=2, validation_batch_size=3,
             validation_freq=[1, 3], epochs=3),
    ),
    "validation_every_second_epoch": (
        "sparse", dict(validation_data="self", validation_freq=2, epochs=4)),
}


def fit_arguments(case):
    kind, arguments = FIT_CASES[case]
    x, y, weights = data()
    y = labels(kind, y)
    arguments = {"batch_size": 8, "epochs": 2, **arguments}
    if arguments.get("sample_weight") == "weights":
        arguments["sample_weight"] = weights
    if arguments.get("validation_data") == "self":
        arguments["validation_data"] = (x[:10], y[:10])
    return kind, dict(x=x, y=y, shuffle=False, verbose=0, **arguments)


@functools.cache
def keras_fit(case, initial_weights):
    kind, arguments = fit_arguments(case)
    model = keras_model(kind, [np.asarray(w) for w in initial_weights])
    history = model.fit(**arguments)
    return history.epoch, history.history, model.get_weights()


def close(mine, theirs):
    for a, b in zip(mine, theirs):
        np.testing.assert_allclose(a, b, rtol=2e-4, atol=2e-5)


@pytest.mark.parametrize("backend, case",
                         on_backends(FIT_CASES, everywhere=("class_weight", "sample_weight")))
def test_fit_arguments_match_keras(backend, case):
    engine.set_backend(backend)
    kind, arguments = fit_arguments(case)
    model = engine_model(kind)
    epochs, history, weights = keras_fit(case, tuple(map(tuple_array, model.get_weights())))
    ours = model.fit(**arguments)
    assert ours.epoch == epochs
    assert set(ours.history) == set(history)
    assert_logs_match(ours.history, history, weighted(arguments), rtol=2e-4)
    close(model.get_weights(), weights)


def weighted(arguments) -> bool:
    return "class_weight" in arguments or "sample_weight" in arguments


def assert_logs_match(ours, theirs, weighted, rtol=1e-5):
    """Logs (dicts, or evaluate's [loss, accuracy] lists) agree. Keras weights only compile's
    `weighted_metrics`, not `metrics`, whereas the engine's compiled metrics weight samples
    too (engine/training/compiled_metrics.py): with weights, only losses are compared."""
    if not isinstance(theirs, dict):
        ours, theirs = dict(zip(["loss", "accuracy"], ours)), dict(zip(["loss", "accuracy"],
                                                                      theirs))
    assert set(ours) == set(theirs)
    for key, values in theirs.items():
        if not (weighted and "accuracy" in key):
            np.testing.assert_allclose(ours[key], values, rtol=rtol, atol=1e-6, err_msg=key)


def tuple_array(array):
    """A hashable copy of an array, so that Keras's runs are cached across backends."""
    return TupleArray(np.asarray(array))


class TupleArray:
    def __init__(self, array):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array

    def __hash__(self):
        return hash(self.array.tobytes())

    def __eq__(self, other):
        return np.array_equal(self.array, other.array)


# name: (evaluate arguments beyond x and y, as they are given to both)
EVALUATE_CASES = {
    "plain": dict(),
    "sample_weight": dict(sample_weight="weights"),
    "steps": dict(steps=2, batch_size=5),
    "return_dict": dict(return_dict=True, batch_size=7),
}


@pytest.mark.parametrize("backend, case", on_backends(EVALUATE_CASES, everywhere=("steps",)))
def test_evaluate_arguments_match_keras(backend, case):
    engine.set_backend(backend)
    x, y, weights = data()
    model = engine_model("sparse")
    reference = keras_model("sparse", model.get_weights())
    arguments = dict(EVALUATE_CASES[case], verbose=0)
    if arguments.get("sample_weight") == "weights":
        arguments["sample_weight"] = weights
    ours, theirs = model.evaluate(x, y, **arguments), reference.evaluate(x, y, **arguments)
    assert type(ours) is type(theirs)
    assert_logs_match(ours, theirs, weighted(arguments))


PREDICT_CASES = {"plain": dict(), "batch_size": dict(batch_size=5),
                 "steps": dict(steps=2, batch_size=4)}


@pytest.mark.parametrize("backend, case", on_backends(PREDICT_CASES, everywhere=("steps",)))
def test_predict_arguments_match_keras(backend, case):
    engine.set_backend(backend)
    arguments = PREDICT_CASES[case]
    x, _, _ = data()
    model = engine_model("sparse")
    reference = keras_model("sparse", model.get_weights())
    ours = model.predict(x, verbose=0, **arguments)
    np.testing.assert_allclose(ours, reference.predict(x, verbose=0, **arguments), rtol=1e-5,
                               atol=1e-6)


@pytest.mark.parametrize("backend, case", on_backends(["calls"]))
def test_on_batch_methods_match_keras(backend, case):
    engine.set_backend(backend)
    x, y, weights = data()
    model = engine_model("sparse")
    reference = keras_model("sparse", model.get_weights())
    calls = [
        ("train_on_batch", (x[:8], y[:8]), dict(class_weight={0: 2.0, 2: 0.5})),
        ("train_on_batch", (x[8:16], y[8:16]), dict(sample_weight=weights[8:16])),
        ("test_on_batch", (x, y), dict(return_dict=True)),
        ("train_on_batch", (x[16:], y[16:]), dict(return_dict=True)),
        ("test_on_batch", (x[:5], y[:5]), dict(sample_weight=weights[:5])),
    ]
    for name, args, kwargs in calls:
        ours = getattr(model, name)(*args, **kwargs)
        theirs = getattr(reference, name)(*args, **kwargs)
        assert_logs_match(ours, theirs, weighted(kwargs), rtol=1e-4)
    np.testing.assert_allclose(model.predict_on_batch(x[:3]), reference.predict_on_batch(x[:3]),
                               rtol=1e-4, atol=1e-6)
    close(model.get_weights(), reference.get_weights())
    assert model.metrics_names == reference.metrics_names


def test_metrics_names_follow_the_metrics():
    model = engine_model("sparse")
    assert model.metrics_names == [metric.name for metric in model.metrics]


class Recorder(engine.callbacks.Callback):
    def __init__(self):
        self.calls = []

    def on_train_begin(self, logs=None):
        self.calls.append(("params", dict(self.params)))

    def on_epoch_begin(self, epoch, logs=None):
        self.calls.append(("epoch", epoch))

    def on_test_begin(self, logs=None):
        self.calls.append(("test", dict(self.params)))

    def on_test_end(self, logs=None):
        self.calls.append(("test_end", sorted(logs)))

    def on_predict_begin(self, logs=None):
        self.calls.append(("predict", dict(self.params)))

    def on_predict_batch_end(self, batch, logs=None):
        self.calls.append(("predict_batch", batch, logs["outputs"].shape))


@pytest.mark.parametrize(
    "method, arguments, expected",
    [
        ("fit", dict(epochs=3, initial_epoch=1, batch_size=10),
         [("params", {"epochs": 3, "steps": 3, "verbose": 0}), ("epoch", 1), ("epoch", 2)]),
        ("fit", dict(epochs=1, steps_per_epoch=2, batch_size=4),
         [("params", {"epochs": 1, "steps": 2, "verbose": 0}), ("epoch", 0)]),
        ("fit", dict(epochs=2, batch_size=12, validation_split=0.5, validation_freq=2),
         [("params", {"epochs": 2, "steps": 1, "verbose": 0}), ("epoch", 0), ("epoch", 1),
          ("test", {"epochs": 2, "steps": 1, "verbose": 0}), ("test_end", ["accuracy", "loss"])]),
        ("evaluate", dict(batch_size=10, steps=2),
         [("test", {"epochs": 1, "steps": 2, "verbose": 0}), ("test_end", ["accuracy", "loss"])]),
        ("predict", dict(batch_size=20),
         [("predict", {"epochs": 1, "steps": 2, "verbose": 0}), ("predict_batch", 0, (20, 3)),
          ("predict_batch", 1, (4, 3))]),
    ],
)
def test_callbacks_get_the_steps_and_epochs(method, arguments, expected):
    x, y, _ = data()
    model = engine_model("sparse")
    recorder = Recorder()
    targets = () if method == "predict" else (y,)
    getattr(model, method)(x, *targets, verbose=0, callbacks=[recorder], **arguments)
    assert recorder.calls == expected


@pytest.mark.parametrize(
    "method, verbose, lines",
    [
        ("fit", 2, ["Epoch 1/2 - loss:", "Epoch 2/2 - loss:"]),
        ("fit", 0, []),
        ("evaluate", 2, ["Evaluate - loss:"]),
        ("evaluate", 0, []),
        ("predict", 2, ["Predict"]),
        ("predict", "auto", []),  # a bar on stderr
    ],
)
def test_verbose_prints_a_line_per_epoch_with_2_and_nothing_with_0(capsys, method, verbose, lines):
    x, y, _ = data()
    model = engine_model("sparse")
    if method == "fit":
        model.fit(x, y, batch_size=8, epochs=2, verbose=verbose)
    elif method == "evaluate":
        model.evaluate(x, y, batch_size=8, verbose=verbose)
    else:
        model.predict(x, batch_size=8, verbose=verbose)
    printed = [line for line in capsys.readouterr().out.splitlines()
               if not line.startswith("First step")]
    assert len(printed) == len(lines)
    for line, start in zip(printed, lines):
        assert line.startswith(start)


def test_verbose_1_shows_a_bar_also_for_a_source_of_unknown_length(capsys):
    x, y, _ = data()
    model = engine_model("sparse")
    batches = ((x[i : i + 8], y[i : i + 8]) for i in range(0, COUNT, 8))
    model.fit(batches, epochs=1, verbose=1)
    assert "3step" in capsys.readouterr().err.replace(" ", "")


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        (dict(class_weight={0: 1.0}, sample_weight=np.ones(COUNT)), DataError, "together"),
        (dict(class_weight=[1.0, 2.0, 3.0]), DataError, "dict of class index"),
        (dict(class_weight={"a": 1.0}), DataError, "dict of class index"),
        (dict(validation_freq=0, validation_data="self"), ValueError, "validation_freq"),
        (dict(validation_freq="2"), ValueError, "validation_freq"),
        (dict(verbose=3), ValueError, "verbose"),
        (dict(steps_per_epoch=0), DataError, "steps_per_epoch"),
        (dict(validation_data="self", validation_steps=-1), DataError, "validation_steps"),
        (dict(x="generator", y="none", steps_per_epoch=2.5), DataError, "steps_per_epoch"),
    ],
)
def test_bad_arguments_are_refused_and_change_nothing(arguments, error, message):
    x, y, _ = data()
    model = engine_model("sparse")
    before = model.get_weights()
    arguments = {"x": x, "y": y, "verbose": 0, **arguments}
    if arguments.get("validation_data") == "self":
        arguments["validation_data"] = (x, y)
    if isinstance(arguments["x"], str):
        arguments["x"], arguments["y"] = ((x[:8], y[:8]) for _ in range(3)), None
    with pytest.raises(error, match=message):
        model.fit(**arguments)
    assert int(model.optimizer.iterations.numpy()) == 0
    close(model.get_weights(), before)


def test_class_weight_is_refused_for_several_outputs():
    x, y, _ = data()
    i = engine.layers.Input((4,))
    model = engine.Model(i, [engine.layers.Dense(3)(i), engine.layers.Dense(1)(i)])
    model.compile("sgd", ["sparse_categorical_crossentropy", "mse"])
    with pytest.raises(DataError, match="single output"):
        model.fit(x, [y, y], class_weight={0: 2.0}, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 0


def test_sample_weights_count_in_weighted_metrics_only_as_in_keras(backend_name):
    """Keras weights the loss and `weighted_metrics` by sample (and class) weights, never the
    plain `metrics`; a metric in both is reported twice, the weighted one as weighted_<name>."""
    x, y, weights = data()
    engine.set_random_seed(3)
    start = model_for(engine, "sparse").get_weights()
    results = []
    for ns in (keras, engine):
        model = model_for(ns, "sparse", seed_weights=start)
        model.compile(ns.optimizers.SGD(0.1), "sparse_categorical_crossentropy",
                      metrics=["accuracy"], weighted_metrics=["accuracy"])
        history = model.fit(x, y, sample_weight=weights, batch_size=8, epochs=2, shuffle=False,
                            verbose=0).history
        evaluated = model.evaluate(x, y, sample_weight=weights, verbose=0, return_dict=True)
        results.append((history, evaluated))
    (their_history, their_eval), (our_history, our_eval) = results
    assert set(our_history) == set(their_history) == {"loss", "accuracy", "weighted_accuracy"}
    for key in their_history:
        np.testing.assert_allclose(our_history[key], their_history[key], rtol=1e-4, err_msg=key)
        np.testing.assert_allclose(our_eval[key], their_eval[key], rtol=1e-4, err_msg=key)
    assert our_history["accuracy"] != our_history["weighted_accuracy"]
