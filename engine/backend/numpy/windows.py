"""Sliding-window geometry shared by convolution and pooling (channels-last, any number of
spatial axes).

A window op reads, for each kernel tap (i, j, ...), one strided slice of the padded input: the
values that tap meets at every output position. Convolution multiplies each such slice by
the tap's weights; pooling takes their max or mean. Gradients add back into the same slices.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from engine.backend.windows import check_padding, same_padding


@dataclass(frozen=True)
class Windows:
    """Where every tap of a window of `kernel` cells reads in a padded input."""

    spatial: tuple  # input sizes, e.g. (height, width)
    kernel: tuple
    strides: tuple
    dilation: tuple
    pads: tuple  # (before, after) per axis, e.g. ((top, bottom), (left, right))
    out: tuple  # output sizes

    @classmethod
    def of(cls, spatial, kernel, strides, dilation, padding):
        if check_padding(padding) == "same":
            pads = tuple(map(same_padding, spatial, kernel, strides, dilation))
        else:
            pads = tuple((0, 0) for _ in spatial)
        out = tuple(
            (n + before + after - (k - 1) * d - 1) // s + 1
            for n, (before, after), k, s, d in zip(spatial, pads, kernel, strides, dilation)
        )
        if min(out) < 1:
            raise ValueError(
                f"A window of size {kernel} with dilation {dilation} does not fit in an input "
                f"of spatial size {spatial} with {padding!r} padding; use a smaller window "
                'or padding="same".'
            )
        return cls(tuple(spatial), tuple(kernel), tuple(strides), tuple(dilation), pads, out)

    def taps(self):
        """((i, j, ...), slice of the padded input that tap reads) for every tap of the window."""
        for tap in itertools.product(*(range(k) for k in self.kernel)):
            reads = (
                slice(t * d, t * d + (n - 1) * s + 1, s)
                for t, d, n, s in zip(tap, self.dilation, self.out, self.strides)
            )
            yield tap, (slice(None), *reads, slice(None))

    def pad(self, x, value=0):
        return np.pad(x, ((0, 0), *self.pads, (0, 0)), constant_values=value)

    def padded_zeros(self, x, dtype):
        """Zeros shaped like `x` after padding, to accumulate its gradient in."""
        batch, channels = np.shape(x)[0], np.shape(x)[-1]
        padded = (n + before + after for n, (before, after) in zip(self.spatial, self.pads))
        return np.zeros((batch, *padded, channels), dtype=dtype)

    def crop(self, padded):
        """The part of a padded array that lies over the original input."""
        kept = (slice(before, before + n) for (before, _), n in zip(self.pads, self.spatial))
        return padded[(slice(None), *kept, slice(None))]
