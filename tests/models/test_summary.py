"""model.summary(): names, types, output shapes, parameter counts."""

import engine
from engine import layers


def capture(model):
    lines = []
    model.summary(print_fn=lines.append)
    return lines[0]


def test_cnn_summary_lists_shapes_and_counts():
    i = layers.Input((28, 28, 1), name="image")
    x = layers.Conv2D(16, 3, padding="same", activation="relu", name="conv")(i)
    x = layers.MaxPooling2D(2, name="pool")(x)
    x = layers.Flatten(name="flat")(x)
    model = engine.Model(i, layers.Dense(10, activation="softmax", name="probs")(x), name="cnn")
    text = capture(model)
    assert 'Model: "cnn" (backend: numpy)' in text
    assert "conv (Conv2D)" in text and "(None, 28, 28, 16)" in text and "160" in text
    assert "(None, 14, 14, 16)" in text and "(None, 3136)" in text
    assert "31,370" in text
    assert f"Total params: {160 + 31370:,}" in text
    assert "Non-trainable params: 0" in text
    assert "Connected to" not in text


def test_branching_summary_shows_connections_and_frozen_weights():
    a = layers.Input((4,), name="a")
    left, right = layers.Dense(2, name="left")(a), layers.Dense(2, name="right")(a)
    norm = layers.BatchNormalization(name="norm")
    model = engine.Model(a, norm(layers.Add(name="sum")([left, right])))
    text = capture(model)
    assert "Connected to" in text and "left, right" in text
    assert "Non-trainable params: 4" in text
