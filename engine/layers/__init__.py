"""The engine's layers, with Keras 3's names, arguments, defaults and weight layouts.

LAYERS is the allowlist that graph specs and model files may name: nothing else is ever built
from a file. It is every class declared (engine/layers/declaration.py) by the modules imported
here, taken once, so no class declared later joins it.
"""

from engine.keras_namespaces import missing_attribute
from engine.layers.activation import Activation
from engine.layers.activation_layers import ELU, LeakyReLU, PReLU, ReLU, Softmax
from engine.layers.adaptive_pooling import (
    AdaptiveAveragePooling1D,
    AdaptiveAveragePooling2D,
    AdaptiveAveragePooling3D,
    AdaptiveMaxPooling1D,
    AdaptiveMaxPooling2D,
    AdaptiveMaxPooling3D,
)
from engine.layers.attention import AdditiveAttention, Attention
from engine.layers.batch_normalization import BatchNormalization
from engine.layers.bidirectional import Bidirectional
from engine.layers.conv_lstm import ConvLSTM1D, ConvLSTM2D, ConvLSTM3D
from engine.layers.convolution import (
    Conv1D,
    Conv2D,
    Conv3D,
    Convolution1D,
    Convolution2D,
    Convolution3D,
)
from engine.layers.convolution_transpose import (
    Conv1DTranspose,
    Conv2DTranspose,
    Conv3DTranspose,
    Convolution1DTranspose,
    Convolution2DTranspose,
    Convolution3DTranspose,
)
from engine.layers.declaration import DECLARED
from engine.layers.dense import Dense
from engine.layers.dropout import Dropout
from engine.layers.einsum_dense import EinsumDense
from engine.layers.embedding import Embedding
from engine.layers.group_query_attention import GroupQueryAttention
from engine.layers.gru import GRU, GRUCell
from engine.layers.identity import Identity
from engine.layers.input_layer import Input, InputLayer
from engine.layers.lambda_layer import Lambda
from engine.layers.layer import Layer
from engine.layers.layer_normalization import LayerNormalization
from engine.layers.lstm import LSTM, LSTMCell
from engine.layers.masking import Masking
from engine.layers.merging import (
    Add,
    Average,
    Concatenate,
    Dot,
    Maximum,
    Minimum,
    Multiply,
    Subtract,
    add,
    average,
    concatenate,
    dot,
    maximum,
    minimum,
    multiply,
    subtract,
)
from engine.layers.multi_head_attention import MultiHeadAttention
from engine.layers.node import SymbolicTensor
from engine.layers.normalization import GroupNormalization, RMSNormalization, UnitNormalization
from engine.layers.pooling import (
    AveragePooling1D,
    AveragePooling2D,
    AveragePooling3D,
    AvgPool1D,
    AvgPool2D,
    AvgPool3D,
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
    MaxPool1D,
    MaxPool2D,
    MaxPool3D,
    MaxPooling1D,
    MaxPooling2D,
    MaxPooling3D,
)
from engine.layers.preprocessing.audio import MelSpectrogram, STFTSpectrogram
from engine.layers.preprocessing.augmentation import (
    RandomBrightness,
    RandomContrast,
    RandomCrop,
    RandomFlip,
    RandomRotation,
    RandomTranslation,
    RandomZoom,
)
from engine.layers.preprocessing.categorical import CategoryEncoding, Discretization
from engine.layers.preprocessing.color_augmentation import (
    AutoContrast,
    Equalization,
    RandomColorDegeneration,
    RandomColorJitter,
    RandomGaussianBlur,
    RandomGrayscale,
    RandomHue,
    RandomInvert,
    RandomPosterization,
    RandomSaturation,
    RandomSharpness,
    Solarization,
)
from engine.layers.preprocessing.geometric_augmentation import RandomPerspective, RandomShear
from engine.layers.preprocessing.hashing import HashedCrossing, Hashing
from engine.layers.preprocessing.images import CenterCrop, Resizing
from engine.layers.preprocessing.lookup import IntegerLookup, StringLookup
from engine.layers.preprocessing.mixing_augmentation import CutMix, MixUp, RandomErasing
from engine.layers.preprocessing.numerical import Normalization, Rescaling
from engine.layers.preprocessing.pipeline import Pipeline
from engine.layers.preprocessing.text_vectorization import TextVectorization
from engine.layers.regularization import (
    ActivityRegularization,
    AlphaDropout,
    GaussianDropout,
    GaussianNoise,
    SpatialDropout1D,
    SpatialDropout2D,
    SpatialDropout3D,
)
from engine.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from engine.layers.resizing import (
    Cropping1D,
    Cropping2D,
    Cropping3D,
    UpSampling1D,
    UpSampling2D,
    UpSampling3D,
    ZeroPadding1D,
    ZeroPadding2D,
    ZeroPadding3D,
)
from engine.layers.reversible_embedding import ReversibleEmbedding
from engine.layers.rnn import RNN, StackedRNNCells
from engine.layers.separable_convolution import (
    DepthwiseConv1D,
    DepthwiseConv2D,
    SeparableConv1D,
    SeparableConv2D,
    SeparableConvolution1D,
    SeparableConvolution2D,
)
from engine.layers.serialization import deserialize, serialize
from engine.layers.simple_rnn import SimpleRNN, SimpleRNNCell
from engine.layers.spectral_normalization import SpectralNormalization
from engine.layers.time_distributed import TimeDistributed
from engine.layers.wrapper import Wrapper

LAYERS = {name: declaration.cls for name, declaration in DECLARED.items()}

__all__ = ["Input", "Layer", "SymbolicTensor", "add", "average", "concatenate", "dot", "maximum",
           "minimum", "multiply", "subtract", "Wrapper", "serialize", "deserialize", *LAYERS]

__getattr__ = missing_attribute(__name__)
