"""Text classification from scratch with its TextVectorization: raw review text standardized
(a custom function stripping HTML line breaks and punctuation), vectorized in the data
pipeline by a layer adapted on the training texts, then Embedding, strided Conv1D and global
max pooling.

Source: keras-io examples/nlp/text_classification_from_scratch.py,
https://keras.io/examples/nlp/text_classification_from_scratch/. Adapted: the IMDB text files
are 32 synthetic reviews drawn from a small word list, as NumPy arrays (not tf.data
datasets), so the layer vectorizes them with one call (not dataset.map) and its standardize
function uses NumPy's string functions (Keras hands it NumPy strings on every backend but
TensorFlow; the original's tf.strings need TensorFlow's tensors); reviews of up to 64 words
(not 500), one batch an epoch, 2 epochs (not 3); the closing end-to-end model (string
inputs, evaluated on raw text) is left out, as Keras cannot run it in a compiled JAX step.
Its Dropout(0.5) layers draw different masks in Keras and the engine, so the losses are
compared loosely.
"""

import re
import string

import numpy as np

RTOL = 0.1

WORDS = ["great", "terrible", "movie", "film", "acting", "plot", "boring", "loved", "hated",
         "the", "a", "was", "and", "story", "Brilliant!", "awful,", "<br", "/>"]


def synthetic_reviews(rng, count):
    lengths = rng.integers(5, 80, size=count)
    texts = np.array([" ".join(rng.choice(WORDS, size=n)) for n in lengths])
    labels = rng.integers(0, 2, size=(count, 1))
    return texts, labels


def custom_standardization(input_data):
    lowercase = np.char.lower(input_data)
    stripped_html = np.array([s.replace("<br />", " ") for s in lowercase.ravel()]).reshape(
        lowercase.shape)
    punctuation = re.compile(f"[{re.escape(string.punctuation)}]")
    return np.array([punctuation.sub("", s) for s in stripped_html.ravel()]).reshape(
        lowercase.shape)


def run(keras, same_weights):
    layers = keras.layers
    rng = np.random.default_rng(0)
    raw_x_train, y_train = synthetic_reviews(rng, 32)

    # Model constants.
    max_features = 20000
    embedding_dim = 128
    sequence_length = 64

    # Now that we have our custom standardization, we can instantiate our text
    # vectorization layer. We are using this layer to normalize, split, and map
    # strings to integers, so we set our 'output_mode' to 'int'.
    # Note that we're using the default split function,
    # and the custom standardization defined above.
    # We also set an explicit maximum sequence length, since the CNNs later in our
    # model won't support ragged sequences.
    vectorize_layer = keras.layers.TextVectorization(
        standardize=custom_standardization,
        max_tokens=max_features,
        output_mode="int",
        output_sequence_length=sequence_length,
    )

    # Now that the vocab layer has been created, call `adapt` on a text-only
    # dataset to create the vocabulary. You don't have to batch, but for very large
    # datasets this means you're not keeping spare copies of the dataset in memory.
    vectorize_layer.adapt(raw_x_train)

    def vectorize_text(text, label):
        text = np.expand_dims(text, -1)
        return np.asarray(vectorize_layer(text)), label

    # Vectorize the data.
    x_train, y_train = vectorize_text(raw_x_train, y_train)
    x_val, y_val = x_train, y_train

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
    return {"test_loss": results[0], "vocabulary_size": vectorize_layer.vocabulary_size(),
            "first_review_tokens": int(np.count_nonzero(x_train[0]))}
