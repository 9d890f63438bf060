"""The base of SimpleRNN, LSTM, GRU and their cells: one cell step, scanned over time.

`Gated` holds what a layer and its cell share (arguments, weights, gate blocks);
`Recurrent` is a layer that runs its own step over a sequence (SimpleRNN, LSTM, GRU);
`run` is the scan over time that it and `layers.RNN` share, with Keras's masking.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable

import numpy as np

from engine import naming, ops, tree
from engine.layers import masks, recurrent_dropout
from engine.layers.declaration import (
    ActivationName,
    Bool,
    ConstraintName,
    Float,
    InitializerName,
    Int,
    Port,
    RegularizerName,
)
from engine.layers.layer import Layer
from engine.layers.recurrent_dropout import NO_DROPOUT
from engine.layers.recurrent_state import (
    StatefulRecurrence,
    keep_states,
    make_states,
    starting_states,
)


class Gated(Layer):
    """A recurrence of `gates` blocks of `units`: its arguments, weights and step.

    A subclass sets `gates` and `state_count` and implements `step(x, states) -> new
    states`, the first state being the output. Weights are Keras's: kernel (features,
    gates*units), recurrent_kernel (units, gates*units), bias, their names after
    `weight_prefix` ("lstm_cell/" in a layer, nothing in a cell, whose name is "lstm_cell").
    """

    gates = 1
    state_count = 1
    weight_prefix = ""

    units = Int(minimum=1, suggested=32)
    activation = ActivationName("tanh")
    use_bias = Bool(True)
    kernel_initializer = InitializerName("glorot_uniform", keyword_only=True)
    recurrent_initializer = InitializerName("orthogonal", keyword_only=True)
    bias_initializer = InitializerName("zeros", keyword_only=True)
    kernel_regularizer = RegularizerName(None, keyword_only=True)
    recurrent_regularizer = RegularizerName(None, keyword_only=True)
    bias_regularizer = RegularizerName(None, keyword_only=True)
    kernel_constraint = ConstraintName(None, keyword_only=True)
    recurrent_constraint = ConstraintName(None, keyword_only=True)
    bias_constraint = ConstraintName(None, keyword_only=True)
    dropout = Float(0.0, minimum=0.0, maximum=1.0, keyword_only=True)
    recurrent_dropout = Float(0.0, minimum=0.0, maximum=1.0, keyword_only=True)
    seed = Int(None, keyword_only=True)  # draws the dropout masks

    def make_weights(self, features):
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(features, width),
                                      initializer=self.kernel_initializer,
                                      name=f"{self.weight_prefix}kernel",
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                initializer=self.recurrent_initializer,
                                                name=f"{self.weight_prefix}recurrent_kernel",
                                                regularizer=self.recurrent_regularizer,
                                                constraint=self.recurrent_constraint)
        self.bias = self.make_bias() if self.use_bias else None
        if recurrent_dropout.needs_seed(self):
            self.seed_state = self.add_seed_state(self.seed)

    def make_bias(self, initializer=None, shape=None):
        """The bias weight, (gates * units,) unless `shape` says otherwise, by `initializer`
        (default: bias_initializer)."""
        return self.add_weight(shape=shape or (self.gates * self.units,),
                               initializer=initializer or self.bias_initializer,
                               name=f"{self.weight_prefix}bias",
                               regularizer=self.bias_regularizer, constraint=self.bias_constraint)

    def step(self, x, states, masks=NO_DROPOUT):
        """The new states after x; `masks` (recurrent_dropout.StepMasks) drop out x and h."""
        raise NotImplementedError(f"{type(self).__name__} does not implement step().")

    def blocks(self, z):
        """z's last axis cut into its `gates` blocks of `units` (Keras's gate order)."""
        u = self.units
        return [ops.getitem(z, (Ellipsis, slice(i * u, (i + 1) * u))) for i in range(self.gates)]

    def affine(self, x, kernel, bias=None, masks=None):
        """x @ kernel (+ bias), x dropped out by `masks` (one, or one per gate) if given."""
        y = recurrent_dropout.project(x, kernel, masks)
        return y if bias is None else ops.add(y, bias)


class Recurrent(StatefulRecurrence, Gated):
    """A layer running its own step over (batch, time, features) inputs, as Keras's RNN does
    over the layer's cell; its weights carry Keras's cell name ("lstm_cell/kernel").
    With stateful=True each batch starts from the last one's final states
    (engine/layers/recurrent_state.py)."""

    activity_regularizer = RegularizerName(None, keyword_only=True)
    return_sequences = Bool(False, keyword_only=True)
    return_state = Bool(False, keyword_only=True)
    go_backwards = Bool(False, keyword_only=True)
    stateful = Bool(False, keyword_only=True)
    zero_output_for_mask = False  # not an argument: Bidirectional sets it, as Keras does

    @property
    def cell_name(self):
        return f"{naming.snake_case(type(self).__name__)}_cell"

    @property
    def weight_prefix(self):
        return f"{self.cell_name}/"

    def build(self, sequences_shape):
        check_sequences(self, sequences_shape)
        self.make_weights(sequences_shape[-1])
        make_states(self, sequences_shape[0], [(self.units,)] * self.state_count)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        batch = ops.shape(sequences)[0]
        initial_state = starting_states(self, sequences, initial_state)
        states = initial_states(self, initial_state, [self.units] * self.state_count, batch)
        dropout = recurrent_dropout.draw(self, (batch, ops.shape(sequences)[-1]),
                                         (batch, self.units), ops.dtype(sequences), training)
        output, states = self.steps(sequences, states, mask, dropout)
        keep_states(self, states)
        return [output, *states] if self.return_state else output

    def steps(self, sequences, states, mask, dropout):
        """(output, final states) of the layer's step run over the time axis."""

        def step(x, states):
            states = self.step(x, states, dropout)
            return states[0], states

        return run(step, sequences, states, mask, self.go_backwards, self.return_sequences,
                   self.units, self.zero_output_for_mask)

    def compute_output_shape(self, sequences_shape):
        return output_shapes(self, sequences_shape, self.units,
                             [self.units] * self.state_count)

    def compute_mask(self, sequences, previous_mask):
        return masks.recurrent_output_masks(self, previous_mask, self.state_count)


