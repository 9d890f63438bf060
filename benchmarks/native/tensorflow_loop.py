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


def autoencoder(params, x, config):
    k1, b1, k2, b2, kt, bt, k3, b3 = params
    for kernel, bias in ((k1, b1), (k2, b2)):
        x = tf.nn.relu(tf.nn.conv2d(x, kernel, 1, "SAME") + bias)
        x = tf.nn.max_pool2d(x, 2, 2, "VALID")
    shape = tf.shape(x)
    # Keras's transposed-conv kernel is (h, w, out, in), as tf.nn.conv2d_transpose takes it.
    out_shape = tf.stack([shape[0], 2 * shape[1], 2 * shape[2], kt.shape[2]])
    x = tf.nn.relu(tf.nn.conv2d_transpose(x, kt, out_shape, 2, "SAME") + bt)
    x = tf.repeat(tf.repeat(x, 2, axis=1), 2, axis=2)
    return tf.nn.conv2d(x, k3, 1, "SAME") + b3


def bilstm(params, x, config):
    """Embedding, then both directions of the LSTM in one tf.scan (the input projection of
    every step done before it, as one product), then the classifier."""
    embeddings, fk, frk, fb, bk, brk, bb, kernel, bias = params
    x = tf.transpose(tf.gather(embeddings, x), (1, 0, 2))  # (time, batch, features)
    inputs = tf.stack([x @ fk + fb, tf.reverse(x @ bk + bb, [0])], axis=1)
    recurrent = tf.stack([frk, brk])  # (2, units, 4 units)
    zeros = tf.zeros((2, tf.shape(x)[1], config["units"]), x.dtype)

    def step(state, z):
        h, c = state
        i, f, g, o = tf.split(z + tf.einsum("dbu,duk->dbk", h, recurrent), 4, axis=-1)
        c = tf.sigmoid(f) * c + tf.sigmoid(i) * tf.tanh(g)
        return tf.sigmoid(o) * tf.tanh(c), c

    h, _ = tf.scan(step, inputs, (zeros, zeros))
    return tf.concat([h[-1, 0], h[-1, 1]], axis=-1) @ kernel + bias


FORWARD = {
    "mlp": mlp, "cnn": cnn, "transformer": transformer, "autoencoder": autoencoder,
    "bilstm": bilstm,
}


def cross_entropy(logits, y):
    return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=y, logits=logits))


def mean_squared_error(outputs, y):
    return tf.reduce_mean(tf.square(outputs - y))


LOSSES = {"autoencoder": mean_squared_error}  # the others: cross_entropy


class Trainer:
    def __init__(self, name, config, weights):
        self.params = [tf.Variable(w) for w in weights]
        self.m = [tf.Variable(tf.zeros_like(w)) for w in weights]
        self.v = [tf.Variable(tf.zeros_like(w)) for w in weights]
        self.t = tf.Variable(0.0)
        self.forward = functools.partial(FORWARD[name], config=config)
        self.loss = LOSSES.get(name, cross_entropy)
        self._step = tf.function(self._train_step, jit_compile=True)

    def _train_step(self, x, y):
        with tf.GradientTape() as tape:
            loss = self.loss(self.forward(self.params, x), y)
        # An embedding's gradient comes as IndexedSlices: Adam's moments are dense.
        grads = [tf.convert_to_tensor(g) for g in tape.gradient(loss, self.params)]
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
