"""The optimizer base: state kept in Variables, one update step written as a pure function.

An optimizer's state is engine Variables, so it moves with the model when the backend
switches: `iterations` (int32, the one integer dtype every backend handles by default), the
learning rate (a float32 Variable unless a schedule gives it), scalars of the optimizer
(Nadam's), and, once built, the slots of each weight ("adam/dense/kernel/momentum", ...).
`optimizer.variables` lists them in that order, each weight's slots together.

`stateless_apply` is the whole update as a pure function of arrays in that order; it is
what a compiled training step calls. `apply` runs it on the Variables themselves. A step
follows Keras 3: unscale the gradients, accumulate them (if asked), clip them, decay the
weights, let the subclass update each weight and its slots with the learning rate of the
current iteration, update the moving averages (if asked), then count the iteration. Where
a condition depends on the step count, a compiled step computes both sides and selects.
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
    """Base of the optimizers. A subclass lists its slots and writes `update_step`.

    The arguments every optimizer takes, as in Keras 3: `weight_decay`; one of `clipnorm`,
    `clipvalue`, `global_clipnorm`; `use_ema` with `ema_momentum` and
    `ema_overwrite_frequency` (an "average" slot per weight, copied into the weights every
    that many steps, or by `finalize_variable_values`, which fit calls at its end);
    `loss_scale_factor` (the step scales the loss by it and the optimizer divides the
    gradients back); `gradient_accumulation_steps` (a "gradient_accumulator" slot per weight:
    the weights change every that many steps, by the mean of the gradients since the last
    change; schedules see every step, the update rule counts only the changes).
    """

    def __init__(
        self, learning_rate, weight_decay=None, clipnorm=None, clipvalue=None,
        global_clipnorm=None, use_ema=False, ema_momentum=0.99, ema_overwrite_frequency=None,
        loss_scale_factor=None, gradient_accumulation_steps=None, name=None, **unknown,
    ):
        kind = type(self).__name__
        if unknown:
            raise OptimizerConfigError(
                f"{kind} got unknown argument(s) {sorted(unknown)}. Check the spelling; "
                f"its arguments are those of {kind}.__init__ and of keras.optimizers.Optimizer."
            )
        clipping = dict(clipnorm=clipnorm, clipvalue=clipvalue, global_clipnorm=global_clipnorm)
        if sum(value is not None for value in clipping.values()) > 1:
            given = ", ".join(f"{key}={value}" for key, value in clipping.items())
            raise OptimizerConfigError(
                f"Only one of `clipnorm`, `clipvalue` and `global_clipnorm` can be set "
                f"in {kind}. Received: {given}. Keep one of them."
            )
        _check_common(kind, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                      gradient_accumulation_steps)
        self.name = name or unique_name(snake_case(kind))
        self.weight_decay = weight_decay
        self.clipnorm = clipnorm
        self.clipvalue = clipvalue
        self.global_clipnorm = global_clipnorm
        self.use_ema = use_ema
        self.ema_momentum = ema_momentum
        self.ema_overwrite_frequency = ema_overwrite_frequency
        self.loss_scale_factor = loss_scale_factor
        self.gradient_accumulation_steps = gradient_accumulation_steps
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
        self._scalars = {
            scalar: Variable(np.float32(value), name=f"{self.name}/{scalar}", trainable=False,
                             dtype="float32")
            for scalar, value in self.scalar_initial_values().items()
        }
        self._weights: list[Variable] = []
        self._slots: list[dict[str, Variable]] = []
        self._decays: list[float | None] = []
        self._excluded_ids: set[int] = set()
        self._excluded_names: list[str] = []
        self.built = False

    # ------------------------------------------------------------------ for subclasses
    def slot_initial_values(self) -> dict[str, float]:
        """The slots each weight gets, by name, with the value they start from."""
        return {}

    def weight_slot_values(self, weight: Variable) -> dict[str, float]:
        """The slots of this weight: `slot_initial_values()`, unless a subclass gives its
        weights different slots (Muon: AdamW's for the weights it does not orthogonalise)."""
        return self.slot_initial_values()

    def weight_decay_rate(self, weight: Variable) -> float | None:
        """How much this weight decays per unit of learning rate; None for not at all."""
        return self.weight_decay if self._uses_weight_decay(weight) else None

    def slot_shape(self, slot: str, weight_shape: tuple) -> tuple:
        """The shape of a weight's slot: the weight's, unless a subclass factors it."""
        return weight_shape

    def scalar_initial_values(self) -> dict[str, float]:
        """Float32 scalars of the whole optimizer (Nadam's running product), by name."""
        return {}

    def update_scalars(self, scalars: dict, iterations) -> dict:
        """The scalars for this step, computed once before the weights are updated."""
        return scalars

    def step_size(self, learning_rate, iterations, scalars):
        """The scalar `update_step` receives as its `learning_rate`: the learning rate (in the
        weight's dtype) unless a subclass folds more into it, as Adam does its bias
        correction. Computed once per step and dtype, not once per weight. On a synchronous
        backend both arrive as Python numbers (a float and an int) and a Python float is
        expected back. `scalars` are those `update_scalars` gave."""
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
        """iterations, the learning rate (unless scheduled), the optimizer's scalars, then
        each weight's slots ("average" and "gradient_accumulator" first, where used)."""
        scalars = [self.iterations]
        if isinstance(self._learning_rate, Variable):
            scalars.append(self._learning_rate)
        scalars += list(self._scalars.values())
        return scalars + [slot for slots in self._slots for slot in slots.values()]

    @property
    def keras_variables(self) -> list[Variable]:
        """The variables in the order Keras 3 lists and saves them: iterations, the learning
        rate (unless scheduled), every weight's "average" then every weight's
        "gradient_accumulator" (where used), each weight's own slots, then the scalars Keras
        makes when it builds (Nadam's u_product); before the build, only the first two."""
        head = [self.iterations]
        if isinstance(self._learning_rate, Variable):
            head.append(self._learning_rate)
        if not self.built:
            return head
        shared = self._shared_slot_names()
        grouped = [slots[name] for name in shared for slots in self._slots]
        own = [slot for slots in self._slots for name, slot in slots.items() if name not in shared]
        return head + grouped + own + list(self._scalars.values())

    def _shared_slot_names(self) -> list[str]:
        """The slots the base keeps for every optimizer, ahead of the subclass's."""
        return (["average"] if self.use_ema else []) + (
            ["gradient_accumulator"] if self.gradient_accumulation_steps else []
        )

    def _slot_names(self, weight: Variable) -> list[str]:
        return self._shared_slot_names() + list(self.weight_slot_values(weight))

    def _slot_layout(self, weight: Variable) -> list[tuple[str, tuple, float]]:
        """(name, shape, initial value) of each slot of a weight."""
        weight_shape = tuple(weight.shape)
        shared = [(slot, weight_shape, 0.0) for slot in self._shared_slot_names()]
        return shared + [
            (slot, self.slot_shape(slot, weight_shape), value)
            for slot, value in self.weight_slot_values(weight).items()
        ]

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
        return self.weight_decay is not None and not self.excluded_from_weight_decay(weight)

    def excluded_from_weight_decay(self, weight: Variable) -> bool:
        """Whether `exclude_from_weight_decay` named this weight."""
        return id(weight) in self._excluded_ids or any(
            re.search(pattern, weight.name) for pattern in self._excluded_names
        )

    def build(self, trainable_variables):
        """Create the slots of each weight, on the weight's backend."""
        if self.built:
            return
        self._weights = list(trainable_variables)
        if self._weights:
            move_variables(self.variables, self._weights[0].backend)
        self._slots = [
            {
                slot: Variable(
                    np.full(shape, value, dtype=np.float32),
                    name=f"{self.name}/{weight.name}/{slot}",
                    trainable=False, dtype=weight.dtype, backend=weight.backend,
                )
                for slot, shape, value in self._slot_layout(weight)
            }
            for weight in self._weights
        ]
        self._decays = [self.weight_decay_rate(weight) for weight in self._weights]
        self.built = True

    # ------------------------------------------------------------------------- update
    def stateless_apply(self, optimizer_state_values, grads, trainable_values, in_place=False):
        """(new trainable values, new optimizer state values), the state in `variables` order.

        A pure function of arrays: it reads no Variable, so it compiles with the backend's jit.
        With `in_place` the caller gives up `trainable_values` and the slots in
        `optimizer_state_values`: a backend may write the new values into them.
        """
        self._check_lengths(optimizer_state_values, grads, trainable_values)
        iterations, learning_rate, scalars, slots = self._unpack(optimizer_state_values)
        rate = self._learning_rate(iterations) if learning_rate is None else learning_rate
        count = iterations
        backend = backends.active()
        if backend.synchronous:
            # Reading a scalar back costs nothing here and every op costs a call: the scalar
            # work is done on Python numbers, and the conditions below are Python booleans.
            rate, count = float(rate), int(iterations)
        weights = list(trainable_values)
        grads = [
            g if backend.dtype(g) == backend.dtype(w) else ops.cast(g, backend.dtype(w))
            for g, w in zip(grads, weights)
        ]
        if self.loss_scale_factor is not None:
            grads = [ops.divide(g, float(self.loss_scale_factor)) for g in grads]
        own = [{name: s[name] for name in self.weight_slot_values(w)}
               for s, w in zip(slots, self._weights)]
        shared = [{name: s[name] for name in self._shared_slot_names()} for s in slots]
        steps = self.gradient_accumulation_steps
        if steps:
            weights, own, scalars, shared = self._accumulate(
                grads, weights, own, shared, rate, count, scalars, in_place
            )
            count = _floor_divide(count, steps)
        else:
            weights, own, scalars = self._update(grads, weights, own, rate, count, scalars,
                                                 in_place)
        if self.use_ema:
            weights, shared = self._average(weights, shared, count)
        slots = [{**a, **b} for a, b in zip(shared, own)]
        return weights, self._pack(ops.add(iterations, 1), learning_rate, scalars, slots)

    def _update(self, grads, weights, slots, rate, count, scalars, in_place):
        """One update of every weight by `grads`: (weights, subclass slots, scalars)."""
        backend = backends.active()
        grads, weights = self._clip(grads), list(weights)
        scalars = self.update_scalars(scalars, count)
        groups, rates = {}, {}  # by dtype: its weights' indices, the learning rate cast to it
        for index, (weight, decay_rate) in enumerate(zip(weights, self._decays)):
            dtype = backend.dtype(weight)
            if dtype not in rates:
                rates[dtype] = rate if isinstance(rate, float) else ops.cast(rate, dtype)
            groups.setdefault(dtype, []).append(index)
            if decay_rate is not None:
                decay = ops.multiply(ops.multiply(weight, decay_rate), rates[dtype])
                weights[index] = ops.subtract(weight, decay)
        new_weights, new_slots = list(weights), list(slots)
        for dtype, indices in groups.items():
            step_size = self.step_size(rates[dtype], count, scalars)
            updated, updated_slots = self.update_weights(
                [grads[i] for i in indices], [weights[i] for i in indices],
                [slots[i] for i in indices], step_size, count, in_place,
            )
            for i, weight, weight_slots in zip(indices, updated, updated_slots):
                new_weights[i], new_slots[i] = weight, weight_slots
        return new_weights, new_slots, scalars

    def _accumulate(self, grads, weights, own, shared, rate, count, scalars, in_place):
        """Gradient accumulation: add the gradients to the accumulators, and on every
        `gradient_accumulation_steps`-th step update by their mean and clear them."""
        steps = self.gradient_accumulation_steps
        is_update = _equal(_mod(_plus_one(count), steps), 0)
        summed = [ops.add(g, s["gradient_accumulator"]) for g, s in zip(grads, shared)]
        if is_update is False:
            updated = weights, own, scalars
        else:
            mean = [ops.divide(g, float(steps)) for g in summed]
            updated = self._update(mean, weights, own, rate, _floor_divide(count, steps),
                                   scalars, in_place and is_update is True)
            updated = _choose(is_update, updated, (weights, own, scalars))
        backend = backends.active()
        cleared = [ops.zeros(backend.shape(g), backend.dtype(g)) for g in summed]
        accumulators = _choose(is_update, cleared, summed)
        shared = [{**s, "gradient_accumulator": a} for s, a in zip(shared, accumulators)]
        return (*updated, shared)

    def _average(self, weights, shared, count):
        """Update each weight's moving average (starting from the weight itself) and, every
        `ema_overwrite_frequency` steps, copy the averages into the weights."""
        first = _equal(count, 0)
        if isinstance(first, bool):
            momentum = 0.0 if first else float(self.ema_momentum)
        else:
            momentum = ops.multiply(ops.cast(ops.logical_not(first), "float32"),
                                    float(self.ema_momentum))
        averages = []
        for weight, slots in zip(weights, shared):
            if isinstance(momentum, float):  # Python numbers take the weight's dtype
                m, rest = momentum, 1.0 - momentum
            else:
                m = ops.cast(momentum, ops.dtype(weight))
                rest = ops.subtract(1.0, m)
            averages.append(ops.add(ops.multiply(slots["average"], m),
                                    ops.multiply(weight, rest)))
        shared = [{**s, "average": a} for s, a in zip(shared, averages)]
        if self.ema_overwrite_frequency:
            overwrite = _equal(_mod(_plus_one(count), self.ema_overwrite_frequency), 0)
            if overwrite is not False:  # copies: the weights may be updated in place later
                weights = _choose(overwrite, [ops.add(a, 0.0) for a in averages], weights)
        return weights, shared

    @property
    def moving_averages(self) -> list[Variable]:
        """With `use_ema`, the moving average of each weight it was built for, in order."""
        if not self.use_ema:
            raise OptimizerConfigError(
                f"{self.name!r} keeps no moving averages: create it with use_ema=True."
            )
        return [slots["average"] for slots in self._slots]

    def finalize_variable_values(self, var_list):
        """With `use_ema`, set the weights to their moving averages (fit does it at its end)."""
        if not self.use_ema:
            return
        var_list = list(var_list)
        if len(var_list) != len(self._slots):
            raise OptimizerConfigError(
                f"{self.name!r} holds moving averages of {len(self._slots)} weights but was "
                f"given {len(var_list)} to overwrite. Pass the variables it was built with."
            )
        for variable, slots in zip(var_list, self._slots):
            variable.assign(slots["average"].value)

    def scale_loss(self, loss):
        """The loss times `loss_scale_factor` (unchanged without one): what to differentiate."""
        if self.loss_scale_factor is None:
            return loss
        return ops.multiply(loss, float(self.loss_scale_factor))

    def _unpack(self, state):
        """(iterations, learning rate or None when scheduled, scalars, one slot dict per
        weight)."""
        iterations, *rest = state
        learning_rate = None
        if isinstance(self._learning_rate, Variable):
            learning_rate, *rest = rest
        scalars = dict(zip(self._scalars, rest))
        rest = rest[len(self._scalars):]
        slots = []
        for weight in self._weights:
            names = self._slot_names(weight)
            slots.append(dict(zip(names, rest[:len(names)])))
            rest = rest[len(names):]
        return iterations, learning_rate, scalars, slots

    def _pack(self, iterations, learning_rate, scalars, slots_per_weight):
        state = [iterations] if learning_rate is None else [iterations, learning_rate]
        state += [scalars[name] for name in self._scalars]
        return state + [
            slots[name] for weight, slots in zip(self._weights, slots_per_weight)
            for name in self._slot_names(weight)
        ]

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
            "use_ema": self.use_ema,
            "ema_momentum": self.ema_momentum,
            "ema_overwrite_frequency": self.ema_overwrite_frequency,
            "loss_scale_factor": self.loss_scale_factor,
            "gradient_accumulation_steps": self.gradient_accumulation_steps,
        }

    @classmethod
    def from_config(cls, config: dict):
        config = dict(config)
        if isinstance(config.get("learning_rate"), dict):
            config["learning_rate"] = schedules.deserialize(config["learning_rate"])
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} built={self.built}>"


