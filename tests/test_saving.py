"""Model files: round trips, resumed training, atomic writes, refusal of bad or hostile files."""

import contextlib
import io
import json
import os
import pickle
import sys
import tempfile
import warnings
import zipfile

import numpy as np
import pytest

import engine
from engine import layers
from engine.saving import ModelFileError, load_model, save_model
from engine.saving import archive as archive_module
from engine.saving.format import from_stored, to_stored
from tests.conftest import backend_params

RNG = np.random.default_rng(7)
X_A = RNG.normal(size=(6, 5)).astype("float32")
X_B = RNG.normal(size=(6, 3)).astype("float32")


def branching_model():
    """Two inputs, a shared layer called twice, BatchNormalization, Dropout, two outputs."""
    a, b = layers.Input((5,), name="a"), layers.Input((3,), name="b")
    shared = layers.Dense(4, activation="tanh", name="shared")
    x = layers.Concatenate(name="join")([shared(layers.Dense(3, name="proj")(a)), shared(b)])
    x = layers.Dropout(0.5, name="drop")(layers.BatchNormalization(name="norm")(x))
    return engine.Model([a, b], [layers.Dense(2, name="out")(x), x], name="branching")


def randomize(model):
    """Every weight (BatchNormalization statistics included) set away from its initial value."""
    rng = np.random.default_rng(3)
    model.set_weights([rng.uniform(0.5, 1.5, size=w.shape) for w in model.weights])
    return model


def assert_same_state(original, loaded):
    assert loaded.to_spec() == original.to_spec()
    assert [v.name for v in loaded.variables] == [v.name for v in original.variables]
    for ours, theirs in zip(original.variables, loaded.variables):
        assert theirs.dtype == ours.dtype
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy())


# -------------------------------------------------------------------------- round trips
def test_functional_round_trip(tmp_path):
    model = randomize(branching_model())
    save_model(model, tmp_path / "model.wbm")
    loaded = load_model(tmp_path / "model.wbm")
    assert_same_state(model, loaded)
    assert loaded.get_compile_config() is None and loaded.optimizer is None
    for ours, theirs in zip(model.predict([X_A, X_B]), loaded.predict([X_A, X_B])):
        np.testing.assert_array_equal(theirs, ours)


def test_sequential_round_trip_keeps_batch_norm_statistics(tmp_path):
    model = engine.Sequential([layers.Input((5,)), layers.Dense(4), layers.BatchNormalization()])
    randomize(model)
    save_model(model, str(tmp_path / "model.wbm"))
    loaded = load_model(str(tmp_path / "model.wbm"))
    assert isinstance(loaded, engine.Sequential)
    assert_same_state(model, loaded)
    statistics = [w.numpy() for w in loaded.weights if "moving" in w.name]
    assert len(statistics) == 2 and not np.allclose(statistics[0], 0)
    np.testing.assert_array_equal(loaded.predict(X_A), model.predict(X_A))


def test_saved_on_each_backend_predicts_the_same_everywhere(backend_name, tmp_path):
    model = randomize(branching_model())
    expected = model.predict([X_A, X_B])
    save_model(model, tmp_path / "model.wbm")
    same_backend = load_model(tmp_path / "model.wbm")
    assert same_backend.backend.name == backend_name
    for ours, theirs in zip(expected, same_backend.predict([X_A, X_B])):
        np.testing.assert_allclose(theirs, ours, rtol=1e-6, atol=1e-6)
    engine.set_backend("numpy")
    on_numpy = load_model(tmp_path / "model.wbm")
    for ours, theirs in zip(expected, on_numpy.predict([X_A, X_B])):
        np.testing.assert_allclose(theirs, ours, rtol=1e-5, atol=1e-5)


def test_saving_twice_writes_the_same_bytes(tmp_path):
    model = randomize(branching_model())
    save_model(model, tmp_path / "one.wbm")
    save_model(model, tmp_path / "two.wbm")
    assert (tmp_path / "one.wbm").read_bytes() == (tmp_path / "two.wbm").read_bytes()


def test_nan_weights_are_legal(tmp_path):
    model = branching_model()
    model.set_weights([np.full(w.shape, np.nan) for w in model.weights])
    save_model(model, tmp_path / "nan.wbm")
    assert all(np.isnan(w.numpy()).all() for w in load_model(tmp_path / "nan.wbm").weights)


