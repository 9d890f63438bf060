"""Elementwise math, activations, reductions and linear algebra for the torch backend."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.backend.torch.core import dims, operands, promoted, tensor, tensors, torch_dtype

_INTEGER_SUM_DTYPES = (torch.bool, torch.uint8, torch.int8, torch.int16)


class MathOps:
    """Elementwise, activation, reduction and linear algebra ops of the contract."""

    # ---------------------------------------------------------------- elementwise math
    def add(self, a, b):
        return torch.add(*operands(a, b))

    def subtract(self, a, b):
        return torch.sub(*operands(a, b))

    def multiply(self, a, b):
        return torch.mul(*operands(a, b))

    def divide(self, a, b):
        return torch.true_divide(*operands(a, b))

    def power(self, a, b):
        return torch.pow(*operands(a, b))

    def maximum(self, a, b):
        # torch.maximum splits the gradient at ties; the contract sends it all to `a`.
        a, b = operands(a, b)
        return torch.where(a >= b, a, b)

    def minimum(self, a, b):
        a, b = operands(a, b)
        return torch.where(a <= b, a, b)

    def negative(self, x):
        return torch.neg(tensor(x))

    def abs(self, x):
        return torch.abs(tensor(x))

    def sign(self, x):
        return torch.sign(tensor(x))

    def square(self, x):
        return torch.square(tensor(x))

    def sqrt(self, x):
        return torch.sqrt(tensor(x))

    def exp(self, x):
        return torch.exp(tensor(x))

    def log(self, x):
        return torch.log(tensor(x))

    def log1p(self, x):
        return torch.log1p(tensor(x))

    def sin(self, x):
        return torch.sin(tensor(x))

    def cos(self, x):
        return torch.cos(tensor(x))

    def erf(self, x):
        return torch.erf(tensor(x))

    def floor(self, x):
        # torch's floor already has a zero gradient; detaching would cut later graph edges.
        return torch.floor(tensor(x))

    def clip(self, x, low, high):
        return torch.clamp(tensor(x), low, high)

    def where(self, condition, a, b):
        a, b = operands(a, b)
        return torch.where(tensor(condition).to(torch.bool), a, b)

    def equal(self, a, b):
        return torch.eq(*operands(a, b))

    def not_equal(self, a, b):
        return torch.ne(*operands(a, b))

    def greater(self, a, b):
        return torch.gt(*operands(a, b))

    def greater_equal(self, a, b):
        return torch.ge(*operands(a, b))

    def less(self, a, b):
        return torch.lt(*operands(a, b))

    def less_equal(self, a, b):
        return torch.le(*operands(a, b))

    def logical_and(self, a, b):
        return torch.logical_and(*tensors(a, b))

    def logical_or(self, a, b):
        return torch.logical_or(*tensors(a, b))

    def logical_not(self, x):
        return torch.logical_not(tensor(x))

    def isfinite(self, x):
        return torch.isfinite(tensor(x))

    # ----------------------------------------------------------------------- activations
    def relu(self, x):
        return torch.relu(tensor(x))

    def leaky_relu(self, x, negative_slope=0.2):
        return F.leaky_relu(tensor(x), negative_slope)

    def gelu(self, x, approximate=True):
        return F.gelu(tensor(x), approximate="tanh" if approximate else "none")

    def silu(self, x):
        return F.silu(tensor(x))

    def tanh(self, x):
        return torch.tanh(tensor(x))

    def sigmoid(self, x):
        return torch.sigmoid(tensor(x))

    def softplus(self, x):
        return F.softplus(tensor(x))

    def softmax(self, x, axis=-1):
        return torch.softmax(tensor(x), dim=axis)

    def log_softmax(self, x, axis=-1):
        return torch.log_softmax(tensor(x), dim=axis)

    # ------------------------------------------------------------------------ reductions
    def sum(self, x, axis=None, keepdims=False):
        # torch sums int32 into int64; keep the input's dtype, as JAX and TensorFlow do.
        x = tensor(x)
        dtype = torch.int32 if x.dtype in _INTEGER_SUM_DTYPES else x.dtype
        return torch.sum(x, dim=dims(x, axis), keepdim=keepdims, dtype=dtype)

    def mean(self, x, axis=None, keepdims=False):
        x = tensor(x)
        if not x.is_floating_point():
            x = x.to(torch.float32)
        return torch.mean(x, dim=dims(x, axis), keepdim=keepdims)

    def max(self, x, axis=None, keepdims=False):
        # amax (unlike max with a dim) splits the gradient evenly among tied maxima.
        x = tensor(x)
        return torch.amax(x, dim=dims(x, axis), keepdim=keepdims)

    def min(self, x, axis=None, keepdims=False):
        x = tensor(x)
        return torch.amin(x, dim=dims(x, axis), keepdim=keepdims)

    def logsumexp(self, x, axis=None, keepdims=False):
        x = tensor(x)
        return torch.logsumexp(x, dim=dims(x, axis), keepdim=keepdims)

    def argmax(self, x, axis=-1):
        return torch.argmax(tensor(x), dim=axis).to(torch.int32)

    def argmin(self, x, axis=-1):
        return torch.argmin(tensor(x), dim=axis).to(torch.int32)

    # --------------------------------------------------------------------- linear algebra
    def matmul(self, a, b):
        return torch.matmul(*promoted(a, b))

    def einsum(self, equation, *operands):
        return torch.einsum(equation, *promoted(*operands))

    def vdot(self, a, b):
        a, b = promoted(a, b)
        return torch.dot(a.reshape(-1), b.reshape(-1))

    # ------------------------------------------- keras.ops numerics: inverse functions, logic
    def arcsin(self, x):
        return torch.asin(tensor(x))

    def arccos(self, x):
        return torch.acos(tensor(x))

    def arctan(self, x):
        return torch.atan(tensor(x))

    def arctan2(self, x1, x2):
        return torch.atan2(*tensors(x1, x2))

    def arcsinh(self, x):
        return torch.asinh(tensor(x))

    def arccosh(self, x):
        return torch.acosh(tensor(x))

    def arctanh(self, x):
        return torch.atanh(tensor(x))

    def erfinv(self, x):
        return torch.erfinv(tensor(x))

    def signbit(self, x):
        return torch.signbit(tensor(x))

    def logical_xor(self, x1, x2):
        return torch.logical_xor(*tensors(x1, x2))

    def integer_op(self, operation, x1, x2=None):
        function = _TORCH_INTEGER_OPS[operation]
        return function(tensor(x1)) if x2 is None else function(*tensors(x1, x2))

    # --------------------------------------------------- keras.ops numerics: scans and sorts
    def cumsum(self, x, axis=None, dtype=None):
        x, axis = _scanned(x, axis)
        return torch.cumsum(x, dim=axis, dtype=_accumulator(x, dtype))

    def cumprod(self, x, axis=None, dtype=None):
        # torch's backward of cumprod is exact where x holds zeros
        x, axis = _scanned(x, axis)
        return torch.cumprod(x, dim=axis, dtype=_accumulator(x, dtype))

    def sort(self, x, axis=-1):
        return torch.sort(tensor(x), dim=axis, stable=True).values

    def argsort(self, x, axis=-1):
        return torch.argsort(tensor(x), dim=axis, stable=True).to(torch.int32)

    def top_k(self, x, k, sorted=True):
        # a stable descending sort, not topk: ties must come earlier index first
        values, indices = torch.sort(tensor(x), dim=-1, descending=True, stable=True)
        return values[..., :k], indices[..., :k].to(torch.int32)

    def searchsorted(self, sorted_sequence, values, side="left"):
        sorted_sequence, values = promoted(sorted_sequence, values)
        return torch.searchsorted(sorted_sequence, values, side=side, out_int32=True)

    def prod(self, x, axis=None, keepdims=False, dtype=None):
        # torch.prod reduces one dim at a time
        x = tensor(x)
        accumulator = _accumulator(x, dtype)
        out = x.to(accumulator)
        for dim in sorted((d % x.ndim for d in dims(x, axis)), reverse=True):
            out = torch.prod(out, dim=dim, keepdim=keepdims, dtype=accumulator)
        return out


def _scanned(x, axis):
    """(x, dim) for a scan: x flattened when axis is None."""
    x = tensor(x)
    return (x.reshape(-1), 0) if axis is None else (x, axis)


def _accumulator(x, dtype):
    """The dtype of a running or whole sum or product: `dtype`, or x's (bool as int32);
    torch would widen integers to int64."""
    if dtype is not None:
        return torch_dtype(dtype)
    return torch.int32 if x.dtype in _INTEGER_SUM_DTYPES else x.dtype


_TORCH_INTEGER_OPS = {
    "bitwise_and": torch.bitwise_and, "bitwise_or": torch.bitwise_or,
    "bitwise_xor": torch.bitwise_xor, "bitwise_invert": torch.bitwise_not,
    "left_shift": torch.bitwise_left_shift, "right_shift": torch.bitwise_right_shift,
    "gcd": torch.gcd, "lcm": torch.lcm,
}
