"""fit / evaluate: data from anywhere, callbacks, validation, and the errors users meet."""

from types import SimpleNamespace

import numpy as np
import pytest

import engine
from engine import layers
from engine.inspection import InspectionCallback
from engine.losses import ClassLabelError
from engine.training import DataError, NotCompiledError, TrainingDivergedError, trainer


def classifier():
    engine.set_random_seed(0)
    model = engine.Sequential(
        [
            layers.Input((4,)),
            layers.Dense(16, activation="relu"),
            layers.Dense(3, activation="softmax"),
        ]
    )
    model.compile(
        engine.optimizers.Adam(0.01), "sparse_categorical_crossentropy", metrics=["accuracy"]
    )
    return model


def blobs(count=240, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, count)
    x = rng.normal(size=(count, 4)) * 0.5 + np.eye(3, 4)[y] * 3
    return x.astype("float32"), y.astype("int32")


def test_fit_learns_and_history_has_every_epoch(backend_name):
    x, y = blobs()
    model = classifier()
    history = model.fit(x, y, epochs=8, batch_size=32, validation_split=0.25, verbose=0)
    assert history.epoch == list(range(8))
    assert set(history.history) == {"loss", "accuracy", "val_loss", "val_accuracy"}
    assert history.history["loss"][-1] < history.history["loss"][0] * 0.6
    assert history.history["val_accuracy"][-1] > 0.9
    loss, accuracy = model.evaluate(x, y, verbose=0)
    assert accuracy > 0.9 and loss < history.history["loss"][0]
    assert backend_name in model.first_step_seconds


def test_evaluate_returns_a_dict_and_matches_a_manual_computation():
    x, y = blobs(50)
    model = classifier()
    logs = model.evaluate(x, y, batch_size=7, verbose=0, return_dict=True)
    probabilities = model.predict(x)
    expected_loss = -np.mean(np.log(np.clip(probabilities[np.arange(50), y], 1e-7, 1)))
    assert logs["loss"] == pytest.approx(expected_loss, rel=1e-5)
    assert logs["accuracy"] == pytest.approx(np.mean(probabilities.argmax(1) == y))


def test_validation_data_and_sample_weight():
    x, y = blobs()
    model = classifier()
    weights = np.where(y == 0, 0.0, 1.0)
    history = model.fit(
        x, y, sample_weight=weights, validation_data=(x[:40], y[:40]), epochs=2, verbose=0
    )
    assert len(history.history["val_loss"]) == 2


