"""Rescaling (x * scale + offset) and Normalization ((x - mean) / sqrt(variance), with the
statistics given or learnt by `adapt`)."""

from __future__ import annotations

import numbers

import numpy as np

from engine import ops
from engine.errors import LayerConfigError
from engine.layers.declaration import Argument, Bool, declare, exports
from engine.layers.layer import Layer

EPSILON = 1e-7  # Keras's backend.epsilon(): the smallest standard deviation divided by


class Numbers(Argument):
    """A number, or an array of them as nested lists (one per channel, say)."""

    type = "float"

    def convert(self, layer, value):
        if is_number(value):
            return float(value)
        try:
            array = np.asarray(value, dtype=np.float64)
        except (TypeError, ValueError):
            array = None
        if array is None or array.ndim == 0 or array.size == 0 or not np.all(np.isfinite(array)):
            raise self.error(layer, "must be a number or a (nested) list of finite numbers",
                             value)
        return array.tolist()


class NormalizationAxes(Argument):
    """The axes kept (one mean and variance per position along them): an int, a list of
    ints, or None for one mean over everything. Kept as Keras keeps it: a tuple."""

    type = "int_or_int_list"

    def check(self, layer, value):
        if value is None:
            return ()
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return (int(value),)
        if isinstance(value, (tuple, list)) and all(
                isinstance(a, numbers.Integral) and not isinstance(a, bool) for a in value):
            return tuple(int(a) for a in value)
        raise self.error(layer, "must be an int, a list of ints or None", value)


