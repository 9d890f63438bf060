"""Matrix decompositions and solves (keras.ops.linalg), each with its gradient rule.

All act on the last two axes and batch over the others. A decomposition with several
outputs (eigh, qr, svd, slogdet) is one primitive whose outputs travel packed side by side in
one array while a gradient is taken, and are read back out of it with getitem and reshape:
the backward pass then hands the rule every output's gradient at once.
"""

from __future__ import annotations

import contextlib

import numpy as np

from engine.backend import matrix_checks as checks
from engine.backend.numpy.indexing import getitem
from engine.backend.numpy.shapes import reshape
from engine.backend.numpy.traced import Primitive, Traced, no_gradient, primitive, unwrap


def _t(x):
    return np.swapaxes(x, -1, -2)


def _sym(x):
    return (x + _t(x)) / 2


# -------------------------------------------------------------- several outputs, one node
def _multi_output(forward, backward):
    """`forward(*arrays, **options)` -> tuple of outputs, differentiated by
    `backward(output_grads, outputs, *arrays, **options)` -> one gradient per array."""

    def rule(argnum, g, out, *args, shapes, **options):
        grads = tuple(_unpacked(g, shapes))
        return backward(grads, tuple(_unpacked(out, shapes)), *args, **options)[argnum]

    node = Primitive(forward, rule)  # its outputs are packed by `op`, not by calling it

    def op(*args, **options):
        outs = forward(*(unwrap(a) for a in args), **options)
        if not any(isinstance(a, Traced) for a in args):
            return outs
        shapes = [o.shape for o in outs]
        batch = np.shape(unwrap(args[0]))[:-2]
        packed = np.concatenate([np.reshape(o, batch + (-1,)) for o in outs], axis=-1)
        traced = Traced(packed, node, args, {**options, "shapes": shapes})
        return tuple(_unpacked(traced, shapes, read=getitem, shape_of=reshape))

    return op


def _unpacked(packed, shapes, read=lambda x, k: x[k], shape_of=np.reshape):
    """The outputs packed side by side along the last axis, back in their own shapes."""
    start, batch_rank = 0, len(np.shape(unwrap(packed))) - 1
    for shape in shapes:
        size = int(np.prod(shape[batch_rank:], dtype=np.int64))
        yield shape_of(read(packed, (Ellipsis, slice(start, start + size))), shape)
        start += size


# ------------------------------------------------------------------------- inverses, solves
def _lapack(function, *matrices):
    """function(*matrices), an np.linalg function of stacks of matrices; a matrix LAPACK
    refuses (singular, not positive definite) gives NaN rather than an error, as compiled
    backends give it (JAX), so that trial calls on zeros and whole batches go through."""
    try:
        return function(*matrices)
    except np.linalg.LinAlgError:
        batch = np.broadcast_shapes(*(np.shape(m)[:-2] for m in matrices))
        stacks = [np.broadcast_to(m, batch + np.shape(m)[-2:]) for m in matrices]
        out = np.full(batch + np.shape(matrices[-1])[-2:], np.nan, np.result_type(*matrices))
        for index in np.ndindex(batch):
            with contextlib.suppress(np.linalg.LinAlgError):
                out[index] = function(*(stack[index] for stack in stacks))
        return out


@primitive(lambda g, out, x: -_t(out) @ g @ _t(out))
def _inv(x):
    return _lapack(np.linalg.inv, x)


@primitive(lambda g, out, x: (g * out)[..., None, None] * _t(np.linalg.inv(x)))
def _det(x):
    return np.linalg.det(x)


def _slogdet_gradient(grads, outs, x):
    return (grads[1][..., None, None] * _t(np.linalg.inv(x)),)


_slogdet = _multi_output(lambda x: tuple(np.linalg.slogdet(x)), _slogdet_gradient)


def _as_columns(a, b):
    """b as a stack of columns for a solve with `a`: vectors (rank of a minus one) gain one."""
    return (b[..., None], True) if np.ndim(b) == np.ndim(a) - 1 else (b, False)


def _solve_forward(a, b):
    columns, vector = _as_columns(a, b)
    x = _lapack(np.linalg.solve, a, columns)
    return x[..., 0] if vector else x


def _solve_gradients(g, out, a, b):
    """b̄ = a^-T g; ā = -b̄ x^T (vectors b and x read as one column each)."""
    grad_b = _solve_forward(_t(a), g)
    if np.ndim(b) == np.ndim(a) - 1:
        return -grad_b[..., :, None] * out[..., None, :], grad_b
    return -grad_b @ _t(out), grad_b


