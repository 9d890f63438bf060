"""The benchmarked models, hand-written in PyTorch (eager) and trained with torch.optim.Adam.

Images are channels-first (N, C, H, W), torch's own layout: the data is transposed once, and
the engine's channels-last kernels are permuted once at the start.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

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


FORWARD = {"mlp": mlp, "cnn": cnn, "transformer": transformer}


def _torch_layout(name, config, weights):
    """The engine's weights in this file's layout: OIHW conv kernels, and for the CNN a
    classifier kernel whose rows follow torch's (C, H, W) flattening order."""
    if name != "cnn":
        return weights
    weights = list(weights)
    for i in range(0, len(weights) - 2, 2):
        weights[i] = weights[i].transpose(3, 2, 0, 1)  # (h, w, in, out) -> (out, in, h, w)
    channels = config["filters"][-1]
    side = int(round((weights[-2].shape[0] / channels) ** 0.5))
    kernel = weights[-2].reshape(side, side, channels, -1).transpose(2, 0, 1, 3)
    weights[-2] = kernel.reshape(side * side * channels, -1)
    return weights


class Trainer:
    def __init__(self, name, config, weights):
        self.params = [
            torch.tensor(np.ascontiguousarray(w), device=DEVICE).requires_grad_()
            for w in _torch_layout(name, config, weights)
        ]
        self.optimizer = torch.optim.Adam(
            self.params, lr=LEARNING_RATE, betas=(BETA_1, BETA_2), eps=EPSILON
        )
        self.forward = FORWARD[name]
        self.config = config
        self.channels_first = name == "cnn"

    def prepare(self, x, y):
        if self.channels_first:
            x = np.ascontiguousarray(x.transpose(0, 3, 1, 2))
        return x, y.astype(np.int64)

    def step(self, x, y):
        x = torch.from_numpy(x).to(DEVICE, non_blocking=True)
        y = torch.from_numpy(y).to(DEVICE, non_blocking=True)
        self.optimizer.zero_grad(set_to_none=True)
        loss = F.cross_entropy(self.forward(self.params, x, self.config), y)
        loss.backward()
        self.optimizer.step()
        return loss.detach()

    def sync(self, loss):
        return float(loss)


def device() -> str:
    return DEVICE.type
