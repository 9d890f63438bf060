"""The PyTorch backend: the contract (engine/backend/contract.py) on torch tensors.

Arrays live on the default device, the first GPU when CUDA is visible, else the CPU, and
TF32 is off. Notes where torch differs from the other frameworks:
- `jit` is eager by default; set `backend.compile_steps = True` to compile with torch.compile.
- uint32 tensors can be created, cast and converted to and from NumPy, but torch implements
  little arithmetic for them (it raises NotImplementedError); cast to int64 first.
- bfloat16 arrays reach NumPy as ml_dtypes.bfloat16 when ml_dtypes is installed (JAX and
  TensorFlow install it), else as float32.
- slices with negative steps, which torch rejects, are applied with index_select.
"""

from __future__ import annotations

from engine.backend.contract import Backend
from engine.backend.torch.arrays import ArrayOps
from engine.backend.torch.autodiff import AutodiffOps
from engine.backend.torch.core import DEVICE
from engine.backend.torch.fused import FusedOps
from engine.backend.torch.linalg import LinalgOps
from engine.backend.torch.math import MathOps
from engine.backend.torch.nn import NNOps
from engine.backend.torch.randomness import RandomOps


class TorchBackend(
    ArrayOps, MathOps, LinalgOps, NNOps, RandomOps, AutodiffOps, FusedOps, Backend
):
    """The contract on torch tensors."""

    name = "torch"
    extra = "torch"

    @property
    def synchronous(self) -> bool:
        return DEVICE.type == "cpu"


backend = TorchBackend()

__all__ = ["TorchBackend", "backend"]
