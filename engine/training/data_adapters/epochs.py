"""Which batches each epoch reads, with Keras 3's rules for `steps_per_epoch` and `steps`.

Without steps an epoch is one whole pass over the source. With steps an epoch reads that many
batches and the next epoch reads on from there; a source with a known length starts a new pass
once it has given all its batches, and one that ends before its epoch's steps are read (a
finite generator) ends that epoch early, with a warning, as Keras warns.
"""

from __future__ import annotations

import itertools
import warnings

from engine.training.data_adapters.batch import DataError

_END = object()


class Epochs:
    """The batches of successive epochs of `data` (an adapter), `steps` per epoch or whole
    passes when `steps` is None; `argument` names the steps in errors."""

    def __init__(self, data, steps=None, argument="steps_per_epoch"):
        if steps is not None and (not isinstance(steps, int) or steps < 1):
            raise DataError(f"{argument} must be a positive integer or None, got {steps!r}.")
        if steps is None and getattr(data, "infinite", False):
            raise DataError(
                f"The data never ends, so an epoch would never end either: pass "
                f"{argument}=<number of batches>."
            )
        self.data = data
        self.steps = steps
        self.argument = argument
        self._batches = None  # the pass being read (epochs with steps read on in it)
        self._seen = 0  # batches read from it

    @property
    def steps_per_epoch(self):
        """Batches per epoch; None where the source cannot tell (a generator)."""
        return self.steps or self.data.num_batches

    def peek(self):
        """The first batch the next epoch reads, left for it to read (fit builds a model on
        it before training)."""
        batches = self._current_pass()
        first = next(batches, _END)
        if first is _END:
            self._batches = None
            raise DataError("The data gave no batches: it is empty, or a generator used up.")
        self._batches = itertools.chain([first], batches)
        return first

    def restart(self) -> None:
        """Let the next epoch read from a new pass (evaluation starts from the beginning
        every time, as in Keras)."""
        self._batches = None

    def epoch(self):
        """The batches of the next epoch (x, y, sample_weight), with the source's epoch hooks
        around them."""
        self.data.on_epoch_begin()
        try:
            batches = self._current_pass()
            read = 0
            while self.steps is None or read < self.steps:
                batch = next(batches, _END)
                if batch is _END:
                    self._batches = None
                    if self.steps is not None:
                        warnings.warn(
                            f"The data ran out before the epoch's {self.argument}="
                            f"{self.steps} batches were read: make sure it gives enough "
                            "batches for every epoch (a tf.data.Dataset: .repeat()).",
                            stacklevel=3,
                        )
                    return
                read += 1
                self._seen += 1
                yield batch
            if self.data.num_batches is not None and self._seen >= self.data.num_batches:
                self._batches = None
        finally:
            self.data.on_epoch_end()

    def _current_pass(self):
        if self._batches is None:
            self._batches, self._seen = iter(self.data.batches()), 0
        return self._batches

