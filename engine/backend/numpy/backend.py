"""NumpyBackend: the contract's operations, each taken from the module that implements it."""

from __future__ import annotations

import functools

import numpy as np

from engine.backend.contract import Backend
from engine.backend.numpy import (
    activations,
    arrays,
    autodiff,
    control,
    convolution,
    decompositions,
    elementwise,
    forward_mode,
    indexing,
    linalg,
    ordering,
    pooling,
    random,
    reductions,
    shapes,
)


def _quiet(fn):
    """`fn` as it is, run with NumPy's floating-point warnings off, as compiled code runs on
    the other backends: an overflow gives inf and 0/0 NaN silently, and what calls a step
    (fit, inspection) reports a value that is not finite in its own words."""

    @functools.wraps(fn)
    def quiet(*args, **kwargs):
        with np.errstate(all="ignore"):
            return fn(*args, **kwargs)

    return quiet


class NumpyBackend(Backend):
    """NumPy arrays, with reverse-mode autodiff of its own (see autodiff.py)."""

    name = "numpy"
    extra = ""
    synchronous = True

    # arrays and devices
    convert = staticmethod(arrays.convert)
    to_numpy = staticmethod(arrays.to_numpy)
    from_dlpack = staticmethod(arrays.from_dlpack)
    is_array = staticmethod(arrays.is_array)
    shape = staticmethod(arrays.shape)
    dtype = staticmethod(arrays.dtype)
    cast = staticmethod(arrays.cast)
    bitcast = staticmethod(arrays.bitcast)
    zeros = staticmethod(arrays.zeros)
    ones = staticmethod(arrays.ones)
    full = staticmethod(arrays.full)
    arange = staticmethod(arrays.arange)
    devices = staticmethod(arrays.devices)
    default_device = staticmethod(arrays.default_device)

    # elementwise math
    add = staticmethod(elementwise.add)
    subtract = staticmethod(elementwise.subtract)
    multiply = staticmethod(elementwise.multiply)
    divide = staticmethod(elementwise.divide)
    power = staticmethod(elementwise.power)
    maximum = staticmethod(elementwise.maximum)
    minimum = staticmethod(elementwise.minimum)
    negative = staticmethod(elementwise.negative)
    abs = staticmethod(elementwise.absolute)
    sign = staticmethod(elementwise.sign)
    square = staticmethod(elementwise.square)
    sqrt = staticmethod(elementwise.sqrt)
    exp = staticmethod(elementwise.exp)
    log = staticmethod(elementwise.log)
    log1p = staticmethod(elementwise.log1p)
    sin = staticmethod(elementwise.sin)
    cos = staticmethod(elementwise.cos)
    erf = staticmethod(elementwise.erf)
    floor = staticmethod(elementwise.floor)
    clip = staticmethod(elementwise.clip)
    where = staticmethod(elementwise.where)
    equal = staticmethod(elementwise.equal)
    not_equal = staticmethod(elementwise.not_equal)
    greater = staticmethod(elementwise.greater)
    greater_equal = staticmethod(elementwise.greater_equal)
    less = staticmethod(elementwise.less)
    less_equal = staticmethod(elementwise.less_equal)
    logical_and = staticmethod(elementwise.logical_and)
    logical_or = staticmethod(elementwise.logical_or)
    logical_not = staticmethod(elementwise.logical_not)
    isfinite = staticmethod(elementwise.isfinite)

    # activations
    relu = staticmethod(activations.relu)
    leaky_relu = staticmethod(activations.leaky_relu)
    gelu = staticmethod(activations.gelu)
    silu = staticmethod(activations.silu)
    tanh = staticmethod(activations.tanh)
    sigmoid = staticmethod(activations.sigmoid)
    softplus = staticmethod(activations.softplus)
    softmax = staticmethod(activations.softmax)
    log_softmax = staticmethod(activations.log_softmax)

    # reductions
    sum = staticmethod(reductions.reduce_sum)
    mean = staticmethod(reductions.reduce_mean)
    max = staticmethod(reductions.reduce_max)
    min = staticmethod(reductions.reduce_min)
    logsumexp = staticmethod(reductions.logsumexp)
    summary_statistics = staticmethod(reductions.summary_statistics)
    squared_norms = staticmethod(reductions.squared_norms)
    histogram = staticmethod(reductions.histogram)
    even_samples = staticmethod(reductions.even_samples)
    argmax = staticmethod(reductions.argmax)
    argmin = staticmethod(reductions.argmin)

    # linear algebra
    matmul = staticmethod(linalg.matmul)
    einsum = staticmethod(linalg.einsum)
    vdot = staticmethod(linalg.vdot)
    dense = staticmethod(linalg.dense)

    # keras.ops.linalg: decompositions and solves
    cholesky = staticmethod(decompositions.cholesky)
    det = staticmethod(decompositions.det)
    slogdet = staticmethod(decompositions.slogdet)
    inv = staticmethod(decompositions.inv)
    solve = staticmethod(decompositions.solve)
    solve_triangular = staticmethod(decompositions.solve_triangular)
    eigh = staticmethod(decompositions.eigh)
    eig = staticmethod(decompositions.eig)
    qr = staticmethod(decompositions.qr)
    svd = staticmethod(decompositions.svd)
    lu_factor = staticmethod(decompositions.lu_factor)
    jvp = staticmethod(forward_mode.jvp)

    # shape ops
    reshape = staticmethod(shapes.reshape)
    transpose = staticmethod(shapes.transpose)
    expand_dims = staticmethod(shapes.expand_dims)
    squeeze = staticmethod(shapes.squeeze)
    broadcast_to = staticmethod(shapes.broadcast_to)
    concatenate = staticmethod(shapes.concatenate)
    stack = staticmethod(shapes.stack)
    pad = staticmethod(shapes.pad)

    # indexing
    getitem = staticmethod(indexing.getitem)
    take = staticmethod(indexing.take)
    take_along_axis = staticmethod(indexing.take_along_axis)
    one_hot = staticmethod(indexing.one_hot)

    # keras.ops numerics: inverse functions, scans, sorts, products, scatters, segments
    arcsin = staticmethod(elementwise.arcsin)
    arccos = staticmethod(elementwise.arccos)
    arctan = staticmethod(elementwise.arctan)
    arctan2 = staticmethod(elementwise.arctan2)
    arcsinh = staticmethod(elementwise.arcsinh)
    arccosh = staticmethod(elementwise.arccosh)
    arctanh = staticmethod(elementwise.arctanh)
    erfinv = staticmethod(elementwise.erfinv)
    signbit = staticmethod(elementwise.signbit)
    logical_xor = staticmethod(elementwise.logical_xor)
    integer_op = staticmethod(elementwise.integer_op)
    cumsum = staticmethod(ordering.cumsum)
    cumprod = staticmethod(ordering.cumprod)
    sort = staticmethod(ordering.sort)
    argsort = staticmethod(ordering.argsort)
    top_k = staticmethod(ordering.top_k)
    searchsorted = staticmethod(ordering.searchsorted)
    prod = staticmethod(ordering.prod)
    scatter = staticmethod(indexing.scatter)
    scatter_update = staticmethod(indexing.scatter_update)
    slice = staticmethod(indexing.slice_block)
    slice_update = staticmethod(indexing.slice_update)
    segment_sum = staticmethod(indexing.segment_sum)
    segment_max = staticmethod(indexing.segment_max)

    # neural network ops
    conv = staticmethod(convolution.conv)
    conv_transpose = staticmethod(convolution.conv_transpose)
    max_pool = staticmethod(pooling.max_pool)
    avg_pool = staticmethod(pooling.avg_pool)

    # random
    random_uniform = staticmethod(random.random_uniform)
    random_normal = staticmethod(random.random_normal)

    # control, autodiff, compile
    scan = staticmethod(control.scan)
    cond = staticmethod(control.cond)
    while_loop = staticmethod(control.while_loop)
    custom_gradient = staticmethod(control.custom_gradient)
    stop_gradient = staticmethod(autodiff.stop_gradient)
    tap_zeros = staticmethod(autodiff.tap_zeros)
    tap = staticmethod(autodiff.tap)
    value_and_grad = staticmethod(autodiff.value_and_grad)
    jit = staticmethod(_quiet)
