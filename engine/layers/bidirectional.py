"""Bidirectional: a recurrent layer run forwards and a copy of it run backwards, merged."""

from __future__ import annotations

import dataclasses

import numpy as np

from engine import ops, tree
from engine.errors import LayerConfigError
from engine.layers.declaration import Choice, declare, exports, translation
from engine.layers.layer import Layer
from engine.layers.layer_argument import LayerArgument, config_of

RECURRENT_NEEDS = ("go_backwards", "return_sequences", "return_state")


class MergeMode(Choice):
    """One of the merge modes, or None: the two outputs returned as they are."""

    def check(self, layer, value):
        return None if value is None else super().check(layer, value)


@declare("recurrent")
class Bidirectional(Layer):
    """Keras 3's Bidirectional. `layer` is kept as the forward layer, named "forward_<name>";
    the backward one is `backward_layer`, or a copy of `layer` with go_backwards=True named
    "backward_<name>". Weights: the forward layer's, then the backward one's."""

    layer = LayerArgument(suggested={"class_name": "LSTM", "config": {"units": 32}},
                          needs=RECURRENT_NEEDS)
    merge_mode = MergeMode("concat", choices=("sum", "mul", "concat", "ave"))
    backward_layer = LayerArgument(None, needs=RECURRENT_NEEDS)

    def configure(self):
        given = self.layer
        self.layer = _copy(given, f"forward_{given.name.removeprefix('forward_')}")
        if self.backward_layer is None:
            name = f"backward_{given.name.removeprefix('backward_')}"
            self.backward_layer = _copy(given, name, go_backwards=True)
        forward, backward = self.layer, self.backward_layer
        if forward.go_backwards == backward.go_backwards:
            raise LayerConfigError(
                f"Bidirectional: the forward and backward layers have the same go_backwards="
                f"{forward.go_backwards}; give backward_layer the other direction."
            )
        for name in ("return_sequences", "return_state", "stateful"):
            if getattr(forward, name, False) != getattr(backward, name, False):
                raise LayerConfigError(
                    f"Bidirectional: the forward and backward layers differ in {name} "
                    f"({getattr(forward, name, False)} and {getattr(backward, name, False)}); "
                    "give backward_layer the same setting."
                )
        for inner in (forward, backward):  # as Keras: masked steps of a sequence give zeros
            inner.zero_output_for_mask = inner.return_sequences

    get_config = config_of

    @property
    def forward_layer(self):
        return self.layer

    @property
    def wrapped_layers(self) -> list:
        """The layers it runs, which hold its weights (as exports name them)."""
        return [self.layer, self.backward_layer]

    @property
    def return_sequences(self):
        return self.layer.return_sequences

    @property
    def return_state(self):
        return self.layer.return_state

    def reset_state(self):
        """Set both directions' states back to zeros, where they are stateful."""
        for inner in self.wrapped_layers:
            inner.reset_state()

    def reset_states(self):
        """Keras's alias of reset_state()."""
        self.reset_state()

    def build(self, sequences_shape):
        for inner in (self.layer, self.backward_layer):
            if not inner.built:
                inner.build(sequences_shape)

    def call(self, sequences, initial_state=None, mask=None, training=None):
        forward_state = backward_state = None
        if initial_state is not None:
            half = len(initial_state) // 2
            forward_state, backward_state = initial_state[:half], initial_state[half:]
        y = _run(self.layer, sequences, forward_state, mask, training)
        y_rev = _run(self.backward_layer, sequences, backward_state, mask, training)
        states = []
        if self.return_state:
            (y, *forward_states), (y_rev, *backward_states) = y, y_rev
            states = [*forward_states, *backward_states]
        if self.return_sequences:
            y_rev = ops.getitem(y_rev, (slice(None), slice(None, None, -1)))
        if self.merge_mode is None:
            return [y, y_rev, *states]
        output = merge(self.merge_mode, y, y_rev)
        return [output, *states] if self.return_state else output

    def compute_output_shape(self, sequences_shape):
        shapes = self.layer.compute_output_shape(sequences_shape)
        output, states = (shapes[0], shapes[1:]) if self.return_state else (shapes, [])
        if self.merge_mode is None:
            return [output, output, *states, *states]
        if self.merge_mode == "concat":
            output = (*output[:-1], 2 * output[-1])
        return [output, *states, *states] if self.return_state else output

    def compute_mask(self, sequences, previous_mask):
        """Keras's: the input's mask on each returned sequence, none on the states."""
        mask = None if previous_mask is None else tree.flatten(previous_mask)[0]
        output = mask if self.return_sequences else None
        outputs = [output] if self.merge_mode is not None else [output, output]
        if self.return_state:
            states = getattr(self.layer, "state_count", None) or len(self.layer.state_sizes)
            outputs += [None] * (2 * states)
        return outputs if len(outputs) > 1 else outputs[0]


def merge(mode, y, y_rev):
    """The two directions' outputs merged as `mode` says."""
    if mode == "concat":
        return ops.concatenate([y, y_rev], axis=-1)
    if mode == "sum":
        return ops.add(y, y_rev)
    if mode == "ave":
        return ops.multiply(ops.add(y, y_rev), 0.5)
    return ops.multiply(y, y_rev)


