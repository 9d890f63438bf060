"""The engine's layers, with Keras 3's names, arguments, defaults and weight layouts.

LAYERS is the allowlist that graph specs and model files may name: nothing else is ever built
from a file. It is every class declared (engine/layers/declaration.py) by the modules imported
here, taken once, so no class declared later joins it.
"""

from engine.keras_namespaces import missing_attribute
from engine.layers.activation import Activation
from engine.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from engine.layers.batch_normalization import BatchNormalization
from engine.layers.convolution import Conv1D, Conv2D
from engine.layers.declaration import DECLARED
from engine.layers.dense import Dense
from engine.layers.dropout import Dropout
from engine.layers.embedding import Embedding
from engine.layers.gru import GRU
from engine.layers.input_layer import Input, InputLayer
from engine.layers.layer import Layer
from engine.layers.layer_normalization import LayerNormalization
from engine.layers.lstm import LSTM
from engine.layers.merging import Add, Concatenate, Multiply, add, concatenate, multiply
from engine.layers.multi_head_attention import MultiHeadAttention
from engine.layers.node import SymbolicTensor
from engine.layers.pooling import (
    AveragePooling2D,
    GlobalAveragePooling1D,
    GlobalAveragePooling2D,
    GlobalAveragePooling3D,
    GlobalAvgPool1D,
    GlobalAvgPool2D,
    GlobalAvgPool3D,
    GlobalMaxPool1D,
    GlobalMaxPool2D,
    GlobalMaxPool3D,
    GlobalMaxPooling1D,
    GlobalMaxPooling2D,
    GlobalMaxPooling3D,
    MaxPooling2D,
)
from engine.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from engine.layers.resizing import (
    Cropping1D,
    Cropping2D,
    UpSampling1D,
    UpSampling2D,
    ZeroPadding1D,
    ZeroPadding2D,
)
from engine.layers.simple_rnn import SimpleRNN

LAYERS = {name: declaration.cls for name, declaration in DECLARED.items()}

__all__ = ["Input", "Layer", "SymbolicTensor", "add", "concatenate", "multiply", *LAYERS]

__getattr__ = missing_attribute(__name__)
