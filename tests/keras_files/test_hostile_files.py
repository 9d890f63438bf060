"""No `.keras` or `.weights.h5` file can make the reader run code, allocate more than the
model it describes or raise anything but KerasFileError: lying shapes, bombs, links to
devices, deep JSON, duplicate members and random damage, each refused within 1 s and 200 MB.
"""

from __future__ import annotations

import io
import json
import os
import time
import tracemalloc
import zipfile

import numpy as np
import pytest

import engine
from engine.export.errors import KerasFileError
from tests.export import keras_files as files

h5py = pytest.importorskip("h5py")
TIME_S, MEMORY_BYTES = 1.0, 200 * 2**20


def _good(tmp_path) -> bytes:
    i = engine.Input((4,))
    model = engine.Model(i, engine.layers.Dense(3)(engine.layers.Dense(5)(i)))
    model.compile("adam", "mse")
    model.train_on_batch(np.ones((2, 4), "float32"), np.ones((2, 3), "float32"))
    model.save(tmp_path / "good.keras")
    return (tmp_path / "good.keras").read_bytes()


def _replace(data: bytes, member: str, content: bytes) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for info in source.infolist():
            archive.writestr(info.filename, content if info.filename == member
                             else source.read(info.filename))
    return buffer.getvalue()


def _h5(build) -> bytes:
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as file:
        build(file)
    return buffer.getvalue()


def _huge_declared_shape(data):
    """A dataset declaring (30000, 25000) float32 (3 GB), stored as unwritten chunks."""
    def build(file):
        file.create_dataset("layers/dense/vars/0", shape=(30000, 25000), dtype="f4",
                            chunks=(100, 100), compression="gzip")
        file["layers/dense/vars/1"] = np.zeros(5, "f4")
    return _replace(data, "model.weights.h5", _h5(build))


def _weights_bomb(data):
    """A weights member of 300 MB of zeros, deflated to a few hundred KB."""
    buffer = io.BytesIO()
    source = zipfile.ZipFile(io.BytesIO(data))
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for info in source.infolist():
            if info.filename != "model.weights.h5":
                archive.writestr(info.filename, source.read(info.filename))
        with archive.open("model.weights.h5", "w", force_zip64=True) as member:
            chunk = bytes(2**24)
            for _ in range(18):
                member.write(chunk)
    return buffer.getvalue()


def _deep_json(data):
    return _replace(data, "config.json", b"[" * 100_000 + b"]" * 100_000)


def _class_name_a_list(data):
    document = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("config.json"))
    document["config"]["layers"][1]["class_name"] = ["Dense"]
    return _replace(data, "config.json", json.dumps(document).encode())


def _duplicate_member(data):
    buffer = io.BytesIO(data)
    with zipfile.ZipFile(buffer, "a") as archive, pytest.warns(UserWarning):
        archive.writestr("config.json", b"{}")
    return buffer.getvalue()


def _external_dataset(data):
    def build(file):
        file.create_dataset("layers/dense/vars/0", shape=(4, 5), dtype="f4",
                            external=[("/etc/passwd", 0, 80)])
        file["layers/dense/vars/1"] = np.zeros(5, "f4")
    return _replace(data, "model.weights.h5", _h5(build))


def _string_dataset(data):
    def build(file):
        file["layers/dense/vars/0"] = np.array([b"x"] * 20).reshape(4, 5)
        file["layers/dense/vars/1"] = np.zeros(5, "f4")
    return _replace(data, "model.weights.h5", _h5(build))


def _module_naming_code(data):
    document = json.loads(zipfile.ZipFile(io.BytesIO(data)).read("config.json"))
    document["config"]["layers"][1].update(module="os", class_name="system",
                                           registered_name="os>system")
    return _replace(data, "config.json", json.dumps(document).encode())


HOSTILE = {
    "a dataset declaring 3 GB": (_huge_declared_shape, "has shape (30000, 25000)"),
    "a 300 MB deflated weights member": (_weights_bomb, "it was not read"),
    "10^5-deep JSON": (_deep_json, "not valid JSON"),
    "a class name that is a list": (_class_name_a_list, "not a built-in Keras layer"),
    "two config.json members": (_duplicate_member, "more than one member named"),
    "an external dataset": (_external_dataset, "not an array of numbers stored in the file"),
    "a string dataset": (_string_dataset, "not an array of numbers stored in the file"),
    "a layer naming os.system": (_module_naming_code, "Nothing named in a file is imported"),
}