def is_number(value) -> bool:
    """A real number, not a bool."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


@declare("preprocessing")
class Rescaling(Layer):
    """inputs * scale + offset, in the layer's float dtype: [0, 255] pixels to [0, 1] with
    scale=1/255. `scale` and `offset` may be lists, one value per channel."""

    scale = Numbers(suggested=1 / 255)
    offset = Numbers(0.0)

    def call(self, inputs):
        x = ops.cast(inputs, self.dtype)
        return ops.add(ops.multiply(x, _constant(self.scale, self.dtype)),
                       _constant(self.offset, self.dtype))

    def compute_output_shape(self, input_shape):
        return input_shape


def _constant(value, dtype):
    return value if isinstance(value, float) else np.asarray(value, dtype)


@declare("preprocessing")
class Normalization(Layer):
    """(x - mean) / max(sqrt(variance), 1e-7), one mean and variance per position along
    `axis`; `invert` maps normalised values back. Given `mean` and `variance`, the layer holds
    them as constants; otherwise it keeps them as (non-trainable) weights that `adapt(data)`
    sets from data, with Keras's names: mean, variance and count."""

    axis = NormalizationAxes(-1)
    mean = Numbers(None)
    variance = Numbers(None)
    invert = Bool(False)
    # what the generated JAX and TensorFlow code's init() fills the adapted weights with
    mean_initializer, variance_initializer, count_initializer = "zeros", "ones", "zeros"

    def configure(self):
        if (self.mean is None) != (self.variance is None):
            raise self._config_error(
                "needs both `mean` and `variance`, or neither (then `adapt` learns them)")
        if self.mean is not None:
            if np.shape(self.mean) != np.shape(self.variance):
                raise self._config_error(
                    f"`mean` and `variance` must have one shape; got {np.shape(self.mean)} "
                    f"and {np.shape(self.variance)}")
            if np.ndim(self.mean) > len(self.axis):
                raise self._config_error(
                    f"`mean` has rank {np.ndim(self.mean)}, more than the {len(self.axis)} "
                    f"axes of axis={self.axis}")
            if np.any(np.asarray(self.variance) < 0):
                raise self._config_error("`variance` must not be negative")

    def _config_error(self, message):
        return LayerConfigError(f"Normalization: {message}.")

    def build(self, input_shape):
        rank = len(input_shape)
        if any(not -rank <= a < rank for a in self.axis):
            raise self.shape_error(f"axis={self.axis} is out of range for inputs of rank "
                                   f"{rank}; each axis must lie in [-{rank}, {rank}).",
                                   input_shape)
        self.kept = tuple(sorted(a % rank for a in self.axis))
        if any(input_shape[a] is None for a in self.kept):
            raise self.shape_error(f"the kept axes {self.kept} must have known sizes.",
                                   input_shape)
        self.reduced = tuple(a for a in range(rank) if a not in self.kept)
        self.broadcast_shape = tuple(input_shape[a] if a in self.kept else 1
                                     for a in range(rank))
        sizes = tuple(input_shape[a] for a in self.kept)
        if self.mean is None:
            self.adapt_mean = self.add_weight(sizes, "zeros", trainable=False, name="mean")
            self.adapt_variance = self.add_weight(sizes, "ones", trainable=False,
                                                  name="variance")
            # Keras's count of samples seen, kept for its weight layout
            self.count = self.add_weight((), "zeros", "int32", trainable=False, name="count")
        else:
            self.constants = tuple(self._broadcast(v, sizes) for v in (self.mean,
                                                                       self.variance))

    def _broadcast(self, value, sizes):
        """A given mean or variance laid along the kept axes, right-aligned as Keras does."""
        value = np.asarray(value, np.float64)
        aligned = np.ones(len(self.broadcast_shape), int)
        for i in range(1, value.ndim + 1):
            aligned[self.kept[-i]] = value.shape[-i]
        try:
            return np.broadcast_to(value.reshape(aligned), self.broadcast_shape).astype(
                self.dtype)
        except ValueError:
            raise self.shape_error(f"`mean` of shape {value.shape} does not fit the kept axes "
                                   f"{self.kept} of sizes {sizes}.") from None

    def statistics(self):
        """(mean, variance) shaped to broadcast against the inputs."""
        if self.mean is not None:
            return self.constants
        return (ops.reshape(self.adapt_mean, self.broadcast_shape),
                ops.reshape(self.adapt_variance, self.broadcast_shape))

    def call(self, inputs):
        mean, variance = self.statistics()
        x = ops.cast(inputs, self.dtype)
        deviation = ops.maximum(ops.sqrt(variance), EPSILON)
        if self.invert:
            return ops.add(mean, ops.multiply(x, deviation))
        return ops.divide(ops.subtract(x, mean), deviation)

    def compute_output_shape(self, input_shape):
        return input_shape

    def adapt(self, data):
        """Set the mean and variance from `data`: one array, or an iterable of batches (the
        statistics of all of them together, merged batch by batch)."""
        if self.mean is not None:
            raise self._config_error("`adapt` learns the statistics; this layer was given "
                                     "`mean` and `variance`. Make it without them")
        batches = iter([data] if hasattr(data, "shape") else data)
        first = next(batches, None)
        if first is None:
            raise self._config_error("`adapt` got no data; pass an array or batches of them")
        if not self.built:
            self._build_and_infer([(None, *np.shape(first)[1:])])
        total_mean = total_variance = None
        count = 0
        for batch in (first, *batches):
            batch = np.asarray(ops.to_numpy(batch) if not isinstance(batch, np.ndarray)
                               else batch, np.float64)
            self.check_input_shapes((None, *batch.shape[1:]))
            mean, variance = batch.mean(self.reduced), batch.var(self.reduced)
            size = int(np.prod([batch.shape[a] for a in self.reduced]))
            if total_mean is None:
                total_mean, total_variance, count = mean, variance, size
                continue
            count += size
            weight = size / count
            merged = total_mean * (1 - weight) + mean * weight
            total_variance = ((total_variance + (total_mean - merged) ** 2) * (1 - weight)
                              + (variance + (mean - merged) ** 2) * weight)
            total_mean = merged
        self.adapt_mean.assign(total_mean.astype(self.dtype))
        self.adapt_variance.assign(total_variance.astype(self.dtype))

    def check_input_shapes(self, input_shape):
        if len(input_shape) != len(self.broadcast_shape) or any(
                input_shape[a] != self.broadcast_shape[a] for a in self.kept):
            raise self.shape_error(
                f"was built for inputs of rank {len(self.broadcast_shape)} with sizes "
                f"{[self.broadcast_shape[a] for a in self.kept]} along axes {self.kept}.",
                input_shape)


