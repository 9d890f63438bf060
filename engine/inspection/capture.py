"""The probe: what a capture step records, compiled into the backend's own train step.

`Steps.train_probed(probe)` (engine/training/step.py) runs the usual train step with three
additions from the probe: a zero "tap" per node output, passed to the gradient as extra
parameters; a node hook that taps each node's output with it (`ops.tap`: adds it, or passes
the gradient on where the backend's autodiff can), so the gradient of a tap is the gradient
with respect to that output; and `summarise`, which reduces the activations,
those gradients, the weights, their gradients and their updates to a few small arrays on the
device, packed into one vector (where there is a device to bring it from). `read` brings it to
the host in one transfer and makes a record of it (engine/inspection/records.py).
"""

from __future__ import annotations

import numpy as np

from engine import ops, tree
from engine.backend import active, using
from engine.errors import EngineError
from engine.inspection import summaries
from engine.inspection.layout import describe, is_float
from engine.inspection.packing import Packer
from engine.inspection.records import build_record, summaries_of
from engine.models.tracing import functional_view, graph_inputs

# When the weights' L2 norms moved by more than this share of their size (all together, so
# that small biases growing from zero do not count for much) since the last value summary,
# the next capture makes a new one (see Probe's weights_every).
WEIGHT_DRIFT = 0.02
# Layers whose output holds the values of their input, reshaped.
RESHAPES = ("Flatten", "Reshape")


class CaptureError(EngineError, RuntimeError):
    """A model cannot be captured as it is (a layer's shapes disagree with its outputs)."""