def test_bfloat16_is_stored_as_its_bits_and_comes_back_exactly():
    ml_dtypes = pytest.importorskip("ml_dtypes")
    values = np.array([1.5, -3.0e38, 1e-30, np.inf, 0.1], dtype=ml_dtypes.bfloat16)
    stored = to_stored(values, "bfloat16")
    assert stored.dtype == np.dtype("<u2")
    restored = from_stored(stored, "bfloat16").astype(ml_dtypes.bfloat16)
    np.testing.assert_array_equal(restored, values)


# ------------------------------------------------------------------ compiled models
X_FIT = np.linspace(-1, 1, 48, dtype="float32").reshape(16, 3)
Y_FIT = (X_FIT @ np.array([[1.0], [-2.0], [0.5]], dtype="float32")) ** 2


def trainable_model():
    model = engine.Sequential([
        layers.Input((3,)), layers.Dense(8, activation="relu"), layers.Dropout(0.3),
        layers.BatchNormalization(), layers.Dense(1),
    ])
    model.compile(optimizer=engine.optimizers.Adam(learning_rate=0.01), loss="mse", metrics=["mae"])
    return model


def fit(model, epochs):
    model.fit(X_FIT, Y_FIT, batch_size=4, epochs=epochs, shuffle=False, verbose=0)


# JAX and TensorFlow pass too, but compiling three models' steps takes them ~15 s each.
@pytest.mark.parametrize(
    "backend_name",
    [p for p in backend_params() if p.values[0] in ("numpy", "torch")],
    indirect=True,
)
def test_checkpoint_resumes_training_exactly(backend_name, tmp_path):
    engine.set_random_seed(5)
    straight = trainable_model()
    fit(straight, 3)
    engine.set_random_seed(5)
    resumed = trainable_model()
    fit(resumed, 1)
    save_model(resumed, tmp_path / "checkpoint.wbm")
    engine.set_random_seed(99)  # the file, not the generator, must give the Dropout seed
    resumed = load_model(tmp_path / "checkpoint.wbm")
    assert int(resumed.optimizer.iterations.numpy()) == 4
    fit(resumed, 2)
    for ours, theirs in zip(straight.variables, resumed.variables):
        np.testing.assert_allclose(theirs.numpy(), ours.numpy(), rtol=1e-6, atol=1e-7)
    for ours, theirs in zip(straight.optimizer.variables, resumed.optimizer.variables):
        np.testing.assert_allclose(theirs.numpy(), ours.numpy(), rtol=1e-6, atol=1e-7)


def test_compiled_model_keeps_its_config_and_optimizer_state(tmp_path):
    model = trainable_model()
    fit(model, 1)
    model.optimizer.learning_rate = 0.003
    save_model(model, tmp_path / "model.wbm")
    loaded = load_model(tmp_path / "model.wbm")
    assert loaded.get_compile_config() == model.get_compile_config()
    assert type(loaded.optimizer) is type(model.optimizer)
    assert [v.name for v in loaded.optimizer.variables] == [
        v.name for v in model.optimizer.variables
    ]
    for ours, theirs in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy())
    assert float(loaded.optimizer.learning_rate) == pytest.approx(0.003)


def test_saving_before_the_first_step_does_not_build_the_optimizer(tmp_path):
    model = trainable_model()
    save_model(model, tmp_path / "model.wbm")
    assert not model.optimizer.built
    loaded = load_model(tmp_path / "model.wbm")
    slots = loaded.optimizer.variables[2:]
    assert len(slots) == 2 * len(loaded.trainable_weights)
    assert all(not slot.numpy().any() for slot in slots)
    fit(model, 1)
    fit(loaded, 1)
    for ours, theirs in zip(model.variables, loaded.variables):
        np.testing.assert_allclose(theirs.numpy(), ours.numpy(), rtol=1e-6)