def _check_common(kind, use_ema, ema_momentum, ema_overwrite_frequency, loss_scale_factor,
                  gradient_accumulation_steps):
    """Keras's checks of the arguments every optimizer takes, naming the optimizer."""
    if gradient_accumulation_steps is not None and not (
        _is_int(gradient_accumulation_steps) and gradient_accumulation_steps >= 2
    ):
        raise OptimizerConfigError(
            f"{kind}: `gradient_accumulation_steps` must be an integer >= 2 (or None). "
            f"Received: gradient_accumulation_steps={gradient_accumulation_steps!r}."
        )
    if use_ema and not (isinstance(ema_momentum, numbers.Real) and 0 <= ema_momentum <= 1):
        raise OptimizerConfigError(
            f"{kind}: `ema_momentum` must be in the range [0, 1]. Received: "
            f"ema_momentum={ema_momentum!r}."
        )
    if use_ema and ema_overwrite_frequency and not (
        _is_int(ema_overwrite_frequency) and ema_overwrite_frequency >= 1
    ):
        raise OptimizerConfigError(
            f"{kind}: `ema_overwrite_frequency` must be an integer >= 1 or None. Received: "
            f"ema_overwrite_frequency={ema_overwrite_frequency!r}."
        )
    if loss_scale_factor is not None and not (
        isinstance(loss_scale_factor, numbers.Real) and loss_scale_factor > 0
    ):
        raise OptimizerConfigError(
            f"{kind}: `loss_scale_factor` must be a positive float or None. Received: "
            f"loss_scale_factor={loss_scale_factor!r}."
        )


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


