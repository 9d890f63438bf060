"""Connectionist temporal classification: ctc_loss (the forward algorithm over the labels with
blanks between them, in log space, one scan step per time step) and ctc_decode's greedy
strategy, as keras.ops.nn has them."""

from __future__ import annotations

import numpy as np

from engine.composed_ops.control_flow import scan
from engine.composed_ops.inputs import as_array, as_float, current
from engine.ops import graph_aware

# log(0) for paths that cannot happen: finite, so that gradients through logsumexp stay finite
_IMPOSSIBLE = -1e5


@graph_aware
def ctc_loss(target, output, target_length, output_length, mask_index=0):
    """-log p(target | output) per sample: `output` (batch, time, classes) logits, `target`
    (batch, labels) class indices of which the first `target_length` count, over the first
    `output_length` steps; class `mask_index` is the blank."""
    b, logits = current(), as_float(output)
    target = b.cast(as_array(target), "int32")
    batch, steps, classes = b.shape(logits)
    labels = b.shape(target)[1]
    log_probabilities = b.log_softmax(logits, axis=-1)

    # the labels with a blank before, between and after them: 2 * labels + 1 states
    states = 2 * labels + 1
    blank = b.full((batch, 1), mask_index, "int32")
    clipped = b.clip(target, 0, classes - 1)
    extended = b.reshape(b.stack([b.broadcast_to(blank, (batch, labels)), clipped], axis=-1),
                         (batch, 2 * labels))
    extended = b.concatenate([extended, blank], axis=1)  # (batch, states)
    emitted = b.take_along_axis(  # (batch, time, states): log p of each state's class
        log_probabilities, b.broadcast_to(b.expand_dims(extended, 1), (batch, steps, states)),
        axis=-1)
    # a state may be reached from two back when it is a label unlike the one before it
    before = b.concatenate([b.full((batch, 2), mask_index, "int32"),
                            b.getitem(extended, (slice(None), slice(None, -2)))], axis=1)
    skips = b.logical_and(b.not_equal(extended, mask_index), b.not_equal(extended, before))

    impossible = b.full((), _IMPOSSIBLE, b.dtype(logits))
    first = b.getitem(emitted, (slice(None), 0))
    start = b.where(b.less(b.arange(states, dtype="int32"), 2), first, impossible)
    lengths = b.cast(as_array(output_length), "int32")

    def step(alpha, inputs):
        emit, t = inputs
        one_back = b.concatenate([b.full((batch, 1), _IMPOSSIBLE, b.dtype(alpha)),
                                  b.getitem(alpha, (slice(None), slice(None, -1)))], axis=1)
        two_back = b.concatenate([b.full((batch, 2), _IMPOSSIBLE, b.dtype(alpha)),
                                  b.getitem(alpha, (slice(None), slice(None, -2)))], axis=1)
        two_back = b.where(skips, two_back, impossible)
        arrived = b.add(b.logsumexp(b.stack([alpha, one_back, two_back]), axis=0), emit)
        running = b.expand_dims(b.less(t, lengths), 1)
        return b.where(running, arrived, alpha), t

    alpha = start
    if steps > 1:
        rest = b.transpose(b.getitem(emitted, (slice(None), slice(1, None))), (1, 0, 2))
        alpha, _ = scan(step, start, (rest, b.arange(1, steps, dtype="int32")))
    # the path ends on the last label or on the blank after it
    last = b.multiply(b.cast(as_array(target_length), "int32"), 2)
    ends = b.stack([last, b.maximum(b.subtract(last, 1), 0)], axis=1)
    final = b.take_along_axis(alpha, ends, axis=1)
    final = b.where(b.stack([b.full((batch,), True, "bool"), b.greater(last, 0)], axis=1),
                    final, impossible)
    return b.negative(b.logsumexp(final, axis=1))


def ctc_decode(inputs, sequence_lengths, strategy="greedy", beam_width=100, top_paths=1,
               merge_repeated=True, mask_index=0):
    """The most likely label sequences of `inputs` (batch, time, classes): (decoded, of shape
    (1, batch, time) padded with -1, and the negative sum of the chosen scores, (batch, 1)).
    Greedy: the best class at each step, repeats merged, blanks (`mask_index`) dropped."""
    if strategy != "greedy":
        raise ValueError(f"ctc_decode: strategy {strategy!r} is not supported here; use "
                         "strategy='greedy' (beam search is not implemented in the engine).")
    b, inputs = current(), as_float(inputs)
    batch, steps, classes = b.shape(inputs)
    mask_index = classes - 1 if mask_index is None else mask_index
    best = b.cast(b.argmax(inputs, axis=-1), "int32")
    scores = b.max(inputs, axis=-1)
    beyond = b.greater_equal(b.expand_dims(b.arange(steps, dtype="int32"), 0),
                             b.expand_dims(b.cast(as_array(sequence_lengths), "int32"), 1))
    best = b.where(beyond, b.full((), mask_index, "int32"), best)
    scores = b.where(beyond, b.zeros((), b.dtype(scores)), scores)
    if merge_repeated:
        repeated = b.concatenate([b.full((batch, 1), False, "bool"), b.equal(
            b.getitem(best, (slice(None), slice(1, None))),
            b.getitem(best, (slice(None), slice(None, -1))))], axis=1)
        best = b.where(repeated, b.full((), mask_index, "int32"), best)
    dropped = b.equal(best, mask_index)
    # the kept labels first, in order: sort positions with the dropped ones pushed past the end
    positions = b.where(dropped, b.full((), steps, "int32"),
                        b.broadcast_to(b.convert(np.arange(steps, dtype="int32")),
                                       (batch, steps)))
    order = b.argsort(positions, axis=-1)
    decoded = b.take_along_axis(b.where(dropped, b.full((), -1, "int32"), best), order,
                                axis=-1)
    return b.expand_dims(decoded, 0), b.negative(b.sum(scores, axis=1, keepdims=True))
