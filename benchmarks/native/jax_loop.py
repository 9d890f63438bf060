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


def autoencoder(params, x, config):
    (k1, b1, k2, b2, kt, bt, k3, b3) = params
    for kernel, bias in ((k1, b1), (k2, b2)):
        x = jax.nn.relu(_conv_same(x, kernel) + bias)
        x = lax.reduce_window(x, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
    # Keras's kernel is (h, w, out, in): the forward conv's HWIO, transposed.
    x = lax.conv_transpose(
        x, kt, (2, 2), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC"), transpose_kernel=True
    )
    x = jax.nn.relu(x + bt)
    x = jnp.repeat(jnp.repeat(x, 2, axis=1), 2, axis=2)
    return _conv_same(x, k3) + b3


def _conv_same(x, kernel):
    return lax.conv_general_dilated(
        x, kernel, (1, 1), "SAME", dimension_numbers=("NHWC", "HWIO", "NHWC")
    )


def bilstm(params, x, config):
    """Embedding, then both directions of the LSTM in one lax.scan (the input projection
    of every step done before it, as one product), then the classifier."""
    embeddings, fk, frk, fb, bk, brk, bb, kernel, bias = params
    x = embeddings[x].swapaxes(0, 1)  # (time, batch, features)
    inputs = jnp.stack([x @ fk + fb, (x @ bk + bb)[::-1]], axis=1)  # (time, 2, batch, 4u)
    recurrent = jnp.stack([frk, brk])  # (2, units, 4 units)
    zeros = jnp.zeros((2, x.shape[1], config["units"]), x.dtype)

    def step(state, z):
        h, c = state
        i, f, g, o = jnp.split(z + jnp.einsum("dbu,duk->dbk", h, recurrent), 4, axis=-1)
        c = jax.nn.sigmoid(f) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
        h = jax.nn.sigmoid(o) * jnp.tanh(c)
        return (h, c), None

    (h, _), _ = lax.scan(step, (zeros, zeros), inputs)
    return jnp.concatenate([h[0], h[1]], axis=-1) @ kernel + bias


FORWARD = {
    "mlp": mlp, "cnn": cnn, "transformer": transformer, "autoencoder": autoencoder,
    "bilstm": bilstm,
}


def cross_entropy(logits, y):
    # One-hot rather than take_along_axis: XLA on CPU runs the gather's gradient slowly.
    targets = jax.nn.one_hot(y, logits.shape[-1], dtype=logits.dtype)
    return -(targets * jax.nn.log_softmax(logits)).sum(-1).mean()


def mean_squared_error(outputs, y):
    return ((outputs - y) ** 2).mean()


def loss_fn(params, x, y, forward, loss, config):
    return loss(forward(params, x, config), y)


LOSSES = {"autoencoder": mean_squared_error}  # the others: cross_entropy


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
        loss = LOSSES.get(name, cross_entropy)
        grad_fn = jax.value_and_grad(
            functools.partial(loss_fn, forward=FORWARD[name], loss=loss, config=config)
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
