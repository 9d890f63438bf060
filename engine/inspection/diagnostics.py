"""Diagnostics: what looks wrong in a model's records, in plain words, with thresholds.

A Diagnoser reads records in step order and returns the diagnostics that hold at each one.
Every diagnostic has a stable id, the tensor (layer) it points at, the step and a message:

    dead_units           ReLU units that output 0 for every sample for `dead_steps` steps
    saturated_units      tanh/sigmoid outputs at their limits, in a hidden layer, or in a model
                         output while the loss is still high (a confident output is the aim)
    vanishing_gradients  relative to its weights, the first weighted layer gets far smaller
                         gradients than the last
    exploding_gradients  it gets far larger ones, or the gradient norm grew while the loss rose,
                         or became non-finite after the weights blew up
    update_ratio         steps change a layer's weights too much, or too little while the loss
                         is still high
    loss_divergence      the loss rose far above the lowest level it held, measured against its
                         first value, or became non-finite after the weights blew up
    non_finite           where the first NaN/Inf came from (kept once found)

Those that judge a trend (all but dead_units, non_finite and the blow-up of a non-finite loss or
gradient) are reported once their condition has held for `sustained` captures in a row: one
noisy batch is no trend.
"""

from __future__ import annotations

import collections
import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """When each diagnostic fires; pass your own to InspectionCallback or inspect()."""

    dead_fraction: float = 0.5  # share of a ReLU layer's units that are dead ...
    dead_steps: int = 200  # ... for at least this many steps (0: within one batch)
    saturated_fraction: float = 0.5  # share of tanh/sigmoid outputs at their limits
    vanishing_ratio: float = 1e3  # |gradient|/|weights|: the last weighted layer's / the first's
    exploding_ratio: float = 1e3  # the first's / the last's, and the gradient norm's growth
    update_ratio_low: float = 1e-7  # |weight update| / |weights| per step, per layer
    update_ratio_high: float = 0.1
    divergence_rise: float = 0.5  # the loss rises: above its lowest level by this share of
    # its first value
    high_loss: float = 0.5  # a loss above this share of its first value is still high
    weight_growth: float = 10.0  # the weights' norm this many times its first: they blew up
    sustained: int = 3  # captures in a row a trend must hold for (inspect uses 1)

    def __post_init__(self):
        if self.sustained < 1:
            raise ValueError(
                f"Thresholds.sustained counts captures in a row and must be at least 1, got "
                f"{self.sustained!r}."
            )

    def for_one_batch(self) -> Thresholds:
        """These thresholds for a single batch, which has no duration: units dead across it
        count as dead, and a trend's condition counts at once."""
        return dataclasses.replace(self, dead_steps=0, sustained=1)


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    id: str
    node: str | None  # the tensor (layer) it points at
    step: int
    message: str
    value: float | None = None  # the measured quantity the threshold was applied to

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclasses.dataclass(frozen=True)
class _Start:
    """The first capture with a finite loss: the scale later ones are measured against."""

    step: int
    loss: float
    gradient_norm: float
    weight_norm: float

    @classmethod
    def of(cls, record: dict) -> _Start | None:
        """The start at `record`, or None where its loss is not finite."""
        step, loss = record["step"], record["loss"]
        if not math.isfinite(loss):
            return None
        return cls(step, loss, _norm(record, "gradient"), _norm(record, "value"))


