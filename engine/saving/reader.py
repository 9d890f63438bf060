"""load_model: a model file back to a model (compiled, with its optimizer state), or one error.

Nothing named in the file is imported or run: layers come only from engine.layers.LAYERS or
the user's own classes registered or passed in this process (via model_from_spec); the
optimizer, schedules, losses and metrics only from the engine's own registries. The file is
read and checked whole before the new model takes any value, so a bad file raises
ModelFileError and leaves nothing half-loaded.
"""

from __future__ import annotations

import os

from engine.saving.archive import open_archive
from engine.saving.file_checks import regular_file
from engine.saving.format import GROUPS, ModelFileError
from engine.saving.registry import safe_mode_scope
from engine.saving.state import variable_groups


def load_model(path, custom_objects=None, compile=True, safe_mode=True):
    """The model saved at `path` (the engine's model file, or Keras 3's `.keras` file), on the
    current backend; ModelFileError (KerasFileError for a Keras file) for a bad file. Layers
    and activations of the user's own come from `custom_objects` (name -> class or function)
    or engine.saving's registry, as in Keras; code the file carries (a Lambda's function) is
    loaded only with `safe_mode=False`."""
    from engine.saving.keras_model_file import is_keras_file, load_keras_file

    if is_keras_file(path):
        return load_keras_file(path, custom_objects, compile, safe_mode)
    try:
        regular_file(path, ModelFileError)
        with open_archive(path) as archive, safe_mode_scope(safe_mode):
            return _restore(archive, custom_objects, compile)
    except ModelFileError as error:
        raise ModelFileError(f"Cannot load {os.fspath(path)!r}: {error}") from error.__cause__


def _restore(archive, custom_objects, compile):
    manifest = archive.manifest
    model = _build(manifest["spec"], custom_objects)
    compile_config = manifest["compile_config"] if compile else None
    if compile_config is not None:
        _compile(model, compile_config)
    groups = variable_groups(model, with_optimizer=compile_config is not None)
    pairs = []
    for group in GROUPS:
        entries = [entry for entry in manifest["arrays"] if entry["group"] == group]
        pairs += _match(group, groups[group], entries)
    # Entries fit the model, so no array read below can be larger than the model's own.
    values = [(variable, archive.read_array(entry)) for variable, entry in pairs]
    for variable, value in values:
        variable.assign(value)
    return model


def _build(spec, custom_objects):
    from engine.models.spec import model_from_spec

    try:
        return model_from_spec(spec, custom_objects)
    except Exception as error:  # a hostile config may fail in any layer's constructor
        raise ModelFileError(f"its graph spec cannot be built: {_sentence(error)}") from error


def _compile(model, config):
    try:
        model.compile_from_config(config)
        model.optimizer.build(model.trainable_weights)
    except Exception as error:  # anything the registries or compile refuse
        raise ModelFileError(
            f"its compile config cannot be used: {_sentence(error)} Load it with an engine "
            "version that knows these settings, or save the model uncompiled."
        ) from error


def _match(group, variables, entries):
    """(variable, entry) pairs once the file's entries fit the rebuilt model's variables."""
    if len(variables) != len(entries):
        raise ModelFileError(
            f"it holds {len(entries)} arrays in group {group!r}, but the model it describes has "
            f"{len(variables)} ({', '.join(v.name for v in variables) or 'none'}). The file is "
            "damaged or was edited."
        )
    for variable, entry in zip(variables, entries):
        if tuple(entry["shape"]) != tuple(variable.shape) or entry["dtype"] != variable.dtype:
            raise ModelFileError(
                f"its array {entry['name']!r} has shape {tuple(entry['shape'])} and dtype "
                f"{entry['dtype']}, but the model's {variable.name!r} has shape "
                f"{tuple(variable.shape)} and dtype {variable.dtype}. The file is damaged or "
                "was edited."
            )
    return list(zip(variables, entries))


def _sentence(error) -> str:
    text = str(error).rstrip()
    return text if text.endswith(".") else f"{text}."
