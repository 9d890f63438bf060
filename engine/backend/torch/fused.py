"""Ops the contract composes from others, run here as PyTorch's fused kernels.

Eager PyTorch pays a Python call and a pass over memory for every op, so an Adam step
written out costs a dozen of each per weight. `torch._foreach_*` (what torch.optim uses)
runs each of them over every weight in one call.
"""

from __future__ import annotations

import torch

from engine.backend.torch.core import tensor


class FusedOps:
    """adam_update of the contract."""

    def adam_update(
        self, weights, gradients, momentums, velocities, alpha, beta_1, beta_2, epsilon
    ):
        arrays = [
            [tensor(a) for a in group] for group in (weights, gradients, momentums, velocities)
        ]
        alpha = tensor(alpha)
        if torch.is_grad_enabled() and any(a.requires_grad for a in (alpha, *sum(arrays, []))):
            # The foreach kernels are not differentiable: let autograd see the plain ops.
            return super().adam_update(*arrays, alpha, beta_1, beta_2, epsilon)
        weights, gradients, momentums, velocities = arrays
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
