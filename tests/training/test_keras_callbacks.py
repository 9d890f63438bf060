"""Keras 3's callbacks: ReduceLROnPlateau, LearningRateScheduler, CSVLogger, TerminateOnNaN,
BackupAndRestore, ProgbarLogger, SwapEMAWeights and LambdaCallback, against Keras where
numbers are involved."""

from __future__ import annotations

import os

import keras
import numpy as np
import pytest

import engine
from engine import callbacks, layers, optimizers
from engine.training.callbacks import CallbackList, ProgressBar


def _model(optimizer=None, seed=0):
    engine.set_random_seed(seed)
    model = engine.Sequential([layers.Input((4,)), layers.Dense(3, activation="tanh"),
                               layers.Dense(2)])
    model.compile(optimizer or optimizers.SGD(0.1), "mse")
    return model


def _keras_model():
    model = keras.Sequential([keras.layers.Input((4,)), keras.layers.Dense(2)])
    model.compile(keras.optimizers.SGD(0.1), "mse")
    return model


def _data(count=24):
    rng = np.random.default_rng(5)
    return rng.normal(size=(count, 4)).astype("float32"), rng.normal(size=(count, 2)).astype(
        "float32")


def _weights(model):
    return [np.asarray(w) for w in model.get_weights()]


# A sequence of monitored values with plateaus, rises and a late improvement.
VALUES = [1.0, 0.9, 0.9, 0.95, 0.9, 0.91, 0.5, 0.5, 0.49999, 0.6, 0.7, 0.8, 0.2, 0.3, 0.3]


@pytest.mark.parametrize(
    "kwargs",
    [
        {"monitor": "val_loss", "factor": 0.5, "patience": 2},
        {"monitor": "val_loss", "factor": 0.2, "patience": 1, "cooldown": 2, "min_lr": 0.01},
        {"monitor": "val_acc", "mode": "max", "factor": 0.5, "patience": 1, "min_delta": 0.05},
        {"monitor": "loss", "mode": "max", "factor": 0.9, "patience": 0},
    ],
)
def test_reduce_lr_on_plateau_matches_keras(kwargs):
    ours, theirs = _model(), _keras_model()
    rates = []
    for library, model in ((callbacks, ours), (keras.callbacks, theirs)):
        callback = library.ReduceLROnPlateau(**kwargs)
        callback.set_model(model)
        callback.on_train_begin()
        seen = []
        for epoch, value in enumerate(VALUES):
            logs = {"loss": value, "val_loss": value, "val_acc": 1 - value}
            callback.on_epoch_end(epoch, logs)
            seen.append(logs["learning_rate"])
        rates.append(seen + [float(np.asarray(model.optimizer.learning_rate))])
    np.testing.assert_allclose(rates[0], rates[1], rtol=1e-6)
    assert len(set(rates[0])) > 1  # the rate did change


def test_reduce_lr_on_plateau_in_fit_logs_the_learning_rate(backend_name):
    model = _model()
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[
        callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=10.0)])
    # logged before each reduction; the first epoch is an improvement over nothing
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.1, 0.05])
    assert float(model.optimizer.learning_rate) == pytest.approx(0.025)


@pytest.mark.parametrize(
    "schedule",
    [lambda epoch, lr: lr * 0.5 if epoch else lr, lambda epoch: 0.1 / (epoch + 1)],
)
def test_learning_rate_scheduler_matches_keras(schedule):
    rates = []
    for library, model in ((callbacks, _model()), (keras.callbacks, _keras_model())):
        callback = library.LearningRateScheduler(schedule)
        callback.set_model(model)
        seen = []
        for epoch in range(4):
            callback.on_epoch_begin(epoch)
            logs = {"loss": 1.0}
            callback.on_epoch_end(epoch, logs)
            seen.append(logs["learning_rate"])
        rates.append(seen)
    np.testing.assert_allclose(rates[0], rates[1], rtol=1e-6)


def test_learning_rate_scheduler_in_fit():
    model = _model()
    x, y = _data()
    history = model.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[
        callbacks.LearningRateScheduler(lambda epoch, lr: 0.1 * 0.5 ** epoch)])
    np.testing.assert_allclose(history.history["learning_rate"], [0.1, 0.05, 0.025])


