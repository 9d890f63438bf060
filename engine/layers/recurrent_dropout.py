"""Dropout inside the recurrent layers (`dropout`, `recurrent_dropout`), as Keras 3 draws it.

While training, each call draws per sample one mask for the step inputs and one for the
recurrent state (kept with probability 1 - rate, scaled by 1 / (1 - rate)) and uses them at
every time step; at inference nothing is drawn. Keras's LSTM and GRU draw one mask per gate
where recurrent_dropout is set (its "implementation 1"), else one for every gate; its
ConvLSTM always one per gate; SimpleRNN one. A rate of 0 or 1 drops nothing, as in Keras.

The masks come from the layer's seed state (engine Layer.add_seed_state), so a compiled
training step draws fresh ones each step, as Dropout's do.
"""

from __future__ import annotations

import contextlib
import dataclasses

from engine import ops, tree


@dataclasses.dataclass(frozen=True)
class StepMasks:
    """The masks a call's steps use: `inputs` for x_t, `recurrent` for h_{t-1}; each a list
    of one mask for every gate or one per gate, or None where nothing is dropped."""

    inputs: list | None = None
    recurrent: list | None = None


NO_DROPOUT = StepMasks()


def drops(rate: float) -> bool:
    """Whether Keras applies a dropout of `rate` (it skips 0 and 1)."""
    return 0.0 < rate < 1.0


def needs_seed(layer) -> bool:
    """Whether the layer draws masks at all, so needs a seed state."""
    return drops(layer.dropout) or drops(layer.recurrent_dropout)


def mask_count(layer) -> int:
    """How many masks of each kind Keras draws for the layer: one per gate, or one."""
    per_gate = getattr(layer, "dropout_per_gate", False) or layer.recurrent_dropout != 0.0
    return layer.gates if per_gate else 1


def draw(layer, inputs_shape, state_shape, dtype, training) -> StepMasks:
    """The masks for one call: inputs_shape is one step's (batch, ...), state_shape h's."""
    if not training or not needs_seed(layer):
        return NO_DROPOUT
    count = mask_count(layer)

    def masks(rate, shape):
        if not drops(rate):
            return None
        return [draw_mask(shape, rate, layer.next_seed(layer.seed_state), dtype)
                for _ in range(count)]

    return StepMasks(masks(layer.dropout, inputs_shape), masks(layer.recurrent_dropout,
                                                               state_shape))


def draw_mask(shape, rate, seed, dtype):
    """Ones kept with probability 1 - rate, divided by 1 - rate; zeros elsewhere."""
    noise = ops.random_uniform(tuple(shape), seed, dtype=dtype)
    keep = ops.cast(ops.greater_equal(noise, rate), dtype)
    return ops.divide(keep, 1.0 - rate)


def project(x, kernel, masks, product=ops.matmul):
    """product(x, kernel) with x dropped out: with one mask per gate, gate block g of the
    kernel's last axis gets x * masks[g]."""
    if masks is None:
        return product(x, kernel)
    if len(masks) == 1:
        return product(ops.multiply(x, masks[0]), kernel)
    width = ops.shape(kernel)[-1] // len(masks)
    blocks = [ops.getitem(kernel, (Ellipsis, slice(g * width, (g + 1) * width)))
              for g in range(len(masks))]
    return ops.concatenate([product(ops.multiply(x, m), k) for m, k in zip(masks, blocks)],
                           axis=-1)


def gate_input(x, masks, gate: int):
    """x as gate `gate` sees it: dropped out by its mask (the shared one where only one)."""
    if masks is None:
        return x
    return ops.multiply(x, masks[gate if len(masks) > 1 else 0])


@contextlib.contextmanager
def held(cell, batch, features, dtype, training):
    """While an RNN layer runs `cell` (or StackedRNNCells) over a sequence: the built-in
    cells' masks drawn once, before the scan, and used by every step, as Keras's RNN does."""
    cells = _masked_cells(cell, features)
    for each, step_features in cells:
        each.held_masks = draw(each, (batch, step_features), (batch, each.units), dtype,
                               training)
    try:
        yield
    finally:
        for each, _ in cells:
            del each.held_masks


def _masked_cells(cell, features) -> list:
    """(cell, its step's feature count) for each built-in cell that drops out, in order."""
    from engine.layers.recurrent import Cell

    if isinstance(cell, Cell):
        return [(cell, features)] if needs_seed(cell) else []
    found = []
    for each in getattr(cell, "cells", ()):
        found += _masked_cells(each, features)
        features = getattr(each, "output_size", None) or tree.flatten(each.state_size)[0]
    return found