class Diagnoser:
    """Reads records in step order and says what looks wrong at each."""

    def __init__(self, layout, thresholds: Thresholds | None = None):
        self.layout = layout
        self.thresholds = thresholds or Thresholds()
        self.first_non_finite = None
        self._dead_since = {}  # tensor name -> per unit, the step since which it output 0
        self._start = None  # a _Start
        self._recent_losses = collections.deque(maxlen=self.thresholds.sustained)
        # (level, step): the lowest level so far, before the record being read, that the loss
        # stayed at or below for `sustained` captures (or since the first) up to that step
        self._lowest_level = None
        self._streaks = {}  # (id, node) -> captures in a row that its condition held

    def update(self, record: dict) -> list[Diagnostic]:
        self._start = self._start or _Start.of(record)
        found = [*self._non_finite(record), *self._blow_up(record), *self._dead_units(record)]
        trends = []
        for check in (
            self._loss_rise,
            self._saturated,
            self._gradient_across_depth,
            self._gradient_growth,
            self._update_ratios,
        ):
            trends.extend(check(record))
        found.extend(self._sustained(trends))
        self._remember_loss(record)
        return found

    def _remember_loss(self, record):
        """Keeps the lowest level the loss has held (see _lowest_level)."""
        if not math.isfinite(record["loss"]):
            return
        self._recent_losses.append(record["loss"])
        level = max(self._recent_losses)
        if self._lowest_level is None or level < self._lowest_level[0]:
            self._lowest_level = (level, record["step"])

    def _sustained(self, trends):
        """The trends whose condition has held for `sustained` captures in a row; a capture
        where it does not hold starts its count again."""
        keys = {(d.id, d.node) for d in trends}
        streaks = {key: self._streaks.get(key, 0) + 1 for key in keys}
        self._streaks = streaks
        return [d for d in trends if streaks[(d.id, d.node)] >= self.thresholds.sustained]

    # ------------------------------------------------------------------ the loss's course
    def _rise(self, loss) -> float:
        """How far the loss is above its lowest level so far, as a share of its first value
        (0 before there is one)."""
        if self._lowest_level is None or not math.isfinite(loss):
            return 0.0
        return (loss - self._lowest_level[0]) / self._start.loss if self._start.loss > 0 else 0.0

    def _rising(self, loss) -> bool:
        return self._rise(loss) > self.thresholds.divergence_rise

    def _still_high(self, loss) -> bool:
        """Whether the loss has not come down to `high_loss` of its first value (one record
        alone has not: it is its own first)."""
        return self._start is None or loss >= self.thresholds.high_loss * self._start.loss

    # ---------------------------------------------------------------------------- checks
    def _non_finite(self, record):
        if self.first_non_finite is None:
            self.first_non_finite = non_finite_origin(self.layout, record)
        return [] if self.first_non_finite is None else [self.first_non_finite]

    def _blow_up(self, record):
        """A non-finite loss or gradient after the weights blew up ends a divergence whose
        gradients exploded; one from the data, the targets or a layer's own arithmetic (log of
        0) leaves the weights as they were, and is non_finite's alone."""
        step, loss, norm = record["step"], record["loss"], _norm(record, "gradient")
        start = self._start
        if (math.isfinite(loss) and math.isfinite(norm)) or not (start and start.weight_norm > 0):
            return []
        growth = _norm(record, "value") / start.weight_norm
        if growth < self.thresholds.weight_growth:  # False for NaN: non-finite weights count
            return []
        grew = f"grew {_fold(growth)}-fold" if math.isfinite(growth) else "became non-finite"
        found = []
        if not math.isfinite(loss):
            found.append(
                Diagnostic(
                    "loss_divergence",
                    self.layout.model_outputs[0],
                    step,
                    f"step {step}: the loss is {loss} after the weights {grew} since step "
                    f"{start.step}: training diverged. Lower the learning rate or clip gradients "
                    "(clipnorm=1.0 in the optimizer).",
                    loss,
                )
            )
        if not math.isfinite(norm):
            found.append(
                Diagnostic(
                    "exploding_gradients",
                    _largest_gradient_owner(record),
                    step,
                    f"step {step}: the gradient norm is {norm} (it was {start.gradient_norm:.3g} "
                    f"at step {start.step}) after the weights {grew}: exploding gradients. Lower "
                    "the learning rate or clip gradients (clipnorm=1.0).",
                    norm,
                )
            )
        return found

    def _loss_rise(self, record):
        step, loss = record["step"], record["loss"]
        if not self._rising(loss):
            return []
        lowest, at = self._lowest_level
        factor = loss / lowest if lowest > 0 else math.inf
        return [
            Diagnostic(
                "loss_divergence",
                self.layout.model_outputs[0],
                step,
                f"step {step}: the loss ({loss:.3g}) is {factor:.3g} times its lowest value so "
                f"far ({lowest:.3g}, held through step {at}) and has stayed far above it: "
                "training is diverging. Lower the learning rate.",
                self._rise(loss),
            )
        ]

    def _dead_units(self, record):
        step, found = record["step"], []
        for name, entry in record["layers"].items():
            if "dead_units" not in entry:
                continue
            dead = np.asarray(entry["dead_units"], bool)
            since = self._dead_since.get(name)
            if since is None or since.shape != dead.shape:
                since = np.full(dead.shape, np.nan)
            since = np.where(dead, np.where(np.isnan(since), step, since), np.nan)
            self._dead_since[name] = since
            durations = step - since[dead]
            lasting = durations[durations >= self.thresholds.dead_steps]
            fraction = lasting.size / max(dead.size, 1)
            if lasting.size and fraction >= self.thresholds.dead_fraction:
                how_long = (
                    f"have output 0 for {int(lasting.min())} steps"
                    if lasting.min() > 0
                    else "output 0 for every sample of this batch"
                )
                found.append(
                    Diagnostic(
                        "dead_units",
                        name,
                        step,
                        f"{name}: {fraction:.0%} of ReLU units {how_long}. Dead units get no "
                        "gradient: check the biases and the learning rate, or use leaky_relu.",
                        fraction,
                    )
                )
        return found

    def _saturated(self, record):
        found, loss = [], record["loss"]
        for tensor in self.layout.outputs:
            fraction = record["layers"][tensor.name].get("saturated_fraction")
            if fraction is None or fraction < self.thresholds.saturated_fraction:
                continue
            message = (
                f"{tensor.name}: {fraction:.0%} of its {tensor.activation} outputs are saturated "
                "(at their limits), so little gradient passes through"
            )
            if tensor.name in self.layout.model_outputs:
                if not self._still_high(loss):
                    continue  # a confident output that fits the targets is the aim
                message += f" while the loss is still high ({loss:.3g})"
            found.append(
                Diagnostic(
                    "saturated_units",
                    tensor.name,
                    record["step"],
                    f"{message}. Scale the inputs, use smaller initial weights or add "
                    "normalisation.",
                    fraction,
                )
            )
        return found

    def _gradient_across_depth(self, record):
        """Compares how fast a step can change the first and the last weighted layer: their
        gradients relative to their weights, which shrink together as the loss does."""
        weighted = self.layout.weighted
        if len(weighted) < 2:
            return []
        first, last = weighted[0].name, weighted[-1].name
        layers = record["layers"]
        low = _layer_ratio(layers[first], _gradient_l2)
        high = _layer_ratio(layers[last], _gradient_l2)
        # A gradient of exactly 0 is no gradient at all (dead units, an unused layer), not one
        # that vanished on its way down.
        if not (0 < low < math.inf and 0 < high < math.inf):
            return []
        limits, step = self.thresholds, record["step"]
        if high / low >= limits.vanishing_ratio:
            return [
                Diagnostic(
                    "vanishing_gradients",
                    first,
                    step,
                    f"gradients shrink {_fold(high / low)}-fold from the last layer ({last}) to "
                    f"the first ({first}), relative to their weights: vanishing gradients. Try "
                    "relu-like activations, He initialisation, normalisation or skip "
                    "connections.",
                    high / low,
                )
            ]
        if low / high >= limits.exploding_ratio:
            return [
                Diagnostic(
                    "exploding_gradients",
                    first,
                    step,
                    f"gradients grow {_fold(low / high)}-fold from the last layer ({last}) to "
                    f"the first ({first}), relative to their weights: exploding gradients. "
                    "Lower the learning rate, clip gradients (clipnorm=1.0) or add "
                    "normalisation.",
                    low / high,
                )
            ]
        return []

    def _gradient_growth(self, record):
        """The gradient norm's growth since the first capture, while the loss rises: gradients
        also grow in healthy runs (from small initial weights), but then the loss falls."""
        norm, loss = _norm(record, "gradient"), record["loss"]
        start = self._start
        if start is None or not start.gradient_norm > 0 or not math.isfinite(norm):
            return []
        growth = norm / start.gradient_norm
        if growth < self.thresholds.exploding_ratio or not self._rising(loss):
            return []
        owner = _largest_gradient_owner(record)
        return [
            Diagnostic(
                "exploding_gradients",
                owner,
                record["step"],
                f"the gradient norm grew {_fold(growth)}-fold since step {start.step} "
                f"({start.gradient_norm:.3g} to {norm:.3g}; largest in {owner}) while the loss "
                f"rose to {loss:.3g}: exploding gradients. Lower the learning rate or clip "
                "gradients (clipnorm=1.0).",
                growth,
            )
        ]

    def _update_ratios(self, record):
        """Steps too large for a layer's weights while the loss rises, or too small while it is
        still high: large steps while the loss falls are doing their job (weights growing from
        small initial values), and tiny ones once it is low are convergence."""
        found, limits, loss = [], self.thresholds, record["loss"]
        for tensor in self.layout.weighted:
            ratio = _layer_ratio(record["layers"][tensor.name], _update_norm)
            if ratio > limits.update_ratio_high and self._rising(loss):
                verdict = (
                    f"above {limits.update_ratio_high:g} while the loss rises): the learning "
                    "rate is likely too high"
                )
            elif ratio < limits.update_ratio_low and self._still_high(loss):
                verdict = (
                    f"below {limits.update_ratio_low:g} while the loss is still high): the "
                    "learning rate may be too low, or no gradient reaches this layer"
                )
            else:
                continue  # also where the ratio is NaN
            found.append(
                Diagnostic(
                    "update_ratio",
                    tensor.name,
                    record["step"],
                    f"{tensor.name}: one step changes its weights by {ratio:.2g} of their size "
                    f"(update/weight ratio {verdict}.",
                    ratio,
                )
            )
        return found


