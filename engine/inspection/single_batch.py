"""inspect(model, x, y): one training step's tensors and diagnostics, without training."""

from __future__ import annotations

from engine import backend as backends
from engine import tree
from engine.inspection.capture import Probe
from engine.inspection.diagnostics import Diagnoser, Thresholds
from engine.layers.layer import to_backend_array
from engine.training.step import Steps
from engine.training.trainer import NotCompiledError
from engine.variables import one_step_state


def inspect(
    model, x, y, sample_weight=None, thresholds=None, bins=32, heat_map_size=32, tensors=False
) -> dict:
    """Run one training step on the batch (x, y) with capture, leaving the model unchanged.

    Returns a record (see engine/inspection/records.py) with "diagnostics" (dicts with id,
    node, step, message, value) and "graph" (the tensors and how they connect) added. With
    `tensors=True` it also holds the raw arrays under "tensors" ("activations", "gradients"
    with respect to each layer output, "weight_gradients"), as NumPy arrays.
    """
    if model.optimizer is None:
        raise NotCompiledError(
            f"inspect needs model {model.name!r} compiled, for its loss and optimizer: call "
            "model.compile(optimizer=..., loss=...) first."
        )
    model.build_on_batch(x)  # a subclassed model not built yet, as fit builds it
    backend = model.backend
    model.optimizer.build(model.trainable_weights)
    probe, steps = _capture_step(model, backend, (bins, heat_map_size, tensors))
    with backends.using(backend):
        batch = tree.map_structure(
            lambda a: None if a is None else to_backend_array(backend, a), (x, y, sample_weight)
        )
    # fit may run in another thread, and update arrays in place: one step's state throughout
    with one_step_state(), backends.using(backend):
        state = tree.map_structure(lambda v: v.value, model.train_state_variables())
        step = int(model.optimizer.iterations.numpy()) + 1
        _, _, captured = steps.train_probed(probe)(state, *batch)
    record = probe.read(captured, backend, step)
    limits = (thresholds or Thresholds()).for_one_batch()
    record["diagnostics"] = [d.to_dict() for d in Diagnoser(probe.layout, limits).update(record)]
    record["graph"] = probe.layout.to_dict()
    return record


def _capture_step(model, backend, options) -> tuple:
    """(probe, Steps) for inspecting `model` on `backend`, kept on the model so that later
    calls reuse the compiled capture step (compiled again for a new batch shape, as any step
    is). A new compile (optimizer or loss), other trainable weights or other options get new
    ones; a few are kept, so switching between backends compiles nothing again."""
    cache = model.__dict__.setdefault("_inspection_steps", {})
    key = (
        backend.name,
        options,
        tuple(map(id, model.trainable_weights)),
        tuple(map(id, model.non_trainable_variables)),
    )
    entry = cache.get(key)
    if entry is None or entry[0] is not model.optimizer or entry[1] is not model.loss:
        bins, heat_map_size, tensors = options
        probe = Probe(model, bins=bins, heat_map_size=heat_map_size, keep_tensors=tensors)
        entry = cache[key] = (model.optimizer, model.loss, probe, Steps(model, backend))
        while len(cache) > _KEPT:
            del cache[next(iter(cache))]
    return entry[2:]


_KEPT = 8  # capture steps kept per model
