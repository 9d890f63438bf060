"""The benchmarked models and Adam, hand-written in TensorFlow: tf.Variables, a GradientTape
and one tf.function step compiled with XLA."""

from __future__ import annotations

import functools
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402

from benchmarks.models import (  # noqa: E402
    BETA_1,
    BETA_2,
    EPSILON,
    LAYER_NORM_EPSILON,
    LEARNING_RATE,
)


def mlp(params, x, config):
    for kernel, bias in zip(params[:-2:2], params[1:-2:2]):
        x = tf.nn.relu(x @ kernel + bias)
    return x @ params[-2] + params[-1]


def cnn(params, x, config):
    for kernel, bias in zip(params[:-2:2], params[1:-2:2]):
        x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "VALID") + bias)
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    return tf.reshape(x, (tf.shape(x)[0], -1)) @ params[-2] + params[-1]


def transformer(params, x, config):
    kernel, bias, *blocks = params
    x = x @ kernel + bias
    per_block = 16
    for i in range(config["blocks"]):
        x = _encoder_block(blocks[i * per_block : (i + 1) * per_block], x, config)
    return tf.reshape(x, (tf.shape(x)[0], -1)) @ blocks[-2] + blocks[-1]


def _encoder_block(params, x, config):
    wq, bq, wk, bk, wv, bv, wo, bo, g1, b1, wf, bf, wd, bd, g2, b2 = params
    q = tf.einsum("btd,dhk->bthk", x, wq) + bq
    k = tf.einsum("btd,dhk->bthk", x, wk) + bk
    v = tf.einsum("btd,dhk->bthk", x, wv) + bv
    scores = tf.einsum("bthk,bshk->bhts", q * (1.0 / float(q.shape[-1]) ** 0.5), k)
    heads = tf.einsum("bhts,bshk->bthk", tf.nn.softmax(scores, axis=-1), v)
    x = _layer_norm(x + tf.einsum("bthk,hko->bto", heads, wo) + bo, g1, b1)
    hidden = tf.nn.relu(x @ wf + bf)
    return _layer_norm(x + hidden @ wd + bd, g2, b2)


def _layer_norm(x, gamma, beta):
    mean, variance = tf.nn.moments(x, axes=[-1], keepdims=True)
    return tf.nn.batch_normalization(x, mean, variance, beta, gamma, LAYER_NORM_EPSILON)


FORWARD = {"mlp": mlp, "cnn": cnn, "transformer": transformer}


class Trainer:
    def __init__(self, name, config, weights):
        self.params = [tf.Variable(w) for w in weights]
        self.m = [tf.Variable(tf.zeros_like(w)) for w in weights]
        self.v = [tf.Variable(tf.zeros_like(w)) for w in weights]
        self.t = tf.Variable(0.0)
        self.forward = functools.partial(FORWARD[name], config=config)
        self._step = tf.function(self._train_step, jit_compile=True)

    def _train_step(self, x, y):
        with tf.GradientTape() as tape:
            logits = self.forward(self.params, x)
            loss = tf.reduce_mean(
                tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits)
            )
        grads = tape.gradient(loss, self.params)
        t = self.t.assign_add(1.0)
        alpha = LEARNING_RATE * tf.sqrt(1 - BETA_2**t) / (1 - BETA_1**t)
        for p, m, v, g in zip(self.params, self.m, self.v, grads):
            m.assign_add((g - m) * (1 - BETA_1))
            v.assign_add((g * g - v) * (1 - BETA_2))
            p.assign_sub(alpha * m / (tf.sqrt(v) + EPSILON))
        return loss

    def prepare(self, x, y):
        return x, y

    def step(self, x, y):
        return self._step(tf.convert_to_tensor(x), tf.convert_to_tensor(y))

    def sync(self, loss):
        return float(loss)


def device() -> str:
    return "gpu" if tf.config.list_logical_devices("GPU") else "cpu"
