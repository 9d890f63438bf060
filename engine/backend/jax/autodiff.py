"""Gradients, compilation and loops for the JAX backend.

Dicts keep their insertion order through every transformation here (see structures.py),
so what comes out flattens with engine.tree exactly as the caller's structures do.
value_and_grad differentiates with respect to the float leaves of `params`; integer and
bool leaves get zero gradients.
"""

from __future__ import annotations

import jax
import jax.numpy as jnp
from jax import lax

from engine import tree
from engine.backend.jax.structures import keep_order, release_order
from engine.backend.loops import WhileLoop


class AutodiffOps:
    """value_and_grad, jit, scan and stop_gradient of the contract."""

    def value_and_grad(self, fn, has_aux=False):
        def value_and_grad_fn(params, *args):
            leaves = tree.flatten(params)
            wanted = [i for i, leaf in enumerate(leaves) if _differentiable(leaf)]

            def of_wanted(chosen):
                full = list(leaves)
                for i, leaf in zip(wanted, chosen):
                    full[i] = leaf
                return keep_order(fn(tree.unflatten_as(params, full), *args))

            differentiate = jax.value_and_grad(of_wanted, has_aux=has_aux)
            value, found = differentiate([leaves[i] for i in wanted])
            grads = [None if leaf is None else jnp.zeros_like(leaf) for leaf in leaves]
            for i, grad in zip(wanted, found):
                grads[i] = grad
            return release_order(value), tree.unflatten_as(params, grads)

        return value_and_grad_fn

    def jit(self, fn):
        def ordered_fn(*args, **kwargs):
            return keep_order(fn(*release_order(args), **release_order(kwargs)))

        compiled = jax.jit(ordered_fn)

        def jitted(*args, **kwargs):
            return release_order(compiled(*keep_order(args), **keep_order(kwargs)))

        return jitted

    def scan(self, fn, init, xs):
        init = keep_order(init)
        carry_structure = jax.tree_util.tree_structure(init)

        def step(carry, x):
            carry, y = fn(release_order(carry), release_order(x))
            # fn may return its carry as a list where init has a tuple (or the reverse).
            leaves = jax.tree_util.tree_leaves(keep_order(carry))
            return jax.tree_util.tree_unflatten(carry_structure, leaves), keep_order(y)

        return release_order(lax.scan(step, init, keep_order(xs)))

    def cond(self, pred, true_fn, false_fn):
        taken = lax.cond(
            jnp.asarray(pred), lambda: keep_order(true_fn()), lambda: keep_order(false_fn())
        )
        return release_order(taken)

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        loop = WhileLoop(cond, body, loop_vars, maximum_iterations)
        initial = keep_order(tuple(jax.tree_util.tree_map(jnp.asarray, loop.initial)))
        structure = jax.tree_util.tree_structure(initial)

        def step(carried):
            # body may return lists where loop_vars has tuples (or the reverse)
            leaves = jax.tree_util.tree_leaves(keep_order(loop.body(release_order(carried))))
            return jax.tree_util.tree_unflatten(structure, leaves)

        final = lax.while_loop(lambda carried: loop.cond(release_order(carried)), step, initial)
        return loop.result(release_order(final))

    def custom_gradient(self, fn):
        return jax.custom_gradient(fn)

    def stop_gradient(self, x):
        return lax.stop_gradient(x)


def _differentiable(leaf) -> bool:
    return leaf is not None and jnp.issubdtype(jnp.result_type(leaf), jnp.inexact)
