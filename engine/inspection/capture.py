"""The probe: what a capture step records, compiled into the backend's own train step.

`Steps.train_probed(probe)` (engine/training/step.py) runs the usual train step with three
additions from the probe: a zero "tap" per node output, passed to the gradient as extra
parameters; a node hook that adds each tap to its node's output, so the gradient of a tap is
the gradient with respect to that output; and `summarise`, which reduces the activations,
those gradients, the weights, their gradients and their updates to a few small arrays on the
device. `read` brings them to the host as a record (engine/inspection/records.py).
"""

from __future__ import annotations

from engine import ops, tree
from engine.errors import EngineError
from engine.inspection import summaries
from engine.inspection.layout import describe
from engine.inspection.records import build_record


class CaptureError(EngineError, RuntimeError):
    """A model cannot be captured as it is (a layer's shapes disagree with its outputs)."""


class Probe:
    """What capture steps record for one model: summaries of every tensor, and with
    `keep_tensors` the raw activations and gradients too (for a single batch: they are big).

    bins: histogram bins per tensor; heat_map_size: the largest side of a heat map;
    histogram_sample: tensors larger than this are binned from an even subsample.
    """

    def __init__(self, model, bins=32, heat_map_size=32, histogram_sample=4096, keep_tensors=False):
        self.model = model
        self.layout = describe(model)
        self.bins = int(bins)
        self.heat_map_size = int(heat_map_size)
        self.histogram_sample = int(histogram_sample)
        self.keep_tensors = keep_tensors
        self._first_output, count = {}, 0  # node -> index of its first output in `outputs`
        for node in model.nodes:
            self._first_output[node] = count
            count += len(node.outputs)
        outputs = self.layout.outputs
        self._relu = [i for i, t in enumerate(outputs) if _is(t, ("relu",)) and len(t.shape) > 1]
        self._bounded = [i for i, t in enumerate(outputs) if _is(t, ("tanh", "sigmoid"))]

    # ------------------------------------------------------------------- inside the step
    def zero_taps(self, x) -> list:
        """One zero array per node output, shaped like it (shapes are inferred, not run)."""
        taps = []

        def make_taps(node, shapes):
            for tensor, shape in zip(node.outputs, shapes if node.returns_list else [shapes]):
                if any(d is None for d in shape):
                    raise CaptureError(
                        f"Layer {node.layer.name!r} gives output shape {shape} for these inputs; "
                        "capture needs every size known. Give the model fixed input shapes."
                    )
                taps.append(ops.zeros(shape, tensor.dtype))
            return shapes

        self.model.compute_output_shape(tree.map_structure(ops.shape, x), node_hook=make_taps)
        return taps

    def tapping(self, taps):
        """The node hook that keeps each node's outputs and adds its tap to them."""
        return _Tapping(self._first_output, taps)

    def summarise(self, x, outputs, output_grads, weights, weight_grads, new_weights, loss):
        """Small device arrays describing one step. The rows of "statistics" and "histograms"
        are, in order: the activations (model inputs, then node outputs), the gradients with
        respect to node outputs, the weights and their gradients; records.py reads them in
        that order."""
        activations = [*tree.flatten(x), *outputs]
        statistics, histograms = summaries.summarise(
            [*activations, *output_grads, *weights, *weight_grads],
            self.bins,
            self.histogram_sample,
        )
        updates = [ops.subtract(new, old) for new, old in zip(new_weights, weights)]
        captured = {
            "loss": loss,
            "statistics": statistics,
            "histograms": histograms,
            "heat_maps": [
                summaries.heat_map(t, self.heat_map_size) for t in [*activations, *output_grads]
            ],
            "dead_units": [summaries.dead_units(outputs[i]) for i in self._relu],
            "saturated": [
                summaries.saturated_fraction(outputs[i], self.layout.outputs[i].activation)
                for i in self._bounded
            ],
            "update_norms": summaries.l2_norms(updates) if updates else [],
        }
        if self.keep_tensors:
            captured["tensors"] = {
                "activations": activations,
                "gradients": list(output_grads),
                "weight_gradients": list(weight_grads),
            }
        return captured

    # ------------------------------------------------------------------------ on the host
    def read(self, captured, backend, step: int) -> dict:
        """The captured arrays as a record of NumPy values (engine/inspection/records.py)."""
        host = tree.map_structure(backend.to_numpy, captured)
        return build_record(self.layout, host, step, self._relu, self._bounded)


class _Tapping:
    """The node hook of a capture step: keeps every node output and adds its zero tap."""

    def __init__(self, first_output, taps):
        self.first_output = first_output
        self.taps = taps
        self.outputs = []

    def __call__(self, node, result):
        values = result if node.returns_list else [result]
        start = self.first_output[node]
        tapped = []
        for value, tap in zip(values, self.taps[start : start + len(values)]):
            if ops.shape(value) != ops.shape(tap):
                raise CaptureError(
                    f"Layer {node.layer.name!r} returned shape {ops.shape(value)} but its "
                    f"compute_output_shape gives {ops.shape(tap)}; capture needs them to agree. "
                    "Fix the layer's compute_output_shape."
                )
            self.outputs.append(value)
            floating = ops.dtype(value).startswith(("float", "bfloat"))
            tapped.append(ops.add(value, tap) if floating else value)
        return tapped if node.returns_list else tapped[0]


def _is(tensor, activations) -> bool:
    return tensor.single_output and tensor.activation in activations