def test_frozen_layers_and_a_schedule_round_trip(tmp_path):
    model = engine.Sequential([
        layers.Input((3,)), layers.Dense(4, trainable=False), layers.Dense(1),
    ])
    schedule = engine.optimizers.schedules.ExponentialDecay(0.1, decay_steps=2, decay_rate=0.5)
    model.compile(optimizer=engine.optimizers.SGD(schedule, momentum=0.9), loss="mse")
    fit(model, 1)
    save_model(model, tmp_path / "model.wbm")
    loaded = load_model(tmp_path / "model.wbm")
    assert [w.name for w in loaded.trainable_weights] == [w.name for w in model.trainable_weights]
    assert len(loaded.optimizer.variables) == 1 + 2  # iterations, one momentum per weight
    for ours, theirs in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(theirs.numpy(), ours.numpy())
    np.testing.assert_allclose(
        float(loaded.optimizer.learning_rate), float(model.optimizer.learning_rate)
    )


# ------------------------------------------------------------------------ atomic writes
def failing_after(calls, monkeypatch, target, name):
    """Make `target.name` raise OSError from its `calls`-th call on."""
    original, count = getattr(target, name), [0]

    def fail(*args, **kwargs):
        count[0] += 1
        if count[0] >= calls:
            raise OSError("No space left on device")
        return original(*args, **kwargs)

    monkeypatch.setattr(target, name, fail)


@pytest.mark.parametrize("where", ["writing an array", "renaming into place"])
def test_a_crash_mid_save_keeps_the_old_file(tmp_path, monkeypatch, where):
    path = tmp_path / "model.wbm"
    model = randomize(branching_model())
    save_model(model, path)
    good, expected = path.read_bytes(), [v.numpy() for v in model.variables]
    model.set_weights([np.zeros(w.shape) for w in model.weights])
    if where == "writing an array":
        failing_after(3, monkeypatch, zipfile.ZipFile, "writestr")
    else:
        failing_after(1, monkeypatch, os, "replace")
    with pytest.raises(OSError, match="No space left"):
        save_model(model, path)
    monkeypatch.undo()
    assert os.listdir(tmp_path) == ["model.wbm"]
    assert path.read_bytes() == good
    for value, variable in zip(expected, load_model(path).variables):
        np.testing.assert_array_equal(variable.numpy(), value)


def test_a_crash_on_a_first_save_leaves_nothing(tmp_path, monkeypatch):
    failing_after(2, monkeypatch, zipfile.ZipFile, "writestr")
    with pytest.raises(OSError):
        save_model(branching_model(), tmp_path / "model.wbm")
    assert os.listdir(tmp_path) == []


def test_the_file_is_synced_before_it_replaces_the_old_one(tmp_path, monkeypatch):
    events = []
    real_fsync, real_replace = os.fsync, os.replace
    monkeypatch.setattr(os, "fsync", lambda fd: (events.append("fsync"), real_fsync(fd))[1])
    monkeypatch.setattr(
        os, "replace", lambda a, b: (events.append("replace"), real_replace(a, b))[1]
    )
    save_model(branching_model(), tmp_path / "model.wbm")
    assert events[:2] == ["fsync", "replace"]


# ------------------------------------------------------------------- hostile files
CANARY = {"ran": False}
CANARY_FILE = os.path.join(tempfile.gettempdir(), f"saving-canary-{os.getpid()}")
NEVER_IMPORTED = "tests.saving_canary_module_that_does_not_exist"


def canary(*args, **kwargs):
    """What a hostile file would like to run: it leaves traces a test can look for."""
    CANARY["ran"] = True
    with open(CANARY_FILE, "w") as file:
        file.write("ran")


class Payload:
    """Unpickling this object calls canary()."""

    def __reduce__(self):
        return (canary, ())


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    """A compiled, once-trained model's file: its bytes, manifest and array members."""
    model = trainable_model()
    fit(model, 1)
    path = tmp_path_factory.mktemp("good") / "good.wbm"
    save_model(model, path)
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    return {"manifest": json.loads(members.pop("manifest.json")), "members": members,
            "bytes": path.read_bytes()}


def pack(manifest, members, extra=()):
    """A zip of the manifest (a dict, or raw bytes), the members, then (name, bytes) pairs."""
    buffer = io.BytesIO()
    text = manifest if isinstance(manifest, bytes) else json.dumps(manifest).encode()
    with warnings.catch_warnings(), zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        warnings.simplefilter("ignore")  # duplicate names, on purpose
        archive.writestr("manifest.json", text)
        for name, data in [*members.items(), *extra]:
            archive.writestr(name, data)
    return buffer.getvalue()


def npy(array, **kwargs):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, array, **kwargs)
    return buffer.getvalue()


