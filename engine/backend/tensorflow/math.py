"""Elementwise math, activations, reductions and linear algebra for the TensorFlow backend.

Binary ops coerce their operands with core.operands (TensorFlow does not promote). Ops that
TensorFlow only defines for floats (sqrt, exp, mean, ...) compute integers in float32, as
JAX does. maximum/minimum are written as a select so that ties send the gradient to `a`.
"""

from __future__ import annotations

from engine.backend.tensorflow import statistics
from engine.backend.tensorflow.autodiff import compiling_with_xla
from engine.backend.tensorflow.core import (
    floating,
    operands,
    promoted,
    tensor,
    tf_dtype,
    typed_tensor,
)
from engine.backend.tensorflow.framework import tf


class MathOps:
    """Elementwise, activation, reduction and linear-algebra ops of the contract."""

    # ---------------------------------------------------------------- elementwise math
    def add(self, a, b):
        return tf.add(*operands(a, b))

    def subtract(self, a, b):
        return tf.subtract(*operands(a, b))

    def multiply(self, a, b):
        return tf.multiply(*operands(a, b))

    def divide(self, a, b):
        a, b = operands(a, b)
        return tf.divide(floating(a), floating(b))

    def power(self, a, b):
        return tf.pow(*operands(a, b))

    def maximum(self, a, b):
        a, b = operands(a, b)
        return tf.where(a >= b, a, b)

    def minimum(self, a, b):
        a, b = operands(a, b)
        return tf.where(a <= b, a, b)

    def negative(self, x):
        return tf.negative(x)

    def abs(self, x):
        return tf.abs(x)

    def sign(self, x):
        return tf.sign(x)

    def square(self, x):
        return tf.square(x)

    def sqrt(self, x):
        return tf.sqrt(floating(x))

    def exp(self, x):
        return tf.exp(floating(x))

    def log(self, x):
        return tf.math.log(floating(x))

    def log1p(self, x):
        return tf.math.log1p(floating(x))

    def sin(self, x):
        return tf.sin(floating(x))

    def cos(self, x):
        return tf.cos(floating(x))

    def erf(self, x):
        return tf.math.erf(floating(x))

    def floor(self, x):
        x = tensor(x)
        return tf.floor(tf.stop_gradient(x)) if x.dtype.is_floating else x

    def clip(self, x, low, high):
        x = tensor(x)
        low, high = typed_tensor(low, x.dtype), typed_tensor(high, x.dtype)
        return tf.where(x < low, low, tf.where(x > high, high, x))

    def where(self, condition, a, b):
        return tf.where(_boolean(condition), *operands(a, b))

    def equal(self, a, b):
        return tf.equal(*operands(a, b))

    def not_equal(self, a, b):
        return tf.not_equal(*operands(a, b))

    def greater(self, a, b):
        return tf.greater(*operands(a, b))

    def greater_equal(self, a, b):
        return tf.greater_equal(*operands(a, b))

    def less(self, a, b):
        return tf.less(*operands(a, b))

    def less_equal(self, a, b):
        return tf.less_equal(*operands(a, b))

    def logical_and(self, a, b):
        return tf.logical_and(_boolean(a), _boolean(b))

    def logical_or(self, a, b):
        return tf.logical_or(_boolean(a), _boolean(b))

    def logical_not(self, x):
        return tf.logical_not(_boolean(x))

    def isfinite(self, x):
        x = tensor(x)
        return tf.math.is_finite(x) if x.dtype.is_floating else tf.ones_like(x, tf.bool)

    # ----------------------------------------------------------------------- activations
    def relu(self, x):
        return tf.nn.relu(x)

    def leaky_relu(self, x, negative_slope=0.2):
        return tf.nn.leaky_relu(x, alpha=negative_slope)

    def gelu(self, x, approximate=True):
        return tf.nn.gelu(floating(x), approximate=approximate)

    def silu(self, x):
        return tf.nn.silu(floating(x))

    def tanh(self, x):
        return tf.tanh(floating(x))

    def sigmoid(self, x):
        return tf.sigmoid(floating(x))

    def softplus(self, x):
        return tf.math.softplus(floating(x))

    def softmax(self, x, axis=-1):
        return tf.nn.softmax(floating(x), axis=axis)

    def log_softmax(self, x, axis=-1):
        return tf.nn.log_softmax(floating(x), axis=axis)

    def sparse_softmax_crossentropy(self, labels, logits):
        # The fused kernel tf.keras uses: its gradient comes out of the forward pass.
        return tf.nn.sparse_softmax_cross_entropy_with_logits(
            labels=tensor(labels), logits=floating(logits)
        )

    # ------------------------------------------------------------------------ reductions
    def sum(self, x, axis=None, keepdims=False):
        x = tensor(x)
        x = tf.cast(x, tf.int32) if x.dtype == tf.bool else x
        return tf.reduce_sum(x, axis=_axes(axis), keepdims=keepdims)

    def mean(self, x, axis=None, keepdims=False):
        return tf.reduce_mean(floating(x), axis=_axes(axis), keepdims=keepdims)

    def max(self, x, axis=None, keepdims=False):
        return tf.reduce_max(x, axis=_axes(axis), keepdims=keepdims)

    def min(self, x, axis=None, keepdims=False):
        return tf.reduce_min(x, axis=_axes(axis), keepdims=keepdims)

    def summary_statistics(self, tensors):
        composed = super().summary_statistics
        if compiling_with_xla() and statistics.variadic_reduce is not None:
            return statistics.summary_statistics(self, [tensor(t) for t in tensors], composed)
        return composed(tensors)

    def logsumexp(self, x, axis=None, keepdims=False):
        return tf.reduce_logsumexp(floating(x), axis=_axes(axis), keepdims=keepdims)

    def argmax(self, x, axis=-1):
        x, axis = _flat_if_none(x, axis)
        return tf.argmax(x, axis=axis, output_type=tf.int32)

    def argmin(self, x, axis=-1):
        x, axis = _flat_if_none(x, axis)
        return tf.argmin(x, axis=axis, output_type=tf.int32)

    # --------------------------------------------------------------------- linear algebra
    def matmul(self, a, b):
        return tf.linalg.matmul(*promoted(a, b))

    def einsum(self, equation, *operands):
        return tf.einsum(equation, *promoted(*operands))


    # ------------------------------------------- keras.ops numerics: inverse functions, logic
    def arcsin(self, x):
        return tf.asin(floating(x))

    def arccos(self, x):
        return tf.acos(floating(x))

    def arctan(self, x):
        return tf.atan(floating(x))

    def arctan2(self, x1, x2):
        x1, x2 = operands(x1, x2)
        return tf.atan2(floating(x1), floating(x2))

    def arcsinh(self, x):
        return tf.asinh(floating(x))

    def arccosh(self, x):
        return tf.acosh(floating(x))

    def arctanh(self, x):
        return tf.atanh(floating(x))

    def erfinv(self, x):
        return tf.math.erfinv(floating(x))

    def signbit(self, x):
        x = tensor(x)
        if x.dtype == tf.bool or x.dtype.is_unsigned:
            return tf.zeros_like(x, tf.bool)
        if not x.dtype.is_floating:
            return x < 0
        # the sign bit is the sign of the same bits read as an integer (-0.0 included)
        return tf.bitcast(x, _SAME_WIDTH_INTEGER[x.dtype]) < 0

    def logical_xor(self, x1, x2):
        return tf.math.logical_xor(_boolean(x1), _boolean(x2))

    def integer_op(self, operation, x1, x2=None):
        function = {
            "bitwise_and": tf.bitwise.bitwise_and, "bitwise_or": tf.bitwise.bitwise_or,
            "bitwise_xor": tf.bitwise.bitwise_xor, "bitwise_invert": tf.bitwise.invert,
            "left_shift": tf.bitwise.left_shift, "right_shift": tf.bitwise.right_shift,
            "gcd": tf.experimental.numpy.gcd, "lcm": tf.experimental.numpy.lcm,
        }[operation]
        return function(tensor(x1)) if x2 is None else function(*operands(x1, x2))

    # --------------------------------------------------- keras.ops numerics: scans and sorts
    def cumsum(self, x, axis=None, dtype=None):
        x, axis = _scanned(x, axis, dtype)
        return tf.cumsum(x, axis=axis)

    def cumprod(self, x, axis=None, dtype=None):
        """Doubling steps (each value times the running product `shift` places before it):
        multiplications only, so the gradient is exact where x holds zeros (tf.math.cumprod's
        divides by x)."""
        x, axis = _scanned(x, axis, dtype)
        rank = x.shape.rank
        order = [a for a in range(rank) if a != axis % rank] + [axis % rank]
        out = tf.transpose(x, order)
        size, shift = out.shape[-1], 1
        while shift < size:
            ones = tf.ones_like(out[..., :shift])
            out = out * tf.concat([ones, out[..., :-shift]], axis=-1)
            shift *= 2
        return tf.transpose(out, [order.index(a) for a in range(rank)])

    def sort(self, x, axis=-1):
        return tf.sort(tensor(x), axis=axis)

    def argsort(self, x, axis=-1):
        return tf.argsort(tensor(x), axis=axis, stable=True)

    def top_k(self, x, k, sorted=True):
        # always sorted: the contract orders them largest first whatever `sorted` says
        return tuple(tf.math.top_k(tensor(x), k, sorted=True))

    def searchsorted(self, sorted_sequence, values, side="left"):
        sorted_sequence, values = promoted(sorted_sequence, values)
        flat = tf.searchsorted(sorted_sequence, tf.reshape(values, [-1]), side=side,
                               out_type=tf.int32)
        return tf.reshape(flat, tf.shape(values))

    def prod(self, x, axis=None, keepdims=False, dtype=None):
        # reduce_prod's gradient multiplies running products: exact where x holds zeros
        x = tf.cast(tensor(x), _accumulator(tensor(x), dtype))
        return tf.reduce_prod(x, axis=_axes(axis), keepdims=keepdims)


_SAME_WIDTH_INTEGER = {tf.float16: tf.int16, tf.bfloat16: tf.int16, tf.float32: tf.int32,
                       tf.float64: tf.int64}


def _accumulator(x, dtype) -> tf.DType:
    """The dtype of a running or whole sum or product: `dtype`, or x's (bool as int32)."""
    if dtype is not None:
        return tf_dtype(dtype)
    return tf.int32 if x.dtype == tf.bool else x.dtype


def _scanned(x, axis, dtype):
    """(x in the scan's dtype, axis) for a scan: x flattened when axis is None."""
    x = tensor(x)
    x = tf.cast(x, _accumulator(x, dtype))
    return (tf.reshape(x, [-1]), 0) if axis is None else (x, axis)


def _boolean(x):
    x = tensor(x)
    return x if x.dtype == tf.bool else tf.cast(x, tf.bool)


def _axes(axis):
    return list(axis) if isinstance(axis, tuple) else axis


def _flat_if_none(x, axis):
    """(x, axis) for argmax/argmin; axis None searches the flattened array, as NumPy does."""
    return (tf.reshape(x, [-1]), 0) if axis is None else (x, axis)
