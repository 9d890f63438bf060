"""The benchmarked models, hand-written in PyTorch (eager) and trained with torch.optim.Adam.

Images are channels-first (N, C, H, W), torch's own layout: the data is transposed once, and
the engine's channels-last kernels are permuted once at the start. The LSTM is torch's own
nn.LSTM module.
"""

from __future__ import annotations

import functools

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from benchmarks.models import BETA_1, BETA_2, EPSILON, LAYER_NORM_EPSILON, LEARNING_RATE

DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def mlp(params, x, config):
    for kernel, bias in zip(params[:-2:2], params[1:-2:2]):
        x = torch.relu(torch.addmm(bias, x, kernel))
    return torch.addmm(params[-1], x, params[-2])


def cnn(params, x, config):
    for kernel, bias in zip(params[:-2:2], params[1:-2:2]):
        x = F.max_pool2d(torch.relu(F.conv2d(x, kernel, bias)), 2)
    return torch.addmm(params[-1], x.flatten(1), params[-2])


def transformer(params, x, config):
    kernel, bias, *blocks = params
    x = x @ kernel + bias
    per_block = 16
    for i in range(config["blocks"]):
        x = _encoder_block(blocks[i * per_block : (i + 1) * per_block], x, config)
    return torch.addmm(blocks[-1], x.flatten(1), blocks[-2])


def _encoder_block(params, x, config):
    wq, bq, wk, bk, wv, bv, wo, bo, g1, b1, wf, bf, wd, bd, g2, b2 = params
    batch, steps, width = x.shape
    heads = config["heads"]

    def project(w, b):  # (batch, steps, width) -> (batch, heads, steps, key_dim)
        flat = torch.addmm(b.flatten(), x.reshape(-1, width), w.flatten(1))
        return flat.view(batch, steps, heads, -1).transpose(1, 2)

    attended = F.scaled_dot_product_attention(project(wq, bq), project(wk, bk), project(wv, bv))
    merged = attended.transpose(1, 2).reshape(batch * steps, -1)
    out = torch.addmm(bo, merged, wo.flatten(0, 1)).view(batch, steps, width)
    x = F.layer_norm(x + out, (width,), g1, b1, LAYER_NORM_EPSILON)
    hidden = torch.relu(x @ wf + bf)
    return F.layer_norm(x + hidden @ wd + bd, (width,), g2, b2, LAYER_NORM_EPSILON)


def autoencoder(params, x, config):
    k1, b1, k2, b2, kt, bt, k3, b3 = params
    for kernel, bias in ((k1, b1), (k2, b2)):
        x = F.max_pool2d(torch.relu(F.conv2d(x, kernel, bias, padding="same")), 2)
    # Keras's "same" keeps the first 2n rows and columns of the full (2n + 1) output (as
    # TensorFlow does); torch's padding=1, output_padding=1 would keep the last 2n.
    x = torch.relu(F.conv_transpose2d(x, kt, bt, stride=2)[..., :-1, :-1])
    x = F.interpolate(x, scale_factor=2, mode="nearest")
    return F.conv2d(x, k3, b3, padding="same")


class BiLSTM(nn.Module):
    """Embedding, nn.LSTM(bidirectional=True) and the classifier, from Keras's weights: the
    gate order (i, f, g, o) is the same; kernels are transposed, and torch's second bias
    (bias_hh) is held at zero, since Keras's LSTM has one."""

    def __init__(self, weights):
        super().__init__()
        embeddings, fk, frk, fb, bk, brk, bb, kernel, bias = (torch.tensor(w) for w in weights)
        self.embedding = nn.Embedding.from_pretrained(embeddings, freeze=False)
        self.lstm = nn.LSTM(fk.shape[0], frk.shape[0], batch_first=True, bidirectional=True)
        self.classifier = nn.Linear(*kernel.shape)
        lstm = self.lstm
        with torch.no_grad():
            for suffix, (k, rk, b) in (("", (fk, frk, fb)), ("_reverse", (bk, brk, bb))):
                getattr(lstm, f"weight_ih_l0{suffix}").copy_(k.T)
                getattr(lstm, f"weight_hh_l0{suffix}").copy_(rk.T)
                getattr(lstm, f"bias_ih_l0{suffix}").copy_(b)
                getattr(lstm, f"bias_hh_l0{suffix}").zero_().requires_grad_(False)
            self.classifier.weight.copy_(kernel.T)
            self.classifier.bias.copy_(bias)

    def forward(self, x):
        _, (h, _) = self.lstm(self.embedding(x))  # h: (directions, batch, units)
        return self.classifier(torch.cat([h[0], h[1]], dim=-1))


FORWARD = {"mlp": mlp, "cnn": cnn, "transformer": transformer, "autoencoder": autoencoder}
LOSSES = {"autoencoder": F.mse_loss}  # the others: F.cross_entropy


def _model(name, config, weights):
    """(trainable tensors, forward(x)) of model `name` from the engine's weights."""
    if name == "bilstm":
        module = BiLSTM(weights).to(DEVICE)
        return [p for p in module.parameters() if p.requires_grad], module
    params = [
        torch.tensor(np.ascontiguousarray(w), device=DEVICE).requires_grad_()
        for w in _torch_layout(name, config, weights)
    ]
    return params, functools.partial(FORWARD[name], params, config=config)


def _torch_layout(name, config, weights):
    """The engine's weights in this file's layout: OIHW conv kernels (IOHW for transposed
    convs), and for the CNN a classifier kernel whose rows follow torch's (C, H, W)
    flattening order."""
    if name not in ("cnn", "autoencoder"):
        return weights
    # (h, w, in, out) -> (out, in, h, w); a transposed conv's (h, w, out, in) -> (in, out, h, w)
    weights = [w.transpose(3, 2, 0, 1) if w.ndim == 4 else w for w in weights]
    if name == "autoencoder":
        return weights
    channels = config["filters"][-1]
    side = int(round((weights[-2].shape[0] / channels) ** 0.5))
    kernel = weights[-2].reshape(side, side, channels, -1).transpose(2, 0, 1, 3)
    weights[-2] = kernel.reshape(side * side * channels, -1)
    return weights


class Trainer:
    def __init__(self, name, config, weights):
        self.params, self.forward = _model(name, config, weights)
        self.optimizer = torch.optim.Adam(
            self.params, lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON
        )
        self.loss = LOSSES.get(name, F.cross_entropy)
        self.name = name

    def prepare(self, x, y):
        if self.name in ("cnn", "autoencoder"):
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        if self.name == "autoencoder":
            return x, x
        if self.name == "bilstm":
            x = x.astype(np.int64)  # token ids as torch indexes by default
        return x, y.astype(np.int64)

    def step(self, x, y):
        x = torch.from_numpy(x).to(DEVICE, non_blocking=True)
        y = torch.from_numpy(y).to(DEVICE, non_blocking=True)
        self.optimizer.zero_grad(set_to_none=True)
        loss = self.loss(self.forward(x), y)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def sync(self, loss):
        return float(loss)


def device() -> str:
    return DEVICE.type
