"""`.keras` files: Keras 3's own model file, written and read by the engine.

A zip of metadata.json, config.json (engine/export/keras_document.py) and model.weights.h5
(Keras's layout, keras_layout.py, with the optimizer's variables under `optimizer/vars`).
Keras 3 opens what the engine writes, and the engine opens what Keras writes, compile config
and optimizer state included, so training goes on exactly in either.

Reading runs nothing from the file: classes come from the engine's layers or the user's own
registered (or passed) ones. The model is built from the config first; then each member is
read with a cap on its size, and every weight is checked against the variable it is for
before it is read, so no file can make the reader allocate more than the model it describes.
Anything wrong with a file raises KerasFileError and nothing half-loaded is returned.
"""

from __future__ import annotations

import datetime
import io
import json
import math
import os
import warnings
import zipfile

from engine.export.errors import KerasFileError
from engine.saving.file_checks import regular_file
from engine.saving.keras_h5 import h5_bytes, h5py_module, read_groups
from engine.saving.keras_layout import layer_groups
from engine.saving.state import optimizer_variables
from engine.saving.writer import write_atomically
from engine.variables import one_step_state

SUFFIX = ".keras"
CONFIG, METADATA, WEIGHTS = "config.json", "metadata.json", "model.weights.h5"
MAX_JSON_BYTES = 64 * 2**20
OPTIMIZER_GROUP = "optimizer/vars"
# Room in an HDF5 file beyond its arrays' bytes: headers, groups and attributes.
_H5_OVERHEAD_BYTES, _H5_BYTES_PER_ARRAY = 1 * 2**20, 4096


