"""The benchmarked models and Adam, hand-written in JAX: one jitted step of explicit state."""

from __future__ import annotations

import functools

import jax
import jax.numpy as jnp
from jax import lax

from benchmarks.models import BETA_1, BETA_2, EPSILON, LAYER_NORM_EPSILON, LEARNING_RATE


def mlp(params, x, config):
    for kernel, bias in zip(params[:-2:2], params[1:-2:2]):
        x = jax.nn.relu(x @ kernel + bias)
    return x @ params[-2] + params[-1]


def cnn(params, x, config):
    for kernel, bias in zip(params[:-2:2], params[1:-2:2]):
        x = lax.conv_general_dilated(
            x, kernel, (1, 1), "VALID", dimension_numbers=("NHWC", "HWIO", "NHWC")
        )
        x = jax.nn.relu(x + bias)
        x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    return x.reshape(x.shape[0], -1) @ params[-2] + params[-1]


def transformer(params, x, config):
    kernel, bias, *blocks = params
    x = x @ kernel + bias
    per_block = 16
    for i in range(config["blocks"]):
        x = _encoder_block(blocks[i * per_block : (i + 1) * per_block], x, config)
    return x.reshape(x.shape[0], -1) @ blocks[-2] + blocks[-1]


def _encoder_block(params, x, config):
    wq, bq, wk, bk, wv, bv, wo, bo, g1, b1, wf, bf, wd, bd, g2, b2 = params
    q = jnp.einsum("btd,dhk->bthk", x, wq) + bq
    k = jnp.einsum("btd,dhk->bthk", x, wk) + bk
    v = jnp.einsum("btd,dhk->bthk", x, wv) + bv
    # Scaling q rather than the scores is one pass over (b, t, h, k), not over (b, h, t, s).
    scores = jnp.einsum("bthk,bshk->bhts", q * (1.0 / q.shape[-1] ** 0.5), k)
    heads = jnp.einsum("bhts,bshk->bthk", jax.nn.softmax(scores, axis=-1), v)
    x = _layer_norm(x + jnp.einsum("bthk,hko->bto", heads, wo) + bo, g1, b1)
    hidden = jax.nn.relu(x @ wf + bf)
    return _layer_norm(x + hidden @ wd + bd, g2, b2)


def _layer_norm(x, gamma, beta):
    mean = x.mean(-1, keepdims=True)
    variance = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) * lax.rsqrt(variance + LAYER_NORM_EPSILON) * gamma + beta


FORWARD = {"mlp": mlp, "cnn": cnn, "transformer": transformer}


def loss_fn(params, x, y, forward, config):
    logits = forward(params, x, config)
    # One-hot rather than take_along_axis: XLA on CPU runs the gather's gradient slowly.
    targets = jax.nn.one_hot(y, logits.shape[-1], dtype=logits.dtype)
    return -(targets * jax.nn.log_softmax(logits)).sum(-1).mean()


def adam(params, grads, m, v, t):
    """Keras's Adam (bias correction folded into the step size), for step t (1, 2, ...)."""
    alpha = LEARNING_RATE * jnp.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
    m = [mi + (g - mi) * (1 - BETA_1) for mi, g in zip(m, grads)]
    v = [vi + (g * g - vi) * (1 - BETA_2) for vi, g in zip(v, grads)]
    params = [p - alpha * mi / (jnp.sqrt(vi) + EPSILON) for p, mi, vi in zip(params, m, v)]
    return params, m, v


class Trainer:
    def __init__(self, name, config, weights):
        self.params = [jnp.asarray(w) for w in weights]
        self.m = [jnp.zeros_like(p) for p in self.params]
        self.v = [jnp.zeros_like(p) for p in self.params]
        self.t = jnp.zeros((), jnp.float32)
        grad_fn = jax.value_and_grad(
            functools.partial(loss_fn, forward=FORWARD[name], config=config)
        )

        @jax.jit
        def train_step(params, m, v, t, x, y):
            loss, grads = grad_fn(params, x, y)
            params, m, v = adam(params, grads, m, v, t + 1)
            return params, m, v, t + 1, loss

        self._step = train_step

    def prepare(self, x, y):
        return x, y

    def step(self, x, y):
        self.params, self.m, self.v, self.t, loss = self._step(
            self.params, self.m, self.v, self.t, x, y
        )
        return loss

    def sync(self, loss):
        return float(jax.block_until_ready(loss))


def device() -> str:
    return jax.devices()[0].platform
