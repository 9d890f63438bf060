"""keras.ops.while_loop's calling convention, taken apart once for every backend.

Keras's while_loop passes its loop variables unpacked to `cond` and `body`, accepts one
variable or a tuple/list of them, and may stop after `maximum_iterations`. A `WhileLoop` turns
that into one tuple carried by a single-argument cond and body (what lax.while_loop and a
Python loop take), with the iteration count appended when there is a maximum.
"""

from __future__ import annotations


class WhileLoop:
    """One keras.ops.while_loop call as a loop over a tuple."""

    def __init__(self, cond, body, loop_vars, maximum_iterations=None):
        self.is_tuple = isinstance(loop_vars, (tuple, list))
        self.user_cond, self.user_body = cond, body
        self.maximum = maximum_iterations
        variables = tuple(loop_vars) if self.is_tuple else (loop_vars,)
        self.initial = variables if maximum_iterations is None else (*variables, 0)

    def _variables(self, carried):
        return carried if self.maximum is None else carried[:-1]

    def cond(self, carried):
        keep_going = self.user_cond(*self._variables(carried))
        if self.maximum is None:
            return keep_going
        return keep_going & (carried[-1] < self.maximum)

    def body(self, carried):
        outputs = self.user_body(*self._variables(carried))
        outputs = tuple(outputs) if self.is_tuple else (outputs,)
        return outputs if self.maximum is None else (*outputs, carried[-1] + 1)

    def result(self, carried):
        """What keras.ops.while_loop returns, from the final carried tuple."""
        variables = tuple(self._variables(tuple(carried)))
        return variables if self.is_tuple else variables[0]

    def run_eagerly(self):
        """The loop as a Python loop (NumPy and PyTorch, which differentiate through it)."""
        carried = self.initial
        while bool(self.cond(carried)):
            carried = self.body(carried)
        return self.result(carried)
