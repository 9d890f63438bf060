"""Gradients, compilation and loops for the torch backend.

`jit` runs eagerly unless the backend's `compile_steps` is set to True, in which case it
wraps functions with `torch.compile` (first calls are slow while it compiles, and it falls
back to eager for code it cannot capture).
"""

from __future__ import annotations

import torch

from engine import tree
from engine.backend.torch.core import DEVICE, tensor, torch_dtype


class AutodiffOps:
    """value_and_grad, jit, scan, stop_gradient, tap and tap_zeros of the contract."""

    # Opt in to torch.compile for jit (e.g. `get_backend("torch").compile_steps = True`).
    compile_steps = False

    def value_and_grad(self, fn, has_aux=False):
        def value_and_grad_fn(params, *args):
            leaves = [_tracked(leaf) for leaf in tree.flatten(params)]
            with torch.enable_grad():
                out = fn(tree.unflatten_as(params, leaves), *args)
            loss, aux = out if has_aux else (out, None)
            grads = _gradients(loss, leaves)
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

    def stop_gradient(self, x):
        return tensor(x).detach()

    def tap_zeros(self, shape, dtype=None):
        # a zero expanded to the shape holds no memory: `tap` never reads it
        return torch.zeros((), dtype=torch_dtype(dtype or "float32"), device=DEVICE).expand(
            tuple(shape)
        )

    def tap(self, x, tap):
        return _Tap.apply(tensor(x), tensor(tap))


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
