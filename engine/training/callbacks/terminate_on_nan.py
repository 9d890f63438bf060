"""TerminateOnNaN: stop training at the first batch whose loss is NaN or infinite."""

from __future__ import annotations

import math

from engine.training.callbacks.base import Callback


class TerminateOnNaN(Callback):
    """Stop after a batch whose loss is not finite; with `raise_error`, raise instead.

    (The engine's fit itself stops with TrainingDivergedError when it reads such a loss, and
    keeps the weights from before that step; this callback is for Keras programs.)"""

    def __init__(self, raise_error=False):
        self.raise_error = raise_error

    def on_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is None or math.isfinite(float(loss)):
            return
        if self.raise_error:
            raise RuntimeError(
                f"TerminateOnNaN: NaN or Inf loss encountered at batch {batch}. Loss value: "
                f"{loss}. Terminating training immediately."
            )
        print(f"Batch {batch}: Invalid loss, terminating training")
        self.model.stop_training = True