_solve = primitive(
    lambda g, out, a, b: _solve_gradients(g, out, a, b)[0],
    lambda g, out, a, b: _solve_gradients(g, out, a, b)[1],
)(_solve_forward)


def _triangle(a, lower):
    return np.tril(a) if lower else np.triu(a)


def _solve_triangular_gradients(g, out, a, b, lower):
    grad_a, grad_b = _solve_gradients(g, out, _triangle(a, lower), b)
    return _triangle(grad_a, lower), grad_b


# The other triangle of `a` is never read, as in LAPACK's trtrs: its gradient is zero.
_solve_triangular = primitive(
    lambda g, out, a, b, lower=False: _solve_triangular_gradients(g, out, a, b, lower)[0],
    lambda g, out, a, b, lower=False: _solve_triangular_gradients(g, out, a, b, lower)[1],
)(lambda a, b, lower=False: _solve_forward(_triangle(a, lower), b))


# ---------------------------------------------------------------------------- cholesky
def _cholesky_gradient(g, out, x, upper=False):
    """ā = sym(L^-T Φ(L^T L̄) L^-1), Φ: the lower triangle with its diagonal halved."""
    lower = _t(out) if upper else out
    g = _t(g) if upper else g
    phi = np.tril(_t(lower) @ g)
    phi = phi - np.eye(phi.shape[-1]) * np.diagonal(phi, axis1=-2, axis2=-1)[..., None] / 2
    inverse = np.linalg.inv(lower)
    return _sym(_t(inverse) @ phi @ inverse)


@primitive(_cholesky_gradient)
def _cholesky(x, upper=False):
    lower = _lapack(np.linalg.cholesky, x)
    return _t(lower) if upper else lower


# ------------------------------------------------------------------------ eigen, qr, svd
def _off_diagonal_inverse(differences):
    """1 / differences off the diagonal, 0 on it (where the difference is zero)."""
    n = differences.shape[-1]
    with np.errstate(divide="ignore"):
        return np.where(np.eye(n, dtype=bool), 0.0, 1.0 / np.where(np.eye(n), 1, differences))


def _eigh_gradient(grads, outs, x):
    """x̄ = sym(V (diag(w̄) + F ∘ V^T V̄) V^T), F_ij = 1 / (w_j - w_i)."""
    grad_w, grad_v = grads
    w, v = outs
    f = _off_diagonal_inverse(w[..., None, :] - w[..., :, None])
    inner = f * (_t(v) @ grad_v) + grad_w[..., None, :] * np.eye(w.shape[-1])
    return (_sym(v @ inner @ _t(v)),)


# Both triangles are read (symmetrised first), as jnp.linalg.eigh does by default.
_eigh = _multi_output(lambda x: tuple(np.linalg.eigh(_sym(x))), _eigh_gradient)


def _qr_gradient(grads, outs, x, mode="reduced"):
    """For m >= n (reduced): x̄ = (Q̄ + Q copyltu(M)) R^-T, M = R R̄^T - Q̄^T Q."""
    grad_q, grad_r = grads
    q, r = outs
    m, n = np.shape(x)[-2:]
    if m < n or (mode == "complete" and m != n):
        raise NotImplementedError(
            f"qr: the NumPy backend differentiates QR of matrices with at least as many rows "
            f"as columns in mode 'reduced' (as JAX does); got shape {np.shape(x)}, mode "
            f"{mode!r}."
        )
    product = r @ _t(grad_r) - _t(grad_q) @ q
    copied = np.tril(product) + _t(np.tril(product, -1))
    return (_t(np.linalg.solve(r, _t(grad_q + q @ copied))),)


_qr = _multi_output(lambda x, mode="reduced": tuple(np.linalg.qr(x, mode=mode)), _qr_gradient)


def _svd_forward(x, full_matrices, compute_uv):
    if not compute_uv:
        return (np.linalg.svd(x, compute_uv=False),)
    return tuple(np.linalg.svd(x, full_matrices=full_matrices))


def _singular_values_gradient(u, grad_s, vh):
    k = grad_s.shape[-1]
    return (u[..., :, :k] * grad_s[..., None, :]) @ vh[..., :k, :]


