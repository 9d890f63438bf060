"""The optimizer base: state kept in Variables, one update step written as a pure function.

An optimizer's state is engine Variables, so it moves with the model when the backend
switches: `iterations` (int32, the one integer dtype every backend handles by default), the
learning rate (a float32 Variable unless a schedule gives it) and, once built, the slots of
each weight ("adam/dense/kernel/momentum", ...). `optimizer.variables` lists them in that
order, each weight's slots together.

`stateless_apply` is the whole update as a pure function of arrays in that order; it is
what a compiled training step calls. `apply` runs it on the Variables themselves. A step
follows Keras 3: clip the gradients, decay the weights, let the subclass update each weight
and its slots with the learning rate of the current iteration, then count the iteration.
Scalar work (the learning rate in each dtype, Adam's bias correction) is done once per step,
not once per weight, and on synchronous backends (NumPy, PyTorch on the CPU) on Python
numbers: there every op costs a call, and reading a scalar back costs nothing.
"""

from __future__ import annotations

import numbers
import re

import numpy as np

from engine import backend as backends
from engine import ops
from engine.errors import EngineError
from engine.naming import snake_case, unique_name
from engine.optimizers import schedules
from engine.switching import move_variables
from engine.variables import Variable


class OptimizerConfigError(EngineError, ValueError):
    """An optimizer was given an argument it cannot use, or used before it was built."""


def _check_learning_rate(value) -> float:
    """A positive number: a float, or a 0-d numeric array of any backend (what
    `optimizer.learning_rate` gives, so a callback can scale it and set it back)."""
    number = _scalar(value)
    if number is None:
        raise OptimizerConfigError(
            f"`learning_rate` must be a positive float or a LearningRateSchedule. "
            f"Received: learning_rate={value!r}."
        )
    value = number
    if not value > 0:
        raise OptimizerConfigError(
            f"`learning_rate` must be positive. Received: learning_rate={value}."
        )
    return float(value)


def _scalar(value) -> float | None:
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        return float(value)
    try:
        array = np.asarray(value)
    except (TypeError, ValueError, RuntimeError):
        return None
    return float(array) if array.ndim == 0 and array.dtype.kind in "iuf" else None


