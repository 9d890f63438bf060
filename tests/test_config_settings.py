"""keras.config's settings: what each one changes in the engine, and the clear errors for
values it cannot honour."""

from __future__ import annotations

import logging

import keras
import numpy as np
import pytest

import engine
from engine import config
from engine.errors import LayerConfigError


@pytest.fixture(autouse=True)
def restore_settings():
    saved = dict(config._settings)
    yield
    config._settings.update(saved)


def _model():
    inputs = engine.layers.Input((3,))
    model = engine.Model(inputs, engine.layers.Dense(2)(inputs))
    model.compile("sgd", "mse")
    return model


def _data():
    rng = np.random.default_rng(0)
    return rng.normal(size=(8, 3)).astype("float32"), rng.normal(size=(8, 2)).astype("float32")


class CountBatches(engine.callbacks.Callback):
    def __init__(self):
        self.batches = []

    def on_epoch_begin(self, epoch, logs=None):
        self.batches.append(0)

    def on_train_batch_end(self, batch, logs=None):
        self.batches[-1] += 1


def test_names_are_keras_names():
    for name in config.__all__:
        if name != "ConfigError":
            assert hasattr(keras.config, name), name


def test_floatx_is_the_dtype_of_new_layers():
    assert config.floatx() == keras.config.floatx() == "float32"
    config.set_floatx("float64")
    dense = engine.layers.Dense(2)
    assert config.floatx() == "float64" and dense.dtype == "float64"
    assert engine.layers.Input((3,)).dtype == "float64"
    assert engine.layers.Dense(2, dtype="float32").dtype == "float32"
    dense.build((None, 3))
    assert dense.kernel.dtype == "float64"
    with pytest.raises(config.ConfigError, match="set_floatx: unknown floatx 'int32'"):
        config.set_floatx("int32")
    with pytest.raises(config.ConfigError, match="NumPy has no bfloat16"):
        config.set_floatx("bfloat16")
    assert config.floatx() == "float64"


def test_dtype_policy_sets_the_dtype_of_new_layers():
    assert config.dtype_policy() == config.DTypePolicy("float32")
    assert config.dtype_policy().name == keras.config.dtype_policy().name
    config.set_dtype_policy("float64")
    assert engine.layers.Dense(2).dtype == "float64"
    assert config.dtype_policy().compute_dtype == config.dtype_policy().variable_dtype == "float64"
    config.set_dtype_policy(config.DTypePolicy("float16"))
    assert engine.layers.Input((3,)).dtype == "float16"
    with pytest.raises(ValueError, match="unknown policy 'int8'"):
        config.set_dtype_policy("int8")
    assert config.dtype_policy().name == "float16"


def test_epsilon_takes_the_value_the_engine_uses():
    assert config.epsilon() == keras.config.epsilon()
    config.set_epsilon(1e-7)
    with pytest.raises(config.ConfigError, match="fixed fuzz factor"):
        config.set_epsilon(1e-5)
    assert config.epsilon() == 1e-7


def test_channels_first_is_refused_by_layers_that_lack_it():
    config.set_image_data_format("channels_first")
    assert config.image_data_format() == "channels_first"
    with pytest.raises(LayerConfigError, match="set_image_data_format"):
        engine.layers.Conv2D(2, 3)
    assert engine.layers.Conv2D(2, 3, data_format="channels_last").data_format == "channels_last"
    with pytest.raises(config.ConfigError, match="unknown data_format 'nhwc'"):
        config.set_image_data_format("nhwc")
    config.set_image_data_format("Channels_Last")
    assert config.image_data_format() == "channels_last"
    assert engine.layers.GlobalAveragePooling2D().data_format == "channels_last"


def test_interactive_logging_sends_progress_to_the_logger(capsys, caplog):
    model = _model()
    assert config.is_interactive_logging_enabled()
    config.disable_interactive_logging()
    assert not config.is_interactive_logging_enabled()
    with caplog.at_level(logging.INFO, logger="engine"):
        model.fit(*_data(), batch_size=4, epochs=1, verbose=1)
    captured = capsys.readouterr()
    assert "Epoch 1/1" not in captured.out + captured.err
    assert any("Epoch 1/1 - loss" in record.getMessage() for record in caplog.records)
    config.enable_interactive_logging()
    model.fit(*_data(), batch_size=4, epochs=1, verbose=2)
    assert "Epoch 1/1 - loss" in capsys.readouterr().out


def test_max_epochs_and_steps_cap_fit_evaluate_and_predict():
    model = _model()
    config.set_max_epochs(2)
    config.set_max_steps_per_epoch(1)
    assert (config.max_epochs(), config.max_steps_per_epoch()) == (2, 1)
    counter = CountBatches()
    with pytest.warns(UserWarning, match="Limiting epochs to 2"):
        history = model.fit(*_data(), batch_size=4, epochs=5, verbose=0, callbacks=[counter])
    assert len(history.history["loss"]) == 2 and counter.batches == [1, 1]
    assert model.predict(_data()[0], batch_size=4, verbose=0).shape == (4, 2)
    config.set_max_epochs(None)
    config.set_max_steps_per_epoch(None)
    assert len(model.fit(*_data(), epochs=3, verbose=0).history["loss"]) == 3
    with pytest.raises(config.ConfigError, match="set_max_epochs: expected a positive integer"):
        config.set_max_epochs(0)
    with pytest.raises(config.ConfigError, match="set_max_steps_per_epoch"):
        config.set_max_steps_per_epoch(1.5)
