"""Each output's loss in the logs of a model with several outputs ("<output>_loss", the
output's unweighted loss averaged over samples), with Keras 3's names, values and order in
fit's History (and "val_" ones), evaluate's dict and list, and callbacks' logs."""

from __future__ import annotations

import numpy as np
import pytest

import engine

RNG = np.random.default_rng(0)
X = RNG.normal(size=(8, 3)).astype("float32")
TARGETS = [RNG.normal(size=(8, 1)).astype("float32"), RNG.normal(size=(8, 2)).astype("float32")]
SAMPLE_WEIGHT = RNG.uniform(size=(8,)).astype("float32")


def two_outputs(ns):
    inputs = ns.Input((3,))
    a = ns.layers.Dense(1, name="a", kernel_initializer="ones")(inputs)
    b = ns.layers.Dense(2, name="b", kernel_initializer="ones")(inputs)
    return ns.Model(inputs, [a, b])


def targets(as_dict):
    return dict(zip("ab", TARGETS)) if as_dict else TARGETS


CASES = {
    "lists": dict(loss=["mse", "mae"], metrics=[["mae"], []]),
    "dicts": dict(loss={"b": "mae", "a": "mse"}, metrics={"b": "mse"}, as_dict=True),
    "loss-weights": dict(loss=["mse", "mae"], loss_weights=[0.5, 2.0], metrics=[["mae"], []]),
    "sample-weight": dict(loss=["mse", "mae"], loss_weights={"a": 3.0, "b": 1.0},
                          sample_weight=SAMPLE_WEIGHT),
    "one-loss": dict(loss="mse"),
}


def run(ns, loss, metrics=None, loss_weights=None, sample_weight=None, as_dict=False):
    """(fit's history, what each epoch's callback saw, evaluate as a dict, as a list);
    `as_dict` gives the targets by output name."""
    model = two_outputs(ns)
    model.compile("sgd", loss, loss_weights=loss_weights, metrics=metrics)
    y = targets(as_dict)
    seen = []
    callback = ns.callbacks.LambdaCallback(on_epoch_end=lambda _, logs: seen.append(dict(logs)))
    history = model.fit(X, y, batch_size=3, epochs=2, shuffle=False, verbose=0,
                        sample_weight=sample_weight, validation_data=(X, y),
                        callbacks=[callback]).history
    evaluated = model.evaluate(X, y, batch_size=3, sample_weight=sample_weight, verbose=0,
                               return_dict=True)
    listed = model.evaluate(X, y, batch_size=3, sample_weight=sample_weight, verbose=0)
    return history, seen, evaluated, listed


@pytest.fixture(scope="module")
def keras_results():
    keras = pytest.importorskip("keras")
    return {name: run(keras, **case) for name, case in CASES.items()}


@pytest.mark.parametrize("case", CASES)
def test_each_outputs_loss_is_logged_as_keras_logs_it(backend_name, case, keras_results):
    expected = keras_results[case]
    ours = run(engine, **CASES[case])
    for what, theirs, mine in zip(("history", "callback logs", "evaluate"), expected, ours):
        if what == "callback logs":
            theirs, mine = theirs[-1], mine[-1]
        assert list(mine) == list(theirs), what  # names, in Keras's order
        for key in theirs:
            np.testing.assert_allclose(mine[key], theirs[key], rtol=1e-5, atol=1e-6,
                                       err_msg=f"{what}: {key}")
    np.testing.assert_allclose(ours[3], expected[3], rtol=1e-5, atol=1e-6)


def test_per_output_losses_are_not_weighted_and_sum_to_the_loss():
    model = two_outputs(engine)
    model.compile("sgd", ["mse", "mae"], loss_weights=[0.5, 2.0])
    logs = model.evaluate(X, TARGETS, batch_size=8, verbose=0, return_dict=True)
    a, b = model.predict(X, verbose=0)
    assert logs["a_loss"] == pytest.approx(np.mean((a - TARGETS[0]) ** 2), rel=1e-5)
    assert logs["b_loss"] == pytest.approx(np.mean(np.abs(b - TARGETS[1])), rel=1e-5)
    assert logs["loss"] == pytest.approx(0.5 * logs["a_loss"] + 2.0 * logs["b_loss"], 1e-5)
    assert model.metrics_names == ["loss", "a_loss", "b_loss"]


def test_an_output_without_a_loss_and_single_outputs_log_no_output_loss():
    model = two_outputs(engine)
    model.compile("sgd", {"a": "mse"})
    assert list(model.evaluate(X, TARGETS, verbose=0, return_dict=True)) == ["loss"]
    inputs = engine.Input((3,))
    single = engine.Model(inputs, engine.layers.Dense(1, name="a")(inputs))
    single.compile("sgd", "mse", metrics=["mae"])
    history = single.fit(X, TARGETS[0], epochs=1, verbose=0).history
    assert list(history) == ["loss", "mae"]
