"""ConvLSTM1D, ConvLSTM2D and ConvLSTM3D: Keras 3's LSTM whose input and recurrent
transformations are convolutions, over (batch, time, *spatial, channels) sequences.

The gates are the LSTM's (i, f, c, o, blocks of the kernels' last axis); the scan over time,
masks and initial states are engine.layers.recurrent's, which every recurrent layer shares.
"""

from __future__ import annotations

from engine import activations, initializers, ops
from engine.layers import masks, recurrent_dropout
from engine.layers.conv_lstm_exports import conv_lstm_exports
from engine.layers.convolution import check_strides_or_dilation
from engine.layers.declaration import (
    ActivationName,
    Bool,
    Choice,
    ConstraintName,
    Float,
    InitializerName,
    Int,
    RegularizerName,
    Window,
    declare,
    exports,
)
from engine.layers.layer import Layer
from engine.layers.pooling import DataFormat
from engine.layers.recurrent import initial_states, output_shapes, run
from engine.layers.recurrent_dropout import NO_DROPOUT
from engine.layers.recurrent_state import (
    StatefulRecurrence,
    keep_states,
    make_states,
    starting_states,
)
from engine.layers.windows import PADDINGS, spatial_output_shape


class ConvLSTM(StatefulRecurrence, Layer):
    """An LSTM over frames of `rank` spatial axes: z = conv(x_t, kernel) + bias +
    conv(h, recurrent_kernel) (strides 1, "same"), cut into the gates i, f, c, o.

    Weights are Keras's: kernel (*kernel_size, channels, 4 * filters), recurrent_kernel
    (*kernel_size, filters, 4 * filters), bias (4 * filters,), named after Keras's cell.
    """

    rank = 0
    state_count = 2  # h and c
    cell_name = "conv_lstm_cell"  # Keras's cell, whose name the weights carry
    gates = 4
    dropout_per_gate = True  # Keras's ConvLSTM cell draws one dropout mask per gate
    zero_output_for_mask = False  # not an argument: Bidirectional sets it, as Keras does

    filters = Int(minimum=1, suggested=8)
    kernel_size = Window(suggested=3)
    strides = Window(1)
    padding = Choice("valid", choices=PADDINGS)
    data_format = DataFormat(None, choices=("channels_last",))
    dilation_rate = Window(1)
    activation = ActivationName("tanh")
    recurrent_activation = ActivationName("sigmoid")
    use_bias = Bool(True)
    kernel_initializer = InitializerName("glorot_uniform")
    recurrent_initializer = InitializerName("orthogonal")
    bias_initializer = InitializerName("zeros")
    unit_forget_bias = Bool(True)
    kernel_regularizer = RegularizerName(None)
    recurrent_regularizer = RegularizerName(None)
    bias_regularizer = RegularizerName(None)
    activity_regularizer = RegularizerName(None)
    kernel_constraint = ConstraintName(None)
    recurrent_constraint = ConstraintName(None)
    bias_constraint = ConstraintName(None)
    dropout = Float(0.0, minimum=0.0, maximum=1.0)
    recurrent_dropout = Float(0.0, minimum=0.0, maximum=1.0)
    seed = Int(None)  # draws the dropout masks
    return_sequences = Bool(False, keyword_only=True)
    return_state = Bool(False, keyword_only=True)
    go_backwards = Bool(False, keyword_only=True)
    stateful = Bool(False, keyword_only=True)

    def configure(self):
        check_strides_or_dilation(self)

    def build(self, sequences_shape):
        channels = self._check_sequences(sequences_shape)
        width = 4 * self.filters
        self.kernel = self._weight("kernel", (*self.kernel_size, channels, width))
        self.recurrent_kernel = self._weight("recurrent", (*self.kernel_size, self.filters, width))
        self.bias = None
        if self.use_bias:
            forget_at_one = self._unit_forget_bias if self.unit_forget_bias else None
            self.bias = self._weight("bias", (width,), forget_at_one)
        if recurrent_dropout.needs_seed(self):
            self.seed_state = self.add_seed_state(self.seed)
        make_states(self, sequences_shape[0],
                    [self.state_shape(sequences_shape)] * self.state_count)

    def _weight(self, kind, shape, initializer=None):
        """The weight whose initializer, regularizer and constraint are the `kind`_ ones."""
        name = "recurrent_kernel" if kind == "recurrent" else kind
        return self.add_weight(
            shape=shape, name=f"{self.cell_name}/{name}",
            initializer=initializer or getattr(self, f"{kind}_initializer"),
            regularizer=getattr(self, f"{kind}_regularizer"),
            constraint=getattr(self, f"{kind}_constraint"))

    def _unit_forget_bias(self, shape, dtype):
        """The bias initializer's values with the forget gate's block set to one."""
        value = initializers.initialize(self.bias_initializer, shape, dtype)
        value[self.filters:2 * self.filters] = 1.0
        return value

    def call(self, sequences, initial_state=None, mask=None, training=None):
        batch = ops.shape(sequences)[0]
        shape = self.state_shape(ops.shape(sequences))
        initial_state = starting_states(self, sequences, initial_state)
        states = initial_states(
            self, initial_state, [shape] * self.state_count, batch,
            lambda: [ops.zeros((batch, *shape), self.compute_dtype)] * self.state_count)
        dropout = recurrent_dropout.draw(self, (batch, *ops.shape(sequences)[2:]),
                                         (batch, *shape), ops.dtype(sequences), training)

        def step(x, states):
            states = self.step(x, states, dropout)
            return states[0], states

        output, states = run(step, sequences, states, mask, self.go_backwards,
                             self.return_sequences, shape, self.zero_output_for_mask)
        keep_states(self, states)
        return [output, *states] if self.return_state else output

    def step(self, x, states, masks=NO_DROPOUT):
        """The new (h, c) after frame x; `masks` drop out x and h (recurrent_dropout)."""
        h, c = states
        z = recurrent_dropout.project(x, self.kernel, masks.inputs, self._input_conv)
        if self.bias is not None:
            z = ops.add(z, self.bias)
        z = ops.add(z, recurrent_dropout.project(h, self.recurrent_kernel, masks.recurrent,
                                                 self._recurrent_conv))
        n = self.filters
        i, f, g, o = (ops.getitem(z, (Ellipsis, slice(k * n, (k + 1) * n))) for k in range(4))
        i, f, o = (activations.apply(self.recurrent_activation, v) for v in (i, f, o))
        c = ops.add(ops.multiply(f, c), ops.multiply(i, activations.apply(self.activation, g)))
        return [ops.multiply(o, activations.apply(self.activation, c)), c]

    def _input_conv(self, x, kernel):
        return ops.conv(x, kernel, strides=self.strides, padding=self.padding,
                        dilation_rate=self.dilation_rate)

    @staticmethod
    def _recurrent_conv(h, kernel):
        return ops.conv(h, kernel, padding="same")

    def state_shape(self, sequences_shape) -> tuple:
        """The shape of h and c without the batch axis: (*output spatial sizes, filters)."""
        spatial = spatial_output_shape(self, tuple(sequences_shape), self.kernel_size,
                                       self.strides, self.padding, self.dilation_rate, "kernel",
                                       first_axis=2)
        return (*spatial, self.filters)

    def compute_output_shape(self, sequences_shape):
        self._check_sequences(sequences_shape)
        shape = self.state_shape(sequences_shape)
        return output_shapes(self, sequences_shape, shape, [shape] * self.state_count)

    def compute_mask(self, sequences, previous_mask):
        return masks.recurrent_output_masks(self, previous_mask, self.state_count)

    def _check_sequences(self, sequences_shape) -> int:
        """The channel count, or a shape error unless the frames' sizes are all known."""
        sequences_shape = tuple(sequences_shape)
        spatial = {1: "width", 2: "height, width", 3: "depth, height, width"}[self.rank]
        if len(sequences_shape) != self.rank + 3 or None in sequences_shape[2:]:
            raise self.shape_error(
                f"expects sequences of frames, shape (batch, time, {spatial}, channels), with "
                "known frame sizes and channels (as Keras requires); add a time axis "
                "(layers.Reshape) for a single frame.", sequences_shape)
        return sequences_shape[-1]


@declare("recurrent")
class ConvLSTM1D(ConvLSTM):
    """Keras 3's ConvLSTM1D: frames of (width, channels)."""

    rank = 1


@declare("recurrent")
class ConvLSTM2D(ConvLSTM):
    """Keras 3's ConvLSTM2D: frames of (height, width, channels)."""

    rank = 2


@declare("recurrent")
class ConvLSTM3D(ConvLSTM):
    """Keras 3's ConvLSTM3D: frames of (depth, height, width, channels)."""

    rank = 3


exports(ConvLSTM1D, ConvLSTM2D, ConvLSTM3D, **conv_lstm_exports())