# ---------------------------------------------------------------------------------- exports
def rescaling_to_torch(step, torch):
    layer = step.layer
    scale, offset = (torch.literal(v) if isinstance(v, float) else
                     f"torch.tensor({torch.literal(v)})" for v in (layer.scale, layer.offset))
    return torch.Emitted([], torch.chain(step, ["{}.float()", f"{{}} * {scale}",
                                                f"{{}} + {offset}"]))


def rescaling_to_arrays(step, code):
    layer = step.layer
    scale, offset = (code.literal(v) if isinstance(v, float) else
                     code.template("array", values=code.literal(v)) for v in
                     (layer.scale, layer.offset))
    return code.chain(step, [code.template("float"), f"{{}} * {scale}", f"{{}} + {offset}"])


def rescaling_to_onnx(b, step, onnx):
    layer = step.layer
    x = b.op("Cast", [step.args[0]], f"{step.name}/cast", to=1)  # 1: FLOAT
    scale = b.constant(f"{step.name}/scale", np.asarray(layer.scale, np.float32))
    offset = b.constant(f"{step.name}/offset", np.asarray(layer.offset, np.float32))
    return [b.op("Add", [b.op("Mul", [x, scale], f"{step.name}/mul"), offset], step.name)]


exports(Rescaling, torch=rescaling_to_torch, arrays=rescaling_to_arrays,
        onnx=rescaling_to_onnx)


def _statistics(layer):
    """NumPy (mean, standard deviation floored at EPSILON), shaped to broadcast."""
    mean, variance = (layer.constants if layer.mean is not None else
                      (layer.adapt_mean.numpy().reshape(layer.broadcast_shape),
                       layer.adapt_variance.numpy().reshape(layer.broadcast_shape)))
    return (mean.astype(np.float32),
            np.maximum(np.sqrt(variance), EPSILON).astype(np.float32))


def normalization_to_torch(step, torch):
    """A NormalizeBy module (the generated file's helper) holding the statistics."""
    layer = step.layer
    arguments = [torch.literal(layer.broadcast_shape)] + (["invert=True"] if layer.invert
                                                          else [])
    init = torch.module(step, "NormalizeBy", arguments)
    return torch.Emitted(init, torch.assign(step, f"self.{step.name}({step.args[0]})"),
                         ("NormalizeBy",))


def normalization_torch_weights(step, torch):
    mean, deviation = _statistics(step.layer)
    return {"mean": mean, "deviation": deviation}


def normalization_to_arrays(step, code):
    """The helper apply_normalization, on the adapted weights or the given statistics."""
    layer = step.layer
    if layer.mean is None:
        statistics = code.params(step)
    else:
        mean, variance = (code.literal(v.tolist()) for v in layer.constants)
        statistics = f'{{"mean": {mean}, "variance": {variance}}}'
    arguments = [statistics, step.args[0], code.literal(layer.broadcast_shape),
                 str(layer.invert)]
    return code.call(step, "apply_normalization", arguments)


def normalization_to_onnx(b, step, onnx):
    mean, deviation = _statistics(step.layer)
    mean = b.constant(f"{step.name}/mean", mean)
    deviation = b.constant(f"{step.name}/deviation", deviation)
    if step.layer.invert:
        scaled = b.op("Mul", [step.args[0], deviation], f"{step.name}/scaled")
        return [b.op("Add", [scaled, mean], step.name)]
    centred = b.op("Sub", [step.args[0], mean], f"{step.name}/centred")
    return [b.op("Div", [centred, deviation], step.name)]


exports(Normalization, torch=normalization_to_torch, torch_weights=normalization_torch_weights,
        arrays=normalization_to_arrays, onnx=normalization_to_onnx)
