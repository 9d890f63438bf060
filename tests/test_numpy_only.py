"""With no framework but NumPy installed, the engine imports and a CNN runs forward and backward."""

import subprocess
import sys
import textwrap

SCRIPT = textwrap.dedent(
    """
    import importlib.abc, sys

    class NoFrameworks(importlib.abc.MetaPathFinder):
        def find_spec(self, name, path, target=None):
            if name.split(".")[0] in {"jax", "jaxlib", "torch", "tensorflow", "keras"}:
                raise ImportError(f"{name} is not installed")
            return None

    sys.meta_path.insert(0, NoFrameworks())

    import numpy as np
    import engine
    from engine import layers, ops
    from engine.variables import state_scope

    assert engine.available_backends() == ["numpy"], engine.available_backends()
    try:
        engine.set_backend("torch")
    except engine.MissingBackendError as error:
        assert "model-workbench[torch]" in str(error)
    assert engine.backend_name() == "numpy"

    i = layers.Input((8, 8, 1))
    x = layers.Conv2D(4, 3, padding="same", activation="relu")(i)
    x = layers.MaxPooling2D(2)(x)
    model = engine.Model(i, layers.Dense(2)(layers.Flatten()(x)))
    data = np.random.default_rng(0).normal(size=(3, 8, 8, 1)).astype("float32")
    assert model.predict(data).shape == (3, 2)

    backend = model.backend
    def loss(params, batch):
        out, _ = model.stateless_call(params, [], batch)
        return ops.mean(ops.square(out))
    params = [w.value for w in model.trainable_weights]
    value, grads = backend.value_and_grad(loss)(params, backend.convert(data))
    assert [g.shape for g in grads] == [w.shape for w in model.trainable_weights]
    assert all(np.isfinite(backend.to_numpy(g)).all() for g in grads)
    assert any(np.abs(backend.to_numpy(g)).sum() > 0 for g in grads)
    assert not any(name.split(".")[0] in {"jax", "torch", "tensorflow"} for name in sys.modules)
    print("ok")
    """
)


def test_engine_runs_a_cnn_with_numpy_alone():
    result = subprocess.run(
        [sys.executable, "-c", SCRIPT], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
