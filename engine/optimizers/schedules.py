"""Learning-rate schedules: the learning rate as a pure function of the optimizer's step.

Each schedule is Keras 3's, written with engine.ops so it runs (and compiles) on every
backend. An optimizer calls it with its `iterations` before counting the current step, so
the first update uses `schedule(0)`. The result is a float32 scalar.
"""

from __future__ import annotations

import math

from engine import ops
from engine.errors import EngineError
from engine.keras_namespaces import missing_attribute


class ScheduleConfigError(EngineError, ValueError):
    """A schedule was given arguments it cannot use."""


class LearningRateSchedule:
    """Base of the schedules: `schedule(step)` gives the learning rate at `step`."""

    def __call__(self, step):
        raise NotImplementedError(f"{type(self).__name__} must define __call__(step).")

    def get_config(self) -> dict:
        raise NotImplementedError(f"{type(self).__name__} must define get_config().")

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)


def _float_step(step):
    return ops.cast(ops.convert(step), "float32")


def _check_decay_steps(decay_steps, argument="decay_steps"):
    if decay_steps <= 0:
        raise ScheduleConfigError(f"`{argument}` must be > 0. Received: {argument}={decay_steps}.")


class _StepDecay(LearningRateSchedule):
    """Shared by the decays that follow `step / decay_steps` (floored when `staircase`)."""

    def __init__(
        self, initial_learning_rate, decay_steps, decay_rate, staircase=False, name=None,
    ):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.decay_rate = decay_rate
        self.staircase = staircase
        self.name = name or type(self).__name__

    def progress(self, step):
        p = ops.divide(_float_step(step), float(self.decay_steps))
        return ops.floor(p) if self.staircase else p

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "decay_rate": self.decay_rate,
            "staircase": self.staircase,
            "name": self.name,
        }


class ExponentialDecay(_StepDecay):
    """initial_learning_rate * decay_rate ** (step / decay_steps), floored when `staircase`."""

    def __call__(self, step):
        decay = ops.power(float(self.decay_rate), self.progress(step))
        return ops.multiply(self.initial_learning_rate, decay)


class InverseTimeDecay(_StepDecay):
    """initial_learning_rate / (1 + decay_rate * step / decay_steps), floored when `staircase`."""

    def __call__(self, step):
        denominator = ops.add(1.0, ops.multiply(self.decay_rate, self.progress(step)))
        return ops.divide(self.initial_learning_rate, denominator)


class PiecewiseConstantDecay(LearningRateSchedule):
    """values[0] up to boundaries[0] (inclusive), values[1] up to boundaries[1], and so on."""

    def __init__(self, boundaries, values, name="PiecewiseConstant"):
        if len(boundaries) != len(values) - 1:
            raise ScheduleConfigError(
                f"`values` must hold one more entry than `boundaries`. Received "
                f"{len(boundaries)} boundaries {list(boundaries)} and {len(values)} values "
                f"{list(values)}."
            )
        self.boundaries = list(boundaries)
        self.values = list(values)
        self.name = name

    def __call__(self, step):
        step = ops.convert(step)
        rate = ops.convert(self.values[0], "float32")
        # Boundaries compare in the step's integer dtype, as Keras casts them.
        for boundary, value in zip(self.boundaries, self.values[1:]):
            rate = ops.where(ops.greater(step, int(boundary)), ops.convert(value, "float32"), rate)
        return rate

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "name": self.name}


class CosineDecay(LearningRateSchedule):
    """Cosine decay from the initial (or warmup target) rate to alpha times it.

    With `warmup_target`, the rate first rises linearly from `initial_learning_rate` to
    `warmup_target` over `warmup_steps`, then decays over `decay_steps`.
    """

    def __init__(
        self, initial_learning_rate, decay_steps, alpha=0.0, name="CosineDecay",
        warmup_target=None, warmup_steps=0,
    ):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.alpha = alpha
        self.name = name
        self.warmup_target = warmup_target
        self.warmup_steps = warmup_steps

    def _decay(self, step, decay_from):
        fraction = ops.divide(step, float(self.decay_steps))
        cosine = ops.multiply(0.5, ops.add(1.0, ops.cos(ops.multiply(math.pi, fraction))))
        return ops.multiply(decay_from, ops.add(ops.multiply(1 - self.alpha, cosine), self.alpha))

    def __call__(self, step):
        step = _float_step(step)
        if self.warmup_target is None:
            step = ops.minimum(step, float(self.decay_steps))
            return self._decay(step, self.initial_learning_rate)
        warmup_steps = float(self.warmup_steps)
        step = ops.minimum(step, float(self.decay_steps) + warmup_steps)
        decayed = self._decay(ops.subtract(step, warmup_steps), self.warmup_target)
        if self.warmup_steps == 0:
            return decayed
        fraction = ops.divide(step, warmup_steps)
        rise = ops.multiply(self.warmup_target - self.initial_learning_rate, fraction)
        warming = ops.add(rise, self.initial_learning_rate)
        return ops.where(ops.less(step, warmup_steps), warming, decayed)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "alpha": self.alpha,
            "name": self.name,
            "warmup_target": self.warmup_target,
            "warmup_steps": self.warmup_steps,
        }


