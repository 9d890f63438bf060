"""Which way round XLA on the CPU computes a dense layer's weight gradient fastest.

The weight gradient of y = x @ kernel, x (rows, K), kernel (K, N), is xᵀ @ g: a (K, N)
product summed over the rows. XLA's CPU dot is slow at it when N, the layer's output width,
is narrow: for a classifier head (K 512, N 10, 256 rows) the product took 4x as long as
(gᵀ @ x)ᵀ, the same values computed as an (N, K) product and then transposed (a copy of
N * K values). XLA folds a transpose of a dot back into the dot, so the backends keep the two
apart with an optimization barrier. Measured on XLA's CPU backend in JAX 0.10 and TensorFlow
2.21: the transposed product was faster wherever N <= 128 and 2N <= K (1.3x-4x), and no
faster or slower for wider outputs (K 784, N 512: 1.2x slower). GPUs are left as they are.
"""

from __future__ import annotations

# The widest output whose weight gradient is computed transposed.
NARROW = 128


def transposed_is_faster(inputs: int, outputs: int) -> bool:
    """Whether a kernel (inputs, outputs)'s gradient is faster as (gᵀ @ x)ᵀ on XLA's CPU."""
    return outputs <= NARROW and 2 * outputs <= inputs
