"""SwapEMAWeights: evaluate and predict with the optimizer's moving averages of the weights."""

from __future__ import annotations

from engine.training.callbacks.base import Callback


class SwapEMAWeights(Callback):
    """Put the moving averages of an optimizer with `use_ema=True` into the model for each
    evaluation (fit's validation included) and prediction, and the trained weights back
    after. With `swap_on_epoch`, the averages are in the model from each epoch's end to the
    next epoch's start (so checkpoints save them), and stay there after the last epoch."""

    def __init__(self, swap_on_epoch=False):
        self.swap_on_epoch = swap_on_epoch
        self._averages_in_model = False

    def _swap(self):
        optimizer = self.model.optimizer
        if optimizer is None or not getattr(optimizer, "use_ema", False):
            raise ValueError(
                "SwapEMAWeights needs an optimizer with moving averages: compile the model "
                "with an optimizer created with use_ema=True."
            )
        averages = optimizer.moving_averages
        weights = self.model.trainable_weights
        for weight, average in zip(weights, averages):
            trained = weight.value
            weight.assign(average.value)
            average.assign(trained)
        self._averages_in_model = not self._averages_in_model

    def _put(self, averages: bool):
        if self._averages_in_model != averages:
            self._swap()

    def on_epoch_begin(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._put(False)

    def on_epoch_end(self, epoch, logs=None):
        if self.swap_on_epoch:
            self._put(True)
            if epoch == self.params["epochs"] - 1:
                # the averages stay: the optimizer's copies become the averages as well
                for weight, average in zip(self.model.trainable_weights,
                                           self.model.optimizer.moving_averages):
                    average.assign(weight.value)

    def on_test_begin(self, logs=None):
        self._put(True)

    def on_test_end(self, logs=None):
        self._put(False)

    def on_predict_begin(self, logs=None):
        self._put(True)

    def on_predict_end(self, logs=None):
        self._put(False)
