"""The TensorFlow backend: the contract (engine/backend/contract.py) on tf.Tensors.

Arrays live on the default device (the first GPU when one is visible; GPU memory grows as
needed) and TF32 is off. Notes where TensorFlow differs from the other frameworks:
- `jit` is tf.function with AutoGraph off, compiled by XLA, except on the CPU for graphs
  that max-pool overlapping windows, or convolve where the CPU has AVX-512 (TensorFlow's own
  kernels are faster there; Keras leaves XLA off on the CPU altogether): each new input
  shape or Python argument value traces again.
- TensorFlow does not promote dtypes; binary ops here follow JAX's promotion rules, and
  integer inputs to float-only ops (sqrt, mean, divide, ...) compute in float32.
- strided and dilated convolution together, which tf.nn.convolution rejects, runs at
  stride 1 and keeps every stride-th output (strides times the work per axis).
- random draws compile with XLA even eagerly (one compile per shape and dtype), so a seed
  gives the same numbers inside and outside `jit`.
- max pooling sends the gradient to one position when a window holds ties, as JAX does;
  the max/min reductions split it evenly.
- the first import of TensorFlow silences its native startup logging.
"""

from __future__ import annotations

from engine.backend.contract import Backend
from engine.backend.tensorflow.arrays import ArrayOps
from engine.backend.tensorflow.autodiff import AutodiffOps
from engine.backend.tensorflow.linalg import LinalgOps
from engine.backend.tensorflow.math import MathOps
from engine.backend.tensorflow.nn import NNOps
from engine.backend.tensorflow.randomness import RandomOps


class TensorFlowBackend(
    ArrayOps, MathOps, LinalgOps, NNOps, RandomOps, AutodiffOps, Backend
):
    """The contract on tf.Tensors."""

    name = "tensorflow"
    extra = "tensorflow"


backend = TensorFlowBackend()

__all__ = ["TensorFlowBackend", "backend"]
