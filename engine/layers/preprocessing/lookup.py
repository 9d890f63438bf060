"""IntegerLookup and StringLookup (tokens to vocabulary indices, or back with invert=True),
as Keras 3's, over one shared index: `IndexLookup` holds the tokens, their indices after the
mask and OOV indices, the IDF weights of "tf_idf", and learns all of them in `adapt`.

Keras's .keras file keeps a vocabulary given to the constructor in the layer's config and an
adapted one in the file's assets (vocabulary.txt; the IDF weights as a variable); the engine
has no assets, so get_config carries either in `vocabulary` and `idf_weights` (without the
special tokens), which from_config restores to the same lookup."""

from __future__ import annotations

import collections
import numbers
import os

import numpy as np

from engine.errors import LayerConfigError
from engine.layers.declaration import Argument, Bool, Choice, Int, declare, exports
from engine.layers.preprocessing.hashing import (
    HOST_ONLY,
    INT64_MAX,
    HostLayer,
    Salt,
    Token,
    check_dense,
    encode_ids,
    encoded_shape,
    hash_bins,
    host_values,
)

OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
RENAMED_MODES = {"binary": "multi_hot", "tf-idf": "tf_idf"}  # Keras's older names


class Tokens(Argument):
    """A list of tokens (a vocabulary), or the path of a text file with one token a line."""

    type = "string"

    def convert(self, layer, value):
        if isinstance(value, str):
            if not os.path.isfile(value):
                raise self.error(layer, "names no vocabulary file", value)
            with open(value, encoding="utf-8") as file:
                lines = file.read().splitlines()
            while lines and lines[-1] == "":
                lines.pop()
            return [layer.token_of(line) for line in lines]
        values = host_values(value) if not isinstance(value, (list, tuple)) else value
        try:
            if np.ndim(values) != 1:
                raise ValueError(values)
            return [layer.token_of(v) for v in np.asarray(values).tolist()]
        except (TypeError, ValueError):
            raise self.error(layer, f"must be a list of {layer.token_kind}s", value) from None


class Weights(Argument):
    """A list of floats (IDF weights), kept as a list."""

    type = "string"

    def convert(self, layer, value):
        try:
            array = np.asarray(value, np.float64)
        except (TypeError, ValueError):
            array = None
        if array is None or array.ndim != 1:
            raise self.error(layer, "must be a 1-D list of numbers", value)
        return array.tolist()


class OutputMode(Choice):
    """Keras's output modes, with its older names "binary" and "tf-idf" taken too."""

    def convert(self, layer, value):
        return super().convert(layer, RENAMED_MODES.get(value, value))


class VocabularyLayer(HostLayer):
    """A host layer with a vocabulary: Keras's config also says `vocabulary_size`, which
    follows from the vocabulary (and StringLookup's an unused `oov_method`), so the
    constructor takes them and lets them go."""

    def __init__(self, *, vocabulary_size=None, oov_method=None, **kwargs):
        super().__init__(**kwargs)

    @classmethod
    def from_config(cls, config):
        """The layer of a config, which must list its vocabulary: a file path in a config
        is not read (Keras's safe mode refuses it too), so a model file reads no other."""
        if isinstance(config.get("vocabulary"), str):
            raise LayerConfigError(
                f"{cls.__name__}: a config names the vocabulary file "
                f"{config['vocabulary']!r}, which is not read from a config; give the "
                "tokens as a list.")
        return cls(**config)

    def get_config(self):
        config = super().get_config()
        config["vocabulary_size"] = self.vocabulary_size() if self.vocabulary else None
        return config


