"""Ops the contract composes from others, run here as PyTorch's fused kernels.

Eager PyTorch pays a Python call and a pass over memory for every op, so an Adam step
written out costs a dozen of each per weight. `torch._foreach_*` (what torch.optim uses)
runs each of them over every weight in one call. The layer ops run as the kernels nn.Linear,
nn.LayerNorm, scaled_dot_product_attention and cross_entropy use, where their semantics are
the contract's.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from engine.backend import moments
from engine.backend.torch.core import promoted, tensor


class FusedOps:
    """adam_update, dense, layer_norm, dot_product_attention, sparse_softmax_crossentropy,
    summary_statistics, squared_norms and histogram of the contract."""

    def dense(self, x, kernel, bias=None):
        x, kernel = promoted(x, kernel)
        if bias is not None:
            bias = tensor(bias)
            bias = bias if bias.dtype == x.dtype else bias.to(x.dtype)
            if x.dim() == 2:  # addmm itself: a few microseconds less per call than linear
                return torch.addmm(bias, x, kernel)
        # nn.Linear's kernel: one addmm over every leading axis (kernel.t() is a view, and
        # linear transposes it back without a copy).
        return F.linear(x, kernel.t(), bias)

    def layer_norm(self, x, axis, epsilon, scale=None, offset=None):
        x = tensor(x)
        trailing = tuple(range(x.ndim - len(axis), x.ndim))
        if tuple(axis) != trailing:
            return super().layer_norm(x, axis, epsilon, scale, offset)
        weights = [None if w is None else tensor(w) for w in (scale, offset)]
        return F.layer_norm(x, x.shape[len(x.shape) - len(axis):], *weights, eps=epsilon)

    def dot_product_attention(self, query, key, value, scale, dropout=0.0, seed=None):
        if dropout > 0.0:
            # SDPA draws its dropout mask from torch's global generator; the contract's comes
            # from `seed`, the same on every call with it: the composed ops keep that.
            return super().dot_product_attention(query, key, value, scale, dropout, seed)
        # SDPA takes (batch, heads, sequence, depth); transposing there and back are views.
        query, key, value = (t.transpose(1, 2) for t in promoted(query, key, value))
        out = F.scaled_dot_product_attention(query, key, value, scale=float(scale))
        return out.transpose(1, 2)

    def summary_statistics(self, x):
        flat = tensor(x).reshape(-1)
        if flat.device.type == "cpu" and not flat.requires_grad:
            found = _summary_from_sums(flat)
            if found is not None:
                return found
        # Not var_mean or vector_norm(x, 1): on the CPU both are several times slower than
        # these vectorised passes (the deviations' squares as one dot product).
        mean = flat.mean()
        deviations = flat - mean
        squares = torch.dot(deviations, deviations)
        # the deviations are done with: reuse their memory (autograd takes no out= argument)
        reused = None if deviations.requires_grad else deviations
        magnitudes = torch.abs(flat, out=reused)
        low, high = torch.aminmax(flat)
        return torch.stack([mean, squares, magnitudes.sum(), low, high])

    def squared_norms(self, tensors, minus=None):
        tensors = [tensor(t) for t in tensors]
        others = [] if minus is None else [tensor(t) for t in minus]
        if torch.is_grad_enabled() and any(t.requires_grad for t in tensors + others):
            # the foreach kernels are not differentiable: let autograd see the plain ops
            return super().squared_norms(tensors, minus)
        if others:
            tensors = torch._foreach_sub(tensors, others)
        tensors = [t if t.dtype == torch.float32 else t.float() for t in tensors]
        return torch.stack(torch._foreach_norm(tensors, 2)).square_()

    def histogram(self, x, low, high, bins):
        x = tensor(x)
        low, high = tensor(low)[:, None], tensor(high)[:, None]
        rows = x.shape[0]
        width = (high - low) / bins
        level = width == 0
        bin_of = torch.floor_((x - low) / torch.where(level, 1.0, width)).clamp_(max=bins - 1)
        # a level row's values go to its last bin; each row's bins follow the previous row's
        first = torch.arange(rows, device=x.device, dtype=x.dtype)[:, None] * bins
        bin_of += first + level * (bins - 1)
        inside = (x >= low) & (x <= high)
        inside &= torch.isfinite(width)
        # every uncounted value goes to one more bin, dropped: no boolean indexing
        index = torch.where(inside, bin_of, float(rows * bins)).long()
        counts = torch.bincount(index.reshape(-1), minlength=rows * bins + 1)
        return counts[: rows * bins].reshape(rows, bins).to(torch.float32)

    def sparse_softmax_crossentropy(self, labels, logits):
        logits, labels = tensor(logits), tensor(labels)
        # cross_entropy takes (samples, classes) and int64 labels; the reshapes are views.
        flat = F.cross_entropy(
            logits.reshape(-1, logits.shape[-1]), labels.reshape(-1).long(), reduction="none"
        )
        return flat.reshape(labels.shape)

    def adam_update(
        self, weights, gradients, momentums, velocities, alpha, beta_1, beta_2, epsilon,
        in_place=False,
    ):
        arrays = [
            [tensor(a) for a in group] for group in (weights, gradients, momentums, velocities)
        ]
        alpha = alpha if isinstance(alpha, float) else tensor(alpha)
        if torch.is_grad_enabled() and any(
            isinstance(a, torch.Tensor) and a.requires_grad for a in (alpha, *sum(arrays, []))
        ):
            # The foreach kernels are not differentiable: let autograd see the plain ops.
            return super().adam_update(*arrays, alpha, beta_1, beta_2, epsilon)
        weights, gradients, momentums, velocities = arrays
        if in_place:
            return _adam_in_place(weights, gradients, momentums, velocities, float(alpha),
                                  beta_1, beta_2, epsilon)
        # lerp(a, b, t) is a + t * (b - a): Keras's m += (g - m) * (1 - beta_1), exactly.
        momentums = torch._foreach_lerp(momentums, gradients, 1 - beta_1)
        squares = torch._foreach_mul(gradients, gradients)
        velocities = torch._foreach_lerp(velocities, squares, 1 - beta_2)
        denominators = torch._foreach_sqrt(velocities)
        torch._foreach_add_(denominators, epsilon)  # in place on temporaries: no new memory
        steps = torch._foreach_mul(momentums, alpha)
        torch._foreach_div_(steps, denominators)
        weights = torch._foreach_sub(weights, steps)
        return list(weights), list(momentums), list(velocities)


def _summary_from_sums(flat):
    """summary_statistics from passes that only read `flat` (a sum, a dot product, aminmax,
    and |x| only when it has both signs), where engine/backend/moments.py finds that exact
    enough; else None. On the CPU, where reading the sums back costs nothing: they are
    finished as Python floats and come back as one new tensor."""
    total, squares = flat.sum().item(), torch.dot(flat, flat).item()
    low, high = (bound.item() for bound in torch.aminmax(flat))
    count = flat.numel()
    deviations = moments.squared_deviations(total, squares, count)
    if deviations is None:
        return None
    magnitudes = moments.absolute_sum(total, low, high)
    if magnitudes is None:
        magnitudes = flat.abs().sum().item()
    return torch.tensor([total / count, deviations, magnitudes, low, high], dtype=flat.dtype)


def _adam_in_place(weights, gradients, momentums, velocities, alpha, beta_1, beta_2, epsilon):
    """adam_update writing into the weights and slots, with torch.optim's kernels (the same
    rule, rounded in a slightly different order); `alpha` is a Python float."""
    torch._foreach_lerp_(momentums, gradients, 1 - beta_1)
    torch._foreach_mul_(velocities, beta_2)
    torch._foreach_addcmul_(velocities, gradients, gradients, value=1 - beta_2)
    denominators = torch._foreach_sqrt(velocities)
    torch._foreach_add_(denominators, epsilon)
    torch._foreach_addcdiv_(weights, momentums, denominators, value=-alpha)
    return weights, momentums, velocities
