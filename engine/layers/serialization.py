"""keras.layers.serialize / deserialize: one layer as the dict Keras writes for it, and the
engine's layer such a dict describes.

Both reuse the `.keras` writer and reader (engine/export/keras_document.py and
keras_config.py), so a layer is written and read exactly as inside a saved model: a built-in
class only from the allowlist (engine.layers.LAYERS), a class of the user's own only from the
registry or `custom_objects`; nothing named in a dict is imported.
"""

from __future__ import annotations

import json

from engine.layers.layer import Layer


def serialize(layer) -> dict:
    """Keras's dict of `layer` ({"module", "class_name", "config", "registered_name"}, and
    "build_config" once it was called on one tensor)."""
    from engine.export.keras_document import _layer_entry

    if not isinstance(layer, Layer):
        raise ValueError(f"layers.serialize: layer must be an engine layer, got "
                         f"{type(layer).__name__}. Pass a layer instance.")
    shapes = layer._build_shapes
    built_for_one = shapes is not None and len(shapes) == 1 and isinstance(shapes[0], tuple)
    return _layer_entry(layer, {"input_shape": shapes[0]} if built_for_one else None)


def deserialize(config, custom_objects=None):
    """The engine layer a Keras layer dict describes (fresh weights, built where the dict has
    Keras's build_config {"input_shape": ...}); `custom_objects` maps names to layer classes
    of your own, as in Keras."""
    from engine.export.keras_config import _layer, _layer_class
    from engine.saving import registry

    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError("layers.deserialize: config must be a layer's dict as "
                         "layers.serialize writes it ({'class_name': ..., 'config': {...}}), "
                         f"got {config!r:.200}.")
    try:  # Keras's dicts hold tuples where its files hold lists; the reader takes JSON
        config = json.loads(json.dumps(config))
    except (TypeError, ValueError) as error:
        raise ValueError(f"layers.deserialize: config must hold JSON values only ({error}). "
                         "Pass the dict layers.serialize writes.") from error
    with registry.custom_object_scope(custom_objects):
        _, entry = _layer(config)
        cls = _layer_class(entry["class"])
        if not (isinstance(cls, type) and issubclass(cls, Layer)):
            raise ValueError(f"layers.deserialize: {config['class_name']!r} is not a layer "
                             "class. Pass a layer's dict.")
        layer = cls.from_config(entry["config"])
    shape = (config.get("build_config") or {}).get("input_shape")
    if shape is not None:
        layer.build(tuple(shape))
    return layer