def test_generator_with_steps_per_epoch():
    x, y = blobs()

    def forever():
        while True:
            for start in range(0, 240, 40):
                yield x[start : start + 40], y[start : start + 40]

    model = classifier()
    history = model.fit(forever(), steps_per_epoch=6, epochs=3, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 18
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_pandas_frames():
    pandas = pytest.importorskip("pandas")
    x, y = blobs()
    model = classifier()
    model.fit(pandas.DataFrame(x), pandas.Series(y), epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 8


def test_torch_dataloader_on_every_backend(backend_name):
    torch = pytest.importorskip("torch")
    x, y = blobs()
    loader = torch.utils.data.DataLoader(
        torch.utils.data.TensorDataset(torch.from_numpy(x), torch.from_numpy(y)), batch_size=48
    )
    model = classifier()
    history = model.fit(loader, epochs=3, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 15
    assert history.history["loss"][-1] < history.history["loss"][0]
    assert model.evaluate(loader, verbose=0)[1] > 0.5


def test_tf_dataset_on_every_backend(backend_name):
    tf = pytest.importorskip("tensorflow")
    x, y = blobs()
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).batch(60)
    model = classifier()
    history = model.fit(dataset, epochs=3, validation_data=dataset, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 12
    assert history.history["loss"][-1] < history.history["loss"][0]


def test_divergence_stops_with_the_last_good_weights():
    x, y = blobs()
    x[100] = np.nan
    model = classifier()
    before = model.get_weights()
    with pytest.raises(TrainingDivergedError, match="step 4") as error:
        model.fit(x, y, batch_size=32, shuffle=False, epochs=1, verbose=0)
    assert "lower learning rate" in str(error.value)
    model_weights = model.get_weights()
    assert all(np.isfinite(w).all() for w in model_weights)
    assert int(model.optimizer.iterations.numpy()) == 3
    assert any(not np.array_equal(a, b) for a, b in zip(before, model_weights))


def test_divergence_in_the_last_step_of_an_epoch_keeps_the_weights_before_it(backend_name):
    # Losses are read some steps late; the last steps of an epoch are checked before the
    # epoch ends, and the weights are exactly those the good steps left.
    x, y = blobs(count=128)
    x[120] = np.inf
    model, twin = classifier(), classifier()
    twin.fit(x[:96], y[:96], batch_size=32, shuffle=False, epochs=1, verbose=0)
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 4"):
        model.fit(x, y, batch_size=32, shuffle=False, epochs=2, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 3
    for got, want in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(got, want)
    assert model.history.history == {}


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_a_bad_step_among_several_read_late_undoes_it_and_every_step_after(name):
    # Python runs several steps ahead of the losses it has read: step 6 of 20 is found bad
    # after later steps ran, and all of them are undone.
    pytest.importorskip(name)
    engine.set_backend(name)
    x, y = blobs(count=640)
    x[170] = np.nan  # in the sixth batch of 32
    twin = _good_steps_twin(x, y, 5)
    model = classifier()
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 6"):
        model.fit(x, y, batch_size=32, shuffle=False, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 5
    for got, want in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_jax_reads_the_losses_of_several_steps_at_once(monkeypatch):
    # A wait for the device per step cost JAX's MLP about 5%: the losses wait unread, then
    # all but the newest are read together.
    pytest.importorskip("jax")
    engine.set_backend("jax")
    reads = []
    real = trainer.is_finite
    monkeypatch.setattr(
        trainer, "is_finite", lambda backend, loss: reads.append(loss) or real(backend, loss)
    )
    read_by_step = []
    count = engine.callbacks.LambdaCallback(
        on_train_batch_end=lambda step, logs: read_by_step.append(len(reads))
    )
    ahead = trainer.MOST_STEPS_AHEAD
    x, y = blobs(count=32 * (ahead + 8))
    classifier().fit(x, y, batch_size=32, shuffle=False, verbose=0, callbacks=[count])
    assert read_by_step[:ahead] == [0] * ahead
    assert read_by_step[ahead] == ahead  # the newest stays unread
    assert len(reads) == ahead + 8


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_steps_read_late_keep_one_state_however_many_wait(name):
    # Only the oldest unread step keeps the state from before it (to undo steps from
    # there); the others keep their batch, so waiting steps cost no memory for state.
    pytest.importorskip(name)
    engine.set_backend(name)
    model = classifier()
    kept = []
    count = engine.callbacks.LambdaCallback(
        on_train_batch_end=lambda step, logs: kept.append(
            [s.before is not None for s in model._unchecked_steps]
        )
    )
    x, y = blobs(count=32 * 40)
    model.fit(x, y, batch_size=32, shuffle=False, verbose=0, callbacks=[count])
    assert [waiting.count(True) for waiting in kept] == [1] * 40
    assert all(waiting[0] for waiting in kept)
    assert max(len(waiting) for waiting in kept) == trainer.MOST_STEPS_AHEAD


@pytest.mark.parametrize("bad_step", [1, 4, 5, 7])
def test_a_bad_step_is_undone_wherever_it_falls_among_the_unread(monkeypatch, bad_step):
    # Four steps wait unread: steps 1-4 are read together at step 5, steps 5-8 at step 9.
    # Whether the bad step is the oldest unread one (1, 5) or comes after good ones (4, 7),
    # the weights are exactly those of the good steps before it.
    pytest.importorskip("jax")
    engine.set_backend("jax")
    monkeypatch.setattr(trainer, "MOST_STEPS_AHEAD", 4)
    x, y = blobs(count=320)
    x[32 * (bad_step - 1) + 3] = np.nan
    twin = _good_steps_twin(x, y, bad_step - 1) if bad_step > 1 else classifier()
    model = classifier()
    with pytest.raises(TrainingDivergedError, match=f"epoch 1, step {bad_step}\\b"):
        model.fit(x, y, batch_size=32, shuffle=False, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == bad_step - 1
    for got, want in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_captures_arrive_with_their_losses_and_bad_steps_are_undone_through_them(
    monkeypatch, name
):
    # A step captured with a probe is read late like any other: the device never waits for
    # a capture. Records arrive in order when their losses are read (steps 1-4 at step 5),
    # and a bad step among captured ones (6, found at step 9) is undone by running the good
    # ones again with their probe, which gives exactly the weights they gave.
    pytest.importorskip(name)
    engine.set_backend(name)
    monkeypatch.setattr(trainer, "MOST_STEPS_AHEAD", 4)
    x, y = blobs(count=320)
    x[32 * 5 + 3] = np.nan  # step 6
    twin = classifier()
    twin.fit(x[:160], y[:160], batch_size=32, shuffle=False, verbose=0,
             callbacks=[InspectionCallback(every=1, verbose=0)])
    inspector = InspectionCallback(every=1, verbose=0)
    arrived = []
    count = engine.callbacks.LambdaCallback(
        on_train_batch_end=lambda step, logs: arrived.append(len(inspector.store))
    )
    model = classifier()
    with pytest.raises(TrainingDivergedError, match="epoch 1, step 6"):
        model.fit(x, y, batch_size=32, shuffle=False, verbose=0, callbacks=[inspector, count])
    assert arrived == [0, 0, 0, 0, 4, 4, 4, 4]  # steps 5-8 are read at step 9
    assert [record["step"] for record in inspector.store] == [1, 2, 3, 4, 5, 6]
    assert "non_finite" in {d.id for d in inspector.findings}
    assert int(model.optimizer.iterations.numpy()) == 5
    for got, want in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_losses_wait_unread_while_a_state_and_their_batches_fit():
    def state(shape, dtype="float32"):
        return [SimpleNamespace(shape=shape, dtype=dtype)]

    limit = trainer.UNREAD_BYTES
    batch = (np.zeros((32, 4), "float32"), np.zeros(32, "int32"), None)  # 640 bytes
    assert trainer._steps_ahead(state((10, 10)), batch) == trainer.MOST_STEPS_AHEAD
    half = limit // 2
    third_of_the_rest = (np.zeros(half // 3, "uint8"),)
    assert trainer._steps_ahead(state((half // 4,)), third_of_the_rest) == 3
    assert trainer._steps_ahead(state((half // 2,), "float16"), third_of_the_rest) == 3
    assert trainer._steps_ahead(state((2, limit // 8)), batch) == 1  # the state alone is too big
    assert trainer._steps_ahead(state((10,)), (np.zeros(limit, "uint8"),)) == 1


def _good_steps_twin(x, y, steps):
    twin = classifier()
    twin.fit(x[: 32 * steps], y[: 32 * steps], batch_size=32, shuffle=False, verbose=0)
    return twin


@pytest.mark.parametrize("target", ["numpy", "torch"])
def test_a_late_checked_bad_step_is_undone_after_a_switch_in_between(target):
    # Step 4 runs on JAX (its loss read one step late); a callback then moves the model to
    # a synchronous backend, so the check happens there and the restored weights are moved.
    pytest.importorskip("jax")
    if target not in engine.available_backends():
        pytest.skip(f"{target} is not installed")
    x, y = blobs(count=160)
    x[100] = np.nan
    engine.set_backend("jax")
    twin = _good_steps_twin(x, y, 3)
    model = classifier()
    switch = engine.callbacks.LambdaCallback(
        on_train_batch_end=lambda step, logs: step == 3 and engine.set_backend(target)
    )
    with pytest.raises(TrainingDivergedError, match="step 4"):
        model.fit(x, y, batch_size=32, shuffle=False, verbose=0, callbacks=[switch])
    assert model.backend.name == target
    on_target = engine.backend.get_backend(target)
    assert all(v.backend is on_target and on_target.is_array(v.value) for v in model.variables)
    assert int(model.optimizer.iterations.numpy()) == 3
    for got, want in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["jax", "tensorflow"])
def test_an_error_right_after_a_bad_step_still_leaves_the_weights_before_it(name):
    # The bad step's loss is not checked yet when a callback fails: fit undoes the step on
    # its way out, and the callback's error is what the user sees.
    if name not in engine.available_backends():
        pytest.skip(f"{name} is not installed")
    x, y = blobs(count=160)
    x[100] = np.nan
    engine.set_backend(name)
    twin = _good_steps_twin(x, y, 3)
    model = classifier()

    def fail_after_step_4(step, logs):
        if step == 3:
            raise KeyError("a callback broke")

    failing = engine.callbacks.LambdaCallback(on_train_batch_end=fail_after_step_4)
    with pytest.raises(KeyError, match="a callback broke"):
        model.fit(x, y, batch_size=32, shuffle=False, verbose=0, callbacks=[failing])
    assert int(model.optimizer.iterations.numpy()) == 3
    for got, want in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_a_torch_step_updates_in_place_yet_snapshots_keep_their_values():
    pytest.importorskip("torch")
    engine.set_backend("torch")
    x, y = blobs()
    model = classifier()
    kernel = model.trainable_weights[0]
    tensor_before, snapshot = kernel.value, model.get_weights()
    model.fit(x, y, batch_size=32, epochs=1, verbose=0)
    assert kernel.value is tensor_before  # Adam wrote into the weight's own tensor
    assert not np.array_equal(kernel.numpy(), snapshot[0])
    np.testing.assert_array_equal(snapshot[0], classifier().get_weights()[0])  # untouched


def test_fit_before_compile_says_what_to_do():
    model = engine.Sequential([layers.Input((4,)), layers.Dense(1)])
    with pytest.raises(NotCompiledError, match="model.compile"):
        model.fit(np.zeros((2, 4)), np.zeros((2, 1)), verbose=0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(x=np.zeros((10, 4)), y=np.zeros(9)), "same number of samples"),
        (dict(x=np.zeros((10, 4)), y=np.zeros(10), batch_size=0), "batch_size"),
        (dict(x=np.zeros((10, 4)), y=np.zeros(10), validation_split=1.5), "between 0 and 1"),
        (dict(x=None), "No data"),
        (dict(x=np.array(["a", "b"]), y=np.zeros(2)), "numeric"),
    ],
)
def test_bad_data_is_refused_clearly(kwargs, message):
    model = classifier()
    with pytest.raises((DataError, TypeError), match=message):
        model.fit(epochs=1, verbose=0, **kwargs)
    assert int(model.optimizer.iterations.numpy()) == 0


@pytest.mark.parametrize("bad", [3, -1])
def test_class_labels_outside_the_outputs_classes_are_refused_before_any_step(bad):
    x, y = blobs(40)
    model = classifier()
    weights = model.get_weights()
    y[7] = bad
    with pytest.raises(ClassLabelError, match=f"0 to 2 .*'dense_1' has 3 classes.*holds {bad}"):
        model.fit(x, y, epochs=1, verbose=0)
    with pytest.raises(ClassLabelError):
        model.fit(x, y - (y == bad) * bad, validation_data=(x, y), verbose=0)
    with pytest.raises(ClassLabelError):
        model.evaluate(x, y, verbose=0)
    assert all(np.array_equal(a, b) for a, b in zip(model.get_weights(), weights))


def test_the_ignored_class_may_lie_outside_the_classes():
    x, y = blobs(40)
    model = classifier()
    model.compile("sgd", engine.losses.SparseCategoricalCrossentropy(ignore_class=-1))
    y[:5] = -1
    model.fit(x, y, epochs=1, verbose=0)
    y[6] = 3
    with pytest.raises(ClassLabelError, match="holds 3"):
        model.fit(x, y, epochs=1, verbose=0)


def test_early_stopping_restores_the_best_weights():
    x, y = blobs()
    model = classifier()
    snapshots = []
    record = engine.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: snapshots.append((logs["val_loss"], model.get_weights()))
    )
    stop = engine.callbacks.EarlyStopping(
        monitor="val_loss", patience=0, min_delta=10.0, restore_best_weights=True
    )
    history = model.fit(x, y, epochs=10, validation_split=0.2, verbose=0, callbacks=[record, stop])
    assert len(history.epoch) == 2
    for ours, best in zip(model.get_weights(), snapshots[0][1]):
        np.testing.assert_array_equal(ours, best)


def test_callbacks_say_what_they_do_with_verbose_as_keras(tmp_path, capsys):
    x, y = blobs()
    model = classifier()
    stop = engine.callbacks.EarlyStopping(
        "val_loss", 10.0, 0, 1, restore_best_weights=True  # Keras's positional order
    )
    best = engine.callbacks.ModelCheckpoint(
        tmp_path / "best.wbm", "val_loss", 1, save_best_only=True, initial_value_threshold=0.0
    )
    model.fit(x, y, epochs=5, validation_split=0.2, verbose=0, callbacks=[best, stop])
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("Epoch 1: val_loss did not improve from 0.00000")
    assert lines[-2:] == [
        "Epoch 2: early stopping",
        "Restoring model weights from the end of the best epoch: 1.",
    ]
    assert not (tmp_path / "best.wbm").exists()
    with pytest.raises(ValueError, match=r"must end in `\.weights\.h5`"):
        engine.callbacks.ModelCheckpoint(tmp_path / "w.h5", save_weights_only=True)


def test_model_checkpoint_saves_weights_every_few_batches(tmp_path):
    pytest.importorskip("h5py")
    x, y = blobs()
    model = classifier()
    checkpoint = engine.callbacks.ModelCheckpoint(
        tmp_path / "w-{epoch}-{batch}.weights.h5", save_weights_only=True, save_freq=2)
    model.fit(x, y, epochs=2, batch_size=len(x) // 3, verbose=0, callbacks=[checkpoint])
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "w-1-2.weights.h5", "w-2-1.weights.h5", "w-2-3.weights.h5"]
    copy = classifier()
    copy.load_weights(tmp_path / "w-2-3.weights.h5")
    for ours, theirs in zip(copy.get_weights(), model.get_weights()):
        np.testing.assert_array_equal(ours, theirs)


def test_the_older_batch_hook_names_are_called_as_keras_calls_them():
    x, y = blobs()

    class Losses(engine.callbacks.Callback):
        def on_train_begin(self, logs):
            self.seen = []

        def on_batch_end(self, batch, logs):
            self.seen.append((batch, logs.get("loss")))

    losses = Losses()
    classifier().fit(x, y, epochs=1, batch_size=len(x) // 2, verbose=0, callbacks=[losses])
    assert [batch for batch, _ in losses.seen] == [0, 1]
    assert all(loss is not None for _, loss in losses.seen)


def test_early_stopping_names_missing_logs():
    x, y = blobs()
    with pytest.raises(KeyError, match="validation data"):
        classifier().fit(x, y, epochs=1, verbose=0, callbacks=[engine.callbacks.EarlyStopping()])


def test_stop_training_from_a_batch_hook_stops_after_that_step():
    x, y = blobs()
    model = classifier()

    def stop(batch, logs):
        if batch == 2:
            model.stop_training = True

    model.fit(
        x,
        y,
        epochs=5,
        batch_size=16,
        verbose=0,
        callbacks=[engine.callbacks.LambdaCallback(on_train_batch_end=stop)],
    )
    assert int(model.optimizer.iterations.numpy()) == 3


def test_batch_logs_are_read_only_when_used():
    x, y = blobs()
    model = classifier()
    losses = []
    model.fit(
        x,
        y,
        epochs=1,
        batch_size=80,
        verbose=0,
        callbacks=[
            engine.callbacks.LambdaCallback(
                on_train_batch_end=lambda b, logs: losses.append(logs["loss"])
            )
        ],
    )
    assert len(losses) == 3 and all(isinstance(v, float) for v in losses)


def test_callbacks_must_be_callbacks():
    x, y = blobs()
    with pytest.raises(TypeError, match="LambdaCallback"):
        classifier().fit(x, y, epochs=1, verbose=0, callbacks=[print])


def test_progress_bar_prints_epochs(capsys):
    x, y = blobs(64)
    classifier().fit(x, y, epochs=2, verbose=2)
    out = capsys.readouterr().out
    assert "Epoch 1/2 - loss:" in out and "Epoch 2/2" in out
    assert "First step on numpy" in out


def test_changing_the_learning_rate_after_compilation_takes_effect():
    x, y = blobs(32)
    fast, slow = classifier(), classifier()
    fast.compile(engine.optimizers.SGD(0.1), "sparse_categorical_crossentropy")
    slow.compile(engine.optimizers.SGD(0.01), "sparse_categorical_crossentropy")
    start = fast.get_weights()
    slow.fit(x, y, batch_size=32, verbose=0)  # its step is compiled with the old rate
    slow.set_weights(start)
    slow.optimizer.learning_rate = 0.1
    fast.fit(x, y, batch_size=32, verbose=0)
    slow.fit(x, y, batch_size=32, verbose=0)
    for a, b in zip(fast.get_weights(), slow.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-6, atol=1e-7)


def test_multi_output_with_loss_weights():
    i = layers.Input((4,))
    hidden = layers.Dense(8, activation="relu")(i)
    model = engine.Model(
        i, [layers.Dense(1)(hidden), layers.Dense(3, activation="softmax")(hidden)]
    )
    model.compile("sgd", ["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0])
    x, y = blobs(32)
    target = x.sum(axis=1, keepdims=True)
    outputs = model.predict(x)
    expected = 0.5 * np.mean((outputs[0] - target) ** 2) + 2.0 * np.mean(
        -np.log(np.clip(outputs[1][np.arange(32), y], 1e-7, 1))
    )
    loss, *by_output = model.evaluate(x, [target, y], verbose=0, batch_size=32)
    assert loss == pytest.approx(expected, rel=1e-5)
    assert len(by_output) == 2  # each output's loss, as Keras lists them
    with pytest.raises(ValueError, match="one loss per output"):
        model.compile("sgd", ["mse"])


def test_losses_and_loss_weights_by_output_name():
    i = layers.Input((4,))
    hidden = layers.Dense(8, activation="relu")(i)
    amount = layers.Dense(1, name="amount")(hidden)
    kind = layers.Dense(3, activation="softmax", name="kind")(hidden)
    model = engine.Model(i, [amount, kind])
    x, y = blobs(32)
    target = x.sum(axis=1, keepdims=True)
    model.compile("sgd", ["mse", "sparse_categorical_crossentropy"], loss_weights=[0.5, 2.0])
    by_position = model.evaluate(x, [target, y], verbose=0, batch_size=32)
    model.compile("sgd", {"kind": "sparse_categorical_crossentropy", "amount": "mse"},
                  loss_weights={"amount": 0.5, "kind": 2.0})
    by_name = model.evaluate(x, {"kind": y, "amount": target}, verbose=0, batch_size=32)
    assert by_name == pytest.approx(by_position, rel=1e-6)
    model.compile("sgd", {"amount": "mse"})  # an output left out is not trained on
    mse = np.mean((model.predict(x, verbose=0)[0] - target) ** 2)
    assert model.evaluate(x, [target, y], verbose=0, batch_size=32) == pytest.approx(mse, 1e-5)
    with pytest.raises(ValueError, match="'price', which model .* has no output of; its "
                                         "outputs are 'amount', 'kind'"):
        model.compile("sgd", {"price": "mse"})


def test_model_checkpoint_writes_loadable_files(tmp_path):
    x, y = blobs()
    model = classifier()
    every = engine.callbacks.ModelCheckpoint(tmp_path / "epoch-{epoch:02d}-{loss:.2f}.wbm")
    best = engine.callbacks.ModelCheckpoint(
        tmp_path / "best.wbm", monitor="val_accuracy", save_best_only=True
    )
    saved = []
    watch = engine.callbacks.LambdaCallback(
        on_epoch_end=lambda epoch, logs: saved.append((tmp_path / "best.wbm").read_bytes())
    )
    history = model.fit(
        x, y, epochs=3, validation_split=0.25, verbose=0, callbacks=[every, best, watch]
    )
    names = sorted(p.name for p in tmp_path.glob("epoch-*.wbm"))
    assert [n[:9] for n in names] == ["epoch-01-", "epoch-02-", "epoch-03-"]
    assert names[-1] == f"epoch-03-{history.history['loss'][-1]:.2f}.wbm"
    accuracies = history.history["val_accuracy"]
    improved = [i == 0 or a > max(accuracies[:i]) for i, a in enumerate(accuracies)]
    rewritten = [i == 0 or saved[i] != saved[i - 1] for i in range(3)]
    assert rewritten == improved
    restored = engine.load_model(tmp_path / names[-1])
    np.testing.assert_allclose(restored.predict(x), model.predict(x), rtol=1e-6)


def test_adding_a_weighted_scalar_is_the_update_with_that_weight(backend_name):
    """The loss tracker's shortcut (fit's every step) agrees with the general update."""
    backend = engine.backend.get_backend(backend_name)
    metric = engine.metrics.Mean(name="loss")
    state = [backend.convert(np.float32(1.5)), backend.convert(np.float32(2.0))]
    with engine.backend.using(backend):
        fast = metric.stateless_add(state, backend.convert(np.float32(0.25)), 4)
        general = metric.stateless_update(state, backend.convert(np.float32(0.25)), 4.0)
        result = metric.stateless_result(fast)
    np.testing.assert_allclose([backend.to_numpy(v) for v in fast], [2.5, 6.0])
    np.testing.assert_allclose([backend.to_numpy(v) for v in general], [2.5, 6.0])
    assert float(backend.to_numpy(result)) == pytest.approx(2.5 / 6.0)


def test_the_progress_bar_shows_a_metric_with_several_thresholds(capsys):
    x, y = blobs()
    model = engine.Sequential([engine.Input((x.shape[1],)), engine.layers.Dense(1, "sigmoid")])
    model.compile("adam", "binary_crossentropy",
                  metrics=[engine.metrics.Precision(thresholds=[0.3, 0.7])])
    history = model.fit(x, (y > 0).astype("float32"), epochs=1, verbose=1)
    assert history.history["precision"][0].shape == (2,)
    assert "precision=[" in capsys.readouterr().err