CELL_PORTS = (Port("inputs"), Port("states", "list"))


class Cell(Gated):
    """One step of the recurrence, as Keras's cells: `cell(x, states) -> (output, new
    states)` alone, or run over a sequence by layers.RNN. On symbolic tensors a call gives
    the flat list [output, *states]."""

    @property
    def state_size(self):
        return self.units if self.state_count == 1 else [self.units] * self.state_count

    @property
    def output_size(self):
        return self.units

    def build(self, inputs_shape, states_shape=None):
        if len(inputs_shape) != 2 or inputs_shape[-1] is None:
            raise self.shape_error(
                "takes one time step, inputs of shape (batch, features) with a known feature "
                "size; run it over a sequence with layers.RNN(cell).", tuple(inputs_shape))
        self.make_weights(inputs_shape[-1])

    def check_input_shapes(self, inputs_shape, states_shape=None):
        features = self.kernel.shape[0]
        if len(inputs_shape) != 2 or inputs_shape[-1] != features:
            raise self.shape_error(
                f"was built for steps of {features} features, shape (batch, {features}); "
                f"got shape {tuple(inputs_shape)}.")

    def call(self, inputs, states, training=None):
        nested = isinstance(states, (list, tuple))
        states = list(states) if nested else [states]
        dropout = getattr(self, "held_masks", None) or recurrent_dropout.draw(
            self, ops.shape(inputs), ops.shape(states[0]), ops.dtype(inputs), training)
        new = self.step(inputs, states, dropout)
        return new[0], (new if nested or self.state_count > 1 else new[0])

    def compute_output_shape(self, inputs_shape, states_shape=None):
        return [(inputs_shape[0], self.units)] * (1 + self.state_count)

    def get_initial_state(self, batch_size=None):
        return [ops.zeros((batch_size, self.units), self.compute_dtype)
                for _ in range(self.state_count)]


