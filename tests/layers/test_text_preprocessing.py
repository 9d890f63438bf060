"""Hashing, HashedCrossing, IntegerLookup, StringLookup and TextVectorization against Keras 3's
(the same vocabularies, adapt data and inputs give the same outputs) on every engine backend;
the pure-Python FarmHash Fingerprint64 and SipHash against TensorFlow's; config round trips
that carry the vocabulary; and the refusals (bad arguments, OOV values without OOV indices,
compiled steps, exports)."""

from __future__ import annotations

import numpy as np
import pytest

import engine
from engine import LayerConfigError, layers
from engine.backend import available_backends, using
from engine.export.errors import ExportError
from engine.layers.preprocessing.fingerprint import fingerprint64, siphash64

LONG = "a text longer than sixty-four bytes, so that FarmHash takes its loop path."
WORDS = np.array([["a", "c", "d"], ["d", "zz", "b"], ["", "q", "a"]])
IDS = np.array([[12, 1138, 42], [42, 1000, 36], [0, 7, -3]])
TEXTS = np.array(["The Cat sat, on the mat!", "a dog; THE dog barked",
                  "Éclair   émigré  cat", "", "mat mat mat"])
VOCAB = ["a", "b", "c", "d"]
INT_VOCAB = [12, 36, 1138, 42]


def case(name, config, inputs, adapt=None, marks=()):
    label = f"{name}-{'-'.join(f'{k}={v}' for k, v in config.items())}" + (
        "-adapted" if adapt is not None else "")
    return pytest.param(name, config, inputs, adapt, marks=marks, id=label)


CASES = [
    case("Hashing", {"num_bins": 3}, np.array([["A"], ["B"], [""], ["héllo"], [LONG]])),
    case("Hashing", {"num_bins": 3, "mask_value": ""}, np.array([["A"], ["B"], [""], ["C"]])),
    case("Hashing", {"num_bins": 7, "salt": [133, 137]}, np.array([["A"], ["B"], [LONG]])),
    case("Hashing", {"num_bins": 5, "salt": 133, "output_mode": "one_hot"},
         np.array([["A"], ["B"], ["C"]])),
    case("Hashing", {"num_bins": 11, "output_mode": "multi_hot"}, IDS),
    case("Hashing", {"num_bins": 11, "output_mode": "count"}, IDS),
    case("HashedCrossing", {"num_bins": 5}, [np.array(["A", "B", "A", LONG]),
                                             np.array([1, 2, 3, -4])]),
    case("HashedCrossing", {"num_bins": 4, "output_mode": "one_hot"},
         [np.array([["A"], ["B"]]), np.array([["x"], ["B"]])]),
    case("StringLookup", {"vocabulary": VOCAB}, WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "mask_token": ""}, WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 3, "salt": 7}, WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "num_oov_indices": 2}, WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "output_mode": "one_hot"}, WORDS[:, :1]),
    case("StringLookup", {"vocabulary": VOCAB, "output_mode": "multi_hot", "mask_token": ""},
         WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "output_mode": "count", "max_tokens": 8,
                          "pad_to_max_tokens": True}, WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "output_mode": "tf_idf",
                          "idf_weights": [0.5, 1.0, 1.5, 2.0]}, WORDS),
    case("StringLookup", {"vocabulary": VOCAB, "invert": True, "mask_token": "[M]"},
         np.array([[0, 1, 2], [4, 5, 9]])),
    case("StringLookup", {"max_tokens": 4}, WORDS, adapt=WORDS),
    case("StringLookup", {"output_mode": "tf_idf", "max_tokens": 6, "pad_to_max_tokens": True},
         WORDS, adapt=WORDS),
    case("IntegerLookup", {"vocabulary": INT_VOCAB, "mask_token": 0}, IDS),
    case("IntegerLookup", {"vocabulary": INT_VOCAB, "num_oov_indices": 3}, IDS),
    case("IntegerLookup", {"vocabulary": INT_VOCAB, "num_oov_indices": 3,
                           "oov_method": "farmhash", "salt": [1, 2]}, IDS),
    case("IntegerLookup", {"vocabulary": INT_VOCAB, "output_mode": "count"}, IDS),
    case("IntegerLookup", {"vocabulary": INT_VOCAB, "invert": True}, np.array([[0, 1, 2, 5]])),
    case("IntegerLookup", {"output_mode": "multi_hot"}, IDS, adapt=IDS),
    case("TextVectorization", {}, TEXTS, adapt=TEXTS),
    case("TextVectorization", {"max_tokens": 6, "output_sequence_length": 8}, TEXTS,
         adapt=TEXTS),
    case("TextVectorization", {"standardize": None, "split": "character",
                               "output_sequence_length": 10}, TEXTS, adapt=TEXTS),
    case("TextVectorization", {"standardize": "lower", "ngrams": 2}, TEXTS, adapt=TEXTS),
    case("TextVectorization", {"ngrams": (1, 3), "output_mode": "count"}, TEXTS, adapt=TEXTS),
    case("TextVectorization", {"output_mode": "tf_idf"}, TEXTS, adapt=TEXTS),
    case("TextVectorization", {"split": None, "standardize": "strip_punctuation"}, TEXTS,
         adapt=TEXTS),
    case("TextVectorization", {"vocabulary": ["cat", "mat", "the"],
                               "output_sequence_length": 6}, TEXTS[:, None]),
    case("TextVectorization", {"vocabulary": ["cat", "mat", "the"], "output_mode": "tf_idf",
                               "idf_weights": [1.0, 2.0, 3.0], "pad_to_max_tokens": True,
                               "max_tokens": 7}, TEXTS),
]


