"""RNN: any cell (SimpleRNNCell, LSTMCell, GRUCell, StackedRNNCells, or a cell of one's own)
run over the time axis; and StackedRNNCells, cells run one after another as one cell.

A cell is what Keras's RNN guide writes: a Layer with `state_size` (an int, or a list of
them) and `call(inputs, states) -> (output, new states)`; `output_size` and
`get_initial_state(batch_size)` are optional.
"""

from __future__ import annotations

from engine import ops, tree
from engine.layers import masks, recurrent_dropout
from engine.layers.declaration import Bool, declare, exports, translation
from engine.layers.layer import Layer
from engine.layers.layer_argument import LayerArgument, config_of
from engine.layers.recurrent import (
    CELL_ALONE,
    CELL_PORTS,
    check_sequences,
    initial_states,
    output_shapes,
    run,
)
from engine.layers.recurrent_state import (
    StatefulRecurrence,
    keep_states,
    make_states,
    starting_states,
)

# The settings of a built-in cell the exporters read of the layer that runs it.
CELL_SETTINGS = frozenset({
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "reset_after",
    "state_count",
})
# A built-in cell -> the layer that is RNN over it, whose exports RNN's are.
CELL_LAYERS = {"SimpleRNNCell": "SimpleRNN", "LSTMCell": "LSTM", "GRUCell": "GRU"}


class CellArgument(LayerArgument):
    """A cell; a list of them is run as StackedRNNCells, as Keras does."""

    def convert(self, layer, value):
        if isinstance(value, (list, tuple)):
            return StackedRNNCells([self._one(layer, cell) for cell in value])
        return super().convert(layer, value)


@declare("recurrent")
class RNN(StatefulRecurrence, Layer):
    """Keras 3's RNN. `unroll` changes nothing here: the scan gives the same numbers. With
    stateful=True each batch starts from the last one's final states
    (engine/layers/recurrent_state.py)."""

    cell = CellArgument(suggested={"class_name": "LSTMCell", "config": {"units": 32}},
                        needs=("state_size", "call"))
    return_sequences = Bool(False)
    return_state = Bool(False)
    go_backwards = Bool(False)
    stateful = Bool(False)
    unroll = Bool(False)
    zero_output_for_mask = Bool(False)

    def __getattr__(self, name):
        # exporters read an RNN over a built-in cell as the layer it equals (LSTM for LSTMCell)
        if name in CELL_SETTINGS and "cell" in vars(self):
            return getattr(self.cell, name)
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    get_config = config_of

    @property
    def state_sizes(self) -> list:
        return tree.flatten(self.cell.state_size)

    @property
    def output_size(self) -> int:
        return getattr(self.cell, "output_size", None) or self.state_sizes[0]

    def build(self, sequences_shape):
        check_sequences(self, sequences_shape)
        if not self.cell.built:
            self.cell.build((sequences_shape[0], sequences_shape[-1]))
        make_states(self, sequences_shape[0], [(size,) for size in self.state_sizes])

    def call(self, sequences, initial_state=None, mask=None, training=None):
        cell = self.cell
        batch = ops.shape(sequences)[0]
        made = getattr(cell, "get_initial_state", None)
        initial_state = starting_states(self, sequences, initial_state)
        states = initial_states(self, initial_state, self.state_sizes, batch,
                                made and (lambda: tree.flatten(made(batch_size=batch))))
        # the cell is given its states as Keras gives them: a list, nested as state_size
        structure = cell.state_size if isinstance(cell.state_size, (list, tuple)) else [
            cell.state_size]
        kwargs = cell.call_kwargs({"training": training})

        def step(x, flat):
            output, new = cell.call(x, tree.unflatten_as(structure, flat), **kwargs)
            return output, tree.flatten(new)

        features, dtype = ops.shape(sequences)[-1], ops.dtype(sequences)
        with recurrent_dropout.held(cell, batch, features, dtype, training):  # once per call
            output, states = run(step, sequences, states, mask, self.go_backwards,
                                 self.return_sequences, self.output_size,
                                 self.zero_output_for_mask)
        keep_states(self, states)
        return [output, *states] if self.return_state else output

    def compute_output_shape(self, sequences_shape):
        return output_shapes(self, sequences_shape, self.output_size, self.state_sizes)

    def compute_mask(self, sequences, previous_mask):
        return masks.recurrent_output_masks(self, previous_mask, len(self.state_sizes))


@declare("recurrent", CELL_PORTS)
class StackedRNNCells(Layer):
    """Keras 3's StackedRNNCells: each cell's output is the next one's input; the states are
    every cell's, in a list per cell."""

    cells = LayerArgument(suggested=[{"class_name": "LSTMCell", "config": {"units": 32}}],
                          several=True, needs=("state_size", "call"))

    get_config = config_of

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        return getattr(last, "output_size", None) or tree.flatten(last.state_size)[0]

    def get_initial_state(self, batch_size=None):
        states = []
        for cell in self.cells:
            made = getattr(cell, "get_initial_state", None)
            states.append(made(batch_size=batch_size) if made else [
                ops.zeros((batch_size, size), self.compute_dtype)
                for size in tree.flatten(cell.state_size)])
        return states

    def build(self, inputs_shape, states_shape=None):
        batch, features = inputs_shape[0], inputs_shape[-1]
        for cell in self.cells:
            if not cell.built:
                cell.build((batch, features))
            features = getattr(cell, "output_size", None) or tree.flatten(cell.state_size)[0]

    def call(self, inputs, states, training=None):
        new_states = []
        for cell, cell_states in zip(self.cells, states):
            nested = isinstance(cell_states, (list, tuple))
            inputs, new = cell.call(inputs, list(cell_states) if nested else [cell_states],
                                    **cell.call_kwargs({"training": training}))
            new = list(new) if isinstance(new, (list, tuple)) else [new]
            new_states.append(new if nested or len(new) > 1 else new[0])
        return inputs, new_states

    def compute_output_shape(self, inputs_shape, states_shape=None):
        batch = inputs_shape[0]
        sizes = tree.flatten(self.state_size)
        return [(batch, self.output_size), *[(batch, size) for size in sizes]]


# ---------------------------------------------------------------------------------- exports
def _cell_layer(step):
    """The built-in layer an RNN step's cell makes it (LSTM for LSTMCell); else an
    ExportError naming the cell."""
    from engine.export.errors import ExportError

    cell = step.layer.cell
    kind = CELL_LAYERS.get(type(cell).__name__)
    if kind is None or type(cell) is not _declared_cell(type(cell).__name__):
        raise ExportError(
            f"Layer {step.layer.name!r} runs cell {cell.name!r} ({type(cell).__name__}), which "
            "has no export: only RNN over SimpleRNNCell, LSTMCell or GRUCell exports (a cell "
            "of one's own is Python code, and StackedRNNCells is not translated yet). Use "
            "layers.SimpleRNN, LSTM or GRU, one per stacked cell, to export the model."
        )
    return kind


def _declared_cell(name):
    from engine.layers import LAYERS

    return LAYERS.get(name)


def _as_cell_layer(target):
    def translate(*arguments):
        return translation(_cell_layer(arguments[-2]), target)(*arguments)

    return translate


exports(RNN, **{target: _as_cell_layer(target)
                for target in ("torch", "torch_weights", "arrays", "onnx")})
exports(StackedRNNCells, **CELL_ALONE)
