"""The one table of what stops each program on the engine today.

EXPECTED_FAILURES maps a program to the missing features it needs, on every backend (a tuple)
or per backend (a dict of tuples). Its tests run as strict xfails with those features as the
reason, so they turn into failures the moment the program passes: then delete its row. The
first feature is the one the program stops at today; the others are what it reaches later (the
names its text uses that the engine lacks). README.md ranks the features by programs blocked.
"""

from __future__ import annotations

from tests.keras_programs.harness import ENGINE_BACKENDS

# Layers (#28)
AVERAGE_MERGE = "layers.average (#28)"
BIDIRECTIONAL = "layers.Bidirectional (#28)"
CONV1D_TRANSPOSE = "layers.Conv1DTranspose (#28)"
CONV2D_TRANSPOSE = "layers.Conv2DTranspose (#28)"
RANDOM_AUGMENTATION = "layers.RandomFlip and RandomRotation (#28)"
RESCALING = "layers.Rescaling (#28)"
RNN_CELLS = "layers.RNN and layers.LSTMCell (#28)"
SEPARABLE_CONV2D = "layers.SeparableConv2D (#28)"

# Ops and random (#29)
RANDOM_DROPOUT = "random.dropout (#29)"

# The Keras API around models and training (#27)
CLONE_AND_JSON = "Sequential.from_config of Keras's config, model_from_json, clone_model (#27)"
CONFUSION_METRICS = "metrics.TruePositives ... FalseNegatives, Precision, Recall (#27)"
FROM_CONFIG_CUSTOM_OBJECTS = "Model.from_config(config, custom_objects=) (#27)"
MASKS = "masks: Embedding(mask_zero=True) into LSTM, GRU and attention (#27)"
KEYWORD_TENSORS = "tensors as keyword arguments of a layer call (LSTM initial_state=) (#27)"
MAPE_METRIC = "metrics.MeanAbsolutePercentageError (#27)"
REDUCE_LR_ON_PLATEAU = "callbacks.ReduceLROnPlateau (#27)"
SAVE_WEIGHTS = "model.save_weights, ModelCheckpoint(save_weights_only=True) (#30)"
REGISTER_SERIALIZABLE = "saving.register_keras_serializable (#27)"
REGULARIZER_L2 = "regularizers.l2 (#27)"
TF_TRAIN_STEP = "train_step with tf.GradientTape and optimizer.apply on Variables (#27)"


def written_for(
    framework: str, features: tuple[str, ...], elsewhere: tuple[str, ...] = ()
) -> dict[str, tuple[str, ...]]:
    """A program for one framework: it needs `features` on that backend, and `elsewhere` on
    the others before it stops with an error naming the framework."""
    return {
        backend: features if backend == framework else elsewhere for backend in ENGINE_BACKENDS
    }


EXPECTED_FAILURES: dict[str, tuple[str, ...] | dict[str, tuple[str, ...]]] = {
    "custom_train_step_tensorflow": written_for("tensorflow", (TF_TRAIN_STEP,)),
    "custom_train_step_tensorflow_gan": written_for(
        "tensorflow",
        (CONV2D_TRANSPOSE, TF_TRAIN_STEP),
        elsewhere=(CONV2D_TRANSPOSE,),
    ),
    "example_bidirectional_lstm_imdb": (BIDIRECTIONAL,),
    "example_convolutional_autoencoder": (CONV2D_TRANSPOSE,),
    "example_image_classification_from_scratch": (
        RANDOM_AUGMENTATION, RESCALING, SEPARABLE_CONV2D,
    ),
    "example_imbalanced_classification": (CONFUSION_METRICS,),
    "example_timeseries_anomaly_detection": (CONV1D_TRANSPOSE,),
    "example_timeseries_classification_from_scratch": (REDUCE_LR_ON_PLATEAU,),
    "example_timeseries_weather_forecasting": (SAVE_WEIGHTS,),
    "example_vae": written_for(
        "tensorflow", (CONV2D_TRANSPOSE, TF_TRAIN_STEP), elsewhere=(CONV2D_TRANSPOSE,)
    ),
    "functional_api_autoencoder": (CONV2D_TRANSPOSE,),
    "functional_api_custom_layer_config": (FROM_CONFIG_CUSTOM_OBJECTS,),
    "functional_api_ensemble": (AVERAGE_MERGE,),
    "masking_embedding_lstm": (MASKS,),
    "rnn_layers_overview": (KEYWORD_TENSORS, BIDIRECTIONAL),
    "rnn_mnist_lstm": (RNN_CELLS,),
    "serialization_config_and_clone": (CLONE_AND_JSON,),
    "serialization_custom_objects": (REGISTER_SERIALIZABLE,),
    "subclassing_add_loss": (REGULARIZER_L2,),
    "subclassing_training_argument": (RANDOM_DROPOUT,),
    "training_multi_input_output": (
        MAPE_METRIC,
    ),
}


def missing_features(name: str, backend: str) -> tuple[str, ...]:
    """What program `name` needs on `backend` that the engine lacks today (empty: it passes)."""
    features = EXPECTED_FAILURES.get(name, ())
    if isinstance(features, dict):
        return features.get(backend, ())
    return features


def expected_failure(name: str, backend: str) -> str | None:
    """The xfail reason for program `name` on `backend`, or None when it is expected to pass."""
    return "; ".join(missing_features(name, backend)) or None
