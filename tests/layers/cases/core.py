"""Dense, Conv1D/2D, 2-D pooling, Flatten, Reshape, Dropout, BatchNormalization,
LayerNormalization, Embedding, Activation and Add/Multiply/Concatenate.
Shapes repeat across rows on purpose: JAX compiles each op once per shape."""

import numpy as np

from engine import layers
from tests.layers.table import returns_its_input, row


def _positive(shape, seed=1):
    return np.random.default_rng(seed).uniform(0.5, 1.5, shape).astype("float32")


def _normal(shape, seed=1):
    return np.random.default_rng(seed).standard_normal(shape).astype("float32")


def _dense(config, input_shape, output_shape):
    weights = [("kernel", (input_shape[-1], config["units"]))]
    if config.get("use_bias", True):
        weights.append(("bias", (config["units"],)))
    return row(layers.Dense, config, input_shape, expected_output_shape=output_shape,
               expected_weights=weights)


def _conv2d(config, output_shape):
    kernel = (*np.broadcast_to(config["kernel_size"], 2), 3, 4)
    weights = [("kernel", kernel)] + [("bias", (4,))] * config.get("use_bias", True)
    return row(layers.Conv2D, config, (2, 7, 6, 3), expected_output_shape=output_shape,
               expected_weights=weights)


def _batch_normalization(config, input_shape, features, training):
    center, scale = config.get("center", True), config.get("scale", True)
    names = ["gamma"] * scale + ["beta"] * center + ["moving_mean", "moving_variance"]
    weights = [_normal(features, seed=2)] if scale else []
    weights += [_normal(features, seed=3)] if center else []
    weights += [_normal(features, seed=4), _positive(features)]
    return row(layers.BatchNormalization, config, input_shape, training=training,
               weights=weights, expected_weights=[(name, features) for name in names])


def _layer_normalization(config, features):
    center, scale = config.get("center", True), config.get("scale", True)
    names = ["gamma"] * scale + ["beta"] * center
    weights = [_normal(features, seed=i) for i in range(len(names))]
    return row(layers.LayerNormalization, config, (2, 3, 4), weights=weights,
               expected_weights=[(name, features) for name in names])


def _embedding(ids_shape):
    ids = np.random.default_rng(0).integers(0, 10, ids_shape).astype("int32")
    return row(layers.Embedding, {"input_dim": 10, "output_dim": 4}, input_data=ids,
               expected_output_shape=(*ids_shape, 4), expected_weights=[("embeddings", (10, 4))])


ROWS = [
    _dense({"units": 4}, (3, 5), (3, 4)),
    _dense({"units": 3, "activation": "relu"}, (2, 4, 5), (2, 4, 3)),
    _dense({"units": 2, "activation": "tanh", "use_bias": False}, (2, 3, 2, 4), (2, 3, 2, 2)),
    _dense({"units": 4, "activation": "softmax", "kernel_initializer": "he_normal",
            "bias_initializer": "random_normal"}, (3, 5), (3, 4)),
    *[row(layers.Conv1D, config, (2, 9, 3), expected_output_shape=output_shape)
      for config, output_shape in [
          ({"filters": 4, "kernel_size": 3}, (2, 7, 4)),
          ({"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same"}, (2, 5, 4)),
          ({"filters": 4, "kernel_size": 3, "dilation_rate": 3, "activation": "relu",
            "use_bias": False}, (2, 3, 4))]],
    _conv2d({"filters": 4, "kernel_size": 3}, (2, 5, 4, 4)),
    _conv2d({"filters": 4, "kernel_size": (3, 2), "strides": 2, "padding": "same"},
            (2, 4, 3, 4)),
    _conv2d({"filters": 4, "kernel_size": 3, "dilation_rate": (2, 1), "use_bias": False,
             "activation": "relu"}, (2, 3, 4, 4)),
    _conv2d({"filters": 4, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
            (2, 7, 6, 4)),
    *[row(cls, config, (2, 7, 6, 3), expected_output_shape=output_shape, expected_weights=[])
      for config, output_shape in [
          ({}, (2, 3, 3, 3)),
          ({"pool_size": 3, "strides": 2}, (2, 3, 2, 3)),
          ({"pool_size": (2, 3), "padding": "same"}, (2, 4, 2, 3))]
      for cls in (layers.MaxPooling2D, layers.AveragePooling2D)],
    row(layers.GlobalAveragePooling2D, {"keepdims": False}, (2, 7, 6, 3),
        expected_output_shape=(2, 3)),
    row(layers.GlobalAveragePooling2D, {"keepdims": True}, (2, 7, 6, 3),
        expected_output_shape=(2, 1, 1, 3)),
    row(layers.Flatten, {}, (2, 7, 6, 3), expected_output_shape=(2, 126)),
    row(layers.Reshape, {"target_shape": (4, 3)}, (2, 12), expected_output_shape=(2, 4, 3)),
    row(layers.Reshape, {"target_shape": (2, -1, 3)}, (2, 3, 4),
        expected_output_shape=(2, 2, 2, 3)),
    row(layers.Dropout, {"rate": 0.5}, (3, 4), expected_weights=[], then=returns_its_input),
    row(layers.Dropout, {"rate": 0.3, "seed": 7}, (3, 5), training=True, random=True),
    *[_batch_normalization(config, input_shape, features, training)
      for config, input_shape, features in [
          ({}, (6, 4), (4,)),
          ({"axis": 1, "momentum": 0.9, "epsilon": 1e-2}, (2, 3, 4), (3,)),
          ({"center": False, "scale": False}, (6, 4), (4,))]
      for training in (False, True)],
    _layer_normalization({}, (4,)),
    _layer_normalization({"axis": [1, 2], "epsilon": 1e-5}, (3, 4)),
    _layer_normalization({"axis": 1, "center": False}, (3,)),
    _layer_normalization({"scale": False}, (4,)),
    _embedding((2, 5)),
    _embedding((2, 3, 2)),
    *[row(layers.Activation, {"activation": name}, (3, 4))
      for name in ["relu", "tanh", "sigmoid", "softmax", "silu", "softplus", "leaky_relu", "gelu",
                   "linear"]],
    *[row(cls, {}, input_shapes=shapes, call_with_list=True, expected_output_shape=shapes[0])
      for shapes in ([(2, 3, 4)] * 2, [(2, 3, 4)] * 3) for cls in (layers.Add, layers.Multiply)],
    row(layers.Concatenate, {"axis": -1}, input_shapes=[(2, 3, 4), (2, 3, 2)],
        call_with_list=True, expected_output_shape=(2, 3, 6)),
    row(layers.Concatenate, {"axis": 1}, input_shapes=[(2, 1, 4), (2, 3, 4), (2, 2, 4)],
        call_with_list=True, expected_output_shape=(2, 6, 4)),
]
