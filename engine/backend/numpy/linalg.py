"""Matrix products: matmul with batch broadcasting, and einsum."""

from __future__ import annotations

import string

import numpy as np

from engine.backend.numpy.shapes import expand_dims, squeeze
from engine.backend.numpy.traced import primitive, unwrap, variadic_primitive


def _transpose_last(x):
    return np.swapaxes(x, -1, -2)


# Batch axes that broadcast are summed back down by the backward pass.
_matmul = primitive(
    lambda g, out, a, b: g @ _transpose_last(b),
    lambda g, out, a, b: _transpose_last(a) @ g,
)(np.matmul)


def matmul(a, b):
    """np.matmul; a 1-D operand becomes a matrix for the product (as NumPy does it)."""
    if np.ndim(unwrap(a)) == 1:
        return squeeze(matmul(expand_dims(a, 0), b), -2)
    if np.ndim(unwrap(b)) == 1:
        return squeeze(matmul(a, expand_dims(b, -1)), -1)
    return _matmul(a, b)


# np.dot of the flattened arrays: one BLAS call, no array of products
vdot = primitive(
    lambda g, out, a, b: g * np.reshape(b, np.shape(a)),
    lambda g, out, a, b: g * np.reshape(a, np.shape(b)),
)(lambda a, b: np.dot(np.ravel(a), np.ravel(b)))


def _rows(x):
    """`x` as a matrix: every axis but the last flattened into rows."""
    return np.reshape(x, (-1, np.shape(x)[-1]))


# One node for x @ kernel + bias (the Dense layer): one tape entry instead of two.
_dense = primitive(
    lambda g, out, x, kernel, bias: g @ kernel.T,
    lambda g, out, x, kernel, bias: _rows(x).T @ _rows(g),
    lambda g, out, x, kernel, bias: _rows(g).sum(axis=0),
)(lambda x, kernel, bias: x @ kernel + bias)


def dense(x, kernel, bias=None):
    """x @ kernel + bias over the last axis of x."""
    return matmul(x, kernel) if bias is None else _dense(x, kernel, bias)


def parse_einsum(equation: str, operand_count: int) -> tuple[list, str]:
    """("ij,jk->ik", 2) -> (["ij", "jk"], "ik"); without "->", NumPy's implicit output."""
    equation = equation.replace(" ", "")
    inputs, arrow, output = equation.partition("->")
    specs = inputs.split(",")
    if len(specs) != operand_count:
        raise ValueError(
            f"einsum equation {equation!r} names {len(specs)} operands, got {operand_count}."
        )
    if not arrow:
        letters = "".join(specs)
        output = "".join(sorted(c for c in set(letters) if letters.count(c) == 1))
    return specs, output


def _einsum_gradient(argnum, g, out, *operands, equation):
    """The einsum that maps the output gradient back onto operand `argnum`."""
    specs, output = parse_einsum(equation, len(operands))
    target = specs[argnum]
    if "." in equation or len(set(target)) != len(target):
        raise NotImplementedError(
            f"The NumPy backend differentiates einsum without '...' and without a letter "
            f"repeated inside one operand; {equation!r} has one. Write it with explicit "
            "letters, or use matmul/transpose/sum."
        )
    others = [j for j in range(len(operands)) if j != argnum]
    known = set(output).union(*(specs[j] for j in others))
    kept = "".join(c for c in target if c in known)
    grad_equation = ",".join([output, *(specs[j] for j in others)]) + "->" + kept
    grad = np.einsum(grad_equation, g, *(operands[j] for j in others), optimize=True)
    # Letters summed within this operand alone: every position got the same gradient.
    operand_shape = np.shape(operands[argnum])
    unit_shape = [n if c in known else 1 for c, n in zip(target, operand_shape)]
    return np.broadcast_to(grad.reshape(unit_shape), operand_shape)


@variadic_primitive(_einsum_gradient)
def _einsum(*operands, equation):
    # optimize=True contracts through BLAS (tensordot) instead of einsum's own loops: for
    # attention-sized operands that is 5 to 30 times faster.
    return np.einsum(equation, *operands, optimize=True)


def einsum(equation, *operands):
    shapes = [np.shape(unwrap(operand)) for operand in operands]
    return _einsum(*operands, equation=explicit_ellipsis(equation, shapes))


def explicit_ellipsis(equation: str, shapes) -> str:
    """The equation with each '...' spelled as letters ("...ij,jk" -> "aij,jk->aik").

    Equations whose '...' axes broadcast against each other (sizes 1 and n) are returned as
    they are: einsum broadcasts only '...', not letters.
    """
    equation = equation.replace(" ", "")
    if "..." not in equation:
        return equation
    inputs, arrow, output = equation.partition("->")
    specs = inputs.split(",")
    ranks = [len(shape) - (len(spec) - 3) if "..." in spec else 0
             for spec, shape in zip(specs, shapes)]
    width = max(ranks)
    columns: dict[int, set] = {}
    for shape, rank in zip(shapes, ranks):
        for offset, size in enumerate(shape[:rank]):
            columns.setdefault(width - rank + offset, set()).add(size)
    if any(len(sizes) > 1 for sizes in columns.values()):
        return equation
    unused = [c for c in string.ascii_letters if c not in equation]
    letters = "".join(unused[:width])
    spelled = [spec.replace("...", letters[width - rank:]) for spec, rank in zip(specs, ranks)]
    if not arrow:
        named = "".join(spec.replace("...", "") for spec in specs)
        output = "..." + "".join(sorted(c for c in set(named) if named.count(c) == 1))
    return ",".join(spelled) + "->" + output.replace("...", letters)
