"""Records: what one capture says about a model, as plain Python and NumPy values.

    {"step": 412, "loss": 0.53, "layers": {
        "dense_1": {
            "activation": SUMMARY,             # every tensor; model inputs have only this
            "gradient": SUMMARY,               # d loss / d this output
            "dead_units": bool array,          # ReLU layers: units that output 0 for all samples
            "saturated_fraction": 0.02,        # tanh and sigmoid layers
            "weights": {"dense_1/kernel": {"value": SUMMARY, "gradient": SUMMARY,
                                           "update_norm": 0.01, "update_ratio": 0.002}}}}}

A SUMMARY holds the statistics of engine.inspection.summaries.STATISTICS as floats, a
"histogram" ({"counts", "low", "high"}: equal bins from low to high) and, for activations
and gradients, a "heat_map" (a small 2-D array). `jsonable` turns any of this into JSON.
"""

from __future__ import annotations

import math

import numpy as np

from engine.inspection.summaries import STATISTICS


def build_record(layout, host: dict, step: int, relu: list, bounded: list) -> dict:
    """A record from the host copies of Probe.summarise's arrays (see capture.py)."""
    tensors, outputs = layout.tensors, layout.outputs
    stats, histograms, heat_maps = host["statistics"], host["histograms"], host["heat_maps"]

    def summary(row, heat_map=False):
        values = {name: float(v) for name, v in zip(STATISTICS, stats[row])}
        values["histogram"] = {
            "counts": histograms[row].astype(np.int64),
            "low": values["min"],
            "high": values["max"],
        }
        if heat_map:
            values["heat_map"] = heat_maps[row]
        return values

    # Rows as Probe.summarise orders them: activations, output gradients, then weights and
    # weight gradients. Heat maps: activations, then output gradients.
    layers = {t.name: {"activation": summary(i, True)} for i, t in enumerate(tensors)}
    for j, tensor in enumerate(outputs):
        layers[tensor.name]["gradient"] = summary(len(tensors) + j, True)
        if tensor.weights:
            layers[tensor.name]["weights"] = {}
    first, count = len(tensors) + len(outputs), len(layout.weights)
    for k, (name, owner) in enumerate(zip(layout.weights, layout.weight_owners)):
        value = summary(first + k)
        norm = float(host["update_norms"][k])
        layers[owner]["weights"][name] = {
            "value": value,
            "gradient": summary(first + count + k),
            "update_norm": norm,
            "update_ratio": norm / value["l2"] if value["l2"] > 0 else None,
        }
    for i, dead in zip(relu, host["dead_units"]):
        layers[outputs[i].name]["dead_units"] = dead
    for i, fraction in zip(bounded, host["saturated"]):
        layers[outputs[i].name]["saturated_fraction"] = float(fraction)
    record = {"step": int(step), "loss": float(host["loss"]), "layers": layers}
    if "tensors" in host:
        record["tensors"] = _named_tensors(layout, host["tensors"])
    return record


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
