"""CallbackList: every callback's hook called in order, with History and the progress bar."""

from __future__ import annotations

from engine.training.callbacks.base import HOOKS, Callback
from engine.training.callbacks.progress import ProgressBar


class CallbackList:
    """Calls every callback's hook in order; adds History and the progress bar after the
    given callbacks, as Keras does (so History records what they add to the logs, such as
    ReduceLROnPlateau's "learning_rate"), the bar unless one is given (a ProgbarLogger)."""

    def __init__(self, callbacks, model, verbose=1, epochs=1, steps=None, history=None, mode="fit"):
        self.callbacks = list(callbacks or [])
        if history is not None:
            self.callbacks.append(history)
        if verbose and not any(isinstance(c, ProgressBar) for c in self.callbacks):
            self.callbacks.append(ProgressBar(verbose=verbose, mode=mode))
        params = {"epochs": epochs, "steps": steps, "verbose": verbose}
        for callback in self.callbacks:
            if not isinstance(callback, Callback):
                raise TypeError(
                    f"callbacks must be Callback instances, got {type(callback).__name__}. "
                    "Wrap functions in LambdaCallback(on_epoch_end=...)."
                )
            callback.set_model(model)
            callback.set_params(params)

    def __getattr__(self, hook):
        if hook not in HOOKS:
            raise AttributeError(hook)

        # as Keras, every hook gets logs: a dict, empty where there is nothing to log
        positional = 1 if "batch" in hook or "epoch" in hook else 0

        def call(*args):
            *head, logs = args if len(args) > positional else (*args, None)
            for callback in self.callbacks:
                getattr(callback, hook)(*head, {} if logs is None else logs)

        return call
