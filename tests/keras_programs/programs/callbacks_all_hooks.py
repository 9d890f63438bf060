# Kept as the Keras original writes it: the guide's str.format calls.
# ruff: noqa: UP032
"""Writing your own callbacks: a callback that overrides every hook of fit, evaluate and
predict and reads their logs.

Source: keras-io guides/writing_your_own_callbacks.py ("A basic example"),
https://keras.io/guides/writing_your_own_callbacks/. Adapted: random MNIST-shaped data; each
hook also counts its calls, which the program returns.
"""

import collections

from tests.keras_programs.callbacks_guide import mnist_data, model_factory


def run(keras, same_weights):
    get_model = model_factory(keras, same_weights)
    (x_train, y_train), (x_test, y_test) = mnist_data()
    calls = collections.Counter()

    class CustomCallback(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            calls["on_train_begin"] += 1
            keys = list(logs.keys())
            print("Starting training; got log keys: {}".format(keys))

        def on_train_end(self, logs=None):
            calls["on_train_end"] += 1
            keys = list(logs.keys())
            print("Stop training; got log keys: {}".format(keys))

        def on_epoch_begin(self, epoch, logs=None):
            calls["on_epoch_begin"] += 1
            keys = list(logs.keys())
            print("Start epoch {} of training; got log keys: {}".format(epoch, keys))

        def on_epoch_end(self, epoch, logs=None):
            calls["on_epoch_end"] += 1
            keys = list(logs.keys())
            print("End epoch {} of training; got log keys: {}".format(epoch, keys))

        def on_test_begin(self, logs=None):
            calls["on_test_begin"] += 1
            keys = list(logs.keys())
            print("Start testing; got log keys: {}".format(keys))

        def on_test_end(self, logs=None):
            calls["on_test_end"] += 1
            keys = list(logs.keys())
            print("Stop testing; got log keys: {}".format(keys))

        def on_predict_begin(self, logs=None):
            calls["on_predict_begin"] += 1
            keys = list(logs.keys())
            print("Start predicting; got log keys: {}".format(keys))

        def on_predict_end(self, logs=None):
            calls["on_predict_end"] += 1
            keys = list(logs.keys())
            print("Stop predicting; got log keys: {}".format(keys))

        def on_train_batch_begin(self, batch, logs=None):
            calls["on_train_batch_begin"] += 1
            keys = list(logs.keys())
            print("...Training: start of batch {}; got log keys: {}".format(batch, keys))

        def on_train_batch_end(self, batch, logs=None):
            calls["on_train_batch_end"] += 1
            keys = list(logs.keys())
            print("...Training: end of batch {}; got log keys: {}".format(batch, keys))

        def on_test_batch_begin(self, batch, logs=None):
            calls["on_test_batch_begin"] += 1
            keys = list(logs.keys())
            print("...Evaluating: start of batch {}; got log keys: {}".format(batch, keys))

        def on_test_batch_end(self, batch, logs=None):
            calls["on_test_batch_end"] += 1
            keys = list(logs.keys())
            print("...Evaluating: end of batch {}; got log keys: {}".format(batch, keys))

        def on_predict_batch_begin(self, batch, logs=None):
            calls["on_predict_batch_begin"] += 1
            keys = list(logs.keys())
            print("...Predicting: start of batch {}; got log keys: {}".format(batch, keys))

        def on_predict_batch_end(self, batch, logs=None):
            calls["on_predict_batch_end"] += 1
            keys = list(logs.keys())
            print("...Predicting: end of batch {}; got log keys: {}".format(batch, keys))

    model = get_model()
    model.fit(
        x_train,
        y_train,
        batch_size=128,
        epochs=1,
        verbose=0,
        validation_split=0.5,
        callbacks=[CustomCallback()],
    )

    res = model.evaluate(
        x_test, y_test, batch_size=128, verbose=0, callbacks=[CustomCallback()]
    )

    res = model.predict(x_test, batch_size=128, callbacks=[CustomCallback()])
    return {"prediction_mean": res.mean(), **calls}
