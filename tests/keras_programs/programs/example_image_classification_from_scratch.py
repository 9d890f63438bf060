# Kept as the Keras original writes it: the example's if/else.
# ruff: noqa: SIM108
"""Image classification from scratch: data augmentation layers, then a small Xception-like
network (Rescaling, SeparableConv2D, BatchNormalization, residual projections) with a
checkpoint callback.

Source: keras-io examples/vision/image_classification_from_scratch.py,
https://keras.io/examples/vision/image_classification_from_scratch/. Adapted: the Cats vs Dogs
images are 16 random 32x32 images (not 180x180: one batch) as NumPy arrays, augmented once as the
example's `train_ds.map` does, 1 epoch (not 25); checkpoints go to a temporary folder. Its
augmentation and Dropout draw differently in Keras and the engine, so the losses are compared
loosely.
"""

import os
import tempfile

import numpy as np

RTOL = 0.1
SLOW = True


def run(keras, same_weights):
    layers = keras.layers
    image_size = (32, 32)
    batch_size = 128

    rng = np.random.default_rng(0)
    train_images = rng.integers(0, 256, size=(16, *image_size, 3)).astype("float32")
    train_labels = rng.integers(0, 2, size=(16, 1))
    val_images = rng.integers(0, 256, size=(8, *image_size, 3)).astype("float32")
    val_labels = rng.integers(0, 2, size=(8, 1))

    data_augmentation_layers = [
        layers.RandomFlip("horizontal"),
        layers.RandomRotation(0.1),
    ]

    def data_augmentation(images):
        for layer in data_augmentation_layers:
            images = layer(images)
        return images

    # Apply `data_augmentation` to the training images.
    train_images = keras.ops.convert_to_numpy(data_augmentation(train_images))

    def make_model(input_shape, num_classes):
        inputs = keras.Input(shape=input_shape)

        # Entry block
        x = layers.Rescaling(1.0 / 255)(inputs)
        x = layers.Conv2D(128, 3, strides=2, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        previous_block_activation = x  # Set aside residual

        for size in [256, 512, 728]:
            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.Activation("relu")(x)
            x = layers.SeparableConv2D(size, 3, padding="same")(x)
            x = layers.BatchNormalization()(x)

            x = layers.MaxPooling2D(3, strides=2, padding="same")(x)

            # Project residual
            residual = layers.Conv2D(size, 1, strides=2, padding="same")(
                previous_block_activation
            )
            x = layers.add([x, residual])  # Add back residual
            previous_block_activation = x  # Set aside next residual

        x = layers.SeparableConv2D(1024, 3, padding="same")(x)
        x = layers.BatchNormalization()(x)
        x = layers.Activation("relu")(x)

        x = layers.GlobalAveragePooling2D()(x)
        if num_classes == 2:
            units = 1
        else:
            units = num_classes

        x = layers.Dropout(0.25)(x)
        # We specify activation=None so as to return logits
        outputs = layers.Dense(units, activation=None)(x)
        return keras.Model(inputs, outputs)

    model = make_model(input_shape=image_size + (3,), num_classes=2)
    same_weights(model)

    epochs = 1
    with tempfile.TemporaryDirectory() as folder:
        callbacks = [
            keras.callbacks.ModelCheckpoint(os.path.join(folder, "save_at_{epoch}.keras")),
        ]
        model.compile(
            optimizer=keras.optimizers.Adam(3e-4),
            loss=keras.losses.BinaryCrossentropy(from_logits=True),
            metrics=[keras.metrics.BinaryAccuracy(name="acc")],
        )
        history = model.fit(
            train_images,
            train_labels,
            batch_size=batch_size,
            epochs=epochs,
            callbacks=callbacks,
            validation_data=(val_images, val_labels),
        )
    return {"val_loss": history.history["val_loss"][-1]}