def _load_within_limits(path):
    tracemalloc.start()
    start = time.perf_counter()
    try:
        with pytest.raises(KerasFileError) as caught:
            engine.load_model(path)
    finally:
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert time.perf_counter() - start < TIME_S and peak < MEMORY_BYTES, (
        f"{time.perf_counter() - start:.2f} s, {peak / 2**20:.0f} MB")
    return str(caught.value)


@pytest.mark.parametrize("case", list(HOSTILE))
def test_a_hostile_file_is_refused_within_a_second_and_200_mb(tmp_path, case):
    build, message = HOSTILE[case]
    path = tmp_path / "hostile.keras"
    path.write_bytes(build(_good(tmp_path)))
    text = _load_within_limits(path)
    assert message in text, text


def test_a_link_to_a_device_is_refused_unread(tmp_path):
    (tmp_path / "zero.keras").symlink_to("/dev/zero")
    with pytest.raises(KerasFileError, match="not a regular file"):
        engine.load_model(tmp_path / "zero.keras")
    (tmp_path / "zero.weights.h5").symlink_to("/dev/zero")
    model = engine.Sequential([engine.Input((4,)), engine.layers.Dense(3)])
    with pytest.raises(KerasFileError, match="not a regular file"):
        model.load_weights(tmp_path / "zero.weights.h5")


def test_a_lying_weights_file_changes_nothing(tmp_path):
    model = engine.Sequential([engine.Input((4,)), engine.layers.Dense(3)])
    before = model.get_weights()
    path = tmp_path / "lying.weights.h5"

    def build(file):
        file.create_dataset("layers/dense/vars/0", shape=(30000, 25000), dtype="f4",
                            chunks=(100, 100))
        file["layers/dense/vars/1"] = np.zeros(3, "f4")

    path.write_bytes(_h5(build))
    with pytest.raises(KerasFileError, match=r"has shape \(30000, 25000\)"):
        model.load_weights(path)
    for ours, theirs in zip(model.get_weights(), before):
        np.testing.assert_array_equal(ours, theirs)


def test_damaged_files_raise_nothing_but_keras_file_error(tmp_path):
    """Flipped bytes and cut files: each loads, or is refused with KerasFileError."""
    data = _good(tmp_path)
    rng = np.random.default_rng(0)
    variants = [data[:n] for n in rng.integers(0, len(data), 30)]
    for position in rng.integers(0, len(data), 150):
        flipped = bytearray(data)
        flipped[position] ^= 1 << int(rng.integers(8))
        variants.append(bytes(flipped))
    path = tmp_path / "damaged.keras"
    for variant in variants:
        path.write_bytes(variant)
        try:
            engine.load_model(path)
        except KerasFileError:
            pass
        except engine.ModelFileError:
            pass  # damage that hides config.json makes it read as the engine's own format


def test_a_hand_made_file_naming_unknown_custom_objects_says_how_to_provide_them(tmp_path):
    entry = files.dense_entry(module=None, registered_name="mine>Scale", class_name="Scale")
    files.write(tmp_path / "m.keras", files.functional(entry), files.dense_weights())
    with pytest.raises(KerasFileError, match=r"custom_objects=\{'mine>Scale': TheClass\} or "
                       "register the class"):
        engine.load_model(tmp_path / "m.keras")


def test_a_save_killed_mid_write_leaves_no_file_past_the_next_save(tmp_path):
    """A kill -9 cannot clean up; the next save to the folder removes what it left."""
    model = engine.Sequential([engine.Input((4,)), engine.layers.Dense(3)])
    dead = os.fork()
    if dead == 0:
        os._exit(0)
    os.waitpid(dead, 0)
    stray = tmp_path / f".model.keras.{dead}.{'0' * 32}.tmp"
    stray.write_bytes(b"half a file")
    model.save(tmp_path / "model.keras")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["model.keras"]


def test_an_engine_file_of_100000_members_is_refused_in_linear_time(tmp_path):
    """The duplicate-member check counts once: quadratic, this took 70 s."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive, pytest.warns(UserWarning):
        archive.writestr("manifest.json", "{}")
        for index in range(100_000):
            archive.writestr(f"m{index % 50_000}", b"")
    path = tmp_path / "many.wbm"
    path.write_bytes(buffer.getvalue())
    start = time.perf_counter()
    with pytest.raises(engine.ModelFileError, match="more than one member named"):
        engine.load_model(path)
    assert time.perf_counter() - start < 10
