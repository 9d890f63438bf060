# Kept as the Keras original writes it: the example's str.format call.
# ruff: noqa: UP032
"""Imbalanced classification: credit card fraud detection: a Dense network with dropout,
confusion-matrix metrics and class weights from the class counts.

Source: keras-io examples/structured_data/imbalanced_classification.py,
https://keras.io/examples/structured_data/imbalanced_classification/. Adapted: the credit-card
CSV is 256 random rows of its 30 features with about 5% positives, 2 epochs (not 30); the
checkpoints go to a temporary folder. Its Dropout layers draw different masks in Keras and the
engine, so the losses are compared loosely.
"""

import os
import tempfile

import numpy as np

RTOL = 0.1


def run(keras, same_weights):
    rng = np.random.default_rng(0)
    features = rng.normal(size=(256, 30)).astype("float32") * 10
    targets = (rng.random((256, 1)) < 0.05).astype("uint8")
    targets[0] = 1

    num_val_samples = int(len(features) * 0.2)
    train_features = features[:-num_val_samples]
    train_targets = targets[:-num_val_samples]
    val_features = features[-num_val_samples:]
    val_targets = targets[-num_val_samples:]

    counts = np.bincount(train_targets[:, 0])
    print(
        "Number of positive samples in training data: {} ({:.2f}% of total)".format(
            counts[1], 100 * float(counts[1]) / len(train_targets)
        )
    )

    weight_for_0 = 1.0 / counts[0]
    weight_for_1 = 1.0 / counts[1]

    mean = np.mean(train_features, axis=0)
    train_features -= mean
    val_features -= mean
    std = np.std(train_features, axis=0)
    train_features /= std
    val_features /= std

    model = keras.Sequential(
        [
            keras.Input(shape=train_features.shape[1:]),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(256, activation="relu"),
            keras.layers.Dropout(0.3),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.summary()
    same_weights(model)

    metrics = [
        keras.metrics.FalseNegatives(name="fn"),
        keras.metrics.FalsePositives(name="fp"),
        keras.metrics.TrueNegatives(name="tn"),
        keras.metrics.TruePositives(name="tp"),
        keras.metrics.Precision(name="precision"),
        keras.metrics.Recall(name="recall"),
    ]

    model.compile(
        optimizer=keras.optimizers.Adam(1e-2), loss="binary_crossentropy", metrics=metrics
    )

    with tempfile.TemporaryDirectory() as folder:
        callbacks = [
            keras.callbacks.ModelCheckpoint(
                os.path.join(folder, "fraud_model_at_epoch_{epoch}.keras")
            )
        ]
        class_weight = {0: weight_for_0, 1: weight_for_1}

        history = model.fit(
            train_features,
            train_targets,
            batch_size=2048,
            epochs=2,
            verbose=2,
            callbacks=callbacks,
            validation_data=(val_features, val_targets),
            class_weight=class_weight,
        )
    return {"loss": history.history["loss"][-1], "val_loss": history.history["val_loss"][-1]}
