"""TextVectorization, as Keras 3's: strings standardized, split into tokens, made n-grams
and looked up in a vocabulary (given, or learned by `adapt`) by a StringLookup whose mask
token "" pads; the indices padded or cut to output_sequence_length, or encoded per text."""

from __future__ import annotations

import numbers
import re

import numpy as np

from engine.errors import LayerConfigError
from engine.layers.declaration import DECLARED, Argument, Bool, Choice, Int, declare, exports
from engine.layers.preprocessing.hashing import (
    HOST_ONLY,
    INT64_MAX,
    encode_ids,
    host_values,
)
from engine.layers.preprocessing.lookup import (
    OUTPUT_MODES,
    OutputMode,
    StringLookup,
    Tokens,
    VocabularyLayer,
    Weights,
    batches,
)

# Keras's punctuation, stripped by "strip_punctuation" (',-.' is the range from ',' to '.')
PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
WHITESPACE = re.compile(r"[ \t\n\v\f\r]+")  # tf.strings.split's separators


class ChoiceOrCallable(Choice):
    """One of the named choices, None, or a function of the user's own."""

    def check(self, layer, value):
        return value if value is None or callable(value) else self.convert(layer, value)


class Ngrams(Argument):
    """None, n (every n-gram from 1 to n) or a tuple of n-gram widths."""

    type = "int_or_int_list"

    def convert(self, layer, value):
        widths = value if isinstance(value, (list, tuple)) else (value,)
        if not widths or not all(isinstance(w, numbers.Integral) and not isinstance(w, bool)
                                 and w >= 1 for w in widths):
            raise self.error(layer, "must be None, a positive int or a tuple of them", value)
        return tuple(int(w) for w in value) if isinstance(value, (list, tuple)) else int(value)


