"""Backends as runtime objects: switching moves live models, failures change nothing."""

import numpy as np
import pytest

import engine
from engine import backend as backends
from engine import layers
from engine.switching import move_variables
from tests.conftest import INSTALLED


def small_cnn():
    i = layers.Input((8, 8, 1))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(i)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    return engine.Model(i, layers.Dense(3, activation="softmax")(x))


def test_set_backend_moves_every_live_model(backend_name):
    engine.set_backend("numpy")
    first, second = small_cnn(), small_cnn()
    x = np.random.default_rng(0).normal(size=(2, 8, 8, 1)).astype("float32")
    expected = first.predict(x)
    engine.set_backend(backend_name)
    assert first.backend.name == second.backend.name == backend_name
    assert engine.backend_name() == backend_name
    np.testing.assert_allclose(first.predict(x), expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("target", INSTALLED)
def test_round_trip_is_bit_exact(target):
    model = small_cnn()
    before = model.get_weights()
    model.to_backend(target)
    model.to_backend("numpy")
    for old, new in zip(before, model.get_weights()):
        assert old.dtype == new.dtype
        np.testing.assert_array_equal(old, new)


def test_to_backend_moves_one_model_only():
    if len(INSTALLED) < 2:
        pytest.skip("needs a second backend")
    other = INSTALLED[1]
    moved, stayed = small_cnn(), small_cnn()
    moved.to_backend(other)
    assert moved.backend.name == other and stayed.backend.name == "numpy"
    assert engine.backend_name() == "numpy"


def test_missing_framework_names_the_extra_and_changes_nothing(monkeypatch):
    model = small_cnn()
    monkeypatch.setitem(backends.BACKENDS, "jax", ("engine.backend.no_such_module", "jax", "jax"))
    monkeypatch.delitem(backends._loaded, "jax", raising=False)
    with pytest.raises(engine.MissingBackendError, match=r'pip install "model-workbench\[jax\]"'):
        engine.set_backend("jax")
    assert engine.backend_name() == "numpy" and model.backend.name == "numpy"


@pytest.fixture
def broken_jax(tmp_path, monkeypatch):
    """A 'jax' backend whose framework is installed but raises on import, as a jaxlib that
    does not fit jax does."""
    (tmp_path / "broken_framework.py").write_text(
        'raise RuntimeError("jaxlib version 0.1 is too old for jax 0.9")\n'
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setitem(backends.BACKENDS, "jax", ("broken_framework", "jax", "jax"))
    monkeypatch.delitem(backends._loaded, "jax", raising=False)


def test_broken_framework_is_a_missing_backend_that_says_to_reinstall(broken_jax):
    model = small_cnn()
    assert "jax" not in engine.available_backends()
    with pytest.raises(engine.MissingBackendError, match="RuntimeError: jaxlib version") as error:
        engine.set_backend("jax")
    assert "--force-reinstall" in str(error.value)
    assert engine.backend_name() == "numpy" and model.backend.name == "numpy"


def test_dashboard_rejects_a_switch_to_a_broken_framework(broken_jax):
    from workbench import protocol, router
    from workbench.training_session import TrainingSession

    model = small_cnn()
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    x = np.zeros((4, 8, 8, 1), "float32")
    session = TrainingSession(model, (x, np.zeros(4, "int32")))
    message = {"version": protocol.PROTOCOL_VERSION, "type": "set_backend", "backend": "jax",
               "request_id": "r1"}
    replies = router.handle(session, message)
    assert [reply["code"] for reply in replies if reply.get("type") == "error"] == ["rejected"]
    assert model.backend.name == "numpy"


def test_unknown_backend_is_refused():
    with pytest.raises(ValueError, match="numpy, jax, torch, tensorflow"):
        engine.set_backend("theano")


def test_failed_move_leaves_every_variable_where_it_was():
    model = small_cnn()
    before = model.get_weights()
    numpy_backend = backends.get_backend("numpy")

    class Refuses(type(numpy_backend)):
        name = "refuses"

        def __init__(self):
            self.calls = 0

        def convert(self, x, dtype=None):
            self.calls += 1
            if self.calls == 3:
                raise MemoryError("device full")
            return super().convert(x, dtype)

    with pytest.raises(engine.BackendSwitchError, match="device full"):
        move_variables(model.variables, Refuses())
    assert {v.backend.name for v in model.variables} == {"numpy"}
    for old, new in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, new)


def test_devices_lists_the_cpu(backend_name):
    devices = engine.devices()
    assert devices and all(isinstance(d, str) for d in devices)
    assert any(d.startswith("cpu") for d in devices) or any(
        d.startswith(("gpu", "cuda")) for d in devices
    )


def gpu_backends():
    return [
        n
        for n in INSTALLED
        if any(d.startswith(("gpu", "cuda")) for d in backends.get_backend(n).devices())
    ]


@pytest.mark.skipif(not gpu_backends(), reason="no GPU visible to any installed framework")
@pytest.mark.parametrize("name", gpu_backends() or ["none"])
def test_weights_live_on_the_gpu_when_one_is_visible(name):
    engine.set_backend(name)
    assert backends.get_backend(name).default_device().startswith(("gpu", "cuda"))
    model = small_cnn()
    x = np.ones((2, 8, 8, 1), "float32")
    assert model.predict(x).shape == (2, 3)


def test_to_backend_carries_optimizer_and_metric_state():
    if len(INSTALLED) < 2:
        pytest.skip("needs a second backend")
    model = small_cnn()
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    x = np.random.default_rng(0).normal(size=(8, 8, 8, 1)).astype("float32")
    model.fit(x, np.arange(8) % 3, epochs=1, verbose=0)
    model.to_backend(INSTALLED[1])
    state = model.variables + model.optimizer.variables + [
        v for metric in model.metrics for v in metric.variables
    ]
    assert {v.backend.name for v in state} == {INSTALLED[1]}
    model.fit(x, np.arange(8) % 3, epochs=1, verbose=0)
    assert int(model.optimizer.iterations.numpy()) == 2
