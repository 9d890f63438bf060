"""Gradients, compilation and loops for the TensorFlow backend.

`jit` is tf.function without AutoGraph, so a step traces like under jax.jit: Python control
flow runs once, at trace time, and a new input shape traces again. It compiles with XLA on a
GPU, and on the CPU unless the graph max-pools overlapping windows (XLA's gradient of
MaxPool, a select_and_scatter, is several times slower there than TensorFlow's kernel; under
XLA nn.py pools windows that tile the input without MaxPool) or, on a CPU with AVX-512,
convolves. Keras leaves XLA off on the CPU altogether, but XLA's fused code, compiled for
the machine's own CPU, is as fast or faster for most graphs (TensorFlow's generic kernels
are built without AVX2 and FMA: a transformer's step ran twice as fast with XLA on a 2-core
EPYC, the benchmark's CNN a fifth faster). Convolutions are the exception where the CPU has
AVX-512: TensorFlow runs them with oneDNN, which generates AVX-512 code, and beats XLA's
(the benchmark's CNN on a 2-core EPYC: 32 ms a step without XLA, 42 ms with it, alternating in
one process). A call that repeats the shapes and dtypes of an earlier
one goes straight to the graph made for it then (see _Compiled). While a step traces,
`compiling_with_xla()` tells ops whether XLA will compile it (summary_statistics then takes an
op only XLA has: statistics.py).

`scan` is a tf.while_loop writing into TensorArrays, which runs eagerly as a Python loop,
in a graph as one loop (one XLA loop under XLA), and differentiates either way.
"""

from __future__ import annotations

import functools
import threading

from engine import tree
from engine.backend.cpu import cpu_flags
from engine.backend.loops import WhileLoop
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
        return _Compiled(fn)

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

    def cond(self, pred, true_fn, false_fn):
        return tf.cond(tensor(pred), true_fn, false_fn)

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        loop = WhileLoop(cond, body, loop_vars, maximum_iterations)
        final = tf.while_loop(
            lambda *carried: loop.cond(carried),
            lambda *carried: loop.body(carried),
            tree.map_structure(tensor, loop.initial),
        )
        return loop.result(final)

    def custom_gradient(self, fn):
        return tf.custom_gradient(fn)

    def stop_gradient(self, x):
        return tf.stop_gradient(x)

    def gradient_leaf(self, x):
        # a GradientTape watches the trainable tf.Variables read inside it by itself
        x = tensor(x)
        return tf.Variable(x, trainable=True) if x.dtype.is_floating else x


def _differentiable(leaf) -> bool:
    return leaf is not None and leaf.dtype.is_floating


def _gradient(found):
    """The next gradient from the tape, dense (gather's gradient comes as IndexedSlices)."""
    grad = next(found)
    return tf.convert_to_tensor(grad) if isinstance(grad, tf.IndexedSlices) else grad


def _zeros(leaf):
    return None if leaf is None else tf.zeros_like(leaf)


class _Compiled:
    """A tf.function, compiled with XLA where that is faster (see the module's docstring), with
    a shortcut for repeated calls.

    tf.function spends about 15 µs of Python per argument matching a call to its traced
    graphs, and a training step passes dozens of arrays. A call whose arguments are eager
    tensors (or None) with the structure, shapes and dtypes of an earlier call goes straight
    to that call's graph (ConcreteFunction._call_flat: where tf.function's own dispatch ends,
    recording gradients the same way). Anything else takes tf.function's path, without XLA
    on the CPU.
    """

    def __init__(self, fn):
        self._function = tf.function(_traced(fn, XLA), jit_compile=XLA, autograph=False)
        self._xla = (
            self._function
            if XLA
            else tf.function(_traced(fn, True), jit_compile=True, autograph=False)
        )
        self._graphs = {}

    def __call__(self, *args):
        flat = tf.nest.flatten(args)
        key = _signature(args, flat) if tf.executing_eagerly() else None
        if key is None:
            return self._function(*args)
        graph = self._graphs.get(key)
        if graph is None:
            graph = self._graph_for(args)
            if not hasattr(graph, "_call_flat"):  # another TensorFlow: no shortcut
                return self._function(*args)
            self._graphs[key] = graph
        return graph._call_flat([leaf for leaf in flat if leaf is not None], graph.captured_inputs)

    def _graph_for(self, args):
        """The concrete function for these arguments: XLA's, unless (on the CPU) the graph
        holds max pooling over overlapping windows, or convolutions on a CPU with AVX-512.
        (XLA compiles at the first run, so tracing it costs no more.)"""
        graph = self._xla.get_concrete_function(*args)
        operations = graph.graph.get_operations()
        if XLA or not any(op.type.startswith(_SLOW_UNDER_XLA) for op in operations):
            return graph
        return self._function.get_concrete_function(*args)


def compiling_with_xla() -> bool:
    """Whether the ops being built go into a graph that XLA compiles (a jit'd step's trace)."""
    return getattr(_tracing, "xla", False)


_tracing = threading.local()


def _traced(fn, xla: bool):
    """fn, noting while it runs (while tf.function traces it) whether XLA will compile it."""

    @functools.wraps(fn)
    def traced(*args, **kwargs):
        outer = compiling_with_xla()
        _tracing.xla = xla
        try:
            return fn(*args, **kwargs)
        finally:
            _tracing.xla = outer

    return traced


# TensorFlow's max pooling ops (MaxPool, MaxPool3D, their gradients): under XLA the gradient
# is a select_and_scatter, several times slower on the CPU than TensorFlow's own kernel.
# (nn.py pools windows that tile the input another way, so only overlapping ones are left.)
# And where the CPU has AVX-512, convolutions (Conv2D, Conv3D, their gradients): oneDNN's.
_SLOW_UNDER_XLA = ("MaxPool", "Conv") if "avx512f" in cpu_flags() else ("MaxPool",)


_EAGER_TENSOR = type(tf.constant(0.0))


def _signature(args, flat):
    """What picks the traced graph for these arguments, or None if one is not a tensor."""
    specs = []
    for leaf in flat:
        if leaf is None:
            specs.append(None)
        elif type(leaf) is _EAGER_TENSOR:
            specs.append((leaf.dtype, leaf._shape_tuple()))  # no TensorShape: 5x faster
        else:
            return None
    return tree.layout(args), tuple(specs)