def check_sequences(layer, sequences_shape):
    if len(sequences_shape) != 3 or sequences_shape[-1] is None:
        raise layer.shape_error(
            "expects inputs of shape (batch, time, features) with a known feature size; "
            "add a time axis (e.g. layers.Reshape((1, features))) for a single step.",
            tuple(sequences_shape),
        )


def initial_states(layer, given, sizes, batch, zeros=None):
    """The flat list of states to start from: `given` (a tensor or a list of them, one per
    state), else `zeros()` or zeros of `sizes`."""
    if given is None:
        return zeros() if zeros is not None else [
            ops.zeros((batch, size), layer.compute_dtype) for size in sizes]
    given = tree.flatten(given)
    if len(given) != len(sizes):
        raise layer.shape_error(
            f"takes {len(sizes)} initial state tensor(s) (of sizes {sizes}), got {len(given)}; "
            "pass initial_state=[...] with one (batch, size) tensor per state."
        )
    return given


def run(step, sequences, states, mask, go_backwards, return_sequences, output_size,
        zero_output=False):
    """(output, final states) of `step(x_t, states) -> (output_t, states)` scanned over the
    time axis of `sequences`: the last output, or every step's when `return_sequences`.

    Where mask[b, t] is False, Keras's semantics: the states carry over unchanged and the
    output repeats the previous one (zeros with `zero_output`, and before the first step).
    A step may be more than a vector (ConvLSTM's frames): `output_size` is then its shape."""
    rank = len(ops.shape(sequences))
    time_first = (1, 0, *range(2, rank))  # the scan runs over axis 0
    xs = ops.transpose(sequences, time_first)
    if mask is not None:
        xs = (xs, ops.transpose(ops.cast(mask, "bool"), (1, 0)))
    if go_backwards:
        xs = tree.map_structure(lambda a: ops.getitem(a, slice(None, None, -1)), xs)

    if mask is None:
        def advance(states, x):
            output, states = step(x, states)
            return states, output

        states, outputs = ops.scan(advance, states, xs)
        last = ops.getitem(outputs, -1)
    else:
        def advance(carry, x_and_mask):
            states, previous = carry
            x, keep = x_and_mask
            output, new = step(x, states)
            keep = ops.reshape(keep, (-1,) + (1,) * (rank - 2))
            states = [ops.where(keep, n, s) for n, s in zip(new, states)]
            output = ops.where(keep, output, ops.multiply(previous, 0.0) if zero_output
                               else previous)
            return (states, output), output

        before = ops.zeros((ops.shape(sequences)[0], *step_shape(output_size)),
                           ops.dtype(sequences))
        (states, last), outputs = ops.scan(advance, (states, before), xs)
    output = ops.transpose(outputs, time_first) if return_sequences else last
    return output, list(states)


def output_shapes(layer, sequences_shape, output_size, state_sizes):
    """The output shape (with the time axis when return_sequences), then with return_state
    one (batch, size) per state; a size may be a shape (ConvLSTM's frames)."""
    batch, time = sequences_shape[0], sequences_shape[1]
    step = step_shape(output_size)
    output = (batch, time, *step) if layer.return_sequences else (batch, *step)
    if layer.return_state:
        return [output, *[(batch, *step_shape(size)) for size in state_sizes]]
    return output


def step_shape(size) -> tuple:
    """One step's shape without the batch axis: (size,) for a vector's size, else the shape."""
    return tuple(size) if isinstance(size, (tuple, list)) else (size,)