def non_finite_origin(layout, record) -> Diagnostic | None:
    """Where the first NaN/Inf of a record came from, or None if everything is finite."""
    layers, step = record["layers"], record["step"]

    def finite(name, kind="activation"):
        return layers[name][kind]["nonfinite_fraction"] == 0

    for tensor in layout.tensors:
        if finite(tensor.name):
            continue
        if tensor.layer_class == "InputLayer":
            message = (
                f"step {step}: the input {tensor.name!r} holds non-finite values (NaN or "
                "Inf). Clean the data."
            )
        else:
            weights = layers[tensor.name].get("weights", {}).values()
            bad_weights = any(w["value"]["nonfinite_fraction"] > 0 for w in weights)
            inputs = "finite" if all(finite(n) for n in tensor.inputs) else "not finite"
            also = ", its weights were not" if bad_weights else ""
            message = (
                f"step {step}: first non-finite value produced by {tensor.name} (its input "
                f"was {inputs}{also})."
            )
        return Diagnostic("non_finite", tensor.name, step, message)
    if not math.isfinite(record["loss"]):
        name = layout.model_outputs[0]
        return Diagnostic(
            "non_finite",
            name,
            step,
            f"step {step}: the loss is {record['loss']} though every layer output is finite: "
            "check the targets (y) and the loss function.",
        )
    for tensor in reversed(layout.outputs):
        if not finite(tensor.name, "gradient"):
            return Diagnostic(
                "non_finite",
                tensor.name,
                step,
                f"step {step}: every value of the forward pass was finite, but the gradient "
                f"flowing into {tensor.name} was not (the first non-finite gradient of the "
                "backward pass).",
            )
    return None


