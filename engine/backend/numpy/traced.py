"""Traced arrays and primitives: the two pieces reverse-mode autodiff is built from.

A `Traced` wraps an `np.ndarray` and remembers how it was made: the primitive, its arguments
and its options. A `Primitive` is a NumPy forward function plus one gradient rule per array
argument. Calling a primitive on plain arrays just runs NumPy; only when an argument is
traced does it record a node, so code that is not being differentiated pays nothing.

A gradient rule is `rule(g, out, *args, **options)`: given the gradient `g` of the output
`out`, it returns the gradient for its argument, in the argument's shape or in a shape the
argument was broadcast to (the backward pass sums it back down), or None when no gradient
flows there.
"""

from __future__ import annotations

import functools


class Traced:
    """An array whose gradient is being taken: `value` plus the node that produced it."""

    # NumPy must hand `ndarray + Traced` back to Traced.__radd__, not make an object array.
    __array_ufunc__ = None

    def __init__(self, value, primitive=None, args=(), options=None):
        self.value = value
        self.primitive = primitive
        self.args = args
        self.options = options or {}

    @property
    def shape(self) -> tuple:
        return self.value.shape

    @property
    def dtype(self):
        return self.value.dtype

    @property
    def ndim(self) -> int:
        return self.value.ndim

    @property
    def size(self) -> int:
        return self.value.size

    def __bool__(self):
        return bool(self.value)

    def __len__(self):
        return len(self.value)

    def __iter__(self):
        return (self[i] for i in range(len(self)))

    def __array__(self, dtype=None, copy=None):
        raise TypeError(
            "A Traced array cannot become a NumPy array while its gradient is being taken; "
            "call the backend's ops on it, or stop_gradient(x) / to_numpy(x) for its value."
        )

    def __repr__(self):
        return f"Traced({self.value!r})"


def unwrap(x):
    """The plain NumPy value of `x`, traced or not."""
    return x.value if isinstance(x, Traced) else x


class Primitive:
    """A NumPy function that knows the gradient rule of each of its array arguments."""

    def __init__(self, forward, gradient):
        self.forward = forward
        self.gradient = gradient  # gradient(argnum, g, out, *args, **options)
        functools.update_wrapper(self, forward)

    def __call__(self, *args, **options):
        out = self.forward(*(unwrap(a) for a in args), **options)
        if any(isinstance(a, Traced) for a in args):
            return Traced(out, self, args, options)
        return out

    def __repr__(self):
        return f"<primitive {self.__name__}>"


def primitive(*rules):
    """Decorator: a forward function with `rules[i]` the gradient rule of argument i."""

    def gradient(argnum, g, out, *args, **options):
        rule = rules[argnum] if argnum < len(rules) else None
        return None if rule is None else rule(g, out, *args, **options)

    return lambda forward: Primitive(forward, gradient)


def variadic_primitive(rule):
    """Decorator for primitives of any number of arrays: `rule(argnum, g, out, *args, ...)`."""
    return lambda forward: Primitive(forward, rule)


def no_gradient(fn):
    """A NumPy function usable on traced arrays whose result carries no gradient."""

    @functools.wraps(fn)
    def op(*args, **options):
        return fn(*(unwrap(a) for a in args), **options)

    return op
