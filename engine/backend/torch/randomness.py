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
    """A generator seeded from both ints of `seed` (shape (2,)).

    torch's CPU generator keeps only 32 bits of its seed, so the pair is first mixed into 32
    bits (splitmix64's finaliser) rather than concatenated: (1, 2) and (2, 2) must differ.
    """
    high, low = (int(value) & 0xFFFFFFFF for value in to_numpy(seed).reshape(-1))
    return torch.Generator(device=DEVICE).manual_seed(_mix((high << 32) | low) & 0xFFFFFFFF)


def _mix(value: int) -> int:
    mask = (1 << 64) - 1
    value = (value + 0x9E3779B97F4A7C15) & mask
    value = ((value ^ (value >> 30)) * 0xBF58476D1CE4E5B9) & mask
    value = ((value ^ (value >> 27)) * 0x94D049BB133111EB) & mask
    return value ^ (value >> 31)