class IndexLookup(VocabularyLayer):
    """What IntegerLookup and StringLookup share: the index of their vocabulary, adapt, the
    lookup and its encoding. Subclasses declare the arguments (in Keras's order) and
    `token_of`, which makes one token of the layer's kind."""

    token_kind = "token"

    def token_of(self, value):
        raise NotImplementedError

    def configure(self):
        name = type(self).__name__
        check_dense(self)
        if self.max_tokens is not None and self.max_tokens <= 1:
            raise LayerConfigError(f"{name}: `max_tokens` must be greater than 1 (or None), "
                                   f"got {self.max_tokens}.")
        if self.pad_to_max_tokens and self.max_tokens is None:
            raise LayerConfigError(f"{name}: `pad_to_max_tokens=True` needs `max_tokens`.")
        if self.invert and self.output_mode != "int":
            raise LayerConfigError(f"{name}: `invert=True` needs output_mode='int', got "
                                   f"{self.output_mode!r}.")
        if self.idf_weights is not None and self.output_mode != "tf_idf":
            raise LayerConfigError(f"{name}: `idf_weights` are for output_mode='tf_idf' only.")
        if self.output_mode == "tf_idf" and self.vocabulary is not None and \
                self.idf_weights is None:
            raise LayerConfigError(f"{name}: output_mode='tf_idf' with a `vocabulary` needs "
                                   "its `idf_weights` too.")
        self._fixed = self.vocabulary is not None
        self._tokens = []
        self.idf_vector = None  # "tf_idf"'s weight of every index
        if self.vocabulary is not None:
            self._install(list(self.vocabulary), self.idf_weights)

    @property
    def output_dtype(self) -> str:
        """Keras's outputs: int64 indices and counts, float32 TF-IDF, tokens for invert (the
        layer's own dtype stays Keras's float32 policy, as its config says)."""
        if self.output_mode == "tf_idf":
            return "float32"
        return self.vocabulary_dtype if self.invert else "int64"

    @property
    def vocabulary_dtype(self):
        return "int64"

    # ---------------------------------------------------------------------------- indices
    def _oov_start(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start(self) -> int:
        return self._oov_start() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """Tokens plus the mask and OOV indices."""
        return self._token_start() + len(self._tokens)

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The token at each index (the mask token at 0 in "int" mode, the OOV token at each
        OOV index), or only the learned/given tokens."""
        if not include_special_tokens:
            return list(self._tokens)
        special = [self.oov_token] * self._token_start()
        if self.mask_token is not None and self.output_mode == "int":
            special[0] = self.mask_token
        return special + list(self._tokens)

    def set_vocabulary(self, vocabulary, idf_weights=None):
        """Replace the vocabulary (a list, an array or a file path) and, for "tf_idf", its
        IDF weights; the special tokens may lead it, in Keras's order."""
        if (self.output_mode == "tf_idf") != (idf_weights is not None):
            raise LayerConfigError(
                f"{type(self).__name__}.set_vocabulary: `idf_weights` are needed with "
                "output_mode='tf_idf' and refused otherwise.")
        tokens = type(self).vocabulary.check(self, vocabulary)
        weights = None if idf_weights is None else type(self).idf_weights.check(self,
                                                                                 idf_weights)
        self._install(tokens, weights)
        self.vocabulary, self.idf_weights, self._fixed = tokens, weights, True

    def _install(self, vocabulary: list, idf_weights):
        """Check a vocabulary as Keras does and make it the layer's; nothing changes on an
        error."""
        name = type(self).__name__
        if not vocabulary:
            raise LayerConfigError(f"{name}: cannot set an empty vocabulary.")
        special = [self.mask_token] * self._oov_start() + [self.oov_token] * \
            self.num_oov_indices
        found_special = vocabulary[:len(special)] == special
        tokens = vocabulary[len(special):] if found_special else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise LayerConfigError(f"{name}: the vocabulary repeats {repeated}; give each "
                                   "token once.")
        reserved = [t for t in (self.mask_token, self.oov_token if self.invert else None)
                    if t is not None and t in tokens]
        if reserved:
            raise LayerConfigError(
                f"{name}: the vocabulary holds the reserved token {reserved[0]!r} past its "
                f"start; leave the special tokens out, or put them first in this order: "
                f"{special}.")
        size = self._token_start() + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise LayerConfigError(f"{name}: a vocabulary of {size} (with the special "
                                   f"indices) is more than max_tokens={self.max_tokens}.")
        weights = None
        if self.output_mode == "tf_idf":
            if len(idf_weights) != len(vocabulary):
                raise LayerConfigError(f"{name}: {len(idf_weights)} idf_weights for a "
                                       f"vocabulary of {len(vocabulary)}.")
            weights = self._padded_weights(np.asarray(idf_weights, np.float32),
                                           special_given=found_special)
        self._tokens, self.idf_vector = list(tokens), weights
        self._index = {token: i for i, token in enumerate(tokens, self._token_start())}

    def _padded_weights(self, weights: np.ndarray, special_given: bool) -> np.ndarray:
        """IDF weights with the special indices' in front (their mean, unless the weights
        have them already) and zeros up to max_tokens where pad_to_max_tokens."""
        count = 0 if special_given else self._token_start()
        weights = np.concatenate([np.full(count, np.mean(weights), np.float32), weights])
        if self.pad_to_max_tokens:
            weights = np.pad(weights, (0, self.max_tokens - len(weights)))
        return weights.astype(np.float32)

    # ------------------------------------------------------------------------------ adapt
    def adapt(self, data, steps=None):
        """Learn the vocabulary from `data`: an array or list (each element a document), or
        an iterable of batches (a generator, a tf.data.Dataset, a PyDataset), at most
        `steps` of them. Tokens are ranked by count, ties by the tokens (high to low), and
        the first max_tokens (less the special indices) kept; "tf_idf" learns
        log(1 + documents / (1 + documents holding the token))."""
        self.learn(self._documents(batch) for batch in batches(data, steps))

    def learn(self, document_batches):
        """Learn the vocabulary (and IDF weights) from batches of documents, each a list of
        tokens: what adapt does once the data is tokenized."""
        if self._fixed:
            raise LayerConfigError(
                f"Cannot adapt layer {self.name!r}: it was given a vocabulary (through "
                "`vocabulary` or `set_vocabulary()`).")
        counter = TokenCounter()
        for documents in document_batches:
            counter.add(documents)
        self._finalize(counter)

    def _documents(self, batch) -> list:
        """One batch as a list of documents, each a list of tokens: a rank-1 batch is one
        document, each row of a higher rank one (adapt's arrays are made rows first)."""
        values = host_values(batch)
        values = np.asarray(values)
        if values.ndim <= 1:
            values = values.reshape(1, -1)
        return [[self.token_of(v) for v in row.ravel().tolist()] for row in values]

    def _finalize(self, counter):
        for special in (self.mask_token, self.oov_token):
            counter.counts.pop(special, None)
        if not counter.counts:
            raise LayerConfigError(f"{type(self).__name__}: `adapt` found no tokens in the "
                                   "data.")
        ranked = sorted(counter.counts.items(), key=lambda item: (item[1], item[0]),
                        reverse=True)
        if self.max_tokens:
            ranked = ranked[:self.max_tokens - self._token_start()]
        tokens = [token for token, _ in ranked]
        weights = None
        if self.output_mode == "tf_idf":
            documents = np.asarray([counter.documents[t] for t in tokens], np.int64)
            weights = np.log(1 + counter.total / (1 + documents)).astype(np.float32)
        self._install(tokens, weights)
        self.vocabulary = tokens
        self.idf_weights = None if weights is None else weights.tolist()

    # ------------------------------------------------------------------------------- call
    def require_vocabulary(self):
        """A LayerConfigError saying how to give one when the layer has no vocabulary."""
        if not self._tokens:
            raise LayerConfigError(
                f"{type(self).__name__} {self.name!r} has no vocabulary yet: pass "
                "`vocabulary`, call `set_vocabulary()` or `adapt(data)` first.")

    def depth(self) -> int:
        """The size of the encoded vectors: max_tokens when padded to it, else the
        vocabulary's."""
        return self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()

    def host_call(self, inputs):
        self.require_vocabulary()
        if self.invert:
            return self._inverted(inputs)
        return encode_ids(self, self.lookup(inputs), self.output_mode, self.depth(),
                          self.idf_vector if self.output_mode == "tf_idf" else None)

    def lookup(self, values: np.ndarray) -> np.ndarray:
        """The index of each token: its own, the mask's (0 in "int" mode; else none, an
        index no encoding counts), or an OOV index (one, or spread over several by floormod
        or a hash of the token)."""
        flat = [self.token_of(v) for v in np.ravel(values).tolist()]
        ids = np.asarray([self._index.get(token, -1) for token in flat], np.int64)
        if self.mask_token is not None:
            masked = np.asarray([token == self.mask_token for token in flat], bool)
            ids[masked] = 0 if self.output_mode == "int" else INT64_MAX
        oov = ids == -1
        if oov.any():
            ids[oov] = self._oov_indices([t for t, o in zip(flat, oov) if o])
        return ids.reshape(np.shape(values))

    def _oov_indices(self, tokens: list) -> np.ndarray:
        if self.num_oov_indices == 0:
            raise LayerConfigError(
                f"{type(self).__name__} {self.name!r}: with num_oov_indices=0 all inputs "
                f"must be in the vocabulary, found OOV values {tokens[:10]}; consider "
                "num_oov_indices=1.")
        if self.num_oov_indices == 1:
            found = np.zeros(len(tokens), np.int64)
        elif isinstance(tokens[0], int) and self.oov_method == "floormod":
            found = np.asarray(tokens, np.int64) % self.num_oov_indices
        else:
            found = hash_bins(np.asarray(tokens), self.num_oov_indices, self.salt)
        return found + self._oov_start()

    def _inverted(self, ids: np.ndarray) -> np.ndarray:
        """The token at each index; the OOV token for an index outside the vocabulary."""
        tokens = self.get_vocabulary()
        flat = []
        for index in np.ravel(ids).astype(np.int64).tolist():
            if index == 0 and self.mask_token is not None:
                flat.append(self.mask_token)
            elif self._token_start() <= index < len(tokens):
                flat.append(tokens[index])
            else:
                flat.append(self.oov_token)
        return np.asarray(flat, dtype=self.token_array_dtype).reshape(np.shape(ids))

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        if not self.pad_to_max_tokens:
            self.require_vocabulary()
        return encoded_shape(input_shape, self.output_mode, self.depth())


class TokenCounter:
    """Counts of each token, of the documents holding it, and of documents: adapt's state."""

    def __init__(self):
        self.counts = collections.Counter()
        self.documents = collections.Counter()
        self.total = 0

    def add(self, documents: list):
        for document in documents:
            self.counts.update(document)
            self.documents.update(set(document))
        self.total += len(documents)


def batches(data, steps=None):
    """adapt's data as batches: an array, list or tensor is one batch, its rank-1 form made
    one document per element (Keras's adapt expands it); anything else iterable (a
    generator, a tf.data.Dataset, a PyDataset) yields batches, at most `steps` of them."""
    if isinstance(data, (list, tuple, np.ndarray, str)) or hasattr(data, "shape"):
        array = host_values(data)
        array = np.asarray(array)
        yield array.reshape(-1, 1) if array.ndim <= 1 else array
        return
    if not hasattr(data, "__iter__") and not hasattr(data, "__getitem__"):
        raise LayerConfigError(f"adapt takes an array, a list or an iterable of batches, got "
                               f"{type(data).__name__}.")
    for step, batch in enumerate(data):
        if steps is not None and step >= steps:
            break
        yield batch[0] if isinstance(batch, tuple) else batch


# ------------------------------------------------------------------------------------ layers
@declare("preprocessing")
class IntegerLookup(IndexLookup):
    """Integer tokens to their vocabulary indices (or back, invert=True), encoded by
    `output_mode`. Indices: the mask token's 0 (when given, in "int" mode), then
    num_oov_indices OOV indices, then the vocabulary's tokens."""

    max_tokens = Int(None, minimum=0)
    num_oov_indices = Int(1, minimum=0)
    mask_token = Token(None, kind=int)
    oov_token = Token(-1, kind=int)
    vocabulary = Tokens(None)
    vocabulary_dtype = Choice("int64", choices=("int64",))
    idf_weights = Weights(None)
    invert = Bool(False)
    output_mode = OutputMode("int", choices=OUTPUT_MODES)
    sparse = Bool(False)
    pad_to_max_tokens = Bool(False)
    oov_method = Choice("floormod", choices=("floormod", "farmhash"))
    salt = Salt(None)

    token_kind = "integer"
    token_array_dtype = np.int64

    def configure(self):
        if self.salt is not None and self.oov_method != "farmhash":
            raise LayerConfigError("IntegerLookup: `salt` hashes OOV integers, which needs "
                                   "oov_method='farmhash'.")
        super().configure()

    def token_of(self, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (numbers.Integral,
                                                                         float)):
            raise TypeError(value)
        return int(value)


@declare("preprocessing")
class StringLookup(IndexLookup):
    """String tokens to their vocabulary indices (or back, invert=True), encoded by
    `output_mode`. Indices: the mask token's 0 (when given, in "int" mode), then
    num_oov_indices OOV indices (several: by a hash of the token), then the vocabulary's."""

    max_tokens = Int(None, minimum=0)
    num_oov_indices = Int(1, minimum=0)
    mask_token = Token(None)
    oov_token = Token("[UNK]")
    vocabulary = Tokens(None)
    idf_weights = Weights(None)
    invert = Bool(False)
    output_mode = OutputMode("int", choices=OUTPUT_MODES)
    pad_to_max_tokens = Bool(False)
    sparse = Bool(False)
    encoding = Choice("utf-8", choices=("utf-8",))
    salt = Salt(None)

    token_kind = "string"
    token_array_dtype = str
    oov_method = "farmhash"

    @property
    def vocabulary_dtype(self):
        return "string"

    def configure(self):
        super().configure()

    def token_of(self, value):
        if isinstance(value, bytes):
            return value.decode("utf-8")
        if not isinstance(value, str):
            raise TypeError(value)
        return value


exports(IntegerLookup, StringLookup, **HOST_ONLY)