def edited(change):
    """A builder: the good file with `change(manifest, members)` applied to copies."""
    def build(good):
        manifest, members = json.loads(json.dumps(good["manifest"])), dict(good["members"])
        change(manifest, members)
        return pack(manifest, members)
    return build


def raw(make):
    """A builder of bytes that ignores the good file."""
    return lambda good: make()


def manifest_with(**fields):
    """The good file with top-level manifest fields set (or removed, with value DROP)."""
    def change(manifest, _):
        for key, value in fields.items():
            if value is DROP:
                del manifest[key]
            else:
                manifest[key] = value
    return edited(change)


DROP = object()


def entry_with(index, **fields):
    return edited(lambda manifest, _: manifest["arrays"][index].update(fields))


def layer(**fields):
    return edited(lambda manifest, _: manifest["spec"]["layers"][1].update(fields))


def compiled_with(path, value):
    """The good file with compile_config[path[0]][path[1]]... set to `value`."""
    def change(manifest, _):
        target = manifest["compile_config"]
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value
    return edited(change)


def member(index, data, **fields):
    """The good file with array `index`'s member replaced by `data` (and its entry updated)."""
    def change(manifest, members):
        manifest["arrays"][index].update(fields)
        members[manifest["arrays"][index]["member"]] = data
    return edited(change)


def extra(name, data=b"x"):
    """The good file with one more member called `name`."""
    return lambda good: pack(good["manifest"], good["members"], [(name, data)])


def without_group(group, keep=0):
    """The good file holding only the first `keep` arrays of `group`."""
    def change(manifest, members):
        for entry in [e for e in manifest["arrays"] if e["group"] == group][keep:]:
            manifest["arrays"].remove(entry)
            del members[entry["member"]]
    return edited(change)


def flip_byte_in_first_array(good):
    data = bytearray(good["bytes"])
    data[data.index(b"\x93NUMPY") + 200] ^= 0xFF
    return bytes(data)


def empty_zip():
    buffer = io.BytesIO()
    zipfile.ZipFile(buffer, "w").close()
    return buffer.getvalue()


def zip_bomb(good):
    """20 MiB of zeros (a few KiB deflated) where the manifest promises a (3, 8) float32."""
    members = dict(good["members"])
    members[good["manifest"]["arrays"][0]["member"]] = bytes(20 * 2**20)
    return pack(good["manifest"], members)


def zip_bomb_declared(good):
    """A zip bomb whose manifest entry declares its size honestly: the model refuses it."""
    manifest = json.loads(json.dumps(good["manifest"]))
    manifest["arrays"][0]["shape"] = [5 * 2**20]
    members = {**good["members"], "arrays/0.npy": npy(np.zeros(5 * 2**20, "<f4"))}
    return pack(manifest, members)


