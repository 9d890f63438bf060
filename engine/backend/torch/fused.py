"""Ops the contract composes from others, run here as PyTorch's fused kernels.

Eager PyTorch pays a Python call and a pass over memory for every op, so an Adam step
written out costs a dozen of each per weight: it runs as torch.optim's fused Adam kernel
instead (one call, one pass over each weight and its slots), the inspection norms as
`torch._foreach_*` ops (each over every tensor in one call), and on the CPU the inspection
statistics in one loop on the host (engine/backend/moments.py). The layer ops run as the
kernels nn.Linear, nn.LSTM, nn.LayerNorm, scaled_dot_product_attention and cross_entropy
use, where their semantics are the contract's.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from engine.backend import attention, moments
from engine.backend.torch.core import promoted, tensor


class FusedOps:
    """adam_update, dense, lstm, layer_norm, dot_product_attention,
    sparse_softmax_crossentropy, summary_statistics, squared_norms and histogram of the
    contract."""

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

    def lstm(self, sequences, h, c, kernel, recurrent_kernel, bias=None, go_backwards=False):
        """torch.lstm (oneDNN's fused kernel on the CPU, cuDNN's on a GPU) with Keras's
        weights: the gates are in the same order, the kernels transposed, one bias."""
        x, kernel, recurrent_kernel = promoted(sequences, kernel, recurrent_kernel)
        if go_backwards:
            x = torch.flip(x, (1,))
        weights = [kernel.T, recurrent_kernel.T]
        if bias is not None:
            bias = tensor(bias)
            weights += [bias, torch.zeros_like(bias)]
        outputs, h, c = torch.lstm(x, (tensor(h)[None], tensor(c)[None]), weights,
                                   bias is not None, 1, 0.0, torch.is_grad_enabled(), False,
                                   True)
        return outputs, h[0], c[0]

    def layer_norm(self, x, axis, epsilon, scale=None, offset=None):
        x = tensor(x)
        trailing = tuple(range(x.ndim - len(axis), x.ndim))
        if tuple(axis) != trailing:
            return super().layer_norm(x, axis, epsilon, scale, offset)
        weights = [None if w is None else tensor(w) for w in (scale, offset)]
        return F.layer_norm(x, x.shape[len(x.shape) - len(axis):], *weights, eps=epsilon)

    def dot_product_attention(self, query, key, value, bias=None, mask=None, scale=None,
                              is_causal=False, flash_attention=None, attn_logits_soft_cap=None,
                              dropout=0.0, seed=None):
        if dropout > 0.0 or bias is not None or mask is not None:
            # SDPA draws its dropout mask from torch's global generator (the contract's comes
            # from `seed`, the same on every call with it), and gives rows masked throughout
            # other weights than Keras's: the composed ops keep those.
            return super().dot_product_attention(
                query, key, value, bias, mask, scale, is_causal, flash_attention,
                attn_logits_soft_cap, dropout, seed)
        key, value = attention.key_heads_for_queries(
            self, query, key, value, flash_attention, attn_logits_soft_cap)
        # SDPA takes (batch, heads, sequence, depth); transposing there and back are views.
        query, key, value = (t.transpose(1, 2) for t in promoted(query, key, value))
        scale = None if scale is None else float(scale)
        out = F.scaled_dot_product_attention(query, key, value, is_causal=is_causal, scale=scale)
        return out.transpose(1, 2)

    def summary_statistics(self, tensors):
        tensors = [tensor(t) for t in tensors]
        tracked = torch.is_grad_enabled() and any(t.requires_grad for t in tensors)
        if not tracked and all(t.device.type == "cpu" for t in tensors):
            flats = [_host_view(t) for t in tensors]
            rows = moments.summary_rows(flats, _total, _extremes)
            return torch.from_numpy(rows).to(tensors[0].dtype)
        return torch.stack([_composed_statistics(t.reshape(-1)) for t in tensors])

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

    def even_samples(self, tensors, strides, length):
        tensors = [tensor(t) for t in tensors]
        if all(t.device.type == "cpu" for t in tensors):
            flats = [_host_view(t) for t in tensors]
            return torch.from_numpy(moments.even_sample_rows(flats, strides, length))
        return super().even_samples(tensors, strides, length)

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
        # a row with a non-finite width counts nothing: no value lies in [inf, -inf]
        finite = torch.isfinite(width)
        low, high = torch.where(finite, low, math.inf), torch.where(finite, high, -math.inf)
        inside = (x >= low) & (x <= high)
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
        if not _fusable_adam(arrays, alpha, beta_1, beta_2, in_place):
            return super().adam_update(*arrays, alpha, beta_1, beta_2, epsilon)
        weights, gradients, momentums, velocities = arrays
        gradients = [g.contiguous() for g in gradients]  # the kernel reads memory in order
        if not in_place:  # a copy and one pass still beat eight out-of-place passes
            weights, momentums, velocities = (
                [t.clone(memory_format=torch.contiguous_format) for t in group]
                for group in (weights, momentums, velocities)
            )
        if isinstance(alpha, torch.Tensor) and alpha.device.type == "cpu":
            alpha = alpha.item()
        for group in _by_device_and_dtype(weights, gradients, momentums, velocities):
            # torch.optim's fused kernel (one pass over each weight and its slots) computes
            # lr / (1 - beta_1^t) * m / (sqrt(v) / sqrt(1 - beta_2^t) + epsilon): at t = inf
            # both bias corrections are exactly 1, which leaves Keras's rule with lr = alpha.
            never_corrected = [_infinity(group[0][0].device)] * len(group[0])
            torch._fused_adam_(
                *group, [], never_corrected, lr=alpha, beta1=beta_1, beta2=beta_2,
                weight_decay=0.0, eps=epsilon, amsgrad=False, maximize=False,
            )
        return weights, momentums, velocities


def _fusable_adam(arrays, alpha, beta_1, beta_2, in_place) -> bool:
    """Whether torch's fused Adam kernel can run this update: nothing needs a gradient (the
    kernel is not differentiable), every slot has its weight's dtype, the arrays it is to
    update in place are contiguous (it walks memory in order) and 0 <= beta < 1 (at beta = 1 the
    kernel's bias correction divides by zero)."""
    weights, gradients, momentums, velocities = arrays
    if torch.is_grad_enabled() and any(
        isinstance(a, torch.Tensor) and a.requires_grad for a in (alpha, *sum(arrays, []))
    ):
        return False
    if not (0.0 <= beta_1 < 1.0 and 0.0 <= beta_2 < 1.0):
        return False
    return all(
        w.dtype == g.dtype == m.dtype == v.dtype and w.is_floating_point()
        and (not in_place or w.is_contiguous() and m.is_contiguous() and v.is_contiguous())
        for w, g, m, v in zip(weights, gradients, momentums, velocities)
    )


def _by_device_and_dtype(*lists):
    """The lists' entries grouped by their first list's (device, dtype), as the fused
    kernels take them: [(weights, gradients, ...), ...]."""
    groups = {}
    for entries in zip(*lists):
        key = (entries[0].device, entries[0].dtype)
        groups.setdefault(key, [[] for _ in lists])
        for column, entry in zip(groups[key], entries):
            column.append(entry)
    return list(groups.values())


_INFINITIES = {}


def _infinity(device):
    """A float32 infinity on `device`, made once (the fused kernel's step count)."""
    if device not in _INFINITIES:
        _INFINITIES[device] = torch.tensor(float("inf"), device=device)
    return _INFINITIES[device]


def _host_view(x):
    """x flat as a NumPy array, without a copy where it is contiguous float32 or float64."""
    flat = x.detach().reshape(-1)
    return (flat if flat.dtype in (torch.float32, torch.float64) else flat.float()).numpy()


def _total(flat) -> float:
    return torch.from_numpy(flat).sum().item()  # faster than NumPy's sum


def _extremes(flat) -> tuple:
    low, high = torch.aminmax(torch.from_numpy(flat))  # one pass, where NumPy makes two
    return low.item(), high.item()


def _composed_statistics(flat):
    """summary_statistics of one tensor as ops autograd and any device can run. Not var_mean
    or vector_norm(x, 1): on the CPU both are several times slower than these vectorised
    passes (the deviations' squares as one dot product)."""
    mean = flat.mean()
    deviations = flat - mean
    squares = torch.dot(deviations, deviations)
    # the deviations are done with: reuse their memory (autograd takes no out= argument)
    reused = None if deviations.requires_grad else deviations
    magnitudes = torch.abs(flat, out=reused)
    low, high = torch.aminmax(flat)
    return torch.stack([mean, squares, magnitudes.sum(), low, high])
