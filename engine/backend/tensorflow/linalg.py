"""keras.ops.linalg's decompositions and solves on the TensorFlow backend (tf.linalg);
TensorFlow differentiates them itself."""

from __future__ import annotations

import tensorflow as tf

from engine import tree
from engine.backend import matrix_checks as checks
from engine.backend.tensorflow.core import tensor


def _symmetric(x):
    return (x + tf.linalg.matrix_transpose(x)) / 2


def _as_columns(a, b):
    """b as a stack of columns for a solve with `a` (a vector gains an axis), and whether
    that axis is to be taken off again."""
    return (b[..., None], True) if b.shape.rank == a.shape.rank - 1 else (b, False)


def _swaps(permutation):
    """LAPACK's pivots (row k swapped with row pivots[k], in turn) that put the rows in the
    order of `permutation`."""
    n = permutation.shape[-1]
    order = tf.broadcast_to(tf.range(n, dtype=permutation.dtype), tf.shape(permutation))
    positions = tf.range(n, dtype=permutation.dtype)
    pivots = []
    for k in range(n):
        pivot = tf.argmax(tf.cast(tf.equal(order, permutation[..., k:k + 1]), tf.int32),
                          axis=-1, output_type=permutation.dtype)
        at_k, at_pivot = order[..., k:k + 1], tf.gather(order, pivot[..., None], batch_dims=-1)
        order = tf.where(positions == k, at_pivot,
                         tf.where(positions == pivot[..., None], at_k, order))
        pivots.append(pivot)
    return tf.stack(pivots, axis=-1)


class LinalgOps:
    """Decompositions, solves and jvp of the contract."""

    def cholesky(self, x, upper=False):
        x = tensor(x)
        checks.square_matrices("cholesky", tuple(x.shape))
        lower = tf.linalg.cholesky(x)
        return tf.linalg.adjoint(lower) if upper else lower

    def det(self, x):
        x = tensor(x)
        checks.square_matrices("det", tuple(x.shape))
        return tf.linalg.det(x)

    def slogdet(self, x):
        x = tensor(x)
        checks.square_matrices("slogdet", tuple(x.shape))
        return tuple(tf.linalg.slogdet(x))

    def inv(self, x):
        x = tensor(x)
        checks.square_matrices("inv", tuple(x.shape))
        return tf.linalg.inv(x)

    def solve(self, a, b):
        a, b = tensor(a), tensor(b)
        checks.solve_operands("solve", tuple(a.shape), tuple(b.shape))
        columns, vector = _as_columns(a, b)
        x = tf.linalg.solve(a, columns)
        return x[..., 0] if vector else x

    def solve_triangular(self, a, b, lower=False):
        a, b = tensor(a), tensor(b)
        checks.solve_operands("solve_triangular", tuple(a.shape), tuple(b.shape))
        columns, vector = _as_columns(a, b)
        x = tf.linalg.triangular_solve(a, columns, lower=lower)
        return x[..., 0] if vector else x

    def eigh(self, x):
        x = tensor(x)
        checks.square_matrices("eigh", tuple(x.shape))
        return tuple(tf.linalg.eigh(_symmetric(x)))

    def eig(self, x):
        x = tensor(x)
        checks.square_matrices("eig", tuple(x.shape))
        return tuple(tf.linalg.eig(x))

    def qr(self, x, mode="reduced"):
        x = tensor(x)
        checks.matrices("qr", tuple(x.shape))
        checks.qr_mode(mode)
        return tuple(tf.linalg.qr(x, full_matrices=mode == "complete"))

    def svd(self, x, full_matrices=True, compute_uv=True):
        x = tensor(x)
        checks.matrices("svd", tuple(x.shape))
        if not compute_uv:
            return tf.linalg.svd(x, full_matrices=full_matrices, compute_uv=False)
        s, u, v = tf.linalg.svd(x, full_matrices=full_matrices)
        return u, s, tf.linalg.adjoint(v)

    def lu_factor(self, x):
        x = tensor(x)
        checks.matrices("lu_factor", tuple(x.shape))
        if x.shape[-1] != x.shape[-2]:
            raise ValueError(
                f"lu_factor: the TensorFlow backend factors square matrices only (tf.linalg.lu);"
                f" got shape {tuple(x.shape)}. Use the NumPy, JAX or PyTorch backend."
            )
        lu, permutation = tf.linalg.lu(x)
        return lu, tf.cast(_swaps(permutation), tf.int32)

    def jvp(self, fun, primals, tangents, has_aux=False):
        leaves = [tensor(p) for p in tree.flatten(primals)]
        directions = [tf.cast(t, p.dtype) for t, p in zip(tree.flatten(tangents), leaves)]
        with tf.autodiff.ForwardAccumulator(leaves, directions) as accumulator:
            result = fun(*tree.unflatten_as(primals, leaves))
            out, aux = result if has_aux else (result, None)
            derivatives = tree.map_structure(
                lambda o: accumulator.jvp(o, unconnected_gradients="zero"), out)
        return (out, derivatives, aux) if has_aux else (out, derivatives)
