"""Keras's ways to copy a model's architecture: clone_model and model_from_json.

Both go through the graph spec (engine/models/spec.py), so a copy holds new layers with fresh
weights, and only engine layers or the user's own registered (or passed) classes are built.
"""

from __future__ import annotations

from engine.errors import EngineError
from engine.models.spec import assemble, model_from_spec


def model_from_json(json_string, custom_objects=None):
    """The model that `model.to_json()` (the engine's or Keras's) describes, fresh weights."""
    import json

    from engine.errors import SpecError
    from engine.models.spec import FORMAT
    from engine.saving.keras_model_file import build_model

    try:
        document = json.loads(json_string)
    except ValueError as error:
        raise SpecError(f"The model JSON is not valid JSON: {error}.") from error
    if isinstance(document, dict) and document.get("format") != FORMAT and (
            "class_name" in document):
        return build_model(document, custom_objects)
    return model_from_spec(document, custom_objects)


def clone_model(model, input_tensors=None, clone_function=None, call_function=None,
                recursive=False, **kwargs):
    """A new model with the same graph and new layers (fresh weights), as Keras's clone_model.

    `clone_function(layer) -> new layer` makes each layer's copy (default: the same class from
    the layer's config); InputLayers are always copied from their config.
    """
    from engine.layers.input_layer import InputLayer

    unsupported = {"input_tensors": input_tensors, "call_function": call_function,
                   "recursive": recursive or None, **kwargs}
    given = [name for name, value in unsupported.items() if value is not None]
    if given:
        raise EngineError(
            f"clone_model: {', '.join(given)} {'is' if len(given) == 1 else 'are'} not supported "
            "here; clone the model, then call it on new inputs in a functional model.")
    model.require_graph()
    spec = model.to_spec()

    def copy(layer):
        if isinstance(layer, InputLayer) or clone_function is None:
            return type(layer).from_config(layer.get_config())
        return clone_function(layer)

    return assemble(spec, {layer.name: copy(layer) for layer in model._layers})