@pytest.mark.parametrize("append", [False, True])
def test_csv_logger_writes_what_keras_writes(tmp_path, append):
    logs = [{"loss": 0.5, "mae": 0.25}, {"loss": 0.25, "mae": np.float32(0.125)}]
    texts = []
    for library in (callbacks, keras.callbacks):
        path = tmp_path / f"{library.__name__}.csv"
        for _ in range(2 if append else 1):
            logger = library.CSVLogger(path, separator=";", append=append)
            logger.on_train_begin()
            for epoch, epoch_logs in enumerate(logs):
                logger.on_epoch_end(epoch, dict(epoch_logs))
            logger.on_train_end()
        texts.append(path.read_text())
    assert texts[0] == texts[1]
    assert texts[0].splitlines()[0] == "epoch;loss;mae;val_loss;val_mae"


def test_csv_logger_in_fit(tmp_path):
    model = _model()
    x, y = _data()
    path = tmp_path / "log.csv"
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, validation_split=0.25,
              callbacks=[callbacks.CSVLogger(str(path))])
    rows = path.read_text().splitlines()
    assert rows[0] == "epoch,loss,val_loss" and len(rows) == 3


def test_terminate_on_nan():
    model = _model()
    callback = callbacks.TerminateOnNaN()
    callback.set_model(model)
    callback.on_train_batch_end(0, {"loss": 1.0})
    assert not model.stop_training
    callback.on_train_batch_end(1, {"loss": float("nan")})
    assert model.stop_training
    with pytest.raises(RuntimeError, match="TerminateOnNaN: NaN or Inf loss"):
        callbacks.TerminateOnNaN(raise_error=True).on_train_batch_end(2, {"loss": float("inf")})


class _Interrupt(callbacks.Callback):
    """Raise at the end of one epoch, as a crash would stop a fit."""

    def __init__(self, epoch):
        self.epoch = epoch

    def on_epoch_end(self, epoch, logs=None):
        if epoch == self.epoch:
            raise KeyboardInterrupt


@pytest.mark.parametrize("save_freq", ["epoch", pytest.param(2, marks=pytest.mark.slow)])
def test_backup_and_restore_resumes_an_interrupted_fit(backend_name, tmp_path, save_freq):
    x, y = _data()
    straight = _model(optimizers.Adam(0.05))
    straight.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0)

    model = _model(optimizers.Adam(0.05))
    backup = callbacks.BackupAndRestore(tmp_path / "backup", save_freq=save_freq)
    with pytest.raises(KeyboardInterrupt):
        model.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                  callbacks=[backup, _Interrupt(epoch=1)])
    assert os.path.exists(tmp_path / "backup" / "latest" / "training_metadata.json")
    resumed = _model(optimizers.Adam(0.05), seed=9)  # another start: the backup replaces it
    history = resumed.fit(x, y, epochs=4, batch_size=8, shuffle=False, verbose=0,
                          callbacks=[callbacks.BackupAndRestore(tmp_path / "backup",
                                                                save_freq=save_freq)])
    assert not os.path.exists(tmp_path / "backup")  # deleted once the fit ends
    if save_freq != "epoch":
        # as in Keras: the last backup (after 6 of the 3-batch epochs' batches) counts one
        # epoch done, so epoch 2 runs again from where that backup left it
        assert history.epoch == [1, 2, 3]
        assert int(resumed.optimizer.iterations.numpy()) == 6 + 9
        return
    assert history.epoch == [2, 3]
    assert int(resumed.optimizer.iterations.numpy()) == 12
    for ours, expected in zip(_weights(resumed), _weights(straight)):
        np.testing.assert_allclose(ours, expected, rtol=1e-5, atol=1e-6)


def test_backup_and_restore_at_batches_and_keeping_the_previous_backup(tmp_path):
    x, y = _data()
    model = _model()
    backup = callbacks.BackupAndRestore(tmp_path, save_freq=2, double_checkpoint=True,
                                        delete_checkpoint=False)
    # 3 batches an epoch: backups after batches 2 (epoch 0), 4 and 6 (both in epoch 1)
    model.fit(x, y, epochs=2, batch_size=8, verbose=0, callbacks=[backup])
    (tmp_path / "latest" / "variables.npz").write_bytes(b"damaged")
    again = _model()
    history = again.fit(x, y, epochs=3, batch_size=8, verbose=0, callbacks=[
        callbacks.BackupAndRestore(tmp_path, double_checkpoint=True)])
    assert history.epoch == [1, 2]  # from the backup before the last: after batch 4
    assert int(again.optimizer.iterations.numpy()) == 4 + 6


