"""Metric subclasses written as Keras 3's guides write them, against Keras 3 on every backend:
used directly, through the pure API in a compiled function, and in compile(metrics=[...])."""

import numpy as np
import pytest

import engine
from engine.backend import get_backend

keras = pytest.importorskip("keras")

B, FEATURES, CLASSES = 16, 4, 3


def metric_classes(ns):
    """Three custom metrics, written once for `ns` (engine or keras)."""

    class CategoricalTruePositives(ns.metrics.Metric):
        """The guide's example ("Training & evaluation with the built-in methods")."""

        def __init__(self, name="categorical_true_positives", **kwargs):
            super().__init__(name=name, **kwargs)
            self.true_positives = self.add_variable(shape=(), name="ctp", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            y_pred = ns.ops.reshape(ns.ops.argmax(y_pred, axis=1), (-1, 1))
            values = ns.ops.cast(y_true, "int32") == ns.ops.cast(y_pred, "int32")
            values = ns.ops.cast(values, "float32")
            if sample_weight is not None:
                sample_weight = ns.ops.reshape(ns.ops.cast(sample_weight, "float32"), (-1, 1))
                values = ns.ops.multiply(values, sample_weight)
            self.true_positives.assign_add(ns.ops.sum(values))

        def result(self):
            return self.true_positives

        def reset_state(self):
            self.true_positives.assign(0.0)

    class TargetProbability(ns.metrics.Metric):
        """The mean probability given to the true class: two states by the older add_weight,
        assign and assign_sub, a result computed from both."""

        def __init__(self, name="target_probability", **kwargs):
            super().__init__(name=name, **kwargs)
            self.total = self.add_weight(name="total", initializer="zeros")
            self.missing = self.add_weight(name="missing", initializer="zeros")

        def update_state(self, y_true, y_pred, sample_weight=None):
            labels = ns.ops.reshape(ns.ops.cast(y_true, "int32"), (-1,))
            chosen = ns.ops.sum(ns.ops.multiply(y_pred, ns.ops.one_hot(labels, CLASSES)), axis=-1)
            self.total.assign(self.total + ns.ops.sum(chosen))
            self.missing.assign_sub(ns.ops.sum(chosen * 0.0 + 1.0))

        def result(self):
            return self.total / -self.missing

    class PredictedShare(ns.metrics.Metric):
        """A vector state: how often each class is predicted; the result is class 0's share."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.counts = self.add_variable((CLASSES,), "zeros", name="counts")

        def update_state(self, y_true, y_pred, sample_weight=None):
            predicted = ns.ops.one_hot(ns.ops.argmax(y_pred, axis=-1), CLASSES)
            self.counts.assign_add(ns.ops.sum(predicted, axis=0))

        def result(self):
            return self.counts[0] / ns.ops.maximum(ns.ops.sum(self.counts), 1.0)

    return CategoricalTruePositives, TargetProbability, PredictedShare


METRICS = ["CategoricalTruePositives", "TargetProbability", "PredictedShare"]


def make_metric(ns, class_name, **kwargs):
    return dict(zip(METRICS, metric_classes(ns)))[class_name](**kwargs)


def batches(count=3):
    rng = np.random.default_rng(1)
    for _ in range(count):
        logits = rng.normal(size=(B, CLASSES)).astype("float32")
        probabilities = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
        yield (rng.integers(0, CLASSES, (B, 1)).astype("float32"), probabilities,
               rng.uniform(0, 2, B).astype("float32"))


def keras_results(name):
    metric, results = make_metric(keras, name), []
    for y_true, y_pred, weight in batches():
        metric.update_state(y_true, y_pred, weight)
        results.append(float(metric.result()))
    return results


@pytest.mark.parametrize("name", METRICS)
def test_update_result_and_reset_match_keras(backend_name, name):
    metric, results = make_metric(engine, name), []
    for y_true, y_pred, weight in batches():
        metric.update_state(y_true, y_pred, weight)
        results.append(float(metric.result()))
    np.testing.assert_allclose(results, keras_results(name), rtol=1e-6)
    assert all(v.backend.name == backend_name and not v.trainable for v in metric.variables)
    metric.reset_state()
    assert all(not v.numpy().any() for v in metric.variables)


@pytest.mark.parametrize("name", METRICS)
def test_the_pure_api_compiles_and_leaves_the_variables(backend_name, name):
    metric, backend = make_metric(engine, name), get_backend(backend_name)
    update = backend.jit(lambda state, *batch: metric.stateless_update_state(state, *batch))
    state = [v.value for v in metric.variables]
    for batch in batches():
        state = update(state, *(backend.convert(a) for a in batch))
    result = backend.jit(metric.stateless_result)(state)
    np.testing.assert_allclose(float(backend.to_numpy(result)), keras_results(name)[-1], rtol=1e-6)
    assert all(not v.numpy().any() for v in metric.variables)
    assert all(not backend.to_numpy(a).any() for a in metric.stateless_reset_state())


def test_state_moves_with_the_backend_and_keeps_counting():
    metric, expected = make_metric(engine, "TargetProbability"), keras_results("TargetProbability")
    for backend_name, (y_true, y_pred, weight) in zip(engine.available_backends(), batches()):
        engine.set_backend(backend_name)
        metric.update_state(y_true, y_pred, weight)
        assert all(v.backend.name == backend_name for v in metric.variables)
    count = len(engine.available_backends())
    np.testing.assert_allclose(float(metric.result()), expected[min(count, 3) - 1], rtol=1e-6)


def model(ns):
    i = ns.layers.Input((FEATURES,))
    x = ns.layers.Dense(5, activation="tanh")(i)
    o = ns.layers.Dense(CLASSES, activation="softmax")(x)
    built = ns.Model(i, o)
    # named: Keras numbers unnamed metrics across its session, which other tests share
    metrics = [make_metric(ns, class_name, name=class_name.lower()) for class_name in METRICS]
    if ns is keras:  # Keras's fit fails on the guide's result() returning a Variable, on JAX
        true_positives = type(metrics[0])

        class ReadTruePositives(true_positives):
            def result(self):
                return super().result() * 1.0

        metrics[0] = ReadTruePositives(name=metrics[0].name)
    built.compile(optimizer=ns.optimizers.SGD(0.5), loss="sparse_categorical_crossentropy",
                  metrics=metrics)
    return built


def test_fit_and_evaluate_with_custom_metrics_match_keras(backend_name):
    rng = np.random.default_rng(2)
    x = rng.normal(size=(64, FEATURES)).astype("float32")
    y = rng.integers(0, CLASSES, (64, 1)).astype("float32")
    ours, theirs = model(engine), model(keras)
    ours.set_weights(theirs.get_weights())
    arguments = dict(batch_size=B, epochs=2, shuffle=False, verbose=0)
    history = ours.fit(x, y, **arguments).history
    reference = theirs.fit(x, y, **arguments).history
    assert set(history) == set(reference)
    for name in reference:
        np.testing.assert_allclose(history[name], reference[name], rtol=1e-4, err_msg=name)
    evaluated = ours.evaluate(x, y, batch_size=B, verbose=0, return_dict=True)
    expected = theirs.evaluate(x, y, batch_size=B, verbose=0, return_dict=True)
    for name in expected:
        np.testing.assert_allclose(evaluated[name], expected[name], rtol=1e-4, err_msg=name)


def test_variables_are_named_after_the_metric():
    ctp, probability, share = (make_metric(engine, name) for name in METRICS)
    assert [v.name for v in ctp.variables] == ["categorical_true_positives/ctp"]
    assert [v.name for v in probability.variables] == [
        "target_probability/total", "target_probability/missing"]
    assert share.name == "predicted_share" and share.variables[0].shape == (CLASSES,)
    assert share.variables[0].aggregation == "sum" and ctp.dtype == "float32"
    assert make_metric(engine, "PredictedShare").name == "predicted_share_1"


# ----------------------------------------------------------------------------- errors
def test_a_metric_without_update_state_says_what_to_write():
    class Empty(engine.metrics.Metric):
        pass

    for call in (lambda m: m.update_state(1.0), lambda m: m.result(),
                 lambda m: m.stateless_update_state([], 1.0)):
        with pytest.raises(NotImplementedError, match="update_state and result"):
            call(Empty())


def test_add_variable_before_init_says_call_super():
    class Early(engine.metrics.Metric):
        def __init__(self):
            self.total = self.add_variable((), "zeros", name="total")

    with pytest.raises(RuntimeError, match=r"super\(\).__init__"):
        Early()


def test_a_state_of_the_wrong_length_is_refused_and_changes_nothing():
    metric = make_metric(engine, "TargetProbability")
    y_true, y_pred, weight = next(batches())
    with pytest.raises(ValueError, match="has 2 state variables.*got a state of 1"):
        metric.stateless_update_state([metric.variables[0].value], y_true, y_pred, weight)
    assert all(not v.numpy().any() for v in metric.variables)
