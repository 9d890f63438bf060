"""Records: what one capture says about a model, as plain Python and NumPy values.

    {"step": 412, "loss": 0.53, "layers": {
        "dense_1": {
            "activation": SUMMARY,             # every tensor; model inputs have only this
            "gradient": SUMMARY,               # d loss / d this output
            "dead_units": bool array,          # ReLU layers: units that output 0 for all samples
            "saturated_fraction": 0.02,        # tanh and sigmoid layers
            "weights": {"dense_1/kernel": {"value": SUMMARY, "gradient": SUMMARY,
                                           "update_norm": 0.01, "update_ratio": 0.002,
                                           "value_step": 410}},
            "non_trainable_weights": {         # e.g. BatchNormalization's moving statistics
                "batch_normalization/moving_mean": {"value": SUMMARY, "update_norm": 0.001,
                                                    "update_ratio": 0.01}}}}}

A SUMMARY holds the statistics of engine.inspection.summaries.STATISTICS as floats, a
"histogram" ({"counts", "low", "high"}: equal bins from low to high) and, for activations,
gradients and weight values, a "heat_map" (a small 2-D array). A weight's value summary is
made every few captures (capture.Probe's weights_every), and so is its gradient's:
"value_step" is the step they describe, apart from their "l2", which is always current.
`jsonable` turns any of this into JSON."""

from __future__ import annotations

import math

import numpy as np

from engine.inspection.summaries import STATISTICS, statistics


def summaries_of(host: dict, heat_maps=()) -> list[dict]:
    """One SUMMARY per row of an unpacked "raw" and "histograms" pair (summaries.summarise),
    with the matching entry of `heat_maps`, where there is one, as its heat_map."""
    (raw,), (histograms,) = host["raw"], host["histograms"]
    counts = np.rint(histograms).astype(np.int64)
    found = []
    for row, values in enumerate(statistics(raw).tolist()):  # Python floats
        summary = dict(zip(STATISTICS, values))
        summary["histogram"] = {
            "counts": counts[row],
            "low": summary["min"],
            "high": summary["max"],
        }
        if row < len(heat_maps) and heat_maps[row] is not None:
            summary["heat_map"] = heat_maps[row]
        found.append(summary)
    return found


def build_record(layout, host: dict, step: int, relu: list, bounded: list, weights: list) -> dict:
    """A record from the unpacked host copy of Probe.summarise's vector (see capture.py), and
    `weights`: per trainable weight, its value SUMMARY, its gradient's SUMMARY and the step
    they describe."""
    tensors, outputs = layout.tensors, layout.outputs
    first = len(tensors) + len(outputs)
    # Rows as Probe.summarise orders them: activations, output gradients, then non-trainable
    # weights (absent from steps that did not pass them).
    heat_maps = [*host["heat_maps"], *host["weight_heat_maps"]]
    summaries = summaries_of(host, heat_maps)
    layers = {t.name: {"activation": summaries[i]} for i, t in enumerate(tensors)}
    for j, tensor in enumerate(outputs):
        layers[tensor.name]["gradient"] = summaries[len(tensors) + j]
        if tensor.weights:
            layers[tensor.name]["weights"] = {}
        if tensor.non_trainable:
            layers[tensor.name]["non_trainable_weights"] = {}
    norms = np.sqrt(host["update_squares"][0]) if host["update_squares"] else []
    count = len(layout.weights)
    for k, (name, owner) in enumerate(zip(layout.weights, layout.weight_owners)):
        value, gradient, value_step = weights[k]
        layers[owner]["weights"][name] = {
            "value": value,
            "gradient": gradient,
            "update_norm": float(norms[k]),
            "update_ratio": _ratio(norms[k], value["l2"]),
            "value_step": value_step,
        }
    frozen = zip(layout.non_trainable_weights, layout.non_trainable_owners)
    if len(summaries) > first:
        for k, (name, owner) in enumerate(frozen):
            if owner is None:
                continue
            value = summaries[first + k]
            layers[owner]["non_trainable_weights"][name] = {
                "value": value,
                "update_norm": float(norms[count + k]),
                "update_ratio": _ratio(norms[count + k], value["l2"]),
            }
    for i, dead in zip(relu, host["dead_units"]):
        layers[outputs[i].name]["dead_units"] = dead > 0.5
    for i, fraction in zip(bounded, host["saturated"]):
        layers[outputs[i].name]["saturated_fraction"] = float(fraction)
    record = {"step": int(step), "loss": float(host["loss"][0]), "layers": layers}
    if "tensors" in host:
        record["tensors"] = _named_tensors(layout, host["tensors"])
    return record


def _ratio(norm, size):
    return float(norm) / size if size > 0 else None


def _named_tensors(layout, raw: dict) -> dict:
    return {
        "activations": dict(zip((t.name for t in layout.tensors), raw["activations"])),
        "gradients": dict(zip((t.name for t in layout.outputs), raw["gradients"])),
        "weight_gradients": dict(zip(layout.weights, raw["weight_gradients"])),
    }


def jsonable(value):
    """`value` with arrays as lists, NumPy scalars as Python ones and NaN/±inf as None."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, np.generic):
        return jsonable(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "to_dict"):
        return jsonable(value.to_dict())
    return value