@declare("preprocessing")
class TextVectorization(VocabularyLayer):
    """Strings to token indices ("int": (batch, output_sequence_length), padded with 0 or
    cut; (batch, longest text) without it) or to one vector of the vocabulary's size per
    text ("multi_hot", "count", "tf_idf"; "one_hot" one per token)."""

    max_tokens = Int(None, minimum=0)
    standardize = ChoiceOrCallable("lower_and_strip_punctuation", choices=(
        "lower_and_strip_punctuation", "lower", "strip_punctuation"))
    split = ChoiceOrCallable("whitespace", choices=("whitespace", "character"))
    ngrams = Ngrams(None)
    output_mode = OutputMode("int", choices=OUTPUT_MODES)
    output_sequence_length = Int(None, minimum=0)
    pad_to_max_tokens = Bool(False)
    vocabulary = Tokens(None)
    idf_weights = Weights(None)
    sparse = Bool(False)
    ragged = Bool(False)
    encoding = Choice("utf-8", choices=("utf-8",))

    token_kind = "string"

    def configure(self):
        if self.ragged:
            raise LayerConfigError("TextVectorization: `ragged=True` is not supported; the "
                                   "engine has dense arrays only (pad with "
                                   "output_sequence_length).")
        if self.output_mode != "int" and self.output_sequence_length is not None:
            raise LayerConfigError("TextVectorization: `output_sequence_length` is for "
                                   "output_mode='int' only.")
        self.lookup_layer = StringLookup(
            max_tokens=self.max_tokens, vocabulary=self.vocabulary,
            idf_weights=self.idf_weights, pad_to_max_tokens=self.pad_to_max_tokens,
            mask_token="", output_mode=self.output_mode, sparse=self.sparse,
            name=f"{self.name}_lookup")

    @property
    def output_dtype(self) -> str:
        return self.lookup_layer.output_dtype

    def token_of(self, value):
        return StringLookup.token_of(self, value)

    def get_config(self):
        config = super().get_config()
        config.update({a.name: getattr(self, a.name)
                       for a in DECLARED["TextVectorization"].arguments})
        return config

    # ------------------------------------------------------------------------ vocabulary
    def get_vocabulary(self, include_special_tokens=True) -> list:
        return self.lookup_layer.get_vocabulary(include_special_tokens)

    def vocabulary_size(self) -> int:
        return self.lookup_layer.vocabulary_size()

    def set_vocabulary(self, vocabulary, idf_weights=None):
        self.lookup_layer.set_vocabulary(vocabulary, idf_weights)
        self.vocabulary, self.idf_weights = self.lookup_layer.vocabulary, \
            self.lookup_layer.idf_weights

    def adapt(self, data, batch_size=None, steps=None):
        """Learn the vocabulary from texts: an array or list of strings (each a document),
        or an iterable of batches of them (a generator, a tf.data.Dataset, a PyDataset), at
        most `steps` batches; the texts are standardized, split and made n-grams first."""
        self.lookup_layer.learn(self.tokenized(host_values(batch))
                                for batch in batches(data, steps))
        self.vocabulary, self.idf_weights = self.lookup_layer.vocabulary, \
            self.lookup_layer.idf_weights

    # ----------------------------------------------------------------------- tokenizing
    def standardized(self, texts: np.ndarray) -> np.ndarray:
        if callable(self.standardize):  # given NumPy strings, as Keras off TensorFlow
            return np.asarray(host_values(self.standardize(texts)))
        if self.standardize in ("lower", "lower_and_strip_punctuation"):
            texts = np.asarray([_ascii_lower(t) for t in texts.ravel().tolist()],
                               dtype=str).reshape(texts.shape)
        if self.standardize in ("strip_punctuation", "lower_and_strip_punctuation"):
            texts = np.asarray([PUNCTUATION.sub("", t) for t in texts.ravel().tolist()],
                               dtype=str).reshape(texts.shape)
        return texts

    def tokenized(self, texts: np.ndarray) -> list:
        """Each text as its list of tokens (n-grams included)."""
        texts = self.standardized(np.asarray(texts))
        if self.split is None:
            documents = [row.ravel().tolist() for row in np.atleast_2d(texts.reshape(
                len(texts), -1) if texts.ndim else texts.reshape(1, 1))]
        else:
            if texts.ndim > 1:
                if texts.shape[-1] != 1:
                    raise self.shape_error(
                        "splits texts into tokens: give inputs of shape (batch,) or "
                        "(batch, 1).", texts.shape)
                texts = texts[..., 0]
            texts = np.atleast_1d(texts)
            if callable(self.split):
                documents = [list(host_values(np.asarray(d)).ravel().tolist())
                             for d in self.split(texts)]
            elif self.split == "whitespace":
                documents = [[t for t in WHITESPACE.split(text) if t]
                             for text in texts.tolist()]
            else:
                documents = [list(text) for text in texts.tolist()]
        if self.ngrams is None:
            return documents
        widths = range(1, self.ngrams + 1) if isinstance(self.ngrams, int) else self.ngrams
        return [[" ".join(doc[i:i + w]) for w in widths for i in range(len(doc) - w + 1)]
                for doc in documents]

    # ------------------------------------------------------------------------------ call
    def host_call(self, inputs):
        lookup = self.lookup_layer
        lookup.require_vocabulary()
        if self.split is None and self.ngrams is None and self.output_mode == "int":
            return self._cut_or_padded(lookup.lookup(self.standardized(inputs)))
        documents = self.tokenized(inputs)
        longest = max((len(d) for d in documents), default=0)
        length = self.output_sequence_length if self.output_mode == "int" and \
            self.output_sequence_length is not None else longest
        padding = 0 if self.output_mode == "int" else INT64_MAX
        ids = np.full((len(documents), length), padding, np.int64)
        for row, document in enumerate(documents):
            found = lookup.lookup(np.asarray(document[:length], dtype=str))
            ids[row, :len(found)] = found
        if self.output_mode == "int":
            return ids
        weights = lookup.idf_vector if self.output_mode == "tf_idf" else None
        return encode_ids(self, ids, self.output_mode, lookup.depth(), weights)

    def _cut_or_padded(self, ids: np.ndarray) -> np.ndarray:
        """Untokenized indices (the input's shape), the last axis cut or padded with 0 to
        output_sequence_length where it is set."""
        length = self.output_sequence_length
        if length is None:
            return ids
        ids = np.atleast_1d(ids)[..., :length]
        return np.pad(ids, [(0, 0)] * (ids.ndim - 1) + [(0, length - ids.shape[-1])])

    def compute_output_shape(self, input_shape):
        batch = input_shape[0] if len(input_shape) else None
        if self.output_mode == "int" and self.split is None and self.ngrams is None:
            shape = tuple(input_shape) or (1,)
            kept = shape if self.output_sequence_length is None else shape[:-1]
            return kept if self.output_sequence_length is None else (
                *kept, self.output_sequence_length)
        if self.output_mode == "int":
            return (batch, self.output_sequence_length)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        if self.output_mode == "one_hot":
            return (batch, None, depth)
        return (batch, depth)


def _ascii_lower(text: str) -> str:
    """tf.strings.lower's lowering: ASCII letters only."""
    return text.encode("utf-8").lower().decode("utf-8")


exports(TextVectorization, **HOST_ONLY)
