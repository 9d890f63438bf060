"""keras.ops's control flow, written from the contract's scan, cond and while_loop: each traces
under jit as one loop or conditional on JAX and TensorFlow, runs eagerly on PyTorch and NumPy,
and differentiates where those do."""

from __future__ import annotations

import numpy as np

from engine import tree
from engine.composed_ops.inputs import as_array, current
from engine.ops import read

_REVERSED = slice(None, None, -1)


def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """f(carry, x) -> (carry, y) over the leading axis of `xs` (or `length` times with x=None,
    where xs is None); returns (final carry, the y stacked). `unroll` changes only speed."""
    b = current()
    if not (isinstance(unroll, bool) or isinstance(unroll, int) and unroll > 0):
        raise ValueError(f"scan: unroll must be a positive int or a bool, got {unroll!r}.")
    if xs is None:
        if length is None:
            raise ValueError("scan: pass xs, or length (the number of steps) when xs is None.")
        step, xs = (lambda carry, _: f(carry, None)), b.arange(length, dtype="int32")
    else:
        xs = tree.map_structure(as_array, read(xs))
        steps = {b.shape(leaf)[0] for leaf in tree.flatten(xs)}
        if len(steps) != 1 or length is not None and steps != {length}:
            raise ValueError(f"scan: xs's leading axes must all be `length` long; got {steps} "
                             f"and length={length}.")
        step = f
    if reverse:
        xs = _flipped(xs)
    carry, ys = b.scan(step, read(init), xs)
    return carry, (_flipped(ys) if reverse else ys)


def _flipped(structure):
    """Every array of `structure` reversed along its leading axis."""
    b = current()
    return tree.map_structure(lambda leaf: None if leaf is None else b.getitem(leaf, _REVERSED),
                              structure)


def map(f, xs):  # noqa: A001 (Keras's name)
    """f(x) for each slice x along the leading axis of `xs` (a structure), stacked."""
    b = current()
    _, ys = b.scan(lambda carry, x: (carry, f(x)), b.zeros((), "int32"),
                   tree.map_structure(as_array, read(xs)))
    return ys


def vectorized_map(function, elements):
    """function over the leading axis of `elements`, stacked: map, as Keras's results are."""
    return map(function, elements)


def cond(pred, true_fn, false_fn):
    """true_fn() where the scalar `pred` holds, else false_fn(); both return alike."""
    return current().cond(as_array(pred), true_fn, false_fn)


def switch(index, branches, *operands):
    """branches[index](*operands), `index` clipped into range, as Keras's switch."""
    if not branches:
        raise ValueError("switch: branches must hold at least one callable.")
    b = current()
    index = b.clip(b.cast(as_array(index), "int32"), 0, len(branches) - 1)

    def from_branch(i):
        if i == len(branches) - 1:
            return branches[i](*operands)
        return b.cond(b.equal(index, i), lambda: branches[i](*operands),
                      lambda: from_branch(i + 1))

    return from_branch(0)


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """body(*loop_vars) -> loop_vars while cond(*loop_vars), at most maximum_iterations times."""
    b = current()
    loop_vars = tree.map_structure(lambda v: v if b.is_array(v) else b.convert(v), read(loop_vars))
    return b.while_loop(cond, body, loop_vars, maximum_iterations)


def fori_loop(lower, upper, body_fun, init_val):
    """init_val through body_fun(i, val) for i from lower to upper; with Python int bounds
    it is a scan, so it differentiates like one."""
    b = current()
    if isinstance(lower, (int, np.integer)) and isinstance(upper, (int, np.integer)):
        if upper <= lower:
            return read(init_val)
        val, _ = b.scan(lambda val, i: (body_fun(i, val), i), read(init_val),
                        b.arange(int(lower), int(upper), dtype="int32"))
        return val
    _, val = b.while_loop(lambda i, val: b.less(i, upper),
                          lambda i, val: (b.add(i, 1), body_fun(i, val)),
                          (b.cast(as_array(lower), "int32"), read(init_val)))
    return val


