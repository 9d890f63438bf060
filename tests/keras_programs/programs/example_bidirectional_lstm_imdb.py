"""Bidirectional LSTM on IMDB: two stacked Bidirectional LSTMs over padded word ids.

Source: keras-io examples/nlp/bidirectional_lstm_imdb.py,
https://keras.io/examples/nlp/bidirectional_lstm_imdb/. Adapted: IMDB is random reviews of
its format (32 for training: one batch an epoch; 32 for validation), padded to 20 words (not 200),
1 epoch (not 2).
"""

from tests.keras_programs import synthetic_data


def run(keras, same_weights):
    layers = keras.layers
    max_features = 20000  # Only consider the top 20k words
    maxlen = 20  # Only consider the first 20 words of each movie review

    # Input for variable-length sequences of integers
    inputs = keras.Input(shape=(None,), dtype="int32")
    # Embed each integer in a 128-dimensional vector
    x = layers.Embedding(max_features, 128)(inputs)
    # Add 2 bidirectional LSTMs
    x = layers.Bidirectional(layers.LSTM(64, return_sequences=True))(x)
    x = layers.Bidirectional(layers.LSTM(64))(x)
    # Add a classifier
    outputs = layers.Dense(1, activation="sigmoid")(x)
    model = keras.Model(inputs, outputs)
    model.summary()
    same_weights(model)

    (x_train, y_train), (x_val, y_val) = synthetic_data.imdb(train=32, num_words=max_features)
    print(len(x_train), "Training sequences")
    print(len(x_val), "Validation sequences")
    # Use pad_sequence to standardize sequence length:
    # this will truncate sequences longer than 200 words and zero-pad sequences shorter than
    # 200 words.
    x_train = keras.utils.pad_sequences(x_train, maxlen=maxlen)
    x_val = keras.utils.pad_sequences(x_val, maxlen=maxlen)

    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(x_train, y_train, batch_size=32, epochs=1, validation_data=(x_val, y_val))
    return {"loss": history.history["loss"][-1], "val_loss": history.history["val_loss"][-1]}