# ---------------------------------------------------------------------------------- exports
@dataclasses.dataclass(frozen=True)
class RecurrentExports:
    """What sets one recurrent layer's exports apart; `translations()` gives the family's,
    for `exports`. PyTorch gets torch's own layer where it computes exactly what the layer
    does, else a loop written into the generated file that keeps Keras's weight layout; ONNX
    gets its own op where it has the activations, else the cell unrolled over time."""

    torch_layer: str  # torch's own layer: "nn.LSTM"
    torch_gates: tuple  # torch's gate blocks, as indices into Keras's
    torch_native: Callable  # layer -> whether torch_layer computes exactly what it does
    onnx_op: str
    onnx_gates: tuple  # ONNX's gate blocks, as indices into Keras's
    onnx_activations: Callable  # layer -> the engine activations the op takes, in its order
    onnx_cell: Callable  # (b, onnx, layer, weights, x_t, states, hint) -> new states
    onnx_attributes: Callable = lambda layer: {}  # layer -> the op's own further attributes

    def translations(self) -> dict:
        return {"torch": self.to_torch, "torch_weights": self.torch_weights,
                "arrays": _to_arrays, "onnx": self.to_onnx}

    def to_torch(self, step, torch):
        if not self.torch_native(step.layer):
            return _loop_to_torch(step, torch)
        layer = step.layer
        arguments = [str(step.input_shape[-1]), str(layer.units)]
        if layer.activation == "relu":  # native with relu: SimpleRNN's nonlinearity
            arguments.append('nonlinearity="relu"')
        arguments += [*torch.bias_flag(layer), "batch_first=True"]
        init = torch.module(step, self.torch_layer, arguments)
        x = f"torch.flip({step.args[0]}, (1,))" if layer.go_backwards else step.args[0]
        output, *states = step.outputs
        pad = torch.INDENT
        if not layer.return_state:
            forward = torch.lines(f"{output}, _ = self.{step.name}", [x])
            if not layer.return_sequences:
                forward.append(f"{pad}{output} = {output}[:, -1]")
            return torch.Emitted(init, forward)
        sequence = output if layer.return_sequences else "_"
        held = states[0] if len(states) == 1 else f"({', '.join(states)})"
        forward = torch.lines(f"{sequence}, {held} = self.{step.name}", [x])
        forward += [f"{pad}{', '.join(states)} = {', '.join(f'{s}[0]' for s in states)}"]
        if not layer.return_sequences:
            forward.append(f"{pad}{output} = {states[0]}")
        return torch.Emitted(init, forward)

    def torch_weights(self, step, torch):
        layer, w = step.layer, torch.named_weights(step.layer)
        if not self.torch_native(layer):
            return w  # the loops keep Keras's names and layout
        order = self.torch_gates
        state = {"weight_ih_l0": _gate_blocks(w["kernel"], order).T,
                 "weight_hh_l0": _gate_blocks(w["recurrent_kernel"], order).T}
        if "bias" in w:
            bias = w["bias"]
            input_bias, recurrent_bias = (bias[0], bias[1]) if bias.ndim == 2 else (
                bias, np.zeros_like(bias))
            state["bias_ih_l0"] = _gate_blocks(input_bias, order)
            state["bias_hh_l0"] = _gate_blocks(recurrent_bias, order)
        return state

    def to_onnx(self, b, step, onnx):
        if all(n in onnx.RECURRENT_ACTIVATIONS for n in self.onnx_activations(step.layer)):
            return self._onnx_op(b, step, onnx)
        return self._unrolled(b, step, onnx)

    def _onnx_op(self, b, step, onnx):
        """ONNX's own RNN, LSTM or GRU op."""
        layer, w = step.layer, onnx.named_weights(step.layer)
        name, order = step.name, self.onnx_gates
        x = b.op("Transpose", [step.args[0]], f"{name}/time_major", perm=[1, 0, 2])
        if layer.go_backwards:
            x = b.op("Slice", [x, *(b.constant(f"{name}/{n}", [v], np.int64) for n, v in
                                    (("start", -1), ("end", -(2**63)), ("axis", 0), ("step", -1)))],
                     f"{name}/reversed")
        inputs = [x, b.constant(f"{name}/W", _gate_blocks(w["kernel"], order).T[None]),
                  b.constant(f"{name}/R", _gate_blocks(w["recurrent_kernel"], order).T[None])]
        if "bias" in w:
            bias = w["bias"]
            both = bias if bias.ndim == 2 else np.stack([bias, np.zeros_like(bias)])
            inputs.append(b.constant(f"{name}/B",
                                     np.concatenate([_gate_blocks(r, order) for r in both])[None]))
        names = [onnx.RECURRENT_ACTIVATIONS[n] for n in self.onnx_activations(layer)]
        outputs = b.op(self.onnx_op, inputs, f"{name}/{self.onnx_op.lower()}",
                       outputs=1 + layer.state_count, hidden_size=layer.units, activations=names,
                       **self.onnx_attributes(layer))
        sequence, *states = outputs
        states = [b.op("Squeeze", [s, b.constant(f"{name}/state_axis", [0], np.int64)],
                       f"{name}/state") for s in states]
        if layer.return_sequences:
            squeezed = b.op("Squeeze",
                            [sequence, b.constant(f"{name}/direction_axis", [1], np.int64)],
                            f"{name}/sequence_time_major")
            output = b.op("Transpose", [squeezed], f"{name}/sequence", perm=[1, 0, 2])
        else:
            output = states[0]
        return [output, *states] if layer.return_state else [output]

    def _unrolled(self, b, step, onnx):
        """The cell written out once per time step, for activations ONNX's RNN ops lack."""
        layer, w = step.layer, onnx.named_weights(step.layer)
        name, time = step.name, step.input_shape[1]
        if time is None:
            raise onnx.ExportError(
                f"Layer {layer.name!r} has activation={layer.activation!r}, which ONNX's "
                "recurrent ops lack, so it is written out step by step, which needs a fixed "
                f"number of time steps; its input has shape {step.input_shape}. Give the "
                "model's Input a fixed length, or use tanh, sigmoid, relu or softplus."
            )
        bias = w.get("bias")
        biases = (bias[0], bias[1]) if bias is not None and bias.ndim == 2 else (bias, None)
        weights = {"kernel": w["kernel"], "recurrent_kernel": w["recurrent_kernel"],
                   "input_bias": biases[0], "recurrent_bias": biases[1]}
        x = step.args[0]
        batch = b.op("Slice", [b.op("Shape", [x], f"{name}/shape"),
                               b.constant(f"{name}/zero", [0], np.int64),
                               b.constant(f"{name}/one", [1], np.int64)], f"{name}/batch")
        size = b.op("Concat", [batch, b.constant(f"{name}/units", [layer.units], np.int64)],
                    f"{name}/state_shape", axis=0)
        zeros = b.op("ConstantOfShape", [size], f"{name}/zeros",
                     value=b.numpy_helper.from_array(np.zeros(1, np.float32)))
        states, outputs = [zeros] * layer.state_count, []
        for t in (reversed(range(time)) if layer.go_backwards else range(time)):
            x_t = b.op("Gather", [x, b.constant(f"{name}/t", t, np.int64)], f"{name}/x{t}",
                       axis=1)
            states = self.onnx_cell(b, onnx, layer, weights, x_t, states, f"{name}/step{t}")
            outputs.append(states[0])
        if layer.return_sequences:
            axis = b.constant(f"{name}/time_axis", [1], np.int64)
            steps = [b.op("Unsqueeze", [o, axis], f"{name}/output") for o in outputs]
            output = b.op("Concat", steps, f"{name}/sequence", axis=1)
        else:
            output = states[0]
        return [output, *states] if layer.return_state else [output]


