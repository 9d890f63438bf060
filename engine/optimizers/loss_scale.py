"""Dynamic loss scaling around another optimizer, as Keras 3's LossScaleOptimizer does it."""

from __future__ import annotations

import numbers

import numpy as np

from engine import backend as backends
from engine import ops
from engine.naming import unique_name
from engine.optimizers.base import Optimizer, OptimizerConfigError
from engine.switching import move_variables
from engine.variables import Variable

# What Keras's config used to carry for the base optimizer: accepted at these values only.
_BASE_DEFAULTS = {
    "weight_decay": None, "clipnorm": None, "global_clipnorm": None, "clipvalue": None,
    "use_ema": False, "ema_momentum": 0.99, "ema_overwrite_frequency": None,
    "loss_scale_factor": None, "gradient_accumulation_steps": None,
}


class LossScaleOptimizer(Optimizer):
    """Wraps `inner_optimizer`: the loss is multiplied by a scale before differentiating and
    the gradients divided by it before the inner optimizer's step.

    A step whose gradients are all finite runs the inner step (on the gradients divided by
    the scale as it was) and counts; after `dynamic_growth_steps` such steps in a row the
    scale doubles and the count restarts. A step with a NaN or infinite gradient leaves the
    weights and the inner state as they were, halves the scale and restarts the count.

    Its variables are Keras's, in Keras's order (model files store them by position): its own
    `iterations` and `learning_rate` (kept at 0, as Keras keeps them: the inner optimizer's
    are the live ones), `step_counter`, `dynamic_scale`, then the inner optimizer's. It
    shares the base's `apply`, not its constructor: it has no learning rate of its own.
    """

    def __init__(self, inner_optimizer, initial_scale=2.0**15, dynamic_growth_steps=2000,
                 name=None, **kwargs):
        _check_arguments(inner_optimizer, initial_scale, dynamic_growth_steps, kwargs)
        self.name = name or unique_name("loss_scale_optimizer")
        self.inner_optimizer = inner_optimizer
        self.initial_scale = initial_scale
        self.dynamic_growth_steps = dynamic_growth_steps
        inner_optimizer.loss_scale_factor = None  # scaled once, here
        self._own = [
            self._variable(np.int32(0), "iterations"),
            self._variable(np.float32(0.0), "learning_rate"),
            self._variable(np.int32(0), "step_counter"),
            self._variable(np.float32(initial_scale), "dynamic_scale"),
        ]
        self.step_counter, self.dynamic_scale = self._own[2:]
        self._weights: list[Variable] = []
        self.built = False

    def _variable(self, value, name):
        return Variable(value, name=f"{self.name}/{name}", trainable=False,
                        dtype=value.dtype.name)

    @property
    def variables(self) -> list[Variable]:
        return self._own + self.inner_optimizer.variables

    @property
    def keras_variables(self) -> list[Variable]:
        """`variables` as Keras lists them: the step counter and scale only once built."""
        own = self._own if self.built else self._own[:2]
        return own + self.inner_optimizer.keras_variables

    @property
    def iterations(self) -> Variable:
        return self.inner_optimizer.iterations

    @property
    def learning_rate(self):
        return self.inner_optimizer.learning_rate

    @learning_rate.setter
    def learning_rate(self, value):
        self.inner_optimizer.learning_rate = value

    def build(self, trainable_variables):
        if self.built:
            return
        self.inner_optimizer.build(trainable_variables)
        self._weights = list(trainable_variables)
        if self._weights:
            move_variables(self._own, self._weights[0].backend)
        self.built = True

    def scale_loss(self, loss):
        """The loss times the current scale (`initial_scale` before the first step)."""
        scale = self.dynamic_scale.value if self.built else float(self.initial_scale)
        return ops.multiply(loss, scale)

    def stateless_apply(self, optimizer_state_values, grads, trainable_values, in_place=False):
        """(new trainable values, new state values), the state in `variables` order."""
        self._check_lengths(optimizer_state_values, grads, trainable_values)
        own, inner_state = list(optimizer_state_values[:4]), list(optimizer_state_values[4:])
        counter, scale = own[2], own[3]
        backend = backends.active()
        finite = ops.all(ops.stack([ops.all(ops.isfinite(g)) for g in grads]))
        skipped = ops.zeros_like(counter), ops.multiply(scale, 0.5)
        # A synchronous backend reads `finite` and runs the inner step only when it holds (in
        # place, if asked); a compiled one runs it and keeps the old values where it fails.
        if backend.synchronous and not bool(backend.to_numpy(finite)):
            return list(trainable_values), own[:2] + list(skipped) + inner_state
        grow = ops.equal(counter, self.dynamic_growth_steps - 1)
        counted = (ops.where(grow, ops.zeros_like(counter), ops.add(counter, 1)),
                   ops.where(grow, ops.multiply(scale, 2.0), scale))
        unscaled = [ops.divide(g, scale) for g in grads]
        weights, stepped = self.inner_optimizer.stateless_apply(
            inner_state, unscaled, trainable_values, in_place=in_place and backend.synchronous
        )
        if backend.synchronous:
            return weights, own[:2] + list(counted) + stepped
        keep = [ops.where(finite, new, old) for new, old in
                zip(weights + list(counted) + stepped,
                    list(trainable_values) + list(skipped) + inner_state)]
        n = len(weights)
        return keep[:n], own[:2] + keep[n:]

    def _check_lengths(self, state, grads, weights):
        if not self.built:
            raise OptimizerConfigError(
                f"{self.name!r} is not built, so it has no state to update. Call "
                f"build(trainable_variables) before stateless_apply."
            )
        if len(state) != len(self.variables):
            raise OptimizerConfigError(
                f"{self.name!r} expects {len(self.variables)} state values (one per "
                f"optimizer.variables). Received {len(state)}."
            )

    # ------------------------------------------------ what belongs to the inner optimizer
    def finalize_variable_values(self, var_list):
        self.inner_optimizer.finalize_variable_values(var_list)

    @property
    def moving_averages(self) -> list[Variable]:
        return self.inner_optimizer.moving_averages

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        self.inner_optimizer.exclude_from_weight_decay(var_list, var_names)

    # ------------------------------------------------------------------ serialisation
    def get_config(self) -> dict:
        from engine.optimizers import serialize

        inner = {"module": "keras.optimizers", **serialize(self.inner_optimizer),
                 "registered_name": None}  # Keras's form: Keras finds the class by module
        return {
            "name": self.name,
            "inner_optimizer": inner,
            "initial_scale": self.initial_scale,
            "dynamic_growth_steps": self.dynamic_growth_steps,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from engine.optimizers import deserialize

        config = dict(config)
        inner = deserialize(config.pop("inner_optimizer"), custom_objects=custom_objects)
        return cls(inner, **config)


def _check_arguments(inner_optimizer, initial_scale, dynamic_growth_steps, kwargs):
    if not kwargs.pop("dynamic", True):
        raise OptimizerConfigError(
            "LossScaleOptimizer no longer supports `dynamic=False`: set `loss_scale_factor` "
            "on the inner optimizer instead."
        )
    for argument, default in _BASE_DEFAULTS.items():
        if argument in kwargs and kwargs.pop(argument) != default:
            raise OptimizerConfigError(
                f"LossScaleOptimizer does not support `{argument}`. Set `{argument}` on the "
                f"`inner_optimizer` instead."
            )
    if kwargs:
        raise OptimizerConfigError(
            f"LossScaleOptimizer got unknown argument(s) {sorted(kwargs)}. Its arguments are "
            "inner_optimizer, initial_scale, dynamic_growth_steps and name."
        )
    if not isinstance(inner_optimizer, Optimizer):
        raise OptimizerConfigError(
            f"LossScaleOptimizer: `inner_optimizer` must be an optimizer instance "
            f"(optimizers.Adam(), ...). Received: {inner_optimizer!r}."
        )
    if not (isinstance(initial_scale, numbers.Real) and not isinstance(initial_scale, bool)
            and initial_scale > 0):
        raise OptimizerConfigError(
            f"LossScaleOptimizer: `initial_scale` must be a positive number. Received: "
            f"initial_scale={initial_scale!r}."
        )
    if not (isinstance(dynamic_growth_steps, numbers.Integral)
            and not isinstance(dynamic_growth_steps, bool) and dynamic_growth_steps >= 1):
        raise OptimizerConfigError(
            f"LossScaleOptimizer: `dynamic_growth_steps` must be an integer >= 1. Received: "
            f"dynamic_growth_steps={dynamic_growth_steps!r}."
        )