KERNEL = np.ones((3, 8), "<f4")  # the shape and dtype of the first weight, dense/kernel
OPTIMIZER_CLASS = ["optimizer", "class_name"]
SCHEDULE = ["optimizer", "config", "learning_rate"]
HOSTILE = {
    # not a model file at all
    "random bytes": (raw(lambda: os.urandom(64)), "not a zip archive"),
    "raw pickle renamed": (raw(lambda: pickle.dumps(Payload())), "not a zip archive"),
    "truncated half": (lambda g: g["bytes"][: len(g["bytes"]) // 2], "not a zip archive"),
    "truncated tail": (lambda g: g["bytes"][:-5], "not a zip archive"),
    "crc error": (flip_byte_in_first_array, "damaged (Bad CRC-32"),
    "empty zip": (raw(empty_zip), "without manifest.json"),
    # the manifest
    "manifest not json": (raw(lambda: pack(b"{not json", {})), "not valid JSON"),
    "manifest not utf-8": (raw(lambda: pack(b"\xff\xfe\x00", {})), "not valid JSON"),
    "manifest deeply nested": (raw(lambda: pack(b"[" * 100_000, {})), "not valid JSON"),
    "manifest a list": (raw(lambda: pack(b"[]", {})), "JSON list, not an object"),
    "unknown format": (manifest_with(format="keras"), "not a Model Workbench model file"),
    "newer version": (manifest_with(version=2), "Upgrade model-workbench"),
    "version not int": (manifest_with(version="1"), "no valid 'version'"),
    "missing spec": (manifest_with(spec=DROP), "needs 'spec'"),
    "missing arrays": (manifest_with(arrays=DROP), "needs 'arrays'"),
    "missing compile config": (manifest_with(compile_config=DROP), "no 'compile_config'"),
    "compile config a list": (manifest_with(compile_config=[]), "object or null"),
    # names of code
    "layer os.system": (layer(**{"class": "os.system"}), "not an engine layer"),
    "layer builtins.eval": (layer(**{"class": "builtins.eval"}), "not an engine layer"),
    "layer __import__": (layer(**{"class": "__import__"}), "not an engine layer"),
    "layer canary": (layer(**{"class": "tests.test_saving.canary"}), "not an engine layer"),
    "layer module": (layer(**{"class": NEVER_IMPORTED}), "not an engine layer"),
    "layer bad config": (layer(config={"units": "rm -rf /"}), "graph spec cannot be built"),
    "optimizer os.system": (compiled_with(OPTIMIZER_CLASS, "os.system"), "not an engine optimizer"),
    "optimizer canary": (
        compiled_with(OPTIMIZER_CLASS, "tests.test_saving.canary"), "'tests.test_saving.canary'",
    ),
    "optimizer module": (compiled_with(OPTIMIZER_CLASS, NEVER_IMPORTED), f"'{NEVER_IMPORTED}'"),
    "optimizer bad argument": (
        compiled_with(["optimizer", "config", "__class__"], "x"), "compile config cannot be used",
    ),
    "schedule eval": (
        compiled_with(SCHEDULE, {"class_name": "builtins.eval", "config": {}}),
        "compile_config.optimizer.config.learning_rate names the class 'builtins.eval'",
    ),
    "loss __import__": (compiled_with(["loss"], {"class_name": "__import__"}), "'__import__'"),
    "loss name os.system": (compiled_with(["loss"], "os.system"), "Unknown loss 'os.system'"),
    "metric canary": (
        compiled_with(["metrics"], [{"class_name": "tests.test_saving.canary"}]),
        "compile_config.metrics[0] names the class",
    ),
    # member names
    "zip member traversal": (extra("../evil.npy"), "'../evil.npy', an absolute or parent-relative"),
    "zip member nested traversal": (extra("arrays/../../evil"), "parent-relative path"),
    "zip member absolute": (extra("/etc/passwd"), "'/etc/passwd', an absolute"),
    "zip member windows": (extra("C:\\evil"), "an absolute"),
    "manifest member traversal": (entry_with(0, member="../../x"), "no absolute or parent paths"),
    "manifest member folder": (entry_with(0, member="arrays/a/0.npy"), "arrays/<number>.npy"),
    "duplicate member": (extra("arrays/0.npy", KERNEL.tobytes()), "more than one member"),
    "extra member": (extra("notes.txt"), "'notes.txt', which its manifest does not list"),
    "missing member": (edited(lambda m, ms: ms.pop("arrays/1.npy")), "does not hold"),
    "member listed twice": (entry_with(1, member="arrays/0.npy"), "same array member twice"),
    # array entries and contents
    "object dtype entry": (entry_with(0, dtype="object"), "'object', which a model file may not"),
    "void dtype entry": (entry_with(0, dtype="V8"), "'V8', which a model file may not hold"),
    "negative shape": (entry_with(0, shape=[-3]), "non-negative integers"),
    "bool in shape": (entry_with(0, shape=[True, 8]), "non-negative integers"),
    "unknown group": (entry_with(0, group="code"), "groups are weights, states, optimizer"),
    "pickled npy": (
        member(0, npy(np.full((3, 8), Payload(), dtype=object), allow_pickle=True)),
        "holds Python objects (a pickled array)",
    ),
    "void npy": (member(0, npy(np.zeros((3, 8), dtype="V4"))), "dtype '|V4'"),
    "big-endian npy": (member(0, npy(KERNEL.astype(">f4"))), "dtype '>f4'"),
    "npy shape not the entry's": (member(0, npy(KERNEL[:, :7])), "says shape (3, 8)"),
    "npy with trailing data": (member(0, npy(KERNEL) + bytes(8)), "104 bytes of data"),
    "npy version 2": (member(0, npy(KERNEL, version=(2, 0))), "NPY version 2.0"),
    "npy garbage header": (
        member(0, b"\x93NUMPY\x01\x00\x10\x00{'descr': os}    \n" + bytes(96)), "not a valid .npy",
    ),
    "zip bomb": (zip_bomb, "declares 20971520 bytes uncompressed"),
    "zip bomb declared": (zip_bomb_declared, "but the model's 'dense/kernel' has shape (3, 8)"),
    # arrays that do not fit the architecture
    "shape not the model's": (
        member(0, npy(np.ones((3, 9), "<f4")), shape=[3, 9]), "'dense/kernel' has shape (3, 8)",
    ),
    "dtype not the model's": (
        member(0, npy(KERNEL.astype("<f8")), dtype="float64"), "float64, but the model's",
    ),
    "a weight too few": (without_group("weights", keep=7), "7 arrays in group 'weights'"),
    "seed state missing": (without_group("states"), "0 arrays in group 'states'"),
    "optimizer state missing": (without_group("optimizer", keep=2), "in group 'optimizer'"),
}


def test_the_good_file_loads(good, tmp_path):
    path = tmp_path / "good.wbm"
    path.write_bytes(good["bytes"])
    assert load_model(path).optimizer.built


@pytest.mark.parametrize("case", list(HOSTILE))
def test_bad_files_are_refused_with_a_clear_error(good, tmp_path, case):
    build, message = HOSTILE[case]
    path = tmp_path / "bad.wbm"
    path.write_bytes(build(good))
    with pytest.raises(ModelFileError, match="Cannot load") as caught:
        load_model(path)
    assert message in str(caught.value), str(caught.value)


def test_nothing_named_in_a_file_runs_or_is_imported(good, tmp_path):
    path = tmp_path / "bad.wbm"
    path.write_bytes(good["bytes"])
    load_model(path)  # warm up: whatever a good load imports is imported now
    before = set(sys.modules)
    for build, _ in HOSTILE.values():
        path.write_bytes(build(good))
        with pytest.raises(ModelFileError):
            load_model(path)
    assert not CANARY["ran"] and not os.path.exists(CANARY_FILE)
    assert NEVER_IMPORTED not in sys.modules
    assert set(sys.modules) - before == set()


@pytest.mark.parametrize(
    "bomb, message",
    [(zip_bomb, "was not read"), (zip_bomb_declared, "has shape (5242880,) and dtype float32")],
)
def test_a_zip_bomb_is_refused_before_it_is_decompressed(good, tmp_path, monkeypatch, bomb,
                                                         message):
    opened, real_open = [], zipfile.ZipFile.open

    def recording_open(archive, name, *args, **kwargs):
        opened.append(str(name))
        return real_open(archive, name, *args, **kwargs)

    monkeypatch.setattr(zipfile.ZipFile, "open", recording_open)
    path = tmp_path / "bomb.wbm"
    path.write_bytes(bomb(good))
    with pytest.raises(ModelFileError) as caught:
        load_model(path)
    assert message in str(caught.value)
    assert "arrays/0.npy" not in opened


def test_an_oversized_manifest_is_not_read(good, tmp_path, monkeypatch):
    monkeypatch.setattr(archive_module, "MAX_MANIFEST_BYTES", 100)
    path = tmp_path / "big.wbm"
    path.write_bytes(good["bytes"])
    with pytest.raises(ModelFileError, match="over the 100 a model file's manifest may have"):
        load_model(path)


def test_damaged_files_never_raise_anything_else(good, tmp_path):
    """Flip bytes at many places and cut the file at many lengths: load or ModelFileError."""
    data = good["bytes"]
    path = tmp_path / "damaged.wbm"
    rng = np.random.default_rng(0)
    variants = [data[:n] for n in rng.integers(0, len(data), 40)]
    for position in rng.integers(0, len(data), 160):
        flipped = bytearray(data)
        flipped[position] ^= 1 << int(rng.integers(8))
        variants.append(bytes(flipped))
    for variant in variants:
        path.write_bytes(variant)
        with contextlib.suppress(ModelFileError):
            load_model(path)


def test_a_missing_file_or_folder_is_a_plain_file_not_found(tmp_path):
    with pytest.raises(FileNotFoundError):
        load_model(tmp_path / "absent.wbm")
    with pytest.raises(FileNotFoundError, match="does not exist. Create it first"):
        save_model(branching_model(), tmp_path / "no" / "model.wbm")