def keras_outputs(name, config, inputs, adapt):
    keras = pytest.importorskip("keras")
    layer = getattr(keras.layers, name)(**config)
    if adapt is not None:
        layer.adapt(adapt)
    if name == "StringLookup" and config.get("invert"):  # Keras's JAX backend holds no
        inputs = pytest.importorskip("tensorflow").constant(inputs)  # strings: TF's tensor
    outputs = np.asarray(layer(inputs))
    vocabulary = layer.get_vocabulary() if hasattr(layer, "get_vocabulary") else None
    return (outputs.astype(str) if outputs.dtype.kind in "OS" else outputs), vocabulary


@pytest.mark.parametrize("name, config, inputs, adapt", CASES)
def test_outputs_are_keras_on_every_backend(name, config, inputs, adapt):
    expected, vocabulary = keras_outputs(name, config, inputs, adapt)
    for backend in available_backends():
        with using(backend):
            layer = getattr(layers, name)(**config)
            if adapt is not None:
                layer.adapt(adapt)
            outputs = layer(inputs)
            got = outputs if isinstance(outputs, np.ndarray) else engine.ops.convert_to_numpy(
                outputs)
        assert got.shape == expected.shape, (backend, got.shape, expected.shape)
        if expected.dtype.kind == "U":
            assert got.tolist() == expected.tolist(), backend
        else:
            np.testing.assert_allclose(got, expected, rtol=1e-6, err_msg=backend)
        if vocabulary is not None:
            assert layer.get_vocabulary() == vocabulary
        rebuilt = type(layer).from_config(layer.get_config())  # the vocabulary travels
        again = np.asarray(engine.ops.convert_to_numpy(rebuilt(inputs))) \
            if expected.dtype.kind != "U" else rebuilt(inputs)
        np.testing.assert_array_equal(again, got)


def test_fingerprint64_and_siphash_are_tensorflows():
    tf = pytest.importorskip("tensorflow")
    rng = np.random.default_rng(0)
    strings = [bytes(rng.integers(0, 256, n, dtype=np.uint8))
               for n in [*range(0, 130), 200, 257, 1000]]
    expected = [int.from_bytes(bytes(f), "little")
                for f in tf.fingerprint(tf.constant(strings)).numpy()]
    assert [fingerprint64(s) for s in strings] == expected
    key = [2**40 + 3, 7]
    buckets = tf.strings.to_hash_bucket_strong(strings, 2**31 - 1, key=key).numpy()
    assert [siphash64(key, s) % (2**31 - 1) for s in strings] == buckets.tolist()


