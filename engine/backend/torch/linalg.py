"""keras.ops.linalg's decompositions and solves on the PyTorch backend (torch.linalg);
autograd differentiates them itself."""

from __future__ import annotations

import torch

from engine import tree
from engine.backend import matrix_checks as checks
from engine.backend.torch.core import tensor


def _symmetric(x):
    return (x + x.transpose(-1, -2)) / 2


def _as_columns(a, b):
    """b as a stack of columns for a solve with `a` (a vector gains an axis), and whether
    that axis is to be taken off again."""
    return (b.unsqueeze(-1), True) if b.dim() == a.dim() - 1 else (b, False)


class LinalgOps:
    """Decompositions, solves and jvp of the contract."""

    def cholesky(self, x, upper=False):
        x = tensor(x)
        checks.square_matrices("cholesky", tuple(x.shape))
        return torch.linalg.cholesky(x, upper=upper)

    def det(self, x):
        x = tensor(x)
        checks.square_matrices("det", tuple(x.shape))
        return torch.linalg.det(x)

    def slogdet(self, x):
        x = tensor(x)
        checks.square_matrices("slogdet", tuple(x.shape))
        return tuple(torch.linalg.slogdet(x))

    def inv(self, x):
        x = tensor(x)
        checks.square_matrices("inv", tuple(x.shape))
        return torch.linalg.inv(x)

    def solve(self, a, b):
        a, b = tensor(a), tensor(b)
        checks.solve_operands("solve", tuple(a.shape), tuple(b.shape))
        columns, vector = _as_columns(a, b)
        x = torch.linalg.solve(a, columns)
        return x.squeeze(-1) if vector else x

    def solve_triangular(self, a, b, lower=False):
        a, b = tensor(a), tensor(b)
        checks.solve_operands("solve_triangular", tuple(a.shape), tuple(b.shape))
        columns, vector = _as_columns(a, b)
        x = torch.linalg.solve_triangular(a, columns, upper=not lower)
        return x.squeeze(-1) if vector else x

    def eigh(self, x):
        x = tensor(x)
        checks.square_matrices("eigh", tuple(x.shape))
        return tuple(torch.linalg.eigh(_symmetric(x)))

    def eig(self, x):
        x = tensor(x)
        checks.square_matrices("eig", tuple(x.shape))
        return tuple(torch.linalg.eig(x))

    def qr(self, x, mode="reduced"):
        x = tensor(x)
        checks.matrices("qr", tuple(x.shape))
        checks.qr_mode(mode)
        return tuple(torch.linalg.qr(x, mode=mode))

    def svd(self, x, full_matrices=True, compute_uv=True):
        x = tensor(x)
        checks.matrices("svd", tuple(x.shape))
        if not compute_uv:
            return torch.linalg.svdvals(x)
        return tuple(torch.linalg.svd(x, full_matrices=full_matrices))

    def lu_factor(self, x):
        x = tensor(x)
        checks.matrices("lu_factor", tuple(x.shape))
        lu, pivots = torch.linalg.lu_factor(x)
        return lu, (pivots - 1).to(torch.int32)  # torch counts rows from 1, as Fortran

    def jvp(self, fun, primals, tangents, has_aux=False):
        primals = tree.map_structure(tensor, tuple(primals))
        tangents = tree.map_structure(tensor, tuple(tangents))
        return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)