class Optimizer:
    """Base of the optimizers. A subclass lists its slots and writes `update_step`."""

    def __init__(
        self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
        global_clipnorm=None, name=None,
    ):
        clipping = dict(clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        if sum(value is not None for value in clipping.values()) > 1:
            given = ", ".join(f"{key}={value}" for key, value in clipping.items())
            raise OptimizerConfigError(
                f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set. "
                f"Received: {given}. Keep one of them."
            )
        self.name = name or unique_name(snake_case(type(self).__name__))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.iterations = Variable(
            np.int32(0), name=f"{self.name}/iterations", trainable=False, dtype="int32"
        )
        if isinstance(learning_rate, schedules.LearningRateSchedule):
            self._learning_rate = learning_rate
        else:
            self._learning_rate = Variable(
                np.float32(_check_learning_rate(learning_rate)),
                name=f"{self.name}/learning_rate", trainable=False, dtype="float32",
            )
        self._weights: list[Variable] = []
        self._slots: list[dict[str, Variable]] = []
        self._decays: list[bool] = []
        self._excluded_ids: set[int] = set()
        self._excluded_names: list[str] = []
        self.built = False

    # ------------------------------------------------------------------ for subclasses
    def slot_initial_values(self) -> dict[str, float]:
        """The slots each weight gets, by name, with the value they start from."""
        return {}

    def step_size(self, learning_rate, iterations):
        """The scalar `update_step` receives as its `learning_rate`: the learning rate (in the
        weight's dtype) unless a subclass folds more into it, as Adam does its bias
        correction. Computed once per step and dtype, not once per weight. On a synchronous
        backend both arrive as Python numbers (a float and an int) and a Python float is
        expected back."""
        return learning_rate

    def update_step(self, gradient, weight, slots, learning_rate, iterations):
        """(new weight, new slots) for one weight; `slots` maps slot name to array, and
        `learning_rate` is what `step_size` returned."""
        raise NotImplementedError(f"{type(self).__name__} must define update_step.")

    def update_weights(self, gradients, weights, slots, learning_rate, iterations,
                       in_place=False):
        """(new weights, new slot dicts) for weights of one dtype: `update_step` for each,
        unless a subclass updates them all at once (Adam, through the backend's fused op,
        which with `in_place` may write into the weights and slots it was given)."""
        updated = [
            self.update_step(g, w, s, learning_rate, iterations)
            for g, w, s in zip(gradients, weights, slots)
        ]
        return [weight for weight, _ in updated], [slots for _, slots in updated]

    # -------------------------------------------------------------------------- state
    @property
    def learning_rate(self):
        """The learning rate of the current iteration, a float32 scalar array."""
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            return self._learning_rate(self.iterations.value)
        return self._learning_rate.value

    @learning_rate.setter
    def learning_rate(self, value):
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            raise TypeError(
                f"{self.name!r} takes its learning rate from a {type(self._learning_rate).__name__}"
                f", so it cannot be set. Create the optimizer with a float learning_rate to "
                f"change it during training."
            )
        if isinstance(value, schedules.LearningRateSchedule):
            raise TypeError(
                f"{self.name!r} has a float learning rate held in a Variable; a schedule "
                f"cannot replace it. Create a new optimizer with learning_rate={value!r}."
            )
        self._learning_rate.assign(np.float32(_check_learning_rate(value)))

    @property
    def variables(self) -> list[Variable]:
        """iterations, the learning rate (unless scheduled), then each weight's slots."""
        scalars = [self.iterations]
        if isinstance(self._learning_rate, Variable):
            scalars.append(self._learning_rate)
        return scalars + [slot for slots in self._slots for slot in slots.values()]

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        """Leave these Variables, and those whose name matches a pattern in `var_names`,
        undecayed. Call it before the optimizer is built."""
        if self.built:
            raise OptimizerConfigError(
                f"exclude_from_weight_decay() must be called before {self.name!r} is built "
                f"(before its first apply). Create a new optimizer and call it first."
            )
        self._excluded_ids = {id(variable) for variable in var_list or ()}
        self._excluded_names = list(var_names or ())

    def _uses_weight_decay(self, weight: Variable) -> bool:
        if self.weight_decay is None or id(weight) in self._excluded_ids:
            return False
        return not any(re.search(pattern, weight.name) for pattern in self._excluded_names)

    def build(self, trainable_variables):
        """Create the slots of each weight, on the weight's backend."""
        if self.built:
            return
        self._weights = list(trainable_variables)
        if self._weights:
            move_variables(self.variables, self._weights[0].backend)
        initial_values = self.slot_initial_values()
        self._slots = [
            {
                slot: Variable(
                    np.full(weight.shape, value, dtype=np.float32),
                    name=f"{self.name}/{weight.name}/{slot}",
                    trainable=False, dtype=weight.dtype, backend=weight.backend,
                )
                for slot, value in initial_values.items()
            }
            for weight in self._weights
        ]
        self._decays = [self._uses_weight_decay(weight) for weight in self._weights]
        self.built = True

    # ------------------------------------------------------------------------- update
    def stateless_apply(self, optimizer_state_values, grads, trainable_values, in_place=False):
        """(new trainable values, new optimizer state values), the state in `variables` order.

        A pure function of arrays: it reads no Variable, so it compiles with the backend's jit.
        With `in_place` the caller gives up `trainable_values` and the slots in
        `optimizer_state_values`: a backend may write the new values into them.
        """
        self._check_lengths(optimizer_state_values, grads, trainable_values)
        iterations, learning_rate, slots_per_weight = self._unpack(optimizer_state_values)
        rate = self._learning_rate(iterations) if learning_rate is None else learning_rate
        count = iterations
        backend = backends.active()
        on_host = backend.synchronous
        if on_host:
            # Reading a scalar back costs nothing here and every op costs a call: the scalar
            # work is done on Python numbers (a Python float takes each weight's dtype).
            rate, count = float(rate), int(iterations)
        groups, rates = {}, {}  # by dtype: its weights' indices, the learning rate cast to it
        weights, grads = list(trainable_values), self._clip(list(grads))
        for index, (weight, decays) in enumerate(zip(weights, self._decays)):
            # the backend's own dtype: eager steps ask for it twice per weight, every step
            dtype = backend.dtype(weight)
            if dtype not in rates:
                rates[dtype] = rate if on_host else ops.cast(rate, dtype)
            groups.setdefault(dtype, []).append(index)
            if backend.dtype(grads[index]) != dtype:
                grads[index] = ops.cast(grads[index], dtype)
            if decays:
                decay = ops.multiply(ops.multiply(weight, self.weight_decay), rates[dtype])
                weights[index] = ops.subtract(weight, decay)
        new_weights, new_slots = list(weights), list(slots_per_weight)
        for dtype, indices in groups.items():
            step_size = self.step_size(rates[dtype], count)
            updated, slots = self.update_weights(
                [grads[i] for i in indices], [weights[i] for i in indices],
                [slots_per_weight[i] for i in indices], step_size, count, in_place,
            )
            for i, weight, weight_slots in zip(indices, updated, slots):
                new_weights[i], new_slots[i] = weight, weight_slots
        return new_weights, self._pack(ops.add(iterations, 1), learning_rate, new_slots)

    def _unpack(self, state):
        """(iterations, learning rate or None when scheduled, one slot dict per weight)."""
        iterations, *rest = state
        learning_rate = None
        if isinstance(self._learning_rate, Variable):
            learning_rate, *rest = rest
        names = list(self.slot_initial_values())
        n = len(names)
        slots = [dict(zip(names, rest[i * n:(i + 1) * n])) for i in range(len(self._weights))]
        return iterations, learning_rate, slots

    def _pack(self, iterations, learning_rate, slots_per_weight):
        names = list(self.slot_initial_values())
        scalars = [iterations] if learning_rate is None else [iterations, learning_rate]
        return scalars + [slots[name] for slots in slots_per_weight for name in names]

    def apply(self, grads, trainable_variables=None):
        """Update `trainable_variables` (those it was built for, by default) in place."""
        if trainable_variables is None:
            if not self.built:
                raise OptimizerConfigError(
                    f"{self.name!r} is not built: pass the trainable variables to apply(), or "
                    f"call build(trainable_variables) first."
                )
            trainable_variables = self._weights
        trainable_variables = list(trainable_variables)
        self.build(trainable_variables)
        if [id(v) for v in trainable_variables] != [id(v) for v in self._weights]:
            raise OptimizerConfigError(
                f"{self.name!r} was built for {[v.name for v in self._weights]} but was given "
                f"{[v.name for v in trainable_variables]}. Pass the same variables in the same "
                f"order, or create a new optimizer."
            )
        state = self.variables
        new_values, new_state = self.stateless_apply(
            [v.value for v in state], grads, [v.value for v in trainable_variables]
        )
        for variable, value in zip(trainable_variables + state, new_values + new_state):
            variable.assign(value)

    def apply_gradients(self, grads_and_vars):
        """apply() on (gradient, variable) pairs, as Keras spells it."""
        grads, trainable_variables = zip(*grads_and_vars)
        self.apply(list(grads), list(trainable_variables))

    def _check_lengths(self, state, grads, weights):
        if not self.built:
            raise OptimizerConfigError(
                f"{self.name!r} is not built, so it has no state to update. Call "
                f"build(trainable_variables) before stateless_apply."
            )
        expected = len(self.variables)
        if len(state) != expected or not len(grads) == len(weights) == len(self._weights):
            raise OptimizerConfigError(
                f"{self.name!r} expects {expected} state values (one per optimizer.variables) "
                f"and {len(self._weights)} gradients and weights. Received {len(state)} state "
                f"values, {len(grads)} gradients and {len(weights)} weights."
            )

    # ------------------------------------------------------------------------ clipping
    def _clip(self, grads):
        if self.clipnorm and self.clipnorm > 0:
            return [_scale_to_norm(g, _norm([g]), self.clipnorm) for g in grads]
        if self.global_clipnorm and self.global_clipnorm > 0:
            norm = _norm(grads)
            return [_scale_to_norm(g, norm, self.global_clipnorm) for g in grads]
        if self.clipvalue and self.clipvalue > 0:
            return [ops.clip(g, -self.clipvalue, self.clipvalue) for g in grads]
        return grads

    # ------------------------------------------------------------------ serialisation
    def get_config(self) -> dict:
        if isinstance(self._learning_rate, schedules.LearningRateSchedule):
            learning_rate = schedules.serialize(self._learning_rate)
        else:
            learning_rate = float(self._learning_rate.numpy())
        return {
            "name": self.name,
            "learning_rate": learning_rate,
            "weight_decay": self.weight_decay,
            "clipnorm": self.clipnorm,
            "global_clipnorm": self.global_clipnorm,
            "clipvalue": self.clipvalue,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _norm(arrays):
    """The L2 norm of all the arrays together."""
    return ops.sqrt(ops.sum(ops.stack([ops.sum(ops.square(a)) for a in arrays])))


def _scale_to_norm(gradient, norm, clip_norm):
    """gradient * clip_norm / max(norm, clip_norm): unchanged unless norm exceeds clip_norm."""
    return ops.divide(ops.multiply(gradient, clip_norm), ops.maximum(norm, clip_norm))
