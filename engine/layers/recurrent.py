"""The base of SimpleRNN, LSTM and GRU: one cell step scanned over the time axis."""

from __future__ import annotations

from engine import activations, initializers, naming, ops
from engine.errors import LayerConfigError
from engine.layers.layer import Layer


class Recurrent(Layer):
    """Runs a cell over (batch, time, features) inputs from zero states, as Keras's RNN does.

    A subclass sets `gates` (how many blocks of `units` its kernels hold) and `state_count`,
    and implements `step(x, states) -> new states`, the first state being the cell's output.
    Weights are Keras's: kernel (features, gates*units), recurrent_kernel (units,
    gates*units), bias; their names carry Keras's cell name ("lstm_cell/kernel").
    """

    gates = 1
    state_count = 1

    def __init__(self, units, activation="tanh", use_bias=True, *,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", dropout=0.0, recurrent_dropout=0.0,
                 return_sequences=False, return_state=False, go_backwards=False, **kwargs):
        super().__init__(**kwargs)
        kind = type(self).__name__
        if isinstance(units, bool) or not isinstance(units, int) or units <= 0:
            raise LayerConfigError(f"{kind} units must be a positive int, got {units!r}.")
        for name, rate in (("dropout", dropout), ("recurrent_dropout", recurrent_dropout)):
            if rate != 0.0:
                raise LayerConfigError(
                    f"{kind} {name}={rate!r} is not supported yet; pass {name}=0.0 and put a "
                    "Dropout layer before or after the recurrent layer instead."
                )
        self.units = units
        self.activation = activations.check(activation)
        self.use_bias = bool(use_bias)
        self.kernel_initializer = initializers.check(kernel_initializer)
        self.recurrent_initializer = initializers.check(recurrent_initializer)
        self.bias_initializer = initializers.check(bias_initializer)
        self.return_sequences = bool(return_sequences)
        self.return_state = bool(return_state)
        self.go_backwards = bool(go_backwards)

    @property
    def cell_name(self):
        return f"{naming.snake_case(type(self).__name__)}_cell"

    def build(self, input_shape):
        if len(input_shape) != 3 or input_shape[-1] is None:
            raise self.shape_error(
                "expects inputs of shape (batch, time, features) with a known feature size; "
                "add a time axis (e.g. layers.Reshape((1, features))) for a single step.",
                tuple(input_shape),
            )
        width = self.gates * self.units
        self.kernel = self.add_weight(shape=(input_shape[-1], width),
                                      initializer=self.kernel_initializer,
                                      name=f"{self.cell_name}/kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, width),
                                                initializer=self.recurrent_initializer,
                                                name=f"{self.cell_name}/recurrent_kernel")
        self.bias = self.make_bias() if self.use_bias else None

    def make_bias(self, initializer=None):
        """The (gates * units,) bias weight, by `initializer` (default: bias_initializer);
        cells whose bias has another shape override it."""
        return self.add_weight(shape=(self.gates * self.units,),
                               initializer=initializer or self.bias_initializer,
                               name=f"{self.cell_name}/bias")

    def step(self, x, states):
        raise NotImplementedError(f"{type(self).__name__} does not implement step().")

    def call(self, inputs):
        sequence = ops.transpose(inputs, (1, 0, 2))  # time first: the scan runs over axis 0
        if self.go_backwards:
            sequence = ops.getitem(sequence, slice(None, None, -1))
        batch = ops.shape(inputs)[0]
        initial = [ops.zeros((batch, self.units), self.dtype) for _ in range(self.state_count)]

        def advance(states, x):
            states = self.step(x, states)
            return states, states[0]

        states, outputs = ops.scan(advance, initial, sequence)
        output = ops.transpose(outputs, (1, 0, 2)) if self.return_sequences else states[0]
        return [output, *states] if self.return_state else output

    def compute_output_shape(self, input_shape):
        batch, time = input_shape[0], input_shape[1]
        output = (batch, time, self.units) if self.return_sequences else (batch, self.units)
        if self.return_state:
            return [output, *[(batch, self.units)] * self.state_count]
        return output

    def blocks(self, z):
        """z's last axis cut into its `gates` blocks of `units` (Keras's gate order)."""
        u = self.units
        return [ops.getitem(z, (Ellipsis, slice(i * u, (i + 1) * u))) for i in range(self.gates)]

    def affine(self, x, kernel, bias=None):
        """x @ kernel (+ bias)."""
        y = ops.matmul(x, kernel)
        return y if bias is None else ops.add(y, bias)

    def get_config(self):
        return {**super().get_config(), "units": self.units, "activation": self.activation,
                "use_bias": self.use_bias, "kernel_initializer": self.kernel_initializer,
                "recurrent_initializer": self.recurrent_initializer,
                "bias_initializer": self.bias_initializer, "dropout": 0.0,
                "recurrent_dropout": 0.0, "return_sequences": self.return_sequences,
                "return_state": self.return_state, "go_backwards": self.go_backwards}
