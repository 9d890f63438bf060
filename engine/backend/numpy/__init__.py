"""The NumPy backend: plain NumPy arrays, differentiated by a small reverse-mode autodiff.

Read it in this order: traced.py (Traced arrays and primitives), autodiff.py (the backward
pass and value_and_grad), then any op module: each primitive is a NumPy forward function
with one gradient rule per array argument.
"""

from engine.backend.host_memory import keep_freed_memory
from engine.backend.numpy import operators  # noqa: F401  (gives Traced its Python operators)
from engine.backend.numpy.backend import NumpyBackend
from engine.backend.numpy.traced import Traced

keep_freed_memory()  # NumPy takes every large array straight from malloc
backend = NumpyBackend()

__all__ = ["NumpyBackend", "Traced", "backend"]