class Probe:
    """What capture steps record for one model: summaries of every tensor, and with
    `keep_tensors` the raw activations and gradients too (for a single batch: they are big).

    bins: histogram bins per tensor; heat_map_size: the largest side of a heat map;
    histogram_sample: tensors larger than this are binned from an even subsample.

    weights_every: the full summaries of the trainable weights and of their gradients are
    made every this many captures, and also whenever the weights' L2 norms moved by more than
    WEIGHT_DRIFT since the last ones or a weight or gradient norm is not finite; in between, a
    record repeats the last ones with the current L2 norms (its `value_step` says which step
    the rest describes). Weights and their gradients are most of a model's values, and the
    diagnostics need only their norms, so this saves most of a capture's work.
    """

    def __init__(
        self,
        model,
        bins=32,
        heat_map_size=32,
        histogram_sample=2048,
        keep_tensors=False,
        weights_every=1,
    ):
        self.model = model
        # a subclassed model's call traced into a graph (engine/models/tracing.py): its nodes
        # are what the model's stateless_call hands the node hook
        self.graph = functional_view(model)
        self.layout = describe(model)
        self.bins = int(bins)
        self.heat_map_size = int(heat_map_size)
        self.histogram_sample = int(histogram_sample)
        self.keep_tensors = keep_tensors
        self._first_output, count = {}, 0  # node -> index of its first output in `outputs`
        for node in self.graph.nodes:
            self._first_output[node] = count
            count += len(node.outputs)
        # per input shapes: the taps' (shape, dtype)s, and once a step has shown that the
        # outputs have those shapes, which outputs are floating point (see _Tapping)
        self._tap_specs = {}
        self._floating = {}
        outputs = self.layout.outputs
        self._relu = [i for i, t in enumerate(outputs) if _is(t, ("relu",)) and len(t.shape) > 1]
        self._bounded = [i for i, t in enumerate(outputs) if _is(t, ("tanh", "sigmoid"))]
        # the step's non-trainable values that are the layout's non-trainable weights
        self._frozen = [i for i, v in enumerate(model.non_trainable_variables) if is_float(v)]
        self._same_as = _repeated_rows(self.layout)
        self._packer = Packer()
        self.weights_every = int(weights_every)
        self._weight_packer = Packer()
        self._weight_steps = {}  # backend name -> compiled _summarise_weights
        # (step, value summaries, gradient summaries, the weights' L2 norms, captures since)
        self._values = None

    # ------------------------------------------------------------------- inside the step
    def zero_taps(self, x) -> list:
        """One zero array per node output, shaped like it (shapes are inferred, not run, once
        per input shapes)."""
        key = _shapes_key(x)
        if key not in self._tap_specs:
            self._tap_specs[key] = self._infer_tap_specs(tree.map_structure(ops.shape, x))
        return [ops.tap_zeros(shape, dtype) for shape, dtype in self._tap_specs[key]]

    def _infer_tap_specs(self, shapes) -> list:
        specs = []

        def add_specs(node, output_shapes):
            many = output_shapes if node.returns_list else [output_shapes]
            for tensor, shape in zip(node.outputs, many):
                if any(d is None for d in shape):
                    raise CaptureError(
                        f"Layer {node.layer.name!r} gives output shape {shape} for these inputs; "
                        "capture needs every size known. Give the model fixed input shapes."
                    )
                specs.append((tuple(shape), tensor.dtype))
            return output_shapes

        self.graph.compute_output_shape(graph_inputs(self.model, shapes), node_hook=add_specs)
        return specs

    def tapping(self, taps, x):
        """The node hook that keeps each node's outputs and taps them (`taps` from
        `zero_taps(x)`)."""
        key = _shapes_key(x)
        return _Tapping(self._first_output, taps, self._floating, key, self._tap_specs[key])

    def summarise(
        self,
        x,
        outputs,
        output_grads,
        weights,
        weight_grads,
        new_weights,
        loss,
        non_trainable=(),
        new_non_trainable=(),
    ):
        """What one step captured, packed into one device vector (packing.py) so it travels
        to the host in one transfer (on a synchronous backend, left as it is). The rows of
        the statistics are, in order: activations (model inputs, then node outputs), the
        gradients with respect to node outputs, then the non-trainable float weights (as
        they were before the step, like the weights); records.py reads them in that order.
        The weights and their gradients are summarised by `read`, when due; here only their
        L2 norms."""
        activations = [*tree.flatten(x), *outputs]
        frozen = [non_trainable[i] for i in self._frozen] if non_trainable else []
        new_frozen = [new_non_trainable[i] for i in self._frozen] if new_non_trainable else []
        rows = [*activations, *output_grads, *frozen]
        summarised = [r for r in range(len(rows)) if r not in self._same_as]
        raw, histograms = summaries.summarise(
            [rows[r] for r in summarised], self.bins, self.histogram_sample
        )
        if self._same_as:  # rows that repeat others' (reshapes, residual gradients)
            where = {r: k for k, r in enumerate(summarised)}
            back = [where[self._same_as.get(r, r)] for r in range(len(rows))]
            back = ops.convert(np.asarray(back, np.int32))
            raw, histograms = ops.take(raw, back, axis=0), ops.take(histograms, back, axis=0)
        before, after = [*weights, *frozen], [*new_weights, *new_frozen]
        size = self.heat_map_size
        parts = {
            "loss": [loss],
            "raw": [raw],
            "histograms": [histograms],
            "heat_maps": [summaries.heat_map(t, size) for t in [*activations, *output_grads]],
            "weight_heat_maps": [summaries.weight_heat_map(w, size) for w in frozen],
            "weight_squares": [ops.squared_norms(weights)] if weights else [],
            "gradient_squares": [ops.squared_norms(weight_grads)] if weights else [],
            "dead_units": [summaries.dead_units(outputs[i]) for i in self._relu],
            "saturated": [
                summaries.saturated_fraction(outputs[i], self.layout.outputs[i].activation)
                for i in self._bounded
            ],
            "update_squares": [ops.squared_norms(after, minus=before)] if after else [],
        }
        # The weights and gradients go out as they are (no copy), for `read` to summarise.
        # On a synchronous backend (NumPy, PyTorch's CPU) the summaries are host arrays
        # already, read at once: packing them only pays where they travel from a device.
        captured = {"weights": list(weights), "weight_gradients": list(weight_grads)}
        if active().synchronous:
            captured["parts"] = parts
        else:
            captured["packed"] = self._packer.pack(parts)
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
        if "packed" in captured:
            host = self._packer.unpack(backend.to_numpy(captured["packed"]))
        else:
            host = {
                name: [np.asarray(backend.to_numpy(a), np.float32) for a in arrays]
                for name, arrays in captured["parts"].items()
            }
        if "tensors" in captured:
            host["tensors"] = tree.map_structure(backend.to_numpy, captured["tensors"])
        if self.layout.weights:
            norms = [np.sqrt(host[name][0]) for name in ("weight_squares", "gradient_squares")]
            weights = self._weight_summaries(captured, *norms, backend, step)
        else:
            weights = []
        return build_record(self.layout, host, step, self._relu, self._bounded, weights)

    def _weight_summaries(self, captured, norms, gradient_norms, backend, step: int) -> list:
        """(value SUMMARY, gradient SUMMARY, the step they describe) per trainable weight,
        with current L2 norms; see weights_every."""
        if self._values is None or self._weight_summary_due(norms, gradient_norms):
            if backend.name not in self._weight_steps:
                self._weight_steps[backend.name] = backend.jit(self._summarise_weights)
            summarise = self._weight_steps[backend.name]
            # On the backend the step ran on, which need not be this thread's: a dashboard
            # moves only its model, and fit hands captures over outside the step's `using`.
            with using(backend):
                packed = summarise(captured["weights"], captured["weight_gradients"])
            host = self._weight_packer.unpack(backend.to_numpy(packed))
            found = summaries_of(host, host["heat_maps"])
            count = len(norms)
            self._values = (step, found[:count], found[count:], norms, 0)
        else:
            at, values, gradients, then, since = self._values
            self._values = (at, values, gradients, then, since + 1)
        at, values, gradients = self._values[:3]
        return [
            ({**value, "l2": float(norm)}, {**gradient, "l2": float(gradient_norm)}, at)
            for value, gradient, norm, gradient_norm in zip(
                values, gradients, norms, gradient_norms
            )
        ]

    def _weight_summary_due(self, norms, gradient_norms) -> bool:
        then, since = self._values[3:]
        if since + 1 >= self.weights_every:
            return True
        if not (np.all(np.isfinite(norms)) and np.all(np.isfinite(gradient_norms))):
            return True
        return bool(np.linalg.norm(norms - then) > WEIGHT_DRIFT * np.linalg.norm(then))

    def _summarise_weights(self, weights, gradients):
        """Summaries of the weights (with heat maps), then of their gradients, packed."""
        rows = [*weights, *gradients]
        raw, histograms = summaries.summarise(rows, self.bins, self.histogram_sample)
        size = self.heat_map_size
        parts = {
            "raw": [raw],
            "histograms": [histograms],
            "heat_maps": [summaries.weight_heat_map(w, size) for w in weights],
        }
        return self._weight_packer.pack(parts)