def _cell_alone(*arguments):
    from engine.export.errors import ExportError

    step = arguments[-2]
    raise ExportError(
        f"Cell {step.layer.name!r} ({type(step.layer).__name__}) is called alone on symbolic "
        "tensors, which exports do not translate; run it over a sequence with layers.RNN(cell)."
    )


# The exports of a cell called alone in a graph: a clear refusal.
CELL_ALONE = {"torch": _cell_alone, "arrays": _cell_alone, "onnx": _cell_alone}


def _loop_to_torch(step, torch):
    """The layer as the generated `<Kind>Loop` module, for settings torch's layers lack."""
    layer = step.layer
    kind = recurrent_kind(layer)
    arguments = [str(step.input_shape[-1]), str(layer.units),
                 *loop_keywords(layer, torch.function, use_bias=True)]
    init = torch.module(step, f"{kind}Loop", arguments)
    target, after = loop_targets(layer, step.outputs)
    pad = torch.INDENT
    forward = [f"{pad}{target} = self.{step.name}({step.args[0]})", *(pad + a for a in after)]
    return torch.Emitted(init, forward, ("RecurrentLoop", f"{kind}Loop"))


def _to_arrays(step, code):
    """`apply_<kind>` returns (every step's output, final states); pick what the layer returns."""
    layer = step.layer
    arguments = [code.params(step), step.args[0],
                 *loop_keywords(layer, code.function, use_bias=False)]
    target, after = loop_targets(layer, step.outputs)
    lines = code.lines(f"{target} = apply_{naming.snake_case(recurrent_kind(layer))}", arguments)
    return lines + [f"{code.indent}{line}" for line in after]


