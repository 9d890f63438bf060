"""The manifest: what a model file holds, written as JSON and checked field by field on load."""

from __future__ import annotations

from engine.saving.format import (
    FORMAT,
    GROUPS,
    MAX_RANK,
    STORED_DTYPES,
    VERSION,
    ModelFileError,
    is_member_name,
)


def make_manifest(spec: dict, compile_config, arrays: list[dict], engine_version: str) -> dict:
    return {
        "format": FORMAT,
        "version": VERSION,
        "engine_version": engine_version,
        "spec": spec,
        "compile_config": compile_config,
        "arrays": arrays,
    }


def check_manifest(manifest) -> dict:
    """`manifest` itself when every field is well formed, else ModelFileError naming the field."""
    if not isinstance(manifest, dict):
        raise ModelFileError(f"its manifest is a JSON {type(manifest).__name__}, not an object.")
    if manifest.get("format") != FORMAT:
        raise ModelFileError(
            f"its manifest names the format {manifest.get('format')!r}, not {FORMAT!r}: this "
            "is not a Model Workbench model file."
        )
    _check_version(manifest)
    for key, kind in (("spec", dict), ("arrays", list)):
        if not isinstance(manifest.get(key), kind):
            raise ModelFileError(
                f"its manifest needs {key!r} as a JSON {'object' if kind is dict else 'list'}, "
                f"got {manifest.get(key)!r:.80}."
            )
    if "compile_config" not in manifest:
        raise ModelFileError("its manifest has no 'compile_config' (null when not compiled).")
    compile_config = manifest["compile_config"]
    if compile_config is not None:
        if not isinstance(compile_config, dict):
            raise ModelFileError(
                f"its compile_config must be an object or null, got {compile_config!r:.80}."
            )
        check_class_names(compile_config, "compile_config")
    members = [_check_entry(entry, index) for index, entry in enumerate(manifest["arrays"])]
    if len(set(members)) != len(members):
        raise ModelFileError("its manifest lists the same array member twice.")
    return manifest


def _check_version(manifest):
    version = manifest.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ModelFileError(f"its manifest has no valid 'version' (got {version!r}).")
    if version > VERSION:
        written_by = manifest.get("engine_version")
        by = f" by model-workbench {written_by}" if isinstance(written_by, str) else ""
        raise ModelFileError(
            f"it was written{by} in model file version {version}, and this engine reads "
            f"versions up to {VERSION}. Upgrade model-workbench to load it."
        )


def _check_entry(entry, index) -> str:
    where = f"array entry {index}"
    if not isinstance(entry, dict):
        raise ModelFileError(f"{where} of its manifest is not an object.")
    name, group = entry.get("name"), entry.get("group")
    shape, dtype, member = entry.get("shape"), entry.get("dtype"), entry.get("member")
    if not isinstance(name, str):
        raise ModelFileError(f"{where} needs a string 'name', got {name!r:.80}.")
    where = f"array {name!r:.80}"
    if group not in GROUPS:
        raise ModelFileError(f"{where} has group {group!r:.80}; groups are {', '.join(GROUPS)}.")
    if (
        not isinstance(shape, list) or len(shape) > MAX_RANK
        or not all(type(size) is int and size >= 0 for size in shape)
    ):
        raise ModelFileError(
            f"{where} has shape {shape!r:.80}; a shape is a list of at most {MAX_RANK} "
            "non-negative integers."
        )
    if not isinstance(dtype, str) or dtype not in STORED_DTYPES:
        raise ModelFileError(
            f"{where} has dtype {dtype!r:.80}, which a model file may not hold. Allowed dtypes: "
            f"{', '.join(STORED_DTYPES)}."
        )
    if not is_member_name(member):
        raise ModelFileError(
            f"{where} names the member {member!r:.80}; members are named arrays/<number>.npy "
            "(no folders, no absolute or parent paths)."
        )
    return member


def check_class_names(value, where: str) -> None:
    """Every "class_name" in a compile config must name an engine optimizer, schedule, loss or
    metric: checked here, before anything is built from the config."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_class_names(item, f"{where}[{index}]")
        return
    if not isinstance(value, dict):
        return
    if "class_name" in value and value["class_name"] not in _known_class_names():
        raise ModelFileError(
            f"{where} names the class {value['class_name']!r:.80}, which is not an engine "
            "optimizer, learning-rate schedule, loss or metric; nothing named in a model file "
            "is imported. Save the model again with engine classes."
        )
    for key, item in value.items():
        check_class_names(item, f"{where}.{key}")


def _known_class_names() -> set:
    from engine import losses, metrics, optimizers

    return {
        *(cls.__name__ for cls in optimizers.CLASSES.values()),
        *optimizers.CLASSES,
        *optimizers.schedules.SCHEDULES,
        *losses.NAMES,
        *metrics.NAMES,
    }
