"""Hand-written training loops: each model and Adam written directly in one framework.

They are what a practitioner fluent in the framework would write: the framework's own fused
ops (cross-entropy from logits, layer norm, attention where it has one) and its usual
compilation (jax.jit; tf.function with XLA; PyTorch eager with torch.optim.Adam). Each
starts from the engine's initial weights and uses Keras's Adam defaults, so the work per
step is the same as in `fit`.

    trainer = native.trainer("jax", "mlp", config, weights)
    x, y = trainer.prepare(x, y)        # the framework's usual data layout, once
    loss = trainer.step(x[:256], y[:256])  # one step from NumPy batches
    trainer.sync(loss)                  # wait for queued work (JAX runs asynchronously)
"""

from __future__ import annotations

import importlib

FRAMEWORKS = ("jax", "torch", "tensorflow")


def _loop(framework: str):
    if framework not in FRAMEWORKS:
        raise ValueError(f"No hand-written loop for {framework!r}; there are: {FRAMEWORKS}.")
    return importlib.import_module(f"benchmarks.native.{framework}_loop")


def trainer(framework: str, name: str, config: dict, weights: list):
    """The hand-written trainer of model `name` in `framework`."""
    return _loop(framework).Trainer(name, config, weights)


def device(framework: str) -> str:
    """"gpu" or "cpu": where `framework` puts arrays by default (and so where Keras runs)."""
    return _loop(framework).device()