def save_keras(model, path) -> None:
    """Write `model` to `path` as a Keras 3 `.keras` file, atomically."""
    from engine import keras_names
    from engine.export.keras_document import keras_document

    document = keras_document(model)
    compiled = model.get_compile_config() is not None
    with one_step_state():  # fit may run in another thread: one step's weights and slots
        groups = [(path_, [v.numpy() for v in variables])
                  for path_, variables in layer_groups(model)]
        if compiled:
            groups.append((OPTIMIZER_GROUP, [
                v.numpy() for v in optimizer_variables(model, keras_order=True)]))
    weights = h5_bytes(groups)
    metadata = {"keras_version": keras_names.KERAS_VERSION,
                "date_saved": datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")}

    def write(file):
        with zipfile.ZipFile(file, "w") as archive:
            archive.writestr(METADATA, json.dumps(metadata))
            archive.writestr(CONFIG, json.dumps(document), zipfile.ZIP_DEFLATED)
            archive.writestr(WEIGHTS, weights)

    write_atomically(path, write)


def load_keras_file(path, custom_objects=None, compile=True, safe_mode=True):
    """The model in the `.keras` file at `path`, compiled with its optimizer state when it was
    saved compiled (and `compile`); KerasFileError for a file that cannot be read."""
    path = regular_file(path, KerasFileError)
    try:
        with zipfile.ZipFile(path) as archive:
            return _load(archive, custom_objects, compile, safe_mode)
    except ImportError:
        raise
    except KerasFileError as error:
        raise KerasFileError(f"Cannot read {path!r}: {error}") from error
    except zipfile.BadZipFile as error:
        raise KerasFileError(f"Cannot read {path!r}: it is not a complete .keras (zip) file "
                             f"({error}).") from error
    except Exception as error:  # a damaged or hostile file may fail in zip, HDF5 or a layer
        raise KerasFileError(
            f"Cannot read {path!r}: it is not a readable .keras file ({type(error).__name__}: "
            f"{error}). Use an intact copy, or save the model again."
        ) from error


def is_keras_file(path) -> bool:
    """Whether `path` holds a Keras 3 model file: a zip with config.json, or, where it is no
    readable zip, a path ending in .keras (the engine's own files may have any name)."""
    try:
        with zipfile.ZipFile(regular_file(path, KerasFileError)) as archive:
            return CONFIG in archive.namelist()
    except (zipfile.BadZipFile, OSError, KerasFileError):
        return os.fspath(path).endswith(SUFFIX)


def _load(archive, custom_objects, compile, safe_mode):
    _check_names(archive)
    document = _json_member(archive, CONFIG)
    if not isinstance(document, dict):
        raise KerasFileError(f"Its {CONFIG} is not a JSON object.")
    model = build_model(document, custom_objects, safe_mode)
    compile_config = document.get("compile_config") if compile else None
    compiled = bool(compile_config) and _compile(model, compile_config)  # {}: uncompiled
    groups = layer_groups(model)
    optimizer = model.optimizer if compiled else None
    candidates = _optimizer_candidates(optimizer, model)
    largest = max((list(v) for v in candidates), key=len, default=[])
    data = _member_bytes(archive, WEIGHTS, _cap([v for _, vs in groups for v in vs] + largest))
    with h5py_module().File(io.BytesIO(data), "r") as file:
        pairs = read_groups(file, groups)
        optimizer_pairs = _optimizer_pairs(file, optimizer, candidates)
    for variable, array in pairs + optimizer_pairs:
        variable.assign(array)
    return model


def build_model(document, custom_objects=None, safe_mode=True):
    """The engine model a Keras model config describes (fresh weights); a KerasFileError
    where the engine cannot build it."""
    from engine.errors import SpecError
    from engine.export.keras_config import spec_from_keras
    from engine.models.spec import model_from_spec
    from engine.saving import registry

    with registry.custom_object_scope(custom_objects), registry.safe_mode_scope(safe_mode):
        if document.get("class_name") not in ("Functional", "Sequential"):
            return _subclassed_model(document)
        spec = spec_from_keras(document)
        try:
            return model_from_spec(spec)
        except KerasFileError:
            raise
        except SpecError as error:  # an op or layer refuses arguments the mapping let through
            raise KerasFileError(str(error)) from error


def _subclassed_model(document):
    """A subclassed model of the user's registered class, built for its saved input shape."""
    from engine.export.keras_config import plain_config
    from engine.models.functional import Model
    from engine.saving import registry

    name = document.get("registered_name") or document.get("class_name")
    cls = registry.get_registered_object(name) if isinstance(name, str) else None
    if not (isinstance(cls, type) and issubclass(cls, Model)):
        raise KerasFileError(
            f"The model is a {document.get('class_name')!r} (registered as {name!r}), which is "
            "not a model class known here: define and register the class with "
            "@engine.saving.register_keras_serializable() (or pass custom_objects={"
            f"{name!r}: TheClass}}) before loading. Nothing named in a file is imported."
        )
    config = document.get("config")
    if not isinstance(config, dict):
        raise KerasFileError("The model's config is not a JSON object.")
    model = cls.from_config(plain_config(config))
    shape = (document.get("build_config") or {}).get("input_shape")
    if not isinstance(shape, list) or not shape:
        raise KerasFileError(f"The {cls.__name__} model was saved unbuilt (no input shape); "
                             "save it after it has been called on data.")
    model.build(tuple(shape) if not isinstance(shape[0], list) else [tuple(s) for s in shape])
    return model


def _compile(model, config) -> bool:
    """Compile as the file says; where that cannot be done here (a loss or metric of the
    user's own that is not registered), warn and leave the model uncompiled, as Keras does."""
    try:
        if not isinstance(config, dict):
            raise TypeError(f"it is not a JSON object: {config!r:.80}")
        model.compile_from_config(config)
        return True
    except Exception as error:  # anything the registries or compile refuse
        warnings.warn(
            f"The model is loaded uncompiled: its compile config cannot be used here ({error}). "
            "Compile it yourself before training.", stacklevel=5)
        return False


def _optimizer_candidates(optimizer, model) -> list[list]:
    """The optimizer's variables as a file may hold them: built for the model's weights, or
    unbuilt (a model saved before its first step)."""
    if optimizer is None:
        return []
    unbuilt = list(optimizer.keras_variables)
    optimizer.build(model.trainable_weights)
    return [list(optimizer.keras_variables), unbuilt]


def _optimizer_pairs(file, optimizer, candidates) -> list[tuple]:
    if optimizer is None:
        return []
    for variables in candidates:
        try:
            return read_groups(file, [(OPTIMIZER_GROUP, variables)])
        except KerasFileError:
            continue
    warnings.warn(
        f"The file's optimizer state does not fit {type(optimizer).__name__} for this model's "
        "weights (another optimizer or model saved it); the optimizer starts fresh.",
        stacklevel=4,
    )
    return []


def _cap(variables) -> int:
    """The most bytes a weights file for these variables may have."""
    arrays = sum(8 * math.prod(v.shape) for v in variables)  # 8: the widest dtype's bytes
    return arrays + _H5_OVERHEAD_BYTES + _H5_BYTES_PER_ARRAY * len(variables)


def _check_names(archive) -> None:
    seen = set()
    for name in archive.namelist():
        if name in seen:
            raise KerasFileError(f"It holds more than one member named {name!r:.120}.")
        seen.add(name)


def _json_member(archive, name):
    data = _member_bytes(archive, name, MAX_JSON_BYTES)
    try:
        return json.loads(data.decode("utf-8"))
    except (ValueError, UnicodeDecodeError, RecursionError) as error:
        raise KerasFileError(f"Its {name} is not valid JSON ({error}).") from error


def _member_bytes(archive, name, cap) -> bytes:
    """A member's bytes, refused unread when it declares more than `cap`, and never more
    than `cap` decompressed whatever it declares."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise KerasFileError(f"It has no {name}; a Keras 3 .keras file holds {CONFIG} and "
                             f"{WEIGHTS}.") from None
    if info.file_size > cap:
        raise KerasFileError(f"Its {name} declares {info.file_size} bytes, more than the {cap} "
                             "it can have for the model it describes; it was not read.")
    with archive.open(info) as member:
        data = member.read(cap + 1)
    if len(data) > cap:
        raise KerasFileError(f"Its {name} holds more than the {cap} bytes it may have.")
    return data