def test_progbar_logger_replaces_the_default_bar():
    given = callbacks.ProgbarLogger()
    listed = CallbackList([given], model=_model(), verbose=0)
    assert [c for c in listed.callbacks if isinstance(c, ProgressBar)] == [given]
    assert given.verbose == 0
    assert len(CallbackList([], model=_model(), verbose=2).callbacks) == 1


def test_swap_ema_weights(backend_name):
    x, y = _data()
    model = _model(optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    model.fit(x, y, epochs=1, batch_size=8, verbose=0)
    model.optimizer.apply([np.ones(w.shape, "float32") for w in model.trainable_weights])
    trained = _weights(model)
    averages = [np.asarray(a.numpy()) for a in model.optimizer.moving_averages]
    swap = callbacks.SwapEMAWeights()
    swap.set_model(model)
    swap.on_test_begin()
    np.testing.assert_array_equal(_weights(model)[0], averages[0])
    swap.on_test_end()
    np.testing.assert_array_equal(_weights(model)[0], trained[0])
    swap_on_epoch = callbacks.SwapEMAWeights(swap_on_epoch=True)
    swap_on_epoch.set_model(model)
    swap_on_epoch.set_params({"epochs": 1})
    swap_on_epoch.on_epoch_end(0)
    np.testing.assert_array_equal(_weights(model)[0], averages[0])
    np.testing.assert_array_equal(model.optimizer.moving_averages[0].numpy(), averages[0])


def test_swap_ema_weights_validates_with_the_averages(backend_name):
    x, y = _data()
    model = _model(optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    history = model.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_data=(x, y),
                        callbacks=[callbacks.SwapEMAWeights()])
    # fit ends by putting the averages in the model: the weights validation used
    np.testing.assert_allclose(model.evaluate(x, y, verbose=0), history.history["val_loss"][0],
                               rtol=1e-6)
    unswapped = _model(optimizers.SGD(0.1, use_ema=True, ema_momentum=0.5))
    plain = unswapped.fit(x, y, epochs=1, batch_size=8, verbose=0, validation_data=(x, y))
    assert plain.history["val_loss"][0] != pytest.approx(history.history["val_loss"][0])


def test_swap_ema_weights_needs_use_ema():
    swap = callbacks.SwapEMAWeights()
    swap.set_model(_model())
    with pytest.raises(ValueError, match="use_ema=True"):
        swap.on_test_begin()


def test_lambda_callback_takes_keras_batch_hook_names():
    seen = []
    model = _model()
    x, y = _data()
    model.fit(x, y, epochs=1, batch_size=8, verbose=0, callbacks=[
        callbacks.LambdaCallback(on_batch_end=lambda batch, logs: seen.append(batch))])
    assert seen == [0, 1, 2]


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: callbacks.ReduceLROnPlateau(factor=1.5), "ReduceLROnPlateau: `factor`"),
        (lambda: callbacks.ReduceLROnPlateau(mode="up"), "ReduceLROnPlateau: `mode`"),
        (lambda: callbacks.BackupAndRestore(""), "BackupAndRestore: `backup_dir`"),
        (lambda: callbacks.BackupAndRestore("b", save_freq="batch"),
         "BackupAndRestore: `save_freq`"),
        (lambda: callbacks.CSVLogger("f.csv", separator=";;"), "CSVLogger: `separator`"),
    ],
)
def test_clear_errors(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_learning_rate_scheduler_errors():
    with pytest.raises(TypeError, match="LearningRateScheduler: `schedule`"):
        callbacks.LearningRateScheduler(0.1)
    callback = callbacks.LearningRateScheduler(lambda epoch, lr: "fast")
    callback.set_model(_model())
    with pytest.raises(ValueError, match="must return a float"):
        callback.on_epoch_begin(0)