def _copy(layer, name, **changes):
    """A fresh layer of `layer`'s config, with a new name and `changes`."""
    return type(layer).from_config({**layer.get_config(), **changes, "name": name})


def _run(layer, sequences, initial_state, mask, training):
    kwargs = layer.call_kwargs({"training": training})
    if initial_state is not None:
        kwargs["initial_state"] = initial_state
    if mask is not None:
        kwargs["mask"] = mask
    return layer.call(sequences, **kwargs)



# ---------------------------------------------------------------------------------- exports
# Each direction's own translation, on a step of its own, then the merge written out.
def _directions(step, target, name_of):
    """[(translation, step)] of the forward and backward layers: their outputs are
    temporaries, and their states the wrapper's own outputs."""
    layer = step.layer
    main = 1 if layer.merge_mode is not None else 2
    states = step.outputs[main:]
    half = len(states) // 2
    found = []
    for direction, inner, held in (("forward", layer.layer, states[:half]),
                                   ("backward", layer.backward_layer, states[half:])):
        output = f"{step.outputs[0]}_{direction}"
        sub = dataclasses.replace(step, layer=inner, name=name_of(direction),
                                  outputs=[output, *held], args=step.args[:1],
                                  arg_shapes=step.arg_shapes[:1])
        found.append((translation(type(inner).__name__, target), sub))
    return found


def _merged(step, forward, backward, flip, concatenate, lines, pad) -> list[str]:
    """The statements of the wrapper's main outputs: the backward sequence back in time
    order, `flip(x)`, then merged; `lines(head, arguments)` writes a call."""
    layer = step.layer
    statements = []
    if layer.return_sequences:
        statements.append(f"{pad}{backward} = {flip(backward)}")
    if layer.merge_mode is None:
        return [*statements, f"{pad}{step.outputs[0]}, {step.outputs[1]} = {forward}, {backward}"]
    if layer.merge_mode == "concat":
        return [*statements, *lines(f"{step.outputs[0]} = {concatenate}",
                                    [f"[{forward}, {backward}]", "-1"])]
    expression = {"sum": f"{forward} + {backward}", "mul": f"{forward} * {backward}",
                  "ave": f"({forward} + {backward}) / 2"}[layer.merge_mode]
    return [*statements, f"{pad}{step.outputs[0]} = {expression}"]


def _to_torch(step, torch):
    directions = _directions(step, "torch", lambda d: f'{step.name}["{d}_layer"]')
    emitted = [translate(sub, torch) for translate, sub in directions]
    forward, backward = (sub.outputs[0] for _, sub in directions)
    init = [f"{torch.INDENT}self.{step.name} = nn.ModuleDict()",
            *(line for e in emitted for line in e.init)]
    lines = [*(line for e in emitted for line in e.forward),
             *_merged(step, forward, backward, lambda x: f"torch.flip({x}, (1,))", "torch.cat",
                      torch.lines, torch.INDENT)]
    return torch.Emitted(init, lines, tuple(h for e in emitted for h in e.helpers))


def _torch_weights(step, torch):
    state = {}
    for direction, (translate, sub) in zip(("forward", "backward"),
                                           _directions(step, "torch_weights", str)):
        state.update({f"{direction}_layer.{key}": value
                      for key, value in translate(sub, torch).items()})
    return state


def _to_arrays(step, code):
    directions = _directions(step, "arrays", lambda d: f"{step.name}_{d}")
    forward, backward = (sub.outputs[0] for _, sub in directions)
    concatenate = code.template("concatenate", x="{x}", axis="{axis}").split("(")[0]
    return [*(line for translate, sub in directions for line in translate(sub, code)),
            *_merged(step, forward, backward, lambda x: f"{x}[:, ::-1]", concatenate,
                     code.lines, code.indent)]


def _to_onnx(b, step, onnx):
    results = [translate(b, sub, onnx) for translate, sub in
               _directions(step, "onnx", lambda d: f"{step.name}/{d}")]
    (forward, *forward_states), (backward, *backward_states) = results
    name, layer = step.name, step.layer
    if layer.return_sequences:
        backward = b.op("Slice", [backward, *(b.constant(f"{name}/{n}", [v], np.int64) for n, v in
                                              (("start", -1), ("end", -(2**63)), ("axis", 1),
                                               ("step", -1)))], f"{name}/backward_in_time")
    mode = layer.merge_mode
    if mode is None:
        outputs = [forward, backward]
    elif mode == "concat":
        outputs = [b.op("Concat", [forward, backward], name, axis=-1)]
    elif mode == "ave":
        total = b.op("Add", [forward, backward], f"{name}/sum")
        outputs = [b.op("Mul", [total, b.constant(f"{name}/half", 0.5)], name)]
    else:
        outputs = [b.op({"sum": "Add", "mul": "Mul"}[mode], [forward, backward], name)]
    return [*outputs, *forward_states, *backward_states]


exports(Bidirectional, torch=_to_torch, torch_weights=_torch_weights, arrays=_to_arrays,
        onnx=_to_onnx)
