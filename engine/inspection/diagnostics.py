"""Diagnostics: what looks wrong in a model's records, in plain words, with thresholds.

A Diagnoser reads records in step order and returns the diagnostics that hold at each one.
Every diagnostic has a stable id, the tensor (layer) it points at, the step and a message:

    dead_units           ReLU units that output 0 for every sample for `dead_steps` steps
    saturated_units      tanh/sigmoid outputs at their limits
    vanishing_gradients  the gradient shrinks from the last weighted layer to the first
    exploding_gradients  it grows from last to first, or its norm grows over training
    update_ratio         a step changes a layer's weights too much or too little
    loss_divergence      the loss is not finite, or far above its lowest value so far
    non_finite           where the first NaN/Inf came from (kept once found)
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """When each diagnostic fires; pass your own to InspectionCallback or inspect()."""

    dead_fraction: float = 0.5  # share of a ReLU layer's units that are dead ...
    dead_steps: int = 200  # ... for at least this many steps (0: within one batch)
    saturated_fraction: float = 0.5  # share of tanh/sigmoid outputs at their limits
    vanishing_ratio: float = 1e3  # last layer's mean |gradient| / first layer's
    exploding_ratio: float = 1e3  # first / last, and the gradient norm's growth since start
    update_ratio_low: float = 1e-7  # |weight update| / |weights| per step, per layer
    update_ratio_high: float = 0.1
    divergence_factor: float = 10.0  # loss above this many times its lowest so far


@dataclasses.dataclass(frozen=True)
class Diagnostic:
    id: str
    node: str | None  # the tensor (layer) it points at
    step: int
    message: str
    value: float | None = None  # the measured quantity the threshold was applied to

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


class Diagnoser:
    """Reads records in step order and says what looks wrong at each."""

    def __init__(self, layout, thresholds: Thresholds | None = None):
        self.layout = layout
        self.thresholds = thresholds or Thresholds()
        self.first_non_finite = None
        self._dead_since = {}  # tensor name -> per unit, the step since which it output 0
        self._lowest_loss = None  # (loss, step)
        self._first_gradient_norm = None  # (norm, step)

    def update(self, record: dict) -> list[Diagnostic]:
        found = []
        for check in (
            self._non_finite,
            self._loss,
            self._dead_units,
            self._saturated,
            self._gradient_across_depth,
            self._gradient_growth,
            self._update_ratios,
        ):
            found.extend(check(record))
        return found

    # ---------------------------------------------------------------------------- checks
    def _non_finite(self, record):
        if self.first_non_finite is None:
            self.first_non_finite = non_finite_origin(self.layout, record)
        return [] if self.first_non_finite is None else [self.first_non_finite]

    def _loss(self, record):
        step, loss = record["step"], record["loss"]
        node = self.layout.model_outputs[0]
        if not math.isfinite(loss):
            return [
                Diagnostic(
                    "loss_divergence",
                    node,
                    step,
                    f"step {step}: the loss is {loss}: training diverged. Lower the learning "
                    "rate or clip gradients (clipnorm=1.0 in the optimizer).",
                    loss,
                )
            ]
        found = []
        if self._lowest_loss is not None and self._lowest_loss[0] > 0:
            lowest, at = self._lowest_loss
            factor = loss / lowest
            if factor > self.thresholds.divergence_factor:
                found.append(
                    Diagnostic(
                        "loss_divergence",
                        node,
                        step,
                        f"step {step}: the loss ({loss:.3g}) is {factor:.0f} times its lowest "
                        f"value so far ({lowest:.3g} at step {at}): training is diverging. "
                        "Lower the learning rate.",
                        factor,
                    )
                )
        if self._lowest_loss is None or loss < self._lowest_loss[0]:
            self._lowest_loss = (loss, step)
        return found

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
        found = []
        for tensor in self.layout.outputs:
            fraction = record["layers"][tensor.name].get("saturated_fraction")
            if fraction is not None and fraction >= self.thresholds.saturated_fraction:
                found.append(
                    Diagnostic(
                        "saturated_units",
                        tensor.name,
                        record["step"],
                        f"{tensor.name}: {fraction:.0%} of its {tensor.activation} outputs are "
                        "saturated (at their limits), so little gradient passes through. Scale "
                        "the inputs, use smaller initial weights or add normalisation.",
                        fraction,
                    )
                )
        return found

    def _gradient_across_depth(self, record):
        weighted = self.layout.weighted
        if len(weighted) < 2:
            return []
        first, last = weighted[0].name, weighted[-1].name
        layers = record["layers"]
        low, high = layers[first]["gradient"]["mean_abs"], layers[last]["gradient"]["mean_abs"]
        if not (math.isfinite(low) and math.isfinite(high)) or high == 0:
            return []
        step, limits = record["step"], self.thresholds
        if low == 0 or high / low >= limits.vanishing_ratio:
            shrink = "to zero" if low == 0 else f"{_fold(high / low)}-fold"
            return [
                Diagnostic(
                    "vanishing_gradients",
                    first,
                    step,
                    f"gradients shrink {shrink} from the last layer ({last}) to the first "
                    f"({first}): vanishing gradients. Try relu-like activations, He "
                    "initialisation, normalisation or skip connections.",
                    math.inf if low == 0 else high / low,
                )
            ]
        if low / high >= limits.exploding_ratio:
            return [
                Diagnostic(
                    "exploding_gradients",
                    first,
                    step,
                    f"gradients grow {_fold(low / high)}-fold from the last layer ({last}) to "
                    f"the first ({first}): exploding gradients. Lower the learning rate, clip "
                    "gradients (clipnorm=1.0) or add normalisation.",
                    low / high,
                )
            ]
        return []

    def _gradient_growth(self, record):
        norms = {
            name: weight["gradient"]["l2"]
            for entry in record["layers"].values()
            for name, weight in entry.get("weights", {}).items()
        }
        norm = math.sqrt(sum(n * n for n in norms.values()))
        if not norms or not math.isfinite(norm):
            return []
        if self._first_gradient_norm is None:
            if norm > 0:
                self._first_gradient_norm = (norm, record["step"])
            return []
        first, at = self._first_gradient_norm
        growth = norm / first
        if growth < self.thresholds.exploding_ratio:
            return []
        largest = max(norms, key=norms.get)
        owner = self.layout.weight_owners[self.layout.weights.index(largest)]
        return [
            Diagnostic(
                "exploding_gradients",
                owner,
                record["step"],
                f"the gradient norm grew {_fold(growth)}-fold since step {at} ({first:.3g} to "
                f"{norm:.3g}; largest in {owner}): exploding gradients. Lower the learning "
                "rate or clip gradients (clipnorm=1.0).",
                growth,
            )
        ]

    def _update_ratios(self, record):
        found, limits = [], self.thresholds
        for tensor in self.layout.weighted:
            weights = record["layers"][tensor.name]["weights"].values()
            size = math.sqrt(sum(w["value"]["l2"] ** 2 for w in weights))
            change = math.sqrt(sum(w["update_norm"] ** 2 for w in weights))
            ratio = change / size if size > 0 else math.nan
            if not math.isfinite(ratio):
                continue
            if ratio > limits.update_ratio_high:
                verdict = (
                    f"above {limits.update_ratio_high:g}): the learning rate is likely too high"
                )
            elif ratio < limits.update_ratio_low:
                verdict = (
                    f"below {limits.update_ratio_low:g}): the learning rate may be too low, "
                    "or no gradient reaches this layer"
                )
            else:
                continue
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