def _fold(ratio: float) -> str:
    return f"10^{math.floor(math.log10(ratio))}"


def _gradient_l2(weight: dict) -> float:
    return weight["gradient"]["l2"]


def _update_norm(weight: dict) -> float:
    return weight["update_norm"]


def _layer_ratio(entry: dict, of) -> float:
    """|of(weight)| / |weight| over one layer's trainable weights together, NaN for weights
    of size 0: a quantity relative to the weights it acts on, whatever their size."""
    weights = entry["weights"].values()
    size = math.sqrt(sum(w["value"]["l2"] ** 2 for w in weights))
    amount = math.sqrt(sum(of(w) ** 2 for w in weights))
    return amount / size if size > 0 else math.nan


def _largest_gradient_owner(record: dict) -> str:
    """The layer whose weight has the largest gradient norm (a NaN one counts as largest)."""
    norms = [
        (math.inf if math.isnan(weight["gradient"]["l2"]) else weight["gradient"]["l2"], owner)
        for owner, entry in record["layers"].items()
        for weight in entry.get("weights", {}).values()
    ]
    return max(norms, key=lambda pair: pair[0])[1]


def _norm(record: dict, kind: str) -> float:
    """The L2 norm of every trainable weight's "value" or "gradient" together."""
    return math.sqrt(
        sum(
            weight[kind]["l2"] ** 2
            for entry in record["layers"].values()
            for weight in entry.get("weights", {}).values()
        )
    )
