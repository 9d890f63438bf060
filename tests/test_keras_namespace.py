"""`import engine as keras`: Keras 3's namespace structure, and programs written against it."""

from __future__ import annotations

import numpy as np
import pytest

import engine
import engine as keras
from engine.errors import LayerConfigError
from engine.keras_namespaces import MissingKerasNameError


def test_input_takes_a_shape_or_a_batch_shape():
    assert keras.Input((4,)).shape == (None, 4)
    assert keras.Input(shape=(4,), batch_size=8).shape == (8, 4)
    assert keras.Input(batch_shape=(8, 3)).shape == (8, 3)
    with pytest.raises(LayerConfigError, match="one of `shape` and `batch_shape`"):
        keras.Input()
    with pytest.raises(LayerConfigError, match="one of `shape` and `batch_shape`"):
        keras.Input((3,), batch_shape=(8, 3))


def test_config_names_the_default_backend(backend_name):
    assert keras.config.backend() == engine.backend_name() == backend_name
    assert keras.config.floatx() == "float32"
    assert keras.config.image_data_format() == "channels_last"
    assert keras.config.epsilon() == 1e-7
    assert keras.config.set_backend is engine.set_backend


def test_ops_groups_hold_the_engines_ops():
    import engine.ops.nn

    from engine.ops import numpy as numpy_ops

    assert keras.ops.nn.relu is engine.ops.nn.relu is keras.ops.relu
    assert numpy_ops.matmul is keras.ops.matmul
    assert keras.ops.core.convert_to_tensor is keras.ops.convert
    assert "relu" not in keras.ops.numpy.__all__


def test_schedules_are_under_optimizers():
    schedule = keras.optimizers.schedules.ExponentialDecay(0.1, decay_steps=10, decay_rate=0.5)
    assert float(keras.ops.to_numpy(schedule(10))) == pytest.approx(0.05)


def test_a_keras_name_the_engine_lacks_says_so():
    with pytest.raises(AttributeError, match=r"keras\.ops\.nn\.polar .* not implemented"):
        keras.ops.nn.polar  # noqa: B018
    with pytest.raises(MissingKerasNameError, match="docs/keras-compatibility.md"):
        keras.layers.AugMix  # noqa: B018
    assert not hasattr(keras.layers, "RandAugment")


def test_other_unknown_names_are_plain_attribute_errors():
    with pytest.raises(AttributeError) as error:
        keras.layers.Dense2  # noqa: B018
    assert not isinstance(error.value, MissingKerasNameError)


def test_layers_take_keras_activation_and_initializer_objects():
    layer = keras.layers.Dense(
        3, activation=keras.activations.relu, kernel_initializer=keras.initializers.HeNormal()
    )
    config = layer.get_config()
    assert (config["activation"], config["kernel_initializer"]) == ("relu", "he_normal")
    assert keras.initializers.glorot_uniform is keras.initializers.GlorotUniform
    assert keras.initializers.Zeros()((2, 3)).shape == (2, 3)
    assert keras.activations.get(None) is keras.activations.linear


def test_random_seeds_repeat_and_generators_advance():
    first = keras.ops.to_numpy(keras.random.normal((2, 3), seed=1))
    assert np.array_equal(first, keras.ops.to_numpy(keras.random.normal((2, 3), seed=1)))
    generator = keras.random.SeedGenerator(1)
    a, b = (keras.ops.to_numpy(keras.random.uniform((4,), seed=generator)) for _ in range(2))
    assert not np.array_equal(a, b) and ((a >= 0) & (a < 1)).all()


def test_to_categorical():
    assert keras.utils.to_categorical([[0], [2]]).tolist() == [[1, 0, 0], [0, 0, 1]]


def test_a_keras_program_runs_unchanged(backend_name):
    keras.utils.set_random_seed(0)
    inputs = keras.Input(shape=(4,))
    x = keras.layers.Dense(8, activation="relu")(inputs)
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    model.compile(
        optimizer=keras.optimizers.Adam(
            learning_rate=keras.optimizers.schedules.ExponentialDecay(0.01, 10, 0.9)
        ),
        loss=keras.losses.SparseCategoricalCrossentropy(),
        metrics=[keras.metrics.SparseCategoricalAccuracy()],
    )
    features = np.random.default_rng(0).normal(size=(32, 4)).astype("float32")
    labels = (features[:, 0] > 0).astype("int32") + (features[:, 1] > 0)
    history = model.fit(
        features, labels, epochs=2, batch_size=8, verbose=0,
        callbacks=[keras.callbacks.EarlyStopping(monitor="loss", patience=3)],
    )
    assert len(history.history["loss"]) == 2
    assert keras.config.backend() == backend_name
