"""scan, cond, while_loop and custom_gradient: Python control flow, recorded step by step
while tracing, so gradients flow through whichever branch and steps ran."""

from __future__ import annotations

from engine import tree
from engine.backend.loops import WhileLoop
from engine.backend.numpy.indexing import getitem
from engine.backend.numpy.shapes import stack
from engine.backend.numpy.traced import Primitive, Traced, unwrap


def scan(fn, init, xs):
    """fn(carry, x_t) -> (carry, y_t) for each t; returns (carry, the y_t stacked)."""
    leaves = tree.flatten(xs)
    if not leaves or len(unwrap(leaves[0])) == 0:
        raise ValueError("scan needs xs with at least one array whose leading axis is not empty.")
    carry, ys = init, []
    for t in range(len(unwrap(leaves[0]))):
        carry, y = fn(carry, tree.map_structure(lambda leaf, t=t: getitem(leaf, t), xs))
        ys.append(y)
    return carry, tree.map_structure(_stack_steps, ys[0], *ys[1:])


def _stack_steps(*steps):
    return None if steps[0] is None else stack(list(steps))



def cond(pred, true_fn, false_fn):
    """true_fn() if the scalar `pred` holds, else false_fn()."""
    return true_fn() if bool(unwrap(pred)) else false_fn()


def while_loop(cond, body, loop_vars, maximum_iterations=None):
    """keras.ops.while_loop as a Python loop (see engine/backend/loops.py)."""
    return WhileLoop(cond, body, loop_vars, maximum_iterations).run_eagerly()


def custom_gradient(fn):
    """f(*args) -> y whose gradient, while tracing, is what fn's grad_fn(upstream) returns."""

    def with_custom_gradient(*args):
        y, grad_fn = fn(*(unwrap(a) for a in args))
        if not any(isinstance(a, Traced) for a in args):
            return y
        last = []  # [(upstream, gradients)]: grad_fn runs once per upstream, for all args

        def rule(argnum, g, out, *values):
            if not last or last[0][0] is not g:
                found = grad_fn(g)
                last[:] = [(g, found if isinstance(found, (tuple, list)) else (found,))]
            return unwrap(last[0][1][argnum])

        return Primitive(lambda *values: unwrap(y), rule)(*args)

    return with_custom_gradient
