"""Shape inference without weights: every layer infers what a real build gives, allocating
nothing and drawing nothing from the seeded stream."""

import tracemalloc

import pytest

import engine
from engine import initializers, layers
from engine.errors import LayerShapeError
from engine.layers import LAYERS
from engine.layers.node import SymbolicTensor
from engine.layers.shape_inference import infer
from engine.variables import Variable

# class name -> (config, call arguments): each a shape, or a list of shapes for list-taking
# layers; a shape may be (shape, dtype). The batch axis comes first, None for unknown.
TYPICAL = {
    "InputLayer": ({"shape": [5, 3]}, []),
    "Dense": ({"units": 3}, [(None, 5)]),
    "EinsumDense": ({"equation": "abc,cde->abde", "output_shape": [None, 4, 2],
                     "bias_axes": "e"}, [(None, 6, 5)]),
    "Identity": ({}, [(None, 6, 5)]),
    "Lambda": ({"function": "relu"}, [(None, 6, 5)]),
    "SpectralNormalization": ({"layer": {"class_name": "Dense", "config": {"units": 3}}},
                              [(None, 6, 5)]),
    "Conv1D": ({"filters": 4, "kernel_size": 3}, [(None, 9, 3)]),
    "Conv2D": ({"filters": 4, "kernel_size": 3, "padding": "same"}, [(None, 7, 6, 3)]),
    "Conv3D": ({"filters": 4, "kernel_size": 2, "groups": 2}, [(None, 4, None, 5, 2)]),
    "Conv1DTranspose": ({"filters": 2, "kernel_size": 3, "strides": 2}, [(None, None, 3)]),
    "Conv2DTranspose": (
        {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same", "output_padding": 1},
        [(None, 7, 6, 3)],
    ),
    "Conv3DTranspose": ({"filters": 2, "kernel_size": 2}, [(None, 3, 4, 2, 3)]),
    "DepthwiseConv1D": ({"kernel_size": 3, "depth_multiplier": 2}, [(None, 9, 3)]),
    "DepthwiseConv2D": ({"kernel_size": 3, "strides": 2, "padding": "same"}, [(None, 7, 6, 3)]),
    "SeparableConv1D": ({"filters": 4, "kernel_size": 3}, [(None, None, 3)]),
    "SeparableConv2D": ({"filters": 4, "kernel_size": 3, "depth_multiplier": 2},
                        [(None, 7, 6, 3)]),
    "MaxPooling2D": ({}, [(None, 8, 8, 3)]),
    "AveragePooling2D": ({"pool_size": 3, "strides": 2}, [(None, 7, 6, 3)]),
    "MaxPooling1D": ({"pool_size": 3, "padding": "same"}, [(None, None, 3)]),
    "AveragePooling1D": ({"pool_size": 2}, [(None, 7, 3)]),
    "MaxPooling3D": ({}, [(None, 4, None, 5, 3)]),
    "AveragePooling3D": ({"pool_size": [3, 2, 2], "strides": 2, "padding": "same"},
                         [(None, 5, 4, 6, 3)]),
    "GlobalAveragePooling2D": ({"keepdims": True}, [(None, 7, 6, 3)]),
    "GlobalAveragePooling1D": ({}, [(None, None, 3)]),
    "GlobalAveragePooling3D": ({"keepdims": True}, [(None, 4, None, 5, 3)]),
    "GlobalMaxPooling1D": ({"keepdims": True}, [(None, 7, 3)]),
    "GlobalMaxPooling2D": ({}, [(None, None, None, 3)]),
    "GlobalMaxPooling3D": ({}, [(None, 4, 6, 5, 3)]),
    "AdaptiveAveragePooling1D": ({"output_size": 3}, [(None, None, 3)]),
    "AdaptiveAveragePooling2D": ({"output_size": [2, 3]}, [(None, 7, 6, 3)]),
    "AdaptiveAveragePooling3D": ({"output_size": 2}, [(None, 4, None, 5, 3)]),
    "AdaptiveMaxPooling1D": ({"output_size": 4}, [(None, 7, 3)]),
    "AdaptiveMaxPooling2D": ({"output_size": 2}, [(None, None, None, 3)]),
    "AdaptiveMaxPooling3D": ({"output_size": [1, 2, 3]}, [(None, 4, 6, 5, 3)]),
    "Flatten": ({}, [(None, 7, 6, 3)]),
    "Reshape": ({"target_shape": [6, -1]}, [(None, 12)]),
    "Permute": ({"dims": [2, 1]}, [(None, 5, 3)]),
    "RepeatVector": ({"n": 3}, [(None, 4)]),
    "UpSampling1D": ({"size": 3}, [(None, None, 3)]),
    "UpSampling2D": ({"interpolation": "bilinear"}, [(None, 4, None, 3)]),
    "UpSampling3D": ({"size": [1, 2, 3]}, [(None, 4, None, 2, 3)]),
    "ZeroPadding1D": ({"padding": [1, 2]}, [(None, 5, 3)]),
    "ZeroPadding2D": ({}, [(None, 4, None, 3)]),
    "ZeroPadding3D": ({"padding": [1, 0, 2]}, [(None, 4, None, 2, 3)]),
    "Cropping1D": ({}, [(None, 5, 3)]),
    "Cropping2D": ({"cropping": [[1, 0], [0, 2]]}, [(None, 4, 5, 3)]),
    "Rescaling": ({"scale": 0.5, "offset": 1.0}, [(None, 6, 8, 3)]),
    "STFTSpectrogram": ({"mode": "stft", "frame_length": 8, "frame_step": 3,
                         "padding": "same"}, [(None, 40, 2)]),
    "MelSpectrogram": ({"fft_length": 16, "sequence_stride": 4, "num_mel_bins": 6},
                       [(None, 40)]),
    "Normalization": ({"axis": [1, 3]}, [(None, 6, 8, 3)]),
    "Resizing": ({"height": 4, "width": 5, "crop_to_aspect_ratio": True}, [(None, 6, 8, 3)]),
    "CenterCrop": ({"height": 4, "width": 5}, [(None, 6, 8, 3)]),
    "RandomFlip": ({"seed": 1}, [(None, 6, 8, 3)]),
    "RandomRotation": ({"factor": 0.1}, [(None, 6, 8, 3)]),
    "RandomZoom": ({"height_factor": 0.2}, [(None, 6, 8, 3)]),
    "RandomTranslation": ({"height_factor": 0.1, "width_factor": 0.2}, [(None, 6, 8, 3)]),
    "RandomContrast": ({"factor": 0.2}, [(None, 6, 8, 3)]),
    "RandomBrightness": ({"factor": 0.2}, [(None, 6, 8, 3)]),
    "RandomCrop": ({"height": 4, "width": 5}, [(None, 6, 8, 3)]),
    "RandomGrayscale": ({}, [(None, 6, 8, 3)]),
    "RandomInvert": ({}, [(None, 6, 8, 3)]),
    "Solarization": ({"addition_factor": 0.1, "threshold_factor": 0.5}, [(None, 6, 8, 3)]),
    "RandomPosterization": ({"factor": 4}, [(None, 6, 8, 3)]),
    "AutoContrast": ({}, [(None, 6, 8, 3)]),
    "RandomColorDegeneration": ({"factor": 0.5}, [(None, 6, 8, 3)]),
    "RandomSaturation": ({"factor": 0.5}, [(None, 6, 8, 3)]),
    "RandomHue": ({"factor": 0.5}, [(None, 6, 8, 3)]),
    "RandomSharpness": ({"factor": 0.5}, [(None, 6, 8, 3)]),
    "RandomColorJitter": ({"brightness_factor": 0.2, "hue_factor": 0.3}, [(None, 6, 8, 3)]),
    "RandomGaussianBlur": ({}, [(None, 6, 8, 3)]),
    "RandomErasing": ({}, [(None, 6, 8, 3)]),
    "Equalization": ({}, [(None, 6, 8, 3)]),
    "MixUp": ({}, [(None, 6, 8, 3)]),
    "CutMix": ({}, [(None, 6, 8, 3)]),
    "RandomShear": ({"x_factor": 0.2}, [(None, 6, 8, 3)]),
    "RandomPerspective": ({}, [(None, 6, 8, 3)]),
    "Pipeline": ({"layers": [{"class_name": "RandomFlip", "config": {}},
                             {"class_name": "AutoContrast", "config": {}}]}, [(None, 6, 8, 3)]),
    "Discretization": ({"bin_boundaries": [0.0, 1.0], "output_mode": "one_hot"},
                       [(None, 6, 1)]),
    "CategoryEncoding": ({"num_tokens": 5, "output_mode": "count"}, [((None, 4), "int32")]),
    "Hashing": ({"num_bins": 4, "output_mode": "one_hot"}, [((None, 1), "string")]),
    "HashedCrossing": ({"num_bins": 5}, [[((None,), "string"), ((None,), "int64")]]),
    "IntegerLookup": ({"vocabulary": [3, 5], "output_mode": "multi_hot"},
                      [((None, 4), "int64")]),
    "StringLookup": ({"vocabulary": ["a", "b"], "mask_token": ""}, [((None, 3), "string")]),
    "TextVectorization": ({"vocabulary": ["a", "b"], "output_sequence_length": 4},
                          [((None,), "string")]),
    "Cropping3D": ({"cropping": [[1, 0], [0, 2], [1, 1]]}, [(None, 4, 5, 3, 3)]),
    "Dropout": ({"rate": 0.5}, [(None, 4)]),
    "SpatialDropout1D": ({"rate": 0.5}, [(None, 6, 4)]),
    "SpatialDropout2D": ({"rate": 0.5}, [(None, 6, 5, 4)]),
    "SpatialDropout3D": ({"rate": 0.5}, [(None, 3, 6, 5, 4)]),
    "GaussianNoise": ({"stddev": 0.1}, [(None, 6, 4)]),
    "GaussianDropout": ({"rate": 0.1}, [(None, 6, 4)]),
    "AlphaDropout": ({"rate": 0.1, "noise_shape": [None, 1, 4]}, [(None, 6, 4)]),
    "ActivityRegularization": ({"l1": 0.01}, [(None, 6, 4)]),
    "BatchNormalization": ({}, [(None, 6, 4)]),
    "LayerNormalization": ({"axis": [1, 2]}, [(None, 6, 4)]),
    "UnitNormalization": ({"axis": [1, 2]}, [(None, 6, 4)]),
    "RMSNormalization": ({}, [(None, 6, 4)]),
    "GroupNormalization": ({"groups": 2}, [(None, 5, 6, 4)]),
    "Embedding": ({"input_dim": 10, "output_dim": 4}, [((None, 7), "int32")]),
    "ReversibleEmbedding": ({"input_dim": 10, "output_dim": 4, "tie_weights": False},
                            [((None, 7), "int32")]),
    "Masking": ({"mask_value": 0.5}, [(None, 6, 3)]),
    "Activation": ({"activation": "softmax"}, [(None, 4)]),
    "ReLU": ({"max_value": 6.0}, [(None, 4)]),
    "LeakyReLU": ({}, [(None, 4)]),
    "ELU": ({"alpha": 0.5}, [(None, 3, 4)]),
    "Softmax": ({"axis": [1, 2]}, [(None, 3, 4)]),
    "PReLU": ({"shared_axes": [1]}, [(None, 5, 4)]),
    "Add": ({}, [[(None, 4), (None, 4)]]),
    "Concatenate": ({"axis": 1}, [[(None, 4), (None, 3)]]),
    "Multiply": ({}, [[(None, 2, 4), (None, 2, 4)]]),
    "Subtract": ({}, [[(None, 2, 4), (None, 2, 4)]]),
    "Average": ({}, [[(None, 2, 4), (None, 2, 4), (None, 2, 4)]]),
    "Maximum": ({}, [[(None, 4), (None, 4)]]),
    "Minimum": ({}, [[(None, 4), (None, 4)]]),
    "Dot": ({"axes": [1, 2], "normalize": True}, [[(None, 3, 4), (None, 5, 3)]]),
    "MultiHeadAttention": (
        {"num_heads": 2, "key_dim": 3, "dropout": 0.1, "output_shape": 7},
        [(None, 4, 8), (None, 6, 5)],
    ),
    "Attention": ({"use_scale": True, "score_mode": "concat"}, [[(None, 4, 3), (None, 6, 5),
                                                                (None, 6, 3)]]),
    "AdditiveAttention": ({}, [[(None, 4, 3), (None, 6, 3)]]),
    "GroupQueryAttention": ({"head_dim": 2, "num_query_heads": 4, "num_key_value_heads": 2},
                            [(None, 4, 5), (None, 6, 5), (None, 6, 3)]),
    "SimpleRNN": ({"units": 3, "return_sequences": True}, [(None, 5, 2)]),
    "LSTM": ({"units": 3, "return_state": True}, [(None, 5, 2)]),
    "GRU": ({"units": 3}, [(None, 5, 2)]),
    "ConvLSTM1D": ({"filters": 2, "kernel_size": 2, "return_state": True}, [(None, 3, 5, 2)]),
    "ConvLSTM2D": ({"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
                    "return_sequences": True}, [(None, 3, 5, 5, 2)]),
    "ConvLSTM3D": ({"filters": 2, "kernel_size": 2}, [(None, 3, 3, 3, 3, 1)]),
    "SimpleRNNCell": ({"units": 3}, [(None, 2), (None, 3)]),
    "LSTMCell": ({"units": 3}, [(None, 2), [(None, 3), (None, 3)]]),
    "GRUCell": ({"units": 3, "reset_after": False}, [(None, 2), [(None, 3)]]),
    "StackedRNNCells": ({"cells": [{"class_name": "LSTMCell", "config": {"units": 3}},
                                   {"class_name": "GRUCell", "config": {"units": 2}}]},
                        [(None, 4), [[(None, 3), (None, 3)], [(None, 2)]]]),
    "RNN": ({"cell": {"class_name": "GRUCell", "config": {"units": 3}}, "return_state": True},
            [(None, 5, 2)]),
    "Bidirectional": ({"layer": {"class_name": "LSTM", "config": {"units": 3,
                                                                  "return_sequences": True}}},
                      [(None, 5, 2)]),
    "TimeDistributed": ({"layer": {"class_name": "Dense", "config": {"units": 3}}},
                        [(None, 5, 4, 2)]),
}

# inputs a layer cannot take: the inferred error must be the real one, word for word
MISFITS = [
    ("Dense", {"units": 3}, [(None,)]),
    ("Conv2D", {"filters": 2, "kernel_size": 3}, [(None, 8, 3)]),
    ("Conv1D", {"filters": 2, "kernel_size": 5}, [(None, 3, 2)]),
    ("BatchNormalization", {"axis": 3}, [(None, 4)]),
    ("LayerNormalization", {}, [(None, 3, None)]),
    ("MultiHeadAttention", {"num_heads": 2, "key_dim": 3}, [(None, 8), (None, 6, 5)]),
    ("LSTM", {"units": 3}, [(None, 4)]),
    ("Concatenate", {}, [[(None, 4, 2), (None, 3, 3)]]),
    ("Add", {}, [(None, 4)]),
    ("Cropping2D", {"cropping": 2}, [(None, 4, 6, 3)]),
    ("Dot", {"axes": 1}, [[(None, 3), (None, 4)]]),
    ("EinsumDense", {"equation": "abc,cd->abd", "output_shape": [6, 2]}, [(None, 4, 5)]),
    ("MaxPooling3D", {"pool_size": 3}, [(None, 4, 2, 4, 1)]),
    ("PReLU", {}, [(None, None, 4)]),
]


def symbolic(argument):
    """A call argument as fresh symbolic tensors (no graph behind them)."""
    if isinstance(argument, list):
        return [symbolic(a) for a in argument]
    shape, dtype = argument if isinstance(argument[0], tuple) else (argument, "float32")
    return SymbolicTensor(shape, dtype)


def real_call(class_name, config, arguments):
    """What a layer built with real weights returns, and the layer."""
    layer = LAYERS[class_name].from_config(config)
    returned = layer.output if not arguments else layer(*map(symbolic, arguments))
    return (returned if isinstance(returned, list) else [returned]), layer


def refuse_variables(*args, **kwargs):
    raise AssertionError("shape inference made a Variable")


def test_every_layer_has_a_typical_case():
    assert set(TYPICAL) == set(LAYERS)


@pytest.mark.parametrize("class_name", sorted(TYPICAL))
def test_inferred_shapes_and_parameters_are_those_of_a_real_build(class_name, monkeypatch):
    config, arguments = TYPICAL[class_name]
    config = {**config, "name": "probe"}
    outputs, layer = real_call(class_name, config, arguments)
    with monkeypatch.context() as patch:
        patch.setattr(Variable, "__init__", refuse_variables)
        inferred = infer(LAYERS[class_name], config, *map(symbolic, arguments))
    assert inferred.output_shapes == tuple(t.shape for t in outputs)
    assert inferred.dtypes == tuple(t.dtype for t in outputs)
    assert inferred.params == layer.count_params()


@pytest.mark.parametrize("class_name, config, arguments", MISFITS)
def test_inputs_that_do_not_fit_give_the_real_builds_error(class_name, config, arguments):
    config = {**config, "name": "probe"}
    with pytest.raises(LayerShapeError) as real:
        real_call(class_name, config, arguments)
    with pytest.raises(LayerShapeError) as inferred:
        infer(LAYERS[class_name], config, *map(symbolic, arguments))
    assert str(inferred.value) == str(real.value)


def test_inference_leaves_the_seeded_stream_alone():
    engine.set_random_seed(5)
    for class_name, (config, arguments) in TYPICAL.items():
        infer(LAYERS[class_name], {**config, "name": "probe"}, *map(symbolic, arguments))
    after = initializers.draw_seed()
    engine.set_random_seed(5)
    assert initializers.draw_seed() == after


def test_a_huge_dense_layer_is_inferred_without_allocating_its_kernel():
    tracemalloc.start()
    try:
        inferred = infer(layers.Dense, {"units": 30_000_000}, SymbolicTensor((None, 8, 1000)))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert inferred.output_shapes == ((None, 8, 30_000_000),)
    assert inferred.params == 1000 * 30_000_000 + 30_000_000
    assert peak < 2_000_000  # bytes; the kernel alone would be 120 GB


def test_layers_built_after_inference_get_weights_again():
    infer(layers.LSTM, {"units": 2}, SymbolicTensor((None, 3, 4)))
    lstm = layers.LSTM(2)
    lstm(layers.Input((3, 4)))
    assert all(isinstance(w, Variable) for w in lstm.weights)
    assert lstm.get_weights()[2][2:4].tolist() == [1.0, 1.0]  # the unit forget bias
