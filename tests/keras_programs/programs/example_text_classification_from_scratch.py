"""Text classification from scratch: Embedding, Dropout, strided Conv1D and global max pooling
over word ids.

Source: keras-io examples/nlp/text_classification_from_scratch.py,
https://keras.io/examples/nlp/text_classification_from_scratch/. Adapted: the IMDB text files
and their TextVectorization are replaced by random word ids of the vectorized shape (32
reviews of 64 words, not 500; one batch an epoch), 2 epochs (not 3). Its Dropout(0.5) layers draw
different masks
in Keras and the engine, so the losses are compared loosely.
"""

import numpy as np

RTOL = 0.1


def run(keras, same_weights):
    layers = keras.layers
    # Model constants.
    max_features = 20000
    embedding_dim = 128
    sequence_length = 64

    rng = np.random.default_rng(0)
    x_train = rng.integers(0, max_features, size=(32, sequence_length)).astype("int64")
    y_train = rng.integers(0, 2, size=(32, 1))
    x_val, y_val = x_train[:32], y_train[:32]

    # A integer input for vocab indices.
    inputs = keras.Input(shape=(None,), dtype="int64")

    # Next, we add a layer to map those vocab indices into a space of dimensionality
    # 'embedding_dim'.
    x = layers.Embedding(max_features, embedding_dim)(inputs)
    x = layers.Dropout(0.5)(x)

    # Conv1D + global max pooling
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.Conv1D(128, 7, padding="valid", activation="relu", strides=3)(x)
    x = layers.GlobalMaxPooling1D()(x)

    # We add a vanilla hidden layer:
    x = layers.Dense(128, activation="relu")(x)
    x = layers.Dropout(0.5)(x)

    # We project onto a single unit output layer, and squash it with a sigmoid:
    predictions = layers.Dense(1, activation="sigmoid", name="predictions")(x)

    model = keras.Model(inputs, predictions)
    same_weights(model)

    # Compile the model with binary crossentropy loss and an adam optimizer.
    model.compile(loss="binary_crossentropy", optimizer="adam", metrics=["accuracy"])

    epochs = 2

    # Fit the model using the train and test datasets.
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs, batch_size=32)
    results = model.evaluate(x_val, y_val)
    return {"test_loss": results[0]}