class PolynomialDecay(LearningRateSchedule):
    """From `initial_learning_rate` to `end_learning_rate` along (1 - step / decay_steps) **
    power, then flat; with `cycle`, decay_steps grows to the first multiple above the step."""

    def __init__(
        self, initial_learning_rate, decay_steps, end_learning_rate=0.0001, power=1.0,
        cycle=False, name="PolynomialDecay",
    ):
        _check_decay_steps(decay_steps)
        self.initial_learning_rate = initial_learning_rate
        self.decay_steps = decay_steps
        self.end_learning_rate = end_learning_rate
        self.power = power
        self.cycle = cycle
        self.name = name

    def __call__(self, step):
        step = _float_step(step)
        decay_steps = ops.convert(float(self.decay_steps), "float32")
        if self.cycle:
            # ceil(step / decay_steps), written as -floor(-x)
            multiple = ops.negative(ops.floor(ops.divide(ops.negative(step),
                                                         float(self.decay_steps))))
            multiple = ops.where(ops.equal(step, 0.0), ops.convert(1.0, "float32"), multiple)
            decay_steps = ops.multiply(decay_steps, multiple)
        else:
            step = ops.minimum(step, decay_steps)
        remaining = ops.subtract(1.0, ops.divide(step, decay_steps))
        span = self.initial_learning_rate - self.end_learning_rate
        decayed = ops.multiply(span, ops.power(remaining, float(self.power)))
        return ops.add(decayed, self.end_learning_rate)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "decay_steps": self.decay_steps,
            "end_learning_rate": self.end_learning_rate,
            "power": self.power,
            "cycle": self.cycle,
            "name": self.name,
        }


class CosineDecayRestarts(LearningRateSchedule):
    """Cosine decay with warm restarts (SGDR): the i-th period lasts first_decay_steps *
    t_mul**i steps and starts from initial_learning_rate * m_mul**i."""

    def __init__(
        self, initial_learning_rate, first_decay_steps, t_mul=2.0, m_mul=1.0, alpha=0.0,
        name="SGDRDecay",
    ):
        _check_decay_steps(first_decay_steps, "first_decay_steps")
        self.initial_learning_rate = initial_learning_rate
        self.first_decay_steps = first_decay_steps
        self.t_mul = t_mul
        self.m_mul = m_mul
        self.alpha = alpha
        self.name = name

    def _restart_and_fraction(self, fraction):
        """(index of the current period, fraction of it completed)."""
        if self.t_mul == 1.0:
            restart = ops.floor(fraction)
            return restart, ops.subtract(fraction, restart)
        t_mul = float(self.t_mul)
        restart = ops.floor(ops.divide(
            ops.log(ops.subtract(1.0, ops.multiply(fraction, 1.0 - t_mul))), math.log(t_mul)))
        t_mul_power = ops.power(t_mul, restart)
        before = ops.divide(ops.subtract(1.0, t_mul_power), 1.0 - t_mul)
        return restart, ops.divide(ops.subtract(fraction, before), t_mul_power)

    def __call__(self, step):
        fraction = ops.divide(_float_step(step), float(self.first_decay_steps))
        restart, fraction = self._restart_and_fraction(fraction)
        cosine = ops.add(1.0, ops.cos(ops.multiply(math.pi, fraction)))
        cosine = ops.multiply(ops.multiply(0.5, ops.power(float(self.m_mul), restart)), cosine)
        decayed = ops.add(ops.multiply(1 - self.alpha, cosine), self.alpha)
        return ops.multiply(self.initial_learning_rate, decayed)

    def get_config(self):
        return {
            "initial_learning_rate": self.initial_learning_rate,
            "first_decay_steps": self.first_decay_steps,
            "t_mul": self.t_mul,
            "m_mul": self.m_mul,
            "alpha": self.alpha,
            "name": self.name,
        }


SCHEDULES = {
    cls.__name__: cls
    for cls in (ExponentialDecay, InverseTimeDecay, PiecewiseConstantDecay, PolynomialDecay,
                CosineDecay, CosineDecayRestarts)
}


def serialize(schedule: LearningRateSchedule) -> dict:
    """{"class_name", "config"}: what an optimizer's config holds for its schedule."""
    return {"class_name": type(schedule).__name__, "config": schedule.get_config()}


def deserialize(config: dict) -> LearningRateSchedule:
    """The schedule described by `serialize`'s output."""
    name = config.get("class_name")
    if name not in SCHEDULES:
        raise ScheduleConfigError(
            f"Unknown learning-rate schedule {name!r}. Known schedules: {', '.join(SCHEDULES)}."
        )
    return SCHEDULES[name].from_config(config["config"])

__getattr__ = missing_attribute(__name__)