def test_vocabulary_sizes_and_set_vocabulary():
    layer = layers.StringLookup(mask_token="", num_oov_indices=2)
    layer.set_vocabulary(["", "[UNK]", "[UNK]", "x", "y"])  # special tokens leading: dropped
    assert layer.get_vocabulary() == ["", "[UNK]", "[UNK]", "x", "y"]
    assert layer.get_vocabulary(include_special_tokens=False) == ["x", "y"]
    assert layer.vocabulary_size() == 5
    np.testing.assert_array_equal(layer(np.array(["y", "x", ""])), [4, 3, 0])
    with pytest.raises(LayerConfigError, match="Cannot adapt"):
        layer.adapt(["x"])


def test_adapt_takes_the_data_sources_fit_takes():
    tf = pytest.importorskip("tensorflow")
    expected = layers.TextVectorization()
    expected.adapt(TEXTS)

    def generator():
        yield TEXTS[:2]
        yield TEXTS[2:]

    for data in (list(TEXTS), generator(), tf.data.Dataset.from_tensor_slices(TEXTS).batch(2)):
        layer = layers.TextVectorization()
        layer.adapt(data)
        assert layer.get_vocabulary() == expected.get_vocabulary()
    layer = layers.TextVectorization()
    layer.adapt(generator(), steps=1)
    assert "barked" in layer.get_vocabulary() and "Éclair" not in layer.get_vocabulary()


def test_a_callable_standardize_and_split_get_numpy_strings():
    def shout(texts):
        assert isinstance(texts, np.ndarray)
        return np.char.upper(texts)

    def commas(texts):
        return [text.split(",") for text in texts.tolist()]

    layer = layers.TextVectorization(vocabulary=["A", "B C"], standardize=shout, split=commas)
    np.testing.assert_array_equal(layer(np.array(["a,b c,d", "b c"])), [[2, 3, 1], [3, 0, 0]])


@pytest.mark.parametrize("name, config, error", [
    ("Hashing", {"num_bins": 0}, "num_bins"),
    ("Hashing", {"num_bins": 3, "salt": [1]}, "salt"),
    ("Hashing", {"num_bins": 3, "sparse": True}, "sparse"),
    ("StringLookup", {"invert": True, "output_mode": "count"}, "invert"),
    ("StringLookup", {"vocabulary": ["a", "a"]}, "repeats"),
    ("StringLookup", {"vocabulary": ["a", "[UNK]"], "invert": True}, "reserved"),
    ("StringLookup", {"vocabulary": ["a"], "output_mode": "tf_idf"}, "idf_weights"),
    ("StringLookup", {"pad_to_max_tokens": True}, "max_tokens"),
    ("IntegerLookup", {"salt": 3}, "farmhash"),
    ("IntegerLookup", {"vocabulary": [1, 2, 3], "max_tokens": 3}, "max_tokens"),
    ("TextVectorization", {"ragged": True}, "ragged"),
    ("TextVectorization", {"output_mode": "count", "output_sequence_length": 3},
     "output_sequence_length"),
    ("TextVectorization", {"split": "comma"}, "split"),
])
def test_bad_configs_are_refused_naming_the_argument(name, config, error):
    with pytest.raises(LayerConfigError, match=error):
        getattr(layers, name)(**config)


def test_lookups_refuse_what_they_cannot_look_up():
    with pytest.raises(LayerConfigError, match="OOV values"):
        layers.StringLookup(vocabulary=VOCAB, num_oov_indices=0)(np.array(["a", "zz"]))
    with pytest.raises(LayerConfigError, match="no vocabulary yet"):
        layers.StringLookup(output_mode="count")(WORDS)


