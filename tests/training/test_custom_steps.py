"""Training hooks as Keras 3 has them: a model's own train_step and test_step, compute_loss,
compute_metrics and the metrics property, against Keras 3 (JAX) running the same code from the
same weights. The steps follow the keras-io guide "Customizing what happens in fit() with JAX"
(guides/custom_train_step_in_jax.py); written with engine.ops.value_and_grad they run on every
backend."""

import functools

import jax
import numpy as np
import pytest

import engine
from engine import ops
from engine.training.custom_steps import CustomStepError

keras = pytest.importorskip("keras")

BATCH, EPOCHS = 16, 2


def data(rows=32, features=6):
    rng = np.random.default_rng(0)
    return rng.random((rows, features)).astype("float32"), rng.random((rows, 1)).astype("float32")


def guide_model(ns, value_and_grad, track_own_metrics=False):
    """The JAX guide's CustomModel on namespace `ns` (keras or engine), its gradient function
    `value_and_grad` (jax's, or engine.ops'); with `track_own_metrics` its "lower-level"
    variant: compiled without a loss, its own loss function, loss tracker and MAE, the
    `metrics` property overridden."""

    class CustomModel(ns.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            if track_own_metrics:
                self.loss_tracker = ns.metrics.Mean(name="loss")
                self.mae_metric = ns.metrics.MeanAbsoluteError(name="mae")
                self.loss_fn = ns.losses.MeanSquaredError()

        def compute_loss_and_updates(self, trainable, non_trainable, x, y, training=False):
            y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                        training=training)
            loss = self.loss_fn(y, y_pred) if track_own_metrics else self.compute_loss(
                x, y, y_pred
            )
            return loss, (y_pred, non_trainable)

        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            x, y = data
            grad_fn = value_and_grad(self.compute_loss_and_updates, has_aux=True)
            (loss, (y_pred, non_trainable)), grads = grad_fn(
                trainable, non_trainable, x, y, True  # the guide passes training=True
            )
            trainable, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable
            )
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                start = len(new_metrics_vars)
                this = metrics_variables[start : start + len(metric.variables)]
                if metric.name == "loss":
                    this = metric.stateless_update_state(this, loss)
                else:
                    this = metric.stateless_update_state(this, y, y_pred)
                result = metric.stateless_result(this)
                logs.update(result if isinstance(result, dict) else {metric.name: result})
                new_metrics_vars += this
            return logs, (trainable, non_trainable, optimizer_variables, new_metrics_vars)

        def test_step(self, state, data):
            x, y = data
            trainable, non_trainable, metrics_variables = state
            y_pred, non_trainable = self.stateless_call(trainable, non_trainable, x,
                                                        training=False)
            loss = self.compute_loss(x, y, y_pred)
            new_metrics_vars, logs = [], {}
            for metric in self.metrics:
                start = len(new_metrics_vars)
                this = metrics_variables[start : start + len(metric.variables)]
                args = (loss,) if metric.name == "loss" else (y, y_pred)
                this = metric.stateless_update_state(this, *args)
                result = metric.stateless_result(this)
                logs.update(result if isinstance(result, dict) else {metric.name: result})
                new_metrics_vars += this
            return logs, (trainable, non_trainable, new_metrics_vars)

        if track_own_metrics:

            @property
            def metrics(self):
                return [self.loss_tracker, self.mae_metric]

    inputs = ns.Input(shape=(6,))
    hidden = ns.layers.Dense(4, activation="tanh")(inputs)
    model = CustomModel(inputs, ns.layers.Dense(1)(hidden))
    if track_own_metrics:
        model.compile(optimizer=ns.optimizers.Adam(0.05))
    else:
        model.compile(optimizer=ns.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    return model


@functools.cache
def keras_guide_run(track_own_metrics):
    """Keras 3 training the guide's model: (its first weights, History, last weights)."""
    keras.utils.set_random_seed(1)
    theirs = guide_model(keras, jax.value_and_grad, track_own_metrics)
    start = theirs.get_weights()
    history = theirs.fit(*data(), batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    return start, history.history, theirs.get_weights()


@pytest.mark.parametrize("track_own_metrics", [False, True])
def test_the_jax_guides_stateless_train_step_matches_keras(backend_name, track_own_metrics):
    """The guide's train_step, with engine.ops.value_and_grad (and with jax.value_and_grad on
    the jax backend), trains as Keras's does from the same weights: same weights after, same
    logs in History."""
    start, their_history, their_weights = keras_guide_run(track_own_metrics)
    gradients = [ops.value_and_grad] + ([jax.value_and_grad] if backend_name == "jax" else [])
    for value_and_grad in gradients:
        ours = guide_model(engine, value_and_grad, track_own_metrics)
        ours.set_weights(start)
        history = ours.fit(*data(), batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
        assert history.history.keys() == their_history.keys()
        for key, values in their_history.items():
            np.testing.assert_allclose(history.history[key], values, rtol=1e-4, atol=1e-6)
        for mine, their in zip(ours.get_weights(), their_weights):
            np.testing.assert_allclose(mine, their, rtol=1e-4, atol=1e-5)


def test_the_jax_guides_test_step_matches_keras(backend_name):
    keras.utils.set_random_seed(1)
    theirs = guide_model(keras, jax.value_and_grad)
    ours = guide_model(engine, ops.value_and_grad)
    ours.set_weights(theirs.get_weights())
    x, y = data()
    expected = theirs.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    got = ours.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    assert got.keys() == expected.keys()
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-5)


def stateful_model(value_and_grad=ops.value_and_grad, **step_options):
    """A train_step(self, data) written with engine ops only, on the Variables themselves
    (optimizer.apply, metric.update_state), as the TensorFlow and PyTorch guides write theirs."""

    class StatefulModel(engine.Model):
        def train_step(self, data):
            x, y = data
            non_trainable = [v.value for v in self.non_trainable_variables]

            def loss_of(trainable):
                y_pred, _ = self.stateless_call(trainable, non_trainable, x, training=True)
                return self.compute_loss(x, y, y_pred), y_pred

            (loss, y_pred), grads = value_and_grad(loss_of, has_aux=True)(
                [v.value for v in self.trainable_variables]
            )
            self.optimizer.apply(grads, self.trainable_variables)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return step_options.get("logs", lambda m: {m.name: m.result() for m in m.metrics})(
                self
            )

    inputs = engine.Input(shape=(6,))
    hidden = engine.layers.Dense(4, activation="tanh")(inputs)
    model = StatefulModel(inputs, engine.layers.Dense(1)(hidden))
    model.compile(optimizer=engine.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    return model


def builtin_model():
    inputs = engine.Input(shape=(6,))
    hidden = engine.layers.Dense(4, activation="tanh")(inputs)
    model = engine.Model(inputs, engine.layers.Dense(1)(hidden))
    model.compile(optimizer=engine.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    return model


# Eager JAX compiles each op the first time it meets it: ~10 s in a fresh process.
EAGER_JAX_IS_SLOW = [
    pytest.param(name, marks=[pytest.mark.slow] if name == "jax" else [])
    for name in ("numpy", "jax", "torch", "tensorflow")
]


@pytest.mark.parametrize("backend_name", EAGER_JAX_IS_SLOW, indirect=True)
def test_a_stateful_train_step_in_engine_ops_matches_the_builtin_step(backend_name):
    """It computes what the engine's own step computes: the same weights and logs."""
    reference, ours = builtin_model(), stateful_model()
    ours.set_weights(reference.get_weights())
    x, y = data()
    expected = reference.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    assert history.history.keys() == expected.history.keys() == {"loss", "mae"}
    for key, values in expected.history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5)
    for mine, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def model_state(model):
    """Weights, optimizer variables and metric totals (fit zeroes those first: so do we)."""
    model.reset_metrics()
    return [w.copy() for w in model.get_weights()] + [
        v.numpy().copy() for v in [*model.optimizer.variables, *model.metrics_variables]
    ]


def assert_unchanged(model, before):
    for now, then in zip(model_state(model), before):
        np.testing.assert_array_equal(now, then)


@pytest.mark.parametrize("backend_name", ["numpy", "torch", "tensorflow"], indirect=True)
def test_a_jax_train_step_elsewhere_names_jax_and_changes_nothing(backend_name):
    model = guide_model(engine, jax.value_and_grad)
    x, y = data()
    model.optimizer.build(model.trainable_weights)
    before = model_state(model)
    with pytest.raises(CustomStepError, match=r"written for jax.*set_backend\('jax'\)"):
        model.fit(x, y, batch_size=BATCH, verbose=0)
    assert_unchanged(model, before)


BAD_RETURNS = {
    "logs are not a dict": lambda logs, state: (1.0, state),
    "no state": lambda logs, state: logs,
    "a part of the state missing": lambda logs, state: (logs, state[:3]),
    "a weight missing": lambda logs, state: (logs, (state[0][1:], *state[1:])),
}


@pytest.mark.parametrize("backend_name", ["numpy", "jax"], indirect=True)  # eager, compiled
@pytest.mark.parametrize("mistake", list(BAD_RETURNS))
def test_a_stateless_train_step_returning_the_wrong_structure_changes_nothing(
    backend_name, mistake
):
    model = guide_model(engine, ops.value_and_grad)
    step = type(model).train_step
    x, y = data()
    model.optimizer.build(model.trainable_weights)
    before = model_state(model)
    type(model).train_step = lambda self, state, data: BAD_RETURNS[mistake](
        *step(self, state, data)
    )
    with pytest.raises(CustomStepError, match="train_step"):
        model.fit(x, y, batch_size=BATCH, verbose=0)
    assert_unchanged(model, before)


@pytest.mark.parametrize("backend_name", ["numpy", "torch"], indirect=True)
def test_a_stateful_train_step_returning_no_dict_changes_nothing(backend_name):
    model = stateful_model(logs=lambda m: [m.result() for m in m.metrics])
    x, y = data()
    model.optimizer.build(model.trainable_weights)
    before = model_state(model)
    with pytest.raises(CustomStepError, match="returned logs of type list"):
        model.fit(x, y, batch_size=BATCH, verbose=0)
    assert_unchanged(model, before)


def test_a_train_step_with_other_arguments_is_refused():
    class Odd(engine.Model):
        def train_step(self, state, data, extra):
            return {}, state

    inputs = engine.Input(shape=(6,))
    model = Odd(inputs, engine.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd", loss="mse")
    with pytest.raises(CustomStepError, match="takes 3 required arguments"):
        model.fit(*data(), verbose=0)


# ------------------------------------------------------ compute_loss, compute_metrics, metrics
def hooked_model(ns, metrics=("mae",)):
    """compute_loss and compute_metrics overridden, as Keras's docstrings write them, with a
    metric of the model's own held as an attribute."""

    class Hooked(ns.Model):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self.prediction_mean = ns.metrics.Mean(name="prediction_mean")

        def compute_loss(self, x=None, y=None, y_pred=None, sample_weight=None, training=True):
            loss = super().compute_loss(x, y, y_pred, sample_weight, training=training)
            return loss + 0.1 * ns.ops.mean(ns.ops.abs(y_pred))

        def compute_metrics(self, x, y, y_pred, sample_weight=None):
            results = super().compute_metrics(x, y, y_pred, sample_weight)
            self.prediction_mean.update_state(y_pred)
            results["prediction_mean"] = self.prediction_mean.result()
            return results

    inputs = ns.Input(shape=(6,))
    model = Hooked(inputs, ns.layers.Dense(1)(ns.layers.Dense(4, activation="relu")(inputs)))
    model.compile(optimizer=ns.optimizers.SGD(0.1), loss="mse",
                  metrics=None if metrics is None else list(metrics))
    return model


@functools.cache
def keras_hooked_run():
    """Keras 3 fitting, then evaluating, the hooked model: (first weights, History, logs)."""
    keras.utils.set_random_seed(2)
    theirs = hooked_model(keras)
    start = theirs.get_weights()
    x, y = data()
    history = theirs.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    logs = theirs.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    return start, history.history, logs


def test_compute_loss_and_compute_metrics_overrides_drive_the_builtin_step(backend_name):
    start, their_history, their_logs = keras_hooked_run()
    ours = hooked_model(engine)
    ours.set_weights(start)
    x, y = data()
    history = ours.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    assert history.history.keys() == their_history.keys()
    for key, values in their_history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-4)
    logs = ours.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    assert logs.keys() == their_logs.keys()
    for key in their_logs:
        np.testing.assert_allclose(logs[key], their_logs[key], rtol=1e-4)


def test_the_metrics_property_lists_what_keras_lists():
    """The loss tracker, the compiled metrics as one `compile_metrics` (when there are any),
    then the model's own metrics; their variables are `metrics_variables`."""
    names = {}
    for ns in (keras, engine):
        names[ns.__name__] = [
            [m.name for m in hooked_model(ns, metrics).metrics] for metrics in (["mae"], None)
        ]
    assert names["engine"] == names["keras"]
    assert names["engine"][0] == ["loss", "compile_metrics", "prediction_mean"]
    model = hooked_model(engine, ["mae", "mse"])
    assert model.metrics_variables == [v for m in model.metrics for v in m.variables]
    assert len(model.metrics_variables) == 2 + 4 + 2


# ------------------------------------------- the TensorFlow and PyTorch guides' stateful steps
def framework_guide_model(framework):
    """The first CustomModel of the keras-io guides "Customizing what happens in fit() with
    PyTorch" (guides/custom_train_step_in_torch.py) and "... with TensorFlow"
    (guides/custom_train_step_in_tensorflow.py), only its imports changed; the TensorFlow one
    differentiates with respect to the Variables' values (see the test below)."""
    if framework == "torch":
        torch = pytest.importorskip("torch")

        class CustomModel(engine.Model):
            def train_step(self, data):
                x, y = data
                self.zero_grad()
                y_pred = self(x, training=True)
                loss = self.compute_loss(y=y, y_pred=y_pred)
                loss.backward()
                trainable_weights = [v for v in self.trainable_weights]
                gradients = [v.value.grad for v in trainable_weights]
                with torch.no_grad():
                    self.optimizer.apply(gradients, trainable_weights)
                for metric in self.metrics:
                    if metric.name == "loss":
                        metric.update_state(loss)
                    else:
                        metric.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}

    else:
        tf = pytest.importorskip("tensorflow")

        class CustomModel(engine.Model):
            def train_step(self, data):
                x, y = data
                with tf.GradientTape() as tape:
                    y_pred = self(x, training=True)
                    loss = self.compute_loss(y=y, y_pred=y_pred)
                trainable_vars = self.trainable_variables
                gradients = tape.gradient(loss, trainable_vars)  # the guide's own line
                self.optimizer.apply(gradients, trainable_vars)
                for metric in self.metrics:
                    if metric.name == "loss":
                        metric.update_state(loss)
                    else:
                        metric.update_state(y, y_pred)
                return {m.name: m.result() for m in self.metrics}

    inputs = engine.Input(shape=(6,))
    hidden = engine.layers.Dense(4, activation="tanh")(inputs)
    model = CustomModel(inputs, engine.layers.Dense(1)(hidden))
    model.compile(optimizer=engine.optimizers.Adam(0.05), loss="mse", metrics=["mae"])
    return model


@pytest.mark.parametrize("backend_name", ["torch", "tensorflow"], indirect=True)
def test_the_framework_guides_train_steps_match_the_builtin_step(backend_name):
    """Each guide's step computes what the engine's own step computes (compiled loss, Adam,
    the compiled metrics): from the same weights, the same History and weights."""
    reference, ours = builtin_model(), framework_guide_model(backend_name)
    ours.set_weights(reference.get_weights())
    x, y = data()
    expected = reference.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    history = ours.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    assert history.history.keys() == expected.history.keys() == {"loss", "mae"}
    for key, values in expected.history.items():
        np.testing.assert_allclose(history.history[key], values, rtol=1e-5)
    for mine, theirs in zip(ours.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)
    assert not any(v.value.__class__.__name__ == "ResourceVariable" for v in ours.variables)


@pytest.mark.parametrize(
    "framework, backend_name", [("torch", "numpy"), ("torch", "jax"), ("tensorflow", "torch")],
    indirect=["backend_name"],
)
def test_a_framework_guides_train_step_elsewhere_names_its_framework(framework, backend_name):
    model = framework_guide_model(framework)
    model.optimizer.build(model.trainable_weights)
    before = model_state(model)
    with pytest.raises(CustomStepError, match=rf"written for {framework}.*set_backend"):
        model.fit(*data(), batch_size=BATCH, verbose=0)
    assert_unchanged(model, before)


@pytest.mark.parametrize("backend_name", ["tensorflow"], indirect=True)
def test_a_model_without_call_trains_its_parts_in_its_own_step(backend_name):
    """The GAN pattern: a Model subclass with no call of its own, whose train_step calls
    its parts; fit builds nothing itself, and the step trains the parts."""
    tf = pytest.importorskip("tensorflow")
    reference = builtin_model()

    class Wrapper(engine.Model):
        def __init__(self, part):
            super().__init__()
            self.part = part

        def train_step(self, data):
            x, y = data
            with tf.GradientTape() as tape:
                loss = self.compute_loss(y=y, y_pred=self.part(x, training=True))
            weights = self.part.trainable_variables
            self.optimizer.apply(tape.gradient(loss, weights), weights)
            return {"step_loss": loss}  # logged as it is: no metric has this name

    part = builtin_model()
    part.set_weights(reference.get_weights())
    model = Wrapper(part)
    model.compile(optimizer=engine.optimizers.Adam(0.05), loss="mse")
    x, y = data()
    reference.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    history = model.fit(x, y, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    assert len(history.history["step_loss"]) == EPOCHS
    for mine, theirs in zip(part.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(mine, theirs, rtol=1e-5, atol=1e-6)


def test_the_guides_stateful_test_step_matches_the_builtin_evaluate(backend_name):
    """The PyTorch and TensorFlow guides' test_step(self, data) uses no framework: it runs on
    every backend and gives what evaluate's own step gives."""

    class CustomModel(engine.Model):
        def test_step(self, data):
            x, y = data
            y_pred = self(x, training=False)
            loss = self.compute_loss(y=y, y_pred=y_pred)
            for metric in self.metrics:
                if metric.name == "loss":
                    metric.update_state(loss)
                else:
                    metric.update_state(y, y_pred)
            return {m.name: m.result() for m in self.metrics}

    reference = builtin_model()
    inputs = engine.Input(shape=(6,))
    hidden = engine.layers.Dense(4, activation="tanh")(inputs)
    ours = CustomModel(inputs, engine.layers.Dense(1)(hidden))
    ours.compile(optimizer="adam", loss="mse", metrics=["mae"])
    ours.set_weights(reference.get_weights())
    x, y = data()
    expected = reference.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    got = ours.evaluate(x, y, batch_size=BATCH, verbose=0, return_dict=True)
    assert got.keys() == expected.keys() == {"loss", "mae"}
    for key in expected:
        np.testing.assert_allclose(got[key], expected[key], rtol=1e-6)


def test_stateless_compute_loss_is_compute_loss_as_a_pure_function(backend_name):
    """Keras's stateless_compute_loss: the loss of the given state, and the state back."""
    model = builtin_model()
    x, y = data(rows=4)
    state = ([v.value for v in model.trainable_variables],
             [v.value for v in model.non_trainable_variables],
             [v.value for v in model.metrics_variables])
    with engine.backend.using(model.backend):
        y_pred = model(x)
        y = model.backend.convert(y)
        loss, new_state = model.stateless_compute_loss(*state, x=x, y=y, y_pred=y_pred)
        expected = model.compute_loss(x, y, y_pred)
    np.testing.assert_allclose(model.backend.to_numpy(loss), model.backend.to_numpy(expected))
    assert [len(part) for part in new_state] == [len(part) for part in state]
    assert all(a is b for part, given in zip(new_state, state) for a, b in zip(part, given))


@pytest.mark.parametrize("style", ["stateless", "stateful"])
def test_a_predict_step_of_its_own_gives_the_outputs(backend_name, style):
    """Keras's predict_step in either style (here doubling the forward pass), through
    predict_on_batch."""

    class Stateless(engine.Model):
        def predict_step(self, state, data):
            trainable, non_trainable = state
            outputs, non_trainable = self.stateless_call(trainable, non_trainable, data)
            return ops.multiply(outputs, 2.0), non_trainable

    class Stateful(engine.Model):
        def predict_step(self, data):
            return ops.multiply(self(data, training=False), 2.0)

    reference = builtin_model()
    model_class = Stateless if style == "stateless" else Stateful
    model = model_class(reference.inputs[0], reference.outputs[0])
    x, _ = data(rows=4)
    expected = 2.0 * model.backend.to_numpy(reference(x))
    np.testing.assert_allclose(model.predict_on_batch(x), expected, rtol=1e-6)