# The step's conditions: Python values on a synchronous backend, scalar arrays under jit.
def _plus_one(count):
    return count + 1 if isinstance(count, int) else ops.add(count, 1)


def _mod(count, n):
    return count % n if isinstance(count, int) else ops.mod(count, n)


def _floor_divide(count, n):
    return count // n if isinstance(count, int) else ops.floor_divide(count, n)


def _equal(count, n):
    return count == n if isinstance(count, int) else ops.equal(count, n)


def _choose(condition, when_true, when_false):
    """`when_true` or `when_false` (matching nests of arrays), by a bool or a scalar array."""
    if isinstance(condition, bool):
        return when_true if condition else when_false
    if isinstance(when_true, dict):
        return {key: _choose(condition, when_true[key], when_false[key]) for key in when_true}
    if isinstance(when_true, (list, tuple)):
        return type(when_true)(
            _choose(condition, a, b) for a, b in zip(when_true, when_false)
        )
    return ops.where(condition, when_true, when_false)


def _norm(arrays):
    """The L2 norm of all the arrays together."""
    return ops.sqrt(ops.sum(ops.stack([ops.sum(ops.square(a)) for a in arrays])))


def _scale_to_norm(gradient, norm, clip_norm):
    """gradient * clip_norm / max(norm, clip_norm): unchanged unless norm exceeds clip_norm."""
    return ops.divide(ops.multiply(gradient, clip_norm), ops.maximum(norm, clip_norm))


def step_number(iterations, dtype="float32", offset=1):
    """`iterations + offset` as a float scalar (the t of a bias correction), from the Python
    int of a synchronous step or the int array of a compiled one."""
    if isinstance(iterations, int):
        return ops.convert(np.asarray(iterations + offset, dtype=dtype))
    return ops.cast(ops.add(iterations, offset), dtype)
