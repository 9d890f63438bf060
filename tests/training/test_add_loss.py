"""Layer.add_loss as Keras 3 has it: losses added in `call` are those of the last call
(`layer.losses`, `model.losses`), summed into the training loss inside the compiled step on
every backend, also with compile(loss=None). Compared with Keras 3 (JAX) from the same weights;
the layers are the keras-io guide's ("Making new layers and models via subclassing")."""

import numpy as np
import pytest

import engine

keras = pytest.importorskip("keras")


def activity_regularization(ns):
    """The guide's ActivityRegularizationLayer, and its OuterLayer holding one."""

    class ActivityRegularizationLayer(ns.layers.Layer):
        def __init__(self, rate=1e-2):
            super().__init__()
            self.rate = rate

        def call(self, inputs):
            self.add_loss(self.rate * ns.ops.mean(inputs))
            return inputs

    class OuterLayer(ns.layers.Layer):
        def __init__(self):
            super().__init__()
            self.activity_reg = ActivityRegularizationLayer(1e-2)

        def call(self, inputs):
            return self.activity_reg(inputs)

    return ActivityRegularizationLayer, OuterLayer


def test_losses_are_those_of_the_last_call():
    """The guide's assertions: none before a call, one per call after it (not accumulated),
    also seen from the outer layer; the values are Keras's."""
    counts, values = {}, {}
    for ns in (keras, engine):
        _, outer_class = activity_regularization(ns)
        outer = outer_class()
        seen = [len(outer.losses)]
        outer(np.full((1, 1), 2.0, "float32"))
        seen.append(len(outer.losses))
        outer(np.full((1, 1), 3.0, "float32"))
        seen += [len(outer.losses), len(outer.activity_reg.losses)]
        counts[ns.__name__] = seen
        values[ns.__name__] = [float(np.asarray(v)) for v in outer.losses]
    assert counts["engine"] == counts["keras"] == [0, 1, 1, 1]
    np.testing.assert_allclose(values["engine"], values["keras"], rtol=1e-6)


def regularized_model(ns, loss):
    """Dense -> the guide's activity regularization -> Dense, compiled with `loss`."""
    layer_class, _ = activity_regularization(ns)
    inputs = ns.Input(shape=(5,))
    hidden = layer_class(0.5)(ns.layers.Dense(4, activation="relu")(inputs))
    model = ns.Model(inputs, ns.layers.Dense(1)(hidden))
    model.compile(optimizer=ns.optimizers.SGD(0.1), loss=loss)
    return model


def data():
    rng = np.random.default_rng(0)
    return rng.random((32, 5)).astype("float32"), rng.random((32, 1)).astype("float32")


@pytest.mark.parametrize("loss", ["mse", None])
def test_fit_and_evaluate_add_the_added_losses_as_keras_does(backend_name, loss):
    """In the compiled step on every backend, with a compiled loss and without one (the added
    loss alone trains the model), from the same weights as Keras."""
    keras.utils.set_random_seed(3)
    theirs, ours = regularized_model(keras, loss), regularized_model(engine, loss)
    ours.set_weights(theirs.get_weights())
    x, y = data()
    expected = theirs.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    history = ours.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-4)
    for mine, their in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(mine, their, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(
        ours.evaluate(x, y, batch_size=8, verbose=0),
        theirs.evaluate(x, y, batch_size=8, verbose=0),
        rtol=1e-4,
    )


def test_losses_added_in_a_compiled_step_stay_in_it(backend_name):
    """The step sums its own forward pass's losses: none is left on the layers (a traced
    value kept there would break the next call), and an eager call after fit sees its own."""
    model = regularized_model(engine, "mse")
    x, y = data()
    model.fit(x, y, batch_size=8, verbose=0)
    assert model.losses == []
    model(x[:2])
    hidden = model.layers[1](x[:2])  # the Dense before the regularization
    (added,) = model.losses
    expected = 0.5 * np.mean(model.backend.to_numpy(hidden))
    np.testing.assert_allclose(model.backend.to_numpy(added), expected, rtol=1e-6)


def test_no_loss_at_all_is_a_clear_error_and_changes_nothing():
    inputs = engine.Input(shape=(5,))
    model = engine.Model(inputs, engine.layers.Dense(1)(inputs))
    model.compile(optimizer="sgd")
    before = model.get_weights()
    with pytest.raises(engine.training.trainer.NotCompiledError, match="add_loss"):
        model.fit(*data(), verbose=0)
    for now, then in zip(model.get_weights(), before):
        np.testing.assert_array_equal(now, then)


def custom_step_model(style):
    """regularized_model's graph with a train_step of its own in `style`: its compute_loss
    sums the losses its forward pass added, as the engine's step does."""
    value_and_grad = engine.ops.value_and_grad

    class Stateless(engine.Model):
        def train_step(self, state, data):
            trainable, non_trainable, optimizer_variables, metrics_variables = state
            x, y = data

            def loss_of(trainable):
                y_pred, _ = self.stateless_call(trainable, non_trainable, x, training=True)
                return self.compute_loss(x, y, y_pred)

            loss, grads = value_and_grad(loss_of)(trainable)
            trainable, optimizer_variables = self.optimizer.stateless_apply(
                optimizer_variables, grads, trainable
            )
            tracker = self.metrics[0]
            metrics_variables = tracker.stateless_update_state(metrics_variables, loss)
            logs = {"loss": tracker.stateless_result(metrics_variables)}
            return logs, (trainable, non_trainable, optimizer_variables, metrics_variables)

    class Stateful(engine.Model):
        def train_step(self, data):
            x, y = data
            non_trainable = [v.value for v in self.non_trainable_variables]

            def loss_of(trainable):
                y_pred, _ = self.stateless_call(trainable, non_trainable, x, training=True)
                return self.compute_loss(x, y, y_pred)

            loss, grads = value_and_grad(loss_of)([v.value for v in self.trainable_variables])
            self.optimizer.apply(grads, self.trainable_variables)
            self.metrics[0].update_state(loss)
            return {"loss": self.metrics[0].result()}

    reference = regularized_model(engine, "mse")
    model_class = Stateless if style == "stateless" else Stateful
    model = model_class(reference.inputs[0], reference.outputs[0])
    model.compile(optimizer=engine.optimizers.SGD(0.1), loss="mse")
    return model


@pytest.mark.parametrize("backend_name", ["numpy", "jax"], indirect=True)
@pytest.mark.parametrize("style", ["stateless", "stateful"])
def test_a_custom_train_step_adds_the_losses_of_its_own_forward_pass(backend_name, style):
    reference, model = regularized_model(engine, "mse"), custom_step_model(style)
    model.set_weights(reference.get_weights())
    x, y = data()
    expected = reference.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0).history
    np.testing.assert_allclose(history["loss"], expected["loss"], rtol=1e-5)
    assert model.losses == []
