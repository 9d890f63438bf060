"""Seeded random numbers for the TensorFlow backend.

The contract's seed, an int32 pair, feeds TensorFlow's stateless Philox generators. XLA
turns random bits into floats differently from TensorFlow's own kernels, so a seed would
give other numbers inside an XLA-compiled `jit` (on a GPU) than eagerly. The draws are
therefore always compiled with XLA, as small functions of their own (one compile per shape
and dtype) wherever they are called, and a seed gives the same numbers everywhere.
"""

from __future__ import annotations

from engine.backend.tensorflow.core import tensor, tf_dtype, typed_tensor
from engine.backend.tensorflow.framework import tf


class RandomOps:
    """random_uniform and random_normal of the contract."""

    def random_uniform(self, shape, seed, minval=0.0, maxval=1.0, dtype=None):
        dtype = tf_dtype(dtype or "float32")
        low, high = typed_tensor(minval, dtype), typed_tensor(maxval, dtype)
        return _uniform(_shape(shape), _seed(seed), low, high)

    def random_normal(self, shape, seed, mean=0.0, stddev=1.0, dtype=None):
        dtype = tf_dtype(dtype or "float32")
        mean, stddev = typed_tensor(mean, dtype), typed_tensor(stddev, dtype)
        return _normal(_shape(shape), _seed(seed), mean, stddev)


@tf.function(jit_compile=True, autograph=False)
def _uniform(shape, seed, low, high):
    return tf.random.stateless_uniform(shape, seed, low, high, dtype=low.dtype, alg="philox")


@tf.function(jit_compile=True, autograph=False)
def _normal(shape, seed, mean, stddev):
    return tf.random.stateless_normal(shape, seed, mean, stddev, dtype=mean.dtype, alg="philox")


def _seed(seed):
    seed = tensor(seed)
    return seed if seed.dtype == tf.int32 else tf.cast(seed, tf.int32)


def _shape(shape) -> tuple:
    return (shape,) if isinstance(shape, int) else tuple(shape)