def _svd_gradient(grads, outs, x, full_matrices, compute_uv):
    """Townsend's rule for x = U S V^T (reduced), plus, for non-square x, the terms from the
    directions outside U's (tall x) or V's (wide x) columns."""
    m, n = np.shape(x)[-2:]
    if not compute_uv:
        u, _, vh = np.linalg.svd(x, full_matrices=False)
        return (_singular_values_gradient(u, grads[0], vh),)
    if full_matrices and m != n:
        raise NotImplementedError(
            "svd: the NumPy backend differentiates U and V of non-square matrices only with "
            "full_matrices=False (as JAX does); pass full_matrices=False, or compute_uv=False "
            "for the singular values alone."
        )
    (grad_u, grad_s, grad_vh), (u, s, vh) = grads, outs
    v, grad_v = _t(vh), _t(grad_vh)
    f = _off_diagonal_inverse(s[..., None, :] ** 2 - s[..., :, None] ** 2)
    ut_gu, vt_gv = _t(u) @ grad_u, _t(v) @ grad_v
    core = ((f * (ut_gu - _t(ut_gu))) * s[..., None, :]
            + (s[..., :, None] * (f * (vt_gv - _t(vt_gv))))
            + grad_s[..., None, :] * np.eye(s.shape[-1]))
    grad = u @ core @ vh
    inverse_s = 1.0 / s
    if m > n:
        grad = grad + ((grad_u - u @ ut_gu) * inverse_s[..., None, :]) @ vh
    if n > m:
        grad = grad + u @ (_t(grad_v - v @ vt_gv) * inverse_s[..., :, None])
    return (grad,)


_svd = _multi_output(_svd_forward, _svd_gradient)


def svd(x, full_matrices=True, compute_uv=True):
    checks.matrices("svd", np.shape(unwrap(x)))
    outs = _svd(x, full_matrices=full_matrices, compute_uv=compute_uv)
    return outs if compute_uv else outs[0]


# ------------------------------------------------- not differentiated: eig (complex), LU
@no_gradient
def eig(x):
    checks.square_matrices("eig", np.shape(x))
    return np.linalg.eig(x)


@no_gradient
def lu_factor(x):
    """(lu, pivots) as LAPACK's getrf: L below the diagonal (unit diagonal), U on and above;
    row k was swapped with row pivots[k] (int32). Partial pivoting written out, column by
    column over the whole batch: NumPy has no LU of its own (SciPy's is no dependency)."""
    checks.matrices("lu_factor", np.shape(x))
    lu = np.array(x, dtype=np.result_type(x, np.float32), copy=True)
    m, n = lu.shape[-2:]
    steps = min(m, n)
    pivots = np.zeros(lu.shape[:-2] + (steps,), dtype=np.int32)
    batch = np.indices(lu.shape[:-2]) if lu.ndim > 2 else ()
    for k in range(steps):
        pivot = k + np.argmax(np.abs(lu[..., k:, k]), axis=-1)
        pivots[..., k] = pivot
        row_k, row_p = lu[(*batch, k)].copy(), lu[(*batch, pivot)].copy()
        lu[(*batch, pivot)] = row_k
        lu[(*batch, k)] = row_p
        with np.errstate(divide="ignore", invalid="ignore"):
            lu[..., k + 1:, k] /= lu[..., k:k + 1, k]
        lu[..., k + 1:, k + 1:] -= lu[..., k + 1:, k:k + 1] * lu[..., k:k + 1, k + 1:]
    return lu, pivots


# ------------------------------------------------------- the contract's ops, shapes checked
def _square(op, primitive_op):
    def checked(x, *args, **options):
        checks.square_matrices(op, np.shape(unwrap(x)))
        return primitive_op(x, *args, **options)

    checked.__name__ = op
    return checked


cholesky = _square("cholesky", _cholesky)
det = _square("det", _det)
slogdet = _square("slogdet", _slogdet)
inv = _square("inv", _inv)
eigh = _square("eigh", _eigh)


def solve(a, b):
    checks.solve_operands("solve", np.shape(unwrap(a)), np.shape(unwrap(b)))
    return _solve(a, b)


def solve_triangular(a, b, lower=False):
    checks.solve_operands("solve_triangular", np.shape(unwrap(a)), np.shape(unwrap(b)))
    return _solve_triangular(a, b, lower=lower)


def qr(x, mode="reduced"):
    checks.matrices("qr", np.shape(unwrap(x)))
    checks.qr_mode(mode)
    return _qr(x, mode=mode)
