"""The contract every backend implements.

A backend is a runtime object: layers, losses, optimizers and the trainer call these methods
(through `engine.ops`) and never import a framework. Arrays are the framework's own type
(`np.ndarray`, `jax.Array`, `torch.Tensor`, `tf.Tensor`); the NumPy backend also passes its
traced arrays through while a gradient is being taken.

Conventions shared by every method:
- dtypes are strings: "float16", "bfloat16", "float32", "float64", "int32", "int64", "uint32",
  "bool". `None` means "keep" for conversions and "float32" for creation.
- shapes are tuples of Python ints; `axis` may be an int, a tuple of ints or None (all axes).
- binary elementwise ops broadcast like NumPy and accept Python scalars on either side.
- layouts are channels-last: 1-D inputs are (batch, width, channels), 2-D inputs are
  (batch, height, width, channels), 3-D (batch, depth, height, width, channels); kernels are
  (*kernel_size, in_channels, out_channels) (see each convolution for its own).
- `padding` is "valid" or "same" (TensorFlow's rule: output = ceil(input / stride)).
- a structure is a nest of dicts, lists and tuples whose leaves are arrays (see engine.tree).

Gradients are exact reverse-mode gradients of the forward function on every backend.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from engine.backend import attention
from engine.backend import images as images_ops
from engine.backend.quantiles import quantile as _quantile

DTYPES = ("float16", "bfloat16", "float32", "float64", "int32", "int64", "uint32", "bool")


# The operations of Backend.integer_op, as keras.ops names them
INTEGER_OPS = ("bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_invert", "left_shift",
               "right_shift", "gcd", "lcm")


class Backend:
    """Base of the four backends; each method below is one operation of the contract."""

    name: str = ""
    # the pip extra that installs this backend's framework, named in MissingBackendError
    extra: str = ""
    # Whether every op has finished, on the host, when it returns (NumPy; PyTorch on the
    # CPU): a step may then read a result and branch on it at no cost.
    synchronous: bool = False

    # ----------------------------------------------------------------- arrays and devices
    def convert(self, x, dtype=None):
        """A backend array from a NumPy array, Python scalar/list or this backend's array."""
        raise NotImplementedError

    def to_numpy(self, x):
        """A NumPy array with the same values, dtype and shape (copied off the device)."""
        raise NotImplementedError

    def step_input(self, array, dtype):
        """A NumPy array (a batch) as an argument of a compiled step, cast to `dtype`: this
        backend's array here; a backend whose compiled functions take NumPy in faster
        themselves returns it as NumPy."""
        return self.convert(array, dtype)

    def from_dlpack(self, x):
        """A backend array sharing memory with `x`, any object with `__dlpack__`."""
        raise NotImplementedError

    def is_array(self, x) -> bool:
        """Whether `x` is an array of this backend (including traced arrays)."""
        raise NotImplementedError

    def shape(self, x) -> tuple:
        """The static shape of `x` as a tuple of ints."""
        raise NotImplementedError

    def dtype(self, x) -> str:
        """The dtype of `x` as one of DTYPES."""
        raise NotImplementedError

    def cast(self, x, dtype):
        raise NotImplementedError

    def bitcast(self, x, dtype):
        """x's bytes read as `dtype`, as NumPy's view: a wider dtype merges the last axis's
        values (its size must divide), a narrower one splits each. No gradient."""
        raise NotImplementedError

    def stored_dtype(self, dtype: str) -> str:
        """The dtype an array made or cast as `dtype` gets here: `dtype` itself, except where a
        framework narrows it (JAX without 64-bit mode stores float64 as float32)."""
        return dtype

    def zeros(self, shape, dtype=None):
        raise NotImplementedError

    def ones(self, shape, dtype=None):
        raise NotImplementedError

    def full(self, shape, value, dtype=None):
        raise NotImplementedError

    def arange(self, start, stop=None, step=1, dtype="int32"):
        raise NotImplementedError

    def devices(self) -> list:
        """Names of the devices this framework sees, e.g. ["cpu:0"] or ["cuda:0", "cpu:0"]."""
        raise NotImplementedError

    def default_device(self) -> str:
        """The device new arrays are placed on: the first GPU when one is visible."""
        raise NotImplementedError

    # ---------------------------------------------------------------- elementwise math
    def add(self, a, b):
        raise NotImplementedError

    def subtract(self, a, b):
        raise NotImplementedError

    def multiply(self, a, b):
        raise NotImplementedError

    def divide(self, a, b):
        raise NotImplementedError

    def power(self, a, b):
        raise NotImplementedError

    def maximum(self, a, b):
        """Elementwise max; where a == b the gradient goes to `a`."""
        raise NotImplementedError

    def minimum(self, a, b):
        """Elementwise min; where a == b the gradient goes to `a`."""
        raise NotImplementedError

    def negative(self, x):
        raise NotImplementedError

    def abs(self, x):
        raise NotImplementedError

    def sign(self, x):
        raise NotImplementedError

    def square(self, x):
        raise NotImplementedError

    def sqrt(self, x):
        raise NotImplementedError

    def exp(self, x):
        raise NotImplementedError

    def log(self, x):
        raise NotImplementedError

    def log1p(self, x):
        raise NotImplementedError

    def sin(self, x):
        raise NotImplementedError

    def cos(self, x):
        raise NotImplementedError

    def erf(self, x):
        raise NotImplementedError

    def floor(self, x):
        """No gradient flows through floor (its derivative is zero almost everywhere)."""
        raise NotImplementedError

    def clip(self, x, low, high):
        """Values limited to [low, high]; the gradient is 1 inside, 0 outside."""
        raise NotImplementedError

    def where(self, condition, a, b):
        raise NotImplementedError

    def equal(self, a, b):
        raise NotImplementedError

    def not_equal(self, a, b):
        raise NotImplementedError

    def greater(self, a, b):
        raise NotImplementedError

    def greater_equal(self, a, b):
        raise NotImplementedError

    def less(self, a, b):
        raise NotImplementedError

    def less_equal(self, a, b):
        raise NotImplementedError

    def logical_and(self, a, b):
        raise NotImplementedError

    def logical_or(self, a, b):
        raise NotImplementedError

    def logical_not(self, x):
        raise NotImplementedError

    def isfinite(self, x):
        raise NotImplementedError

    # ----------------------------------------------------------------------- activations
    def relu(self, x):
        """max(x, 0); the gradient at 0 is 0."""
        raise NotImplementedError

    def leaky_relu(self, x, negative_slope=0.2):
        raise NotImplementedError

    def gelu(self, x, approximate=True):
        """Keras's default is the tanh approximation (approximate=True)."""
        raise NotImplementedError

    def silu(self, x):
        raise NotImplementedError

    def tanh(self, x):
        raise NotImplementedError

    def sigmoid(self, x):
        raise NotImplementedError

    def softplus(self, x):
        raise NotImplementedError

    def softmax(self, x, axis=-1):
        raise NotImplementedError

    def log_softmax(self, x, axis=-1):
        raise NotImplementedError

    # ------------------------------------------------------------------------ reductions
    def sum(self, x, axis=None, keepdims=False):
        raise NotImplementedError

    def mean(self, x, axis=None, keepdims=False):
        raise NotImplementedError

    def max(self, x, axis=None, keepdims=False):
        """The gradient goes to every position holding the maximum, split evenly."""
        raise NotImplementedError

    def min(self, x, axis=None, keepdims=False):
        raise NotImplementedError

    def logsumexp(self, x, axis=None, keepdims=False):
        raise NotImplementedError

    def argmax(self, x, axis=-1):
        """int32 indices; no gradient."""
        raise NotImplementedError

    def argmin(self, x, axis=-1):
        raise NotImplementedError

    # --------------------------------------------------------------------- linear algebra
    def matmul(self, a, b):
        """Batched matrix product with NumPy's broadcasting rules (both at least 2-D)."""
        raise NotImplementedError

    def einsum(self, equation, *operands):
        raise NotImplementedError

    def vdot(self, a, b):
        """The sum of a * b over every value of two arrays of one size, whatever their shapes
        (a scalar): a dot product of the flattened arrays, which makes no array of products
        where the backend has one (NumPy, PyTorch)."""
        return self.sum(self.multiply(self.reshape(a, (-1,)), self.reshape(b, (-1,))))

    # ------------------------------------------ keras.ops.linalg: decompositions and solves
    # Keras's names, arguments and output tuples; float matrices in the last two axes, any
    # batch axes before them. Every backend differentiates them where JAX does (not eig,
    # lu_factor; qr with rows >= columns, U and V of svd with full_matrices=False). A singular
    # (for cholesky, not positive definite) matrix gives NaN on NumPy and JAX; PyTorch and
    # TensorFlow raise.
    def cholesky(self, x, upper=False):
        """The lower (or, with upper, upper) triangular L with L @ L^T = x (x positive
        definite)."""
        raise NotImplementedError

    def det(self, x):
        raise NotImplementedError

    def slogdet(self, x):
        """(sign, log |det|) of each matrix."""
        raise NotImplementedError

    def inv(self, x):
        raise NotImplementedError

    def solve(self, a, b):
        """x with a @ x = b; b is (..., M, N), or (..., M) for vectors (one rank below a)."""
        raise NotImplementedError

    def solve_triangular(self, a, b, lower=False):
        """solve() with a triangular `a` (upper unless `lower`); its other triangle is not
        read."""
        raise NotImplementedError

    def eigh(self, x):
        """(eigenvalues ascending, eigenvectors as columns) of symmetric matrices."""
        raise NotImplementedError

    def eig(self, x):
        """(eigenvalues, eigenvectors as columns) of general matrices, complex where the
        framework makes them so (NumPy: real when every eigenvalue is)."""
        raise NotImplementedError

    def qr(self, x, mode="reduced"):
        """(q, r); mode "reduced": q (..., M, K), r (..., K, N), K = min(M, N); "complete":
        q (..., M, M), r (..., M, N)."""
        raise NotImplementedError

    def svd(self, x, full_matrices=True, compute_uv=True):
        """(u, s, vh) with x = u @ diag(s) @ vh, s descending; s alone without compute_uv."""
        raise NotImplementedError

    def lu_factor(self, x):
        """(lu, pivots) as LAPACK's getrf and scipy's lu_factor: L (unit diagonal) below the
        diagonal and U on and above it; row i was swapped with row pivots[i] (int32)."""
        raise NotImplementedError

    def jvp(self, fun, primals, tangents, has_aux=False):
        """(fun(*primals), its Jacobian times `tangents`[, aux]): a forward-mode derivative of
        `fun`, which takes and returns structures of arrays."""
        raise NotImplementedError

    # ------------------------------------------- keras.ops numerics: inverse functions, logic
    # Keras's names and arguments; integer inputs to the float functions compute in float.
    def arcsin(self, x):
        raise NotImplementedError

    def arccos(self, x):
        raise NotImplementedError

    def arctan(self, x):
        raise NotImplementedError

    def arctan2(self, x1, x2):
        """The angle of the point (x2, x1), in [-pi, pi], elementwise."""
        raise NotImplementedError

    def arcsinh(self, x):
        raise NotImplementedError

    def arccosh(self, x):
        raise NotImplementedError

    def arctanh(self, x):
        raise NotImplementedError

    def erfinv(self, x):
        """The inverse of erf on (-1, 1)."""
        raise NotImplementedError

    def signbit(self, x):
        """Whether the sign bit of each value is set (True for -0.0 and negative values)."""
        raise NotImplementedError

    def logical_xor(self, x1, x2):
        raise NotImplementedError

    def integer_op(self, operation, x1, x2=None):
        """keras.ops's integer math, elementwise on integer arrays: `operation` one of
        INTEGER_OPS (bitwise_invert takes x1 only; shifts move x1's bits by x2)."""
        raise NotImplementedError

    # --------------------------------------------------- keras.ops numerics: scans and sorts
    def cumsum(self, x, axis=None, dtype=None):
        """Running sums along `axis` (None: over the flattened array), in `dtype` (None: x's,
        bool counting as int32)."""
        raise NotImplementedError

    def cumprod(self, x, axis=None, dtype=None):
        """Running products along `axis`, as cumsum; the gradient is exact where x holds
        zeros."""
        raise NotImplementedError

    def sort(self, x, axis=-1):
        """Values sorted ascending along `axis`; the gradient goes back to where each came
        from."""
        raise NotImplementedError

    def argsort(self, x, axis=-1):
        """int32 positions that sort x ascending along `axis` (ties: the earlier first)."""
        raise NotImplementedError

    def top_k(self, x, k, sorted=True):
        """(values, int32 indices) of the k largest values along the last axis, largest first
        (ties: the earlier first); the values' gradient goes back to those positions."""
        raise NotImplementedError

    def in_top_k(self, targets, predictions, k):
        """Whether each row's target class (`targets` (batch,) ints) scores at least the k-th
        largest of its row of `predictions` (batch, classes): ties with it count as in."""
        kth = self.getitem(self.top_k(predictions, k)[0], (slice(None), slice(k - 1, k)))
        target = self.take_along_axis(predictions, self.expand_dims(targets, -1), axis=-1)
        return self.squeeze(self.greater_equal(target, kth), -1)

    def searchsorted(self, sorted_sequence, values, side="left"):
        """int32 positions at which `values` (any shape) would go into the ascending 1-D
        `sorted_sequence` to keep it sorted: before equal values ("left") or after ("right")."""
        raise NotImplementedError

    def bincount(self, x, weights=None, minlength=0, sparse=False):
        """Per value v, how many times it occurs in the non-negative ints x (or the sum of
        their `weights`, x's shape), over the last axis of a 1-D or 2-D x: a vector (a row
        per row of x) of length max(minlength, max(x) + 1), int32 counts or weights' dtype.
        The length is read from x's values, so not under jit (as in Keras). Written from
        one_hot (x.size * length values); differentiable with respect to `weights`."""
        if sparse:
            raise ValueError("bincount: sparse=True is not supported; leave sparse=False.")
        if len(self.shape(x)) not in (1, 2):
            raise ValueError(f"bincount: x must be 1-D or 2-D, got shape {self.shape(x)}.")
        largest = int(self.to_numpy(self.max(x))) if math.prod(self.shape(x)) else -1
        length = max(int(minlength), largest + 1)
        if weights is None:
            return self.cast(self.sum(self.one_hot(x, length, dtype="int32"), axis=-2), "int32")
        hot = self.one_hot(x, length, dtype=self.dtype(weights))
        return self.sum(self.multiply(hot, self.expand_dims(weights, -1)), axis=-2)

    def digitize(self, x, bins):
        """The int32 index of the bin of each value of x: i with bins[i-1] <= x < bins[i], for
        ascending 1-D `bins` (0 below the first edge, len(bins) from the last on)."""
        return self.searchsorted(bins, x, side="right")

    # ------------------------------------------------------ keras.ops numerics: reductions
    def prod(self, x, axis=None, keepdims=False, dtype=None):
        """The product over `axis`, in `dtype` (None: x's, bool counting as int32); the
        gradient is exact where x holds zeros."""
        raise NotImplementedError

    def quantile(self, x, q, axis=None, method="linear", keepdims=False):
        """The q-th quantiles (q in [0, 1], a scalar or 1-D) over `axis` (None: all), as
        NumPy computes them: position q * (n - 1) of the sorted values, between the two
        values around it by `method` ("linear", "lower", "higher", "midpoint" or "nearest",
        which rounds half to even). A 1-D q adds a leading axis of its size. Written once
        from sort; differentiable with respect to x."""
        return _quantile(self, x, q, axis, method, keepdims)

    def percentile(self, x, q, axis=None, method="linear", keepdims=False):
        """quantile with q in [0, 100]."""
        return self.quantile(x, self.divide(self.convert(q, "float32"), 100.0), axis, method,
                             keepdims)

    def median(self, x, axis=None, keepdims=False):
        return self.quantile(x, 0.5, axis=axis, keepdims=keepdims)

    # NaN-ignoring reductions, written once from where and the plain reductions.
    def nansum(self, x, axis=None, keepdims=False):
        """sum with NaN counted as 0."""
        return self.sum(self._without_nan(x, 0.0), axis=axis, keepdims=keepdims)

    def nanmean(self, x, axis=None, keepdims=False):
        """The mean of the values that are not NaN (NaN where all are)."""
        counted = self.cast(self.equal(x, x), self.dtype(x))
        return self.divide(self.nansum(x, axis=axis, keepdims=keepdims),
                           self.sum(counted, axis=axis, keepdims=keepdims))

    def nanmax(self, x, axis=None, keepdims=False):
        """max of the values that are not NaN (NaN where all are)."""
        return self._nan_extremum(self.max, x, -float("inf"), axis, keepdims)

    def nanmin(self, x, axis=None, keepdims=False):
        """min of the values that are not NaN (NaN where all are)."""
        return self._nan_extremum(self.min, x, float("inf"), axis, keepdims)

    def _without_nan(self, x, fill):
        return self.where(self.equal(x, x), x, fill) if self._is_float(x) else x

    def _nan_extremum(self, reduce, x, fill, axis, keepdims):
        out = reduce(self._without_nan(x, fill), axis=axis, keepdims=keepdims)
        if not self._is_float(x):
            return out
        some = self.max(self.cast(self.equal(x, x), "int32"), axis=axis, keepdims=keepdims)
        return self.where(self.greater(some, 0), out, float("nan"))

    def _is_float(self, x) -> bool:
        return self.dtype(x).startswith(("float", "bfloat"))

    # -------------------------------------------------------- keras.ops numerics: indexing
    def scatter(self, indices, values, shape):
        """Zeros of `shape` with values[i] added at the position indices[i] (int, (n, k),
        k <= len(shape): values[i] fills x[tuple(indices[i])], of shape shape[k:]);
        repeated positions add up."""
        raise NotImplementedError

    def scatter_update(self, inputs, indices, updates, reduction=None):
        """`inputs` with updates[i] written at position indices[i] (as scatter places them;
        which of several updates to one position wins is unspecified), or added there with
        reduction="add" (repeated positions add up); Keras's "max", "min" and "mul" are
        refused."""
        raise NotImplementedError

    def slice(self, inputs, start_indices, shape):
        """The block of `shape` (sizes >= 0) starting at `start_indices` (one int, or an int
        array, per axis) of `inputs`; a start is moved in so that the block fits, as XLA
        does."""
        raise NotImplementedError

    def slice_update(self, inputs, start_indices, updates):
        """`inputs` with the block at `start_indices` (as slice moves them in) replaced by
        `updates`."""
        raise NotImplementedError

    def segment_sum(self, data, segment_ids, num_segments=None, sorted=False):
        """Row i of the (num_segments, *data.shape[1:]) result sums the rows of `data` whose
        `segment_ids` (int, (data.shape[0],), in [0, num_segments)) is i. num_segments is
        needed (the shape must be known before the values); `sorted` is a hint, ignored."""
        raise NotImplementedError

    def segment_max(self, data, segment_ids, num_segments=None, sorted=False):
        """The maximum over each segment, as segment_sum sums (-inf for an empty segment);
        the gradient goes to the maximum (a tie's share is unspecified)."""
        raise NotImplementedError

    def select(self, condlist, choicelist, default=0):
        """choicelist[i] where condlist[i] is the first true condition, else `default`."""
        out = default
        for condition, choice in zip(reversed(condlist), reversed(choicelist)):
            out = self.where(condition, choice, out)
        return out

    # ------------------------------------------------------------------------ shape ops
    def reshape(self, x, shape):
        """`shape` may hold one -1."""
        raise NotImplementedError

    def transpose(self, x, axes=None):
        raise NotImplementedError

    def expand_dims(self, x, axis):
        raise NotImplementedError

    def squeeze(self, x, axis):
        raise NotImplementedError

    def broadcast_to(self, x, shape):
        raise NotImplementedError

    def concatenate(self, xs, axis=0):
        raise NotImplementedError

    def stack(self, xs, axis=0):
        raise NotImplementedError

    def pad(self, x, pad_width, value=0):
        """`pad_width` is one (before, after) pair per axis."""
        raise NotImplementedError

    # ------------------------------------------------------------------------- indexing
    def getitem(self, x, key):
        """Basic indexing: ints, slices (with steps), None and Ellipsis, as in NumPy."""
        raise NotImplementedError

    def take(self, x, indices, axis=0):
        """Gather along `axis` with an integer index array (Embedding); gradient scatter-adds."""
        raise NotImplementedError

    def take_along_axis(self, x, indices, axis):
        raise NotImplementedError

    def one_hot(self, x, num_classes, axis=-1, dtype=None):
        """A one-hot vector along `axis` for each integer of `x` (keras.ops.one_hot); an index
        outside [0, num_classes) gives all zeros."""
        raise NotImplementedError

    # ----------------------------------------------------------------- neural network ops
    def conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        """1-D, 2-D or 3-D convolution (cross-correlation, as every framework computes it).

        x: (batch, *spatial, in_channels); kernel: (*kernel_size, in_channels / groups,
        out_channels): with groups > 1 (read off the kernel, as keras.ops.conv does) output
        channel group g sees only input channel group g; strides and dilation_rate: an int or
        one int per spatial axis.
        """
        raise NotImplementedError

    def conv_transpose(self, x, kernel, strides=1, padding="valid", output_padding=None,
                       dilation_rate=1):
        """1-D, 2-D or 3-D transposed convolution, sized as Keras sizes it: the adjoint of a
        convolution (its input gradient). kernel: (*kernel_size, out_channels, in_channels);
        output_padding: None (Keras's default size) or an int or one int per axis, each below
        its stride, added to the output's size."""
        raise NotImplementedError

    def max_pool(self, x, pool_size, strides=None, padding="valid"):
        """1-D, 2-D or 3-D max pooling; strides default to pool_size."""
        raise NotImplementedError

    def avg_pool(self, x, pool_size, strides=None, padding="valid"):
        """1-D, 2-D or 3-D average pooling; with "same", padded cells are left out of the
        mean."""
        raise NotImplementedError

    # ------------------------------------------------------- layer math, fusable by a backend
    # Written here from the other ops; a backend may run them as one fused kernel each.
    def dense(self, x, kernel, bias=None):
        """x @ kernel + bias over the last axis of `x` (any rank >= 2): kernel (in, out), bias
        (out,) or None. PyTorch runs it as one addmm, as nn.Linear does."""
        out = self.matmul(x, kernel)
        return out if bias is None else self.add(out, bias)

    def lstm(self, sequences, h, c, kernel, recurrent_kernel, bias=None, go_backwards=False):
        """Keras's LSTM over (batch, steps, features) with tanh and sigmoid (gates i, f, c, o
        along the kernels' last axis; bias (4 * units,) or None): (every step's h as (batch,
        steps, units), the last h, the last c). With go_backwards the steps run last to
        first and the outputs keep that order, as Keras's. Composed from `scan`, the input
        product taken for all steps at once; PyTorch runs it as its fused LSTM kernel."""
        inputs = self.dense(sequences, kernel, bias)
        inputs = self.transpose(inputs, (1, 0, 2))
        if go_backwards:
            inputs = self.getitem(inputs, slice(None, None, -1))
        units = self.shape(recurrent_kernel)[0]

        def gate(z, index):
            return self.getitem(z, (Ellipsis, slice(index * units, (index + 1) * units)))

        def step(carry, projected):
            h, c = carry
            z = self.add(projected, self.matmul(h, recurrent_kernel))
            i, f, o = (self.sigmoid(gate(z, index)) for index in (0, 1, 3))
            c = self.add(self.multiply(f, c), self.multiply(i, self.tanh(gate(z, 2))))
            h = self.multiply(o, self.tanh(c))
            return (h, c), h

        (h, c), outputs = self.scan(step, (h, c), inputs)
        return self.transpose(outputs, (1, 0, 2)), h, c

    def depthwise_conv(self, x, kernel, strides=1, padding="valid", dilation_rate=1):
        """Each input channel convolved on its own by kernel (*kernel_size, in_channels,
        multiplier); output channel c * multiplier + m (keras.ops.depthwise_conv)."""
        *window, channels, multiplier = self.shape(kernel)
        grouped = self.reshape(kernel, (*window, 1, channels * multiplier))
        return self.conv(x, grouped, strides, padding, dilation_rate)

    def separable_conv(self, x, depthwise_kernel, pointwise_kernel, strides=1, padding="valid",
                       dilation_rate=1):
        """depthwise_conv, then a convolution by pointwise_kernel (1, ..., in * multiplier,
        out_channels) (keras.ops.separable_conv)."""
        depthwise = self.depthwise_conv(x, depthwise_kernel, strides, padding, dilation_rate)
        return self.conv(depthwise, pointwise_kernel)

    def layer_norm(self, x, axis, epsilon, scale=None, offset=None):
        """(x - mean) / sqrt(variance + epsilon) * scale + offset, with the mean and the
        population variance of each sample taken over `axis` (a tuple of sorted non-negative
        ints); `scale` and `offset` (or None) have the sizes of those axes."""
        mean = self.mean(x, axis=axis, keepdims=True)
        variance = self.mean(self.square(self.subtract(x, mean)), axis=axis, keepdims=True)
        inverse = self.divide(1.0, self.sqrt(self.add(variance, epsilon)))
        features = self.shape(x)
        broadcastable = tuple(features[a] if a in axis else 1 for a in range(len(features)))
        if scale is not None:
            inverse = self.multiply(inverse, self.reshape(scale, broadcastable))
        out = self.multiply(self.subtract(x, mean), inverse)
        return out if offset is None else self.add(out, self.reshape(offset, broadcastable))

    def dot_product_attention(self, query, key, value, bias=None, mask=None, scale=None,
                              is_causal=False, flash_attention=None, attn_logits_soft_cap=None,
                              dropout=0.0, seed=None):
        """softmax(query · key * scale + bias) · value for each head, over the source axis
        (keras.ops.dot_product_attention).

        query (batch, target, heads, depth), key (batch, source, key_heads, depth), value
        (batch, source, key_heads, value_depth), key_heads dividing heads (grouped-query
        attention: query head n reads key head n // (heads // key_heads)); returns (batch,
        target, heads, value_depth). `scale` defaults to 1 / sqrt(depth); `bias` and the bool
        `mask` (True: attend) broadcast to (batch, heads, target, source), and `is_causal`
        keeps source steps up to the target step; masked logits become -0.7 * the dtype's
        largest value, so a row with nothing left attends evenly, as Keras's. With `dropout`
        > 0 (the engine's, not Keras's), each weight is kept with probability 1 - dropout
        (from random_uniform with `seed`, an int32 pair) and scaled by 1 / (1 - dropout)."""
        key, value = attention.key_heads_for_queries(
            self, query, key, value, flash_attention, attn_logits_soft_cap)
        depth = self.shape(query)[-1]
        scale = 1.0 / math.sqrt(depth) if scale is None else scale
        logits = self.einsum("bthk,bshk->bhts", self.multiply(query, scale), key)
        if bias is not None:
            logits = self.add(logits, bias)
        mask = attention.joined_mask(self, mask, logits, is_causal)
        if mask is not None:
            logits = self.where(mask, logits, attention.masked_logit(self.dtype(logits)))
        weights = self.softmax(logits, axis=-1)
        if dropout > 0.0:
            dtype = self.dtype(weights)
            noise = self.random_uniform(self.shape(weights), seed, dtype=dtype)
            keep = self.cast(self.greater_equal(noise, dropout), dtype)
            weights = self.multiply(weights, self.divide(keep, 1.0 - dropout))
        return self.einsum("bhts,bshv->bthv", weights, value)

    def sparse_softmax_crossentropy(self, labels, logits):
        """-log softmax(logits)[label] for each sample, classes on the last axis of `logits`;
        `labels` (int32, logits' shape without that axis) must lie in [0, classes): fit
        checks them. PyTorch and TensorFlow run their fused cross-entropy kernels."""
        targets = self.one_hot(labels, self.shape(logits)[-1], dtype=self.dtype(logits))
        log_p = self.log_softmax(logits, axis=-1)
        return self.negative(self.sum(self.multiply(targets, log_p), axis=-1))

    def summary_statistics(self, tensors):
        """Per float array of the non-empty list `tensors` (all of one dtype), over every
        value: [mean, sum of squared deviations from the mean, sum of |x|, min, max], as one
        (len(tensors), 5) array in that dtype (NaN where a value is NaN). What inspection
        reduces its large tensors to; NumPy, and PyTorch on the CPU, reduce them in one loop
        on the host, each sum in a pass that only reads; TensorFlow under XLA, and JAX for
        arrays of a million values or more, in variadic reduces over groups of values
        (grouped_moments.py)."""
        rows = []
        for x in tensors:
            mean = self.mean(x)
            deviations = self.subtract(x, mean)
            rows.append(
                self.stack(
                    [
                        mean,
                        self.sum(self.square(deviations)),
                        self.sum(self.abs(x)),
                        self.min(x),
                        self.max(x),
                    ]
                )
            )
        return self.stack(rows)

    def squared_norms(self, tensors, minus=None):
        """Σx² over every value of each float array in the non-empty list `tensors` (of
        x minus its counterpart in `minus`, when given) as one float32 vector: what inspection
        takes the L2 norms of weights, gradients and updates from. PyTorch runs it over every
        array in one call."""
        squares = []
        for i, x in enumerate(tensors):
            if minus is not None:
                x = self.subtract(x, minus[i])
            x = x if self.dtype(x) == "float32" else self.cast(x, "float32")
            squares.append(self.vdot(x, x))
        return self.stack(squares)

    def even_samples(self, tensors, strides, length: int):
        """Every strides[i]-th value of each array in `tensors` (flattened, from its first),
        as the rows of one (len(tensors), length) float32 array, NaN after each row's values
        (no row has more than `length`). What inspection bins into histograms and counts
        zeros and non-finite values in. Not differentiable.

        Written here as one concatenation and one gather; NumPy, and PyTorch on the CPU, copy
        each sample into its row on the host."""
        pieces = [
            self.getitem(self.reshape(self.cast(t, "float32"), (-1,)), slice(None, None, step))
            for t, step in zip(tensors, strides)
        ]
        lengths = tuple(self.shape(piece)[0] for piece in pieces)
        flat = self.concatenate([*pieces, self.convert(np.full(1, np.nan, np.float32))])
        plan = self.convert(_padding_plan(lengths, length))
        return self.reshape(self.take(flat, plan), (len(pieces), length))

    def histogram(self, x, low, high, bins: int):
        """Per row of `x` (rows, n), counts of its values in `bins` equal bins from `low` to
        `high` (both (rows,)), the last bin including `high`: a (rows, bins) float32 array.
        Values outside [low, high] and non-finite values are not counted, nor is any value
        of a row with a non-finite low or high; a row whose low equals its high counts its
        values equal to them in the last bin. Not differentiable.

        Written here with the other ops: bin k is split into (k // b, k % b) with b about
        sqrt(bins), one 0/1 array per part, and a batched matmul of the two counts every
        pair (about 2 sqrt(bins) values per value of x, no boolean arrays); counts are sums
        of ones, exact. PyTorch and NumPy count with one bincount."""
        low, high = self.expand_dims(low, 1), self.expand_dims(high, 1)
        width = self.divide(self.subtract(high, low), float(bins))
        level = self.equal(width, 0.0)  # divided by 1, not by 0 (no 0/0)
        position = self.floor(self.divide(self.subtract(x, low), self.where(level, 1.0, width)))
        position = self.where(level, bins - 1.0, self.minimum(position, bins - 1.0))
        # NaN fails both comparisons; a non-finite width takes its whole row out
        inside = self.logical_and(self.greater_equal(x, low), self.less_equal(x, high))
        inside = self.logical_and(inside, self.isfinite(width))
        position = self.where(inside, position, -1.0)  # -1: in no bin
        columns = math.ceil(math.sqrt(bins))
        rows = math.ceil(bins / columns)
        high_part = self.floor(self.divide(position, float(columns)))  # -1 for none: no row
        low_part = self.subtract(position, self.multiply(high_part, float(columns)))
        pairs = self.matmul(
            self._indicator(high_part, rows, 1), self._indicator(low_part, columns, 2)
        )
        flat = self.reshape(pairs, (self.shape(x)[0], rows * columns))
        return self.cast(self.getitem(flat, (slice(None), slice(0, bins))), "float32")

    def _indicator(self, values, count: int, axis: int):
        """1.0 where an integer-valued `values` (rows, n) equals k, for k < count, along a new
        `axis` (1: (rows, count, n); 2: (rows, n, count)); 0.0 elsewhere."""
        shape = (1, count, 1) if axis == 1 else (1, 1, count)
        ks = self.convert(np.arange(count, dtype=np.float32).reshape(shape))
        distance = self.abs(self.subtract(self.expand_dims(values, axis), ks))
        return self.relu(self.subtract(1.0, distance))

    # ------------------------------------------------------------------- images (ops.image)
    # Written once from the other ops (engine/backend/images.py); a backend may run its own.
    def resize(self, images, size, interpolation="bilinear"):
        """Channels-last `images` (batch, height, width, channels) resized to `size` (new
        height, new width) by "bilinear" (half-pixel centres, no antialiasing) or "nearest"
        interpolation, as Keras's image.resize with its defaults."""
        return images_ops.resize(self, images, tuple(size), interpolation)

    def affine_transform(self, images, transform, interpolation="bilinear",
                         fill_mode="constant", fill_value=0.0):
        """Each output point (x, y) of channels-last `images` sampled at input point
        ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k), k = c0 x + c1 y + 1, from the
        image's row of `transform` (batch, 8) [a0, a1, a2, b0, b1, b2, c0, c1];
        "bilinear" or "nearest" interpolation; points outside filled as scipy.ndimage's
        "constant" (`fill_value`), "nearest", "wrap", "mirror" or "reflect" modes do (Keras's
        image.affine_transform). Differentiable with respect to `images`."""
        return images_ops.affine_transform(self, images, transform, interpolation, fill_mode,
                                           fill_value)

    # ------------------------------------------------------------------------ optimizers
    def adam_update(
        self, weights, gradients, momentums, velocities, alpha, beta_1, beta_2, epsilon,
        in_place=False,
    ):
        """One Adam step (Keras's rule) for lists of weights and their slots:

            m += (g - m) * (1 - beta_1);  v += (g² - v) * (1 - beta_2)
            w -= alpha * m / (sqrt(v) + epsilon)

        `alpha` is a scalar array, or a Python float (the learning rate with the bias
        correction folded in), `beta_1`, `beta_2` and `epsilon` Python floats. Returns
        (weights, momentums, velocities) as new lists; the inputs are left unchanged unless
        `in_place`, with which a backend may write the results into `weights`, `momentums`
        and `velocities` themselves (the caller gives those up). Written here from the other
        ops; a backend may fuse it (PyTorch runs one kernel per step over every weight)."""
        new_weights, new_momentums, new_velocities = [], [], []
        for w, g, m, v in zip(weights, gradients, momentums, velocities):
            m = self.add(m, self.multiply(self.subtract(g, m), 1 - beta_1))
            v = self.add(v, self.multiply(self.subtract(self.square(g), v), 1 - beta_2))
            step = self.divide(self.multiply(m, alpha), self.add(self.sqrt(v), epsilon))
            new_weights.append(self.subtract(w, step))
            new_momentums.append(m)
            new_velocities.append(v)
        return new_weights, new_momentums, new_velocities

    # ---------------------------------------------------------------------------- random
    def random_uniform(self, shape, seed, minval=0.0, maxval=1.0, dtype=None):
        """Deterministic given `seed`, an int32 array of shape (2,) (jit-friendly)."""
        raise NotImplementedError

    def random_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype=None):
        raise NotImplementedError

    # ------------------------------------------------------------------------- control
    def scan(self, fn, init, xs):
        """fn(carry, x_t) -> (carry, y_t) over the leading axis of the structure `xs`.

        Returns (final carry, the y_t stacked on a new leading axis). Differentiable.
        """
        raise NotImplementedError

    def cond(self, pred, true_fn, false_fn):
        """true_fn() where the scalar `pred` holds, else false_fn(), as keras.ops.cond: both
        return the same structure; traces under jit as one conditional. Differentiable."""
        raise NotImplementedError

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        """keras.ops.while_loop: body(*vars) -> vars while cond(*vars), at most
        `maximum_iterations` times; `loop_vars` one array or a tuple/list of them (see
        engine/backend/loops.py). Traces under jit as one loop."""
        raise NotImplementedError

    def custom_gradient(self, fn):
        """keras.ops.custom_gradient: fn(*args) returns (y, grad_fn), grad_fn(upstream) the
        gradients of the args (one array for one arg, else a tuple); returns f(*args) -> y."""
        raise NotImplementedError

    def stop_gradient(self, x):
        raise NotImplementedError

    # ----------------------------------------------------------------- autodiff, compile
    def tap_zeros(self, shape, dtype=None):
        """A zero array for `tap`. Backends whose `tap` never reads it may return one that
        holds no memory (a broadcast zero)."""
        return self.zeros(shape, dtype)

    def tap(self, x, tap):
        """`x`, as far as values go; inside value_and_grad, with `tap` (from `tap_zeros`, shaped
        like x) among the parameters, the gradient with respect to `tap` is the gradient
        with respect to x here. Inspection taps every layer's output this way. Written as
        x + tap; eager backends pass the gradient on without the addition."""
        return self.add(x, tap)

    def value_and_grad(self, fn, has_aux=False):
        """Wraps fn(params, *args) -> scalar (or (scalar, aux) with has_aux).

        The result, called as g(params, *args), returns (value, grads) (value is (scalar, aux)
        with has_aux), grads being the gradient of the scalar with respect to every leaf of
        the structure `params`, in the same structure.
        """
        raise NotImplementedError

    def gradient_leaf(self, x):
        """`x` as a leaf whose gradient the framework's own eager autodiff keeps, for a train
        step written for the framework and run on the Variables (PyTorch's `loss.backward()`
        fills `leaf.grad`); where the framework keeps no gradients on arrays, `x` itself."""
        return x

    def jit(self, fn):
        """A compiled version of fn (a pure function of structures of arrays), or fn itself."""
        raise NotImplementedError


@functools.lru_cache(maxsize=64)
def _padding_plan(lengths: tuple, length: int) -> np.ndarray:
    """Where even_samples gathers each cell from, in its pieces followed by one NaN: a row's
    piece, then that NaN."""
    index = np.full((len(lengths), length), sum(lengths), np.int32)
    for row, (start, count) in enumerate(zip(np.cumsum([0, *lengths[:-1]]), lengths)):
        index[row, :count] = start + np.arange(count)
    return index.reshape(-1)