def recurrent_kind(layer) -> str:
    """"LSTM" for an LSTM, and for an RNN over an LSTMCell, which computes the same."""
    cell = getattr(layer, "cell", None)
    return type(layer).__name__ if cell is None else type(cell).__name__.removesuffix("Cell")


def loop_keywords(layer, function, use_bias: bool) -> list[str]:
    """Keyword arguments of the generated loop or function, where the layer leaves its
    defaults; `function(name)` writes an activation as a callable."""
    arguments = []
    if layer.activation != "tanh":
        arguments.append(f"activation={function(layer.activation)}")
    if getattr(layer, "recurrent_activation", "sigmoid") != "sigmoid":  # SimpleRNN has none
        arguments.append(f"recurrent_activation={function(layer.recurrent_activation)}")
    if use_bias and not layer.use_bias:
        arguments.append("use_bias=False")
    if not getattr(layer, "reset_after", True):  # GRU's
        arguments.append("reset_after=False")
    if layer.go_backwards:
        arguments.append("go_backwards=True")
    return arguments


def loop_targets(layer, outputs: list[str]) -> tuple[str, list[str]]:
    """For `sequence, states = run(...)`: (the assignment target, lines after it, unindented).

    The layer returns its output (the sequence, or the last state) and, with return_state,
    the final states; unused values go to `_`.
    """
    output, *states = outputs
    if not layer.return_state:  # the final output state is the output, or unused
        states = ["_"] * layer.state_count
        states[0] = "_" if layer.return_sequences else output
    sequence = output if layer.return_sequences else "_"
    held = f"({', '.join(states)},)" if len(states) == 1 else f"({', '.join(states)})"
    after = [f"{output} = {states[0]}"] if layer.return_state and not layer.return_sequences else []
    return f"{sequence}, {held}", after


def _gate_blocks(matrix, order):
    """The gate blocks along the last axis, reordered: block i of the result is order[i]."""
    blocks = np.split(matrix, len(order), axis=-1)
    return np.concatenate([blocks[i] for i in order], axis=-1)


def project(b, x, weights, kernel, bias, hint):
    """ONNX: x @ weights[kernel] (+ weights[bias]), with constants made on first use."""
    y = b.op("MatMul", [x, _weight(b, weights, kernel, hint)], f"{hint}/{kernel}")
    if bias is None or weights.get(bias) is None:
        return y
    return b.op("Add", [y, _weight(b, weights, bias, hint)], f"{hint}/{bias}")


def _weight(b, weights, key, hint):
    """The ONNX constant for weights[key], made once and remembered in `weights`."""
    if not isinstance(weights[key], str):
        weights[key] = b.constant(f"{hint.split('/')[0]}/{key}", weights[key])
    return weights[key]