class _Tapping:
    """The node hook of a capture step: keeps every node output and taps it (ops.tap).

    The first step for some input shapes checks that each output has its tap's shape and
    notes which outputs are floating point (only those are tapped) in `floating`, under
    `key`; later steps for those shapes use the note and ask nothing of the outputs."""

    def __init__(self, first_output, taps, floating, key, specs):
        self.first_output = first_output
        self.taps = taps
        self.outputs = []
        self._floating_by_key = floating
        self._key = key
        self._specs = specs
        self._floating = floating.get(key)
        self._found = {} if self._floating is None else None

    def __call__(self, node, result):
        values = result if node.returns_list else [result]
        start = self.first_output[node]
        tapped = []
        for index, value in enumerate(values, start):
            if self._found is None:
                floating = self._floating[index]
            else:
                floating = self._check(node, value, index)
            self.outputs.append(value)
            tapped.append(ops.tap(value, self.taps[index]) if floating else value)
        if self._found is not None and len(self._found) == len(self.taps):
            self._floating_by_key[self._key] = [self._found[i] for i in range(len(self.taps))]
        return tapped if node.returns_list else tapped[0]

    def _check(self, node, value, index) -> bool:
        shape, expected = ops.shape(value), self._specs[index][0]
        if shape != expected:
            raise CaptureError(
                f"Layer {node.layer.name!r} returned shape {shape} but its "
                f"compute_output_shape gives {expected}; capture needs them to agree. "
                "Fix the layer's compute_output_shape."
            )
        self._found[index] = ops.dtype(value).startswith(("float", "bfloat"))
        return self._found[index]


def _shapes_key(x) -> tuple:
    """The shapes of the model inputs `x`: what a capture step's taps depend on."""
    return tuple(ops.shape(t) for t in tree.flatten(x))


def _repeated_rows(layout) -> dict:
    """Statistic rows (as Probe.summarise orders them) that need not be computed, each with
    the row that holds the same values: the output of a Flatten or Reshape has its input's
    values, and its gradient is its input's gradient when nothing else reads that input; the
    gradient with respect to an input of an Add (whose inputs share its shape) is the Add's
    own gradient when nothing else reads that input (a residual branch's last layer)."""
    names = [t.name for t in layout.tensors]
    readers = {}
    for tensor in layout.outputs:
        for source in tensor.inputs:
            readers[source] = readers.get(source, 0) + 1
    inputs = len(layout.inputs)

    def gradient_row(name):  # None for a model input: inputs have no gradient rows
        index = names.index(name)
        return None if index < inputs else len(names) + index - inputs

    def read_alone(name):
        return readers[name] == 1 and name not in layout.model_outputs

    same = {}
    for i, tensor in enumerate(layout.outputs):
        if tensor.layer_class in RESHAPES and len(tensor.inputs) == 1:
            source = tensor.inputs[0]
            same[inputs + i] = names.index(source)
            if gradient_row(source) is not None and read_alone(source):
                same[len(names) + i] = gradient_row(source)
        elif tensor.layer_class == "Add":
            for source in tensor.inputs:
                if gradient_row(source) is not None and read_alone(source):
                    same[gradient_row(source)] = len(names) + i
    return {row: _first_computed(row, same) for row in same}


def _first_computed(row: int, same: dict) -> int:
    """The row that `row` repeats, following chains (a Flatten of a Reshape, Adds in a row)
    to one that is computed."""
    while row in same:
        row = same[row]
    return row


def _is(tensor, activations) -> bool:
    return tensor.single_output and tensor.activation in activations
