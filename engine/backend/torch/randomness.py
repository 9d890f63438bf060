"""Seeded random numbers: each call draws from a fresh torch.Generator built from its seed.

The same seed gives the same numbers on the same device type; CPU and CUDA generators use
different algorithms, so a seed gives different (still deterministic) numbers on each.
"""

from __future__ import annotations

import torch

from engine.backend.torch.core import DEVICE, to_numpy, torch_dtype


class RandomOps:
    """random_uniform and random_normal of the contract."""

    def random_uniform(self, shape, seed, minval=0.0, maxval=1.0, dtype=None):
        values = torch.empty(shape, dtype=torch_dtype(dtype or "float32"), device=DEVICE)
        return values.uniform_(minval, maxval, generator=_generator(seed))

    def random_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype=None):
        values = torch.empty(shape, dtype=torch_dtype(dtype or "float32"), device=DEVICE)
        return values.normal_(mean, stddev, generator=_generator(seed))


def _generator(seed) -> torch.Generator:
    """A generator seeded from both int32 halves of `seed` (shape (2,)) as one 64-bit number."""
    high, low = (int(value) & 0xFFFFFFFF for value in to_numpy(seed).reshape(-1))
    return torch.Generator(device=DEVICE).manual_seed((high << 32) | low)
