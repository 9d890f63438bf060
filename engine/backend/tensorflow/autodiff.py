"""Gradients, compilation and loops for the TensorFlow backend.

`jit` is tf.function without AutoGraph, so a step traces like under jax.jit: Python control
flow runs once, at trace time, and a new input shape traces again. It compiles with XLA only
when a GPU is visible: on the CPU TensorFlow's own kernels (convolutions above all) are
faster than XLA's, which is why Keras leaves XLA off there too.

`scan` is a tf.while_loop writing into TensorArrays, which runs eagerly as a Python loop,
in a graph as one loop (one XLA loop under XLA), and differentiates either way.
"""

from __future__ import annotations

from engine import tree
from engine.backend.tensorflow.core import tensor
from engine.backend.tensorflow.framework import XLA, tf


class AutodiffOps:
    """value_and_grad, jit, scan and stop_gradient of the contract."""

    def value_and_grad(self, fn, has_aux=False):
        def value_and_grad_fn(params, *args):
            leaves = [None if leaf is None else tensor(leaf) for leaf in tree.flatten(params)]
            wanted = [leaf for leaf in leaves if _differentiable(leaf)]
            with tf.GradientTape(watch_accessed_variables=False) as tape:
                tape.watch(wanted)
                out = fn(tree.unflatten_as(params, leaves), *args)
            loss = out[0] if has_aux else out
            found = iter(
                tape.gradient(loss, wanted, unconnected_gradients=tf.UnconnectedGradients.ZERO)
            )
            grads = [_gradient(found) if _differentiable(leaf) else _zeros(leaf) for leaf in leaves]
            return out, tree.unflatten_as(params, grads)

        return value_and_grad_fn

    def jit(self, fn):
        return tf.function(fn, jit_compile=XLA, autograph=False)

    def scan(self, fn, init, xs):
        leaves = [tensor(leaf) for leaf in tree.flatten(xs)]
        if not leaves or leaves[0].shape[0] in (None, 0):
            raise ValueError(
                "scan needs `xs` with a static, nonzero number of steps along its leading axis."
            )
        length = leaves[0].shape[0]

        def step(t, carry):
            return fn(carry, tree.unflatten_as(xs, [leaf[t] for leaf in leaves]))

        # The first step runs outside the loop: it fixes the structure and dtypes of the ys.
        carry, first = step(0, tree.map_structure(tensor, init))
        outputs = [
            tf.TensorArray(y.dtype, size=length, element_shape=y.shape).write(0, y)
            for y in map(tensor, tree.flatten(first))
        ]

        def body(t, carry, outputs):
            carry, y = step(t, carry)
            outputs = [out.write(t, v) for out, v in zip(outputs, tree.flatten(y))]
            return t + 1, carry, outputs

        _, carry, outputs = tf.while_loop(
            lambda t, *_: t < length,
            body,
            (tf.constant(1), carry, outputs),
            # XLA differentiates only bounded loops, and its gradient accumulators need room
            # for at least one step even when the loop runs none.
            maximum_iterations=max(length - 1, 1),
        )
        return carry, tree.unflatten_as(first, [out.stack() for out in outputs])

    def stop_gradient(self, x):
        return tf.stop_gradient(x)


def _differentiable(leaf) -> bool:
    return leaf is not None and leaf.dtype.is_floating


def _gradient(found):
    """The next gradient from the tape, dense (gather's gradient comes as IndexedSlices)."""
    grad = next(found)
    return tf.convert_to_tensor(grad) if isinstance(grad, tf.IndexedSlices) else grad


def _zeros(leaf):
    return None if leaf is None else tf.zeros_like(leaf)
