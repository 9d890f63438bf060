"""stateful=True for the recurrent layers: the final states of one batch start the next.

As in Keras 3, the states are non-trainable Variables sized by the fixed batch size the layer
is built for, held beside the weights (not among them: get_weights and weight files are
unchanged). A call starts from them unless given `initial_state`, and assigns its final
states to them: inside a compiled step the assignment lands in the step's state scope and
leaves the step with the other non-trainable values, as BatchNormalization's moving
statistics do, so fit, evaluate and predict carry them from batch to batch.
"""

from __future__ import annotations

from engine import ops
from engine.errors import LayerConfigError
from engine.layers import shape_inference, tracking
from engine.variables import Variable

STATE_NAME = "rnn_state"


class StatefulRecurrence:
    """What a recurrent layer with a `stateful` argument offers: its state Variables and
    Keras's `reset_state()` (alias `reset_states()`)."""

    @property
    def states(self) -> list:
        """The state Variables of a stateful layer once built (else none)."""
        return [v for v in self._seed_states if v.name.rsplit("/", 1)[-1] == STATE_NAME]

    def reset_state(self):
        """Set the states of a stateful layer back to zeros: the next batch starts fresh."""
        for state in self.states:
            state.assign(ops.zeros(state.shape, state.dtype))

    def reset_states(self):
        """Keras's alias of reset_state()."""
        self.reset_state()


def make_states(layer, batch, step_shapes) -> None:
    """Give a stateful `layer` one zero state Variable (batch, *shape) per step shape, unless
    it is not stateful or has them; `batch` must be fixed."""
    if not layer.stateful or layer.states:
        return
    if batch is None:
        raise LayerConfigError(
            f"{type(layer).__name__} {layer.name!r} has stateful=True, which keeps one state "
            "per sample of a fixed batch size, but its input's batch size is not fixed; give "
            "the model's Input a batch size (layers.Input(shape, batch_size=...) or "
            "batch_shape=...), or pass stateful=False."
        )
    for shape in step_shapes:
        full = (batch, *shape)
        name = f"{layer.name}/{STATE_NAME}"
        if shape_inference.inferring():
            state = shape_inference.weight_spec(name, full, layer.dtype, trainable=False)
        else:
            state = Variable(ops.zeros(full, layer.dtype), name=name, trainable=False,
                             dtype=layer.dtype)
        layer._seed_states.append(state)  # a variable steps carry, not a weight
    tracking.changed()


def starting_states(layer, sequences, initial_state):
    """What a call starts from: `initial_state` where given or the layer is not stateful
    (None: the layer's zeros), else the values of its state Variables."""
    if initial_state is not None or not layer.stateful:
        return initial_state
    held = layer.states
    batch = ops.shape(sequences)[0]
    if batch != held[0].shape[0]:
        raise layer.shape_error(
            f"has stateful=True and was built for batches of {held[0].shape[0]}, but got a "
            f"batch of {batch}; give every batch that size (predict/fit/evaluate with "
            f"batch_size={held[0].shape[0]} and a sample count it divides).",
            tuple(ops.shape(sequences)),
        )
    return [state.value for state in held]


def keep_states(layer, final_states) -> None:
    """Assign a stateful layer's final states to its state Variables, for the next batch."""
    if layer.stateful:
        for state, value in zip(layer.states, final_states):
            state.assign(value)