def associative_scan(f, elems, reverse=False, axis=0):
    """The running f-combination of `elems` (a structure) along `axis`: out[i] = f(out[i-1],
    elems[i]); `f` associative. `reverse` runs it from the end."""
    b = current()
    elems = tree.map_structure(as_array, read(elems))
    leaves = [b.transpose(leaf, _to_front(len(b.shape(leaf)), axis)) for leaf in
              tree.flatten(elems)]
    if len({b.shape(leaf)[0] for leaf in leaves}) != 1:
        raise ValueError(f"associative_scan: elems must share their length along axis {axis}.")
    if reverse:
        leaves = [b.getitem(leaf, _REVERSED) for leaf in leaves]
    first = [b.getitem(leaf, 0) for leaf in leaves]
    if b.shape(leaves[0])[0] > 1:

        def combine(carry, x):
            combined = tree.flatten(f(tree.unflatten_as(elems, carry),
                                      tree.unflatten_as(elems, x)))
            return combined, combined

        _, rest = b.scan(combine, first, [b.getitem(leaf, slice(1, None)) for leaf in leaves])
        leaves = [b.concatenate([b.expand_dims(head, 0), tail], axis=0)
                  for head, tail in zip(first, rest)]
    if reverse:
        leaves = [b.getitem(leaf, _REVERSED) for leaf in leaves]
    return tree.unflatten_as(elems, [
        b.transpose(leaf, np.argsort(_to_front(len(b.shape(leaf)), axis)).tolist())
        for leaf in leaves
    ])


def _to_front(rank, axis):
    """The permutation that moves `axis` to the front."""
    axis %= rank
    return [axis] + [a for a in range(rank) if a != axis]


def custom_gradient(f):
    """f(*args) -> (y, grad_fn): the function of args whose gradient is grad_fn(upstream)."""
    return current().custom_gradient(f)


def is_tensor(x):
    """Whether `x` is an array of the active backend."""
    return bool(current().is_array(read(x)))


def saturate_cast(x, dtype):
    """x cast to `dtype` with its values first clipped to what both dtypes can hold."""
    b, x = current(), as_array(x)
    source, (out_low, out_high) = b.dtype(x), _limits(dtype)
    in_low, in_high = _limits(source)
    low = np.asarray(max(in_low, out_low)).astype(_numpy_dtype(source))
    high = np.asarray(min(in_high, out_high)).astype(_numpy_dtype(source))
    # A float limit may round past the target's range (float32 has no 2**31 - 1): clip just
    # inside it, and give what lay beyond the target's own limit, as JAX's casts saturate.
    low_inside = np.nextafter(low, np.zeros((), low.dtype)) if low.item() < out_low else low
    high_inside = np.nextafter(high, np.zeros((), high.dtype)) if high.item() > out_high else high
    out = b.cast(b.clip(x, low_inside.item(), high_inside.item()), dtype)
    if high_inside is not high:
        out = b.where(b.greater(x, high_inside.item()), b.full((), out_high, dtype), out)
    if low_inside is not low:
        out = b.where(b.less(x, low_inside.item()), b.full((), out_low, dtype), out)
    return out


def _numpy_dtype(dtype):
    if dtype == "bfloat16":
        import ml_dtypes  # installed with JAX and TensorFlow, which have bfloat16

        return ml_dtypes.bfloat16
    return np.dtype(dtype)


def _limits(dtype):
    """The lowest and highest value `dtype` holds."""
    if dtype == "bool":
        return 0, 1
    kind = _numpy_dtype(dtype)
    if np.issubdtype(kind, np.integer):
        info = np.iinfo(kind)
    elif dtype == "bfloat16":
        import ml_dtypes

        info = ml_dtypes.finfo(kind)
    else:
        info = np.finfo(kind)
    return info.min, info.max