@pytest.mark.parametrize("backend", ["jax", "tensorflow"])
def test_a_compiled_step_is_refused_and_an_eager_model_call_runs(backend):
    if backend not in available_backends():
        pytest.skip(f"{backend} is not installed")
    with using(backend):
        inputs = engine.Input(shape=(3,), dtype="int32")
        ids = layers.IntegerLookup(vocabulary=INT_VOCAB)(inputs)
        model = engine.Model(inputs, layers.Embedding(6, 2)(ids))
        assert tuple(model(IDS).shape) == (3, 3, 2)
        with pytest.raises(LayerConfigError, match="compiled step"):
            model.predict(IDS, verbose=0)


def test_exports_refuse_host_layers_naming_them():
    inputs = engine.Input(shape=(3,), dtype="int32")
    ids = layers.IntegerLookup(vocabulary=INT_VOCAB, name="ids")(inputs)
    model = engine.Model(inputs, layers.Embedding(6, 2)(ids))
    for export in (lambda: model.to_code("torch"), lambda: model.to_code("jax")):
        with pytest.raises(ExportError, match="'ids' .*host data"):
            export()


@pytest.mark.parametrize("name, config", [
    ("Hashing", {"num_bins": 3, "salt": 5}), ("HashedCrossing", {"num_bins": 3}),
    ("IntegerLookup", {"vocabulary": INT_VOCAB}), ("StringLookup", {"vocabulary": VOCAB}),
    ("TextVectorization", {"vocabulary": VOCAB, "ngrams": 2}),
])
def test_configs_have_keras_keys_and_values(name, config):
    keras = pytest.importorskip("keras")
    theirs = getattr(keras.layers, name)(**config).get_config()
    ours = getattr(layers, name)(**config).get_config()
    unused = {"oov_method"} if name == "StringLookup" else set()  # Keras's, strings ignore it
    assert set(ours) == set(theirs) - unused
    assert {k: v for k, v in ours.items() if k not in ("name", "dtype")} == {
        k: v for k, v in theirs.items() if k not in ("name", "dtype", *unused)}
    assert getattr(layers, name).from_config({**theirs, "dtype": ours["dtype"]}).get_config() \
        == {**ours, "name": theirs["name"]}


def test_an_adapted_vocabulary_survives_save_and_load(tmp_path):
    inputs = engine.Input(shape=(3,), dtype="int32")
    lookup = layers.IntegerLookup(output_mode="tf_idf")
    lookup.adapt(np.array([[3, 5, 5], [7, 7, 7]]))
    model = engine.Model(inputs, layers.Dense(2)(lookup(inputs)))
    model.save(tmp_path / "lookup.keras")
    loaded = engine.models.load_model(tmp_path / "lookup.keras")
    np.testing.assert_allclose(loaded(IDS), model(IDS))
    assert loaded.layers[1].get_vocabulary() == lookup.get_vocabulary()


def test_a_vocabulary_file_is_read_by_the_constructor_not_from_a_config(tmp_path):
    path = tmp_path / "vocabulary.txt"
    path.write_text("a\nb\nc\n", encoding="utf-8")
    layer = layers.StringLookup(vocabulary=str(path))
    assert layer.get_vocabulary() == ["[UNK]", "a", "b", "c"]
    assert layer.get_config()["vocabulary"] == ["a", "b", "c"]  # the tokens travel
    with pytest.raises(LayerConfigError, match="not read from a config"):
        layers.StringLookup.from_config({**layer.get_config(), "vocabulary": str(path)})


def test_an_integer_mask_value_is_given_as_its_text():
    keras = pytest.importorskip("keras")
    expected = np.asarray(keras.layers.Hashing(11, mask_value=0)(IDS))
    np.testing.assert_array_equal(layers.Hashing(11, mask_value="0")(IDS), expected)
    with pytest.raises(LayerConfigError, match="mask_value"):
        layers.Hashing(11, mask_value=0)


def test_hashed_crossing_takes_features_of_one_shape():
    with pytest.raises(engine.LayerShapeError, match="one shape"):
        layers.HashedCrossing(4)([np.array([1, 2]), np.array([1, 2, 3])])
    with pytest.raises(engine.LayerShapeError, match="at least two"):
        layers.HashedCrossing(4)([np.array([1, 2])])
