"""Gradients, compilation and loops for the torch backend.

`jit` runs eagerly unless the backend's `compile_steps` is set to True, in which case it
wraps functions with `torch.compile` (first calls are slow while it compiles, and it falls
back to eager for code it cannot capture).
"""

from __future__ import annotations

import threading

import torch

from engine import tree
from engine.backend.loops import WhileLoop
from engine.backend.torch.core import DEVICE, tensor, torch_dtype


class AutodiffOps:
    """value_and_grad, jit, scan, stop_gradient, tap and tap_zeros of the contract."""

    # Opt in to torch.compile for jit (e.g. `get_backend("torch").compile_steps = True`).
    compile_steps = False

    def value_and_grad(self, fn, has_aux=False):
        def value_and_grad_fn(params, *args):
            leaves = [_tracked(leaf) for leaf in tree.flatten(params)]
            with torch.enable_grad(), _Taps(leaves) as taps:
                out = fn(tree.unflatten_as(params, leaves), *args)
            loss, aux = out if has_aux else (out, None)
            grads = taps.gradients(loss, leaves)
            value = loss.detach()
            if has_aux:
                value = (value, tree.map_structure(_detached, aux))
            return value, tree.unflatten_as(params, grads)

        return value_and_grad_fn

    def jit(self, fn):
        return torch.compile(fn) if self.compile_steps else fn

    def scan(self, fn, init, xs):
        leaves = [tensor(leaf) for leaf in tree.flatten(xs)]
        if not leaves or leaves[0].shape[0] == 0:
            raise ValueError("scan needs `xs` with at least one step along its leading axis.")
        carry, ys = init, []
        for step in range(leaves[0].shape[0]):
            carry, y = fn(carry, tree.unflatten_as(xs, [leaf[step] for leaf in leaves]))
            ys.append(y)
        return carry, tree.map_structure(lambda *steps: torch.stack(steps), ys[0], *ys[1:])

    def cond(self, pred, true_fn, false_fn):
        return true_fn() if bool(pred) else false_fn()

    def while_loop(self, cond, body, loop_vars, maximum_iterations=None):
        return WhileLoop(cond, body, loop_vars, maximum_iterations).run_eagerly()

    def custom_gradient(self, fn):
        def with_custom_gradient(*args):
            return _CustomGradient.apply(fn, *(tensor(a) for a in args))

        return with_custom_gradient

    def stop_gradient(self, x):
        return tensor(x).detach()

    def gradient_leaf(self, x):
        leaf = tensor(x).detach()
        return leaf.requires_grad_(True) if leaf.is_floating_point() else leaf

    def tap_zeros(self, shape, dtype=None):
        # a zero expanded to the shape holds no memory: `tap` never reads it
        return torch.zeros((), dtype=torch_dtype(dtype or "float32"), device=DEVICE).expand(
            tuple(shape)
        )

    def tap(self, x, tap):
        x, tap = tensor(x), tensor(tap)
        taps = getattr(_Taps.current, "taps", None)
        if taps is not None and taps.substitute(x, tap):
            return x
        return _Tap.apply(x, tap)


class _Taps:
    """The taps of one value_and_grad call (among its `leaves`), while its function runs. A
    tap on a tensor computed from the leaves is left out of the graph, and the gradient asked
    for the tap is asked for that tensor instead, in the one autograd.grad call (a _Tap runs
    Python for each node in the backward pass). A tensor tapped again (a layer that returns
    one array twice) gets a _Tap each further time, and the gradients through those come off
    the first tap's, which got the tensor's whole gradient."""

    current = threading.local()

    def __init__(self, leaves):
        self._leaves = leaves
        self._leaf_ids = None  # made at the first tap: a plain step has none
        self.tapped = {}  # id(tap leaf) -> the tensor it stands for
        self._first = {}  # id(tensor) -> id of its first tap
        self._again = {}  # id(first tap) -> the leaves of the tensor's further taps

    def substitute(self, x, tap) -> bool:
        """Whether `tap` stands for `x` (else it needs a _Tap)."""
        if self._leaf_ids is None:
            self._leaf_ids = {id(leaf) for leaf in self._leaves if leaf is not None}
        if id(tap) not in self._leaf_ids or x.grad_fn is None:  # not computed from the leaves
            return False
        first = self._first.get(id(x))
        if first is not None:
            self._again.setdefault(first, []).append(tap)
            return False
        self._first[id(x)] = id(tap)
        self.tapped[id(tap)] = x
        return True

    def gradients(self, loss, leaves) -> list:
        """_gradients of `leaves`, a substituted tap's asked for its tensor."""
        asked = [self.tapped.get(id(leaf), leaf) for leaf in leaves] if self.tapped else leaves
        grads = _gradients(loss, asked)
        if self._again:
            index = {id(leaf): i for i, leaf in enumerate(leaves) if leaf is not None}
            for first, others in self._again.items():
                for other in others:
                    grads[index[first]] = grads[index[first]] - grads[index[id(other)]]
        return grads

    def __enter__(self):
        self._outer = getattr(_Taps.current, "taps", None)
        _Taps.current.taps = self
        return self

    def __exit__(self, *exc):
        _Taps.current.taps = self._outer


class _Tap(torch.autograd.Function):
    """x as it is (a view), its gradient passed on unchanged to x and to the tap."""

    @staticmethod
    def forward(ctx, x, tap):
        return x.view_as(x)

    @staticmethod
    def backward(ctx, gradient):
        return gradient, gradient


def _tracked(leaf):
    """A fresh leaf of the autograd graph for a float parameter; other leaves pass as tensors."""
    if leaf is None:
        return None
    leaf = tensor(leaf).detach()
    return leaf.requires_grad_(True) if leaf.is_floating_point() else leaf


def _gradients(loss, leaves) -> list:
    """d loss / d leaf for every leaf; zeros where the loss does not depend on it."""
    wanted = [leaf for leaf in leaves if leaf is not None and leaf.requires_grad]
    found = []
    if wanted and loss.requires_grad:
        found = torch.autograd.grad(loss, wanted, allow_unused=True)
    found = iter(found)
    grads = []
    for leaf in leaves:
        if leaf is None:
            grads.append(None)
            continue
        grad = next(found, None) if leaf.requires_grad else None
        grads.append(torch.zeros_like(leaf) if grad is None else grad)
    return grads


def _detached(value):
    return value.detach() if isinstance(value, torch.Tensor) else value


class _CustomGradient(torch.autograd.Function):
    """fn(*args) -> (y, grad_fn) as an autograd node whose backward is grad_fn(upstream)."""

    @staticmethod
    def forward(ctx, fn, *args):
        y, ctx.grad_fn = fn(*args)
        return y

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(upstream)
        return (None, *(grads if isinstance(grads, (tuple, list)) else (grads,)))
