"""Where Keras 3 keeps a layer's variables below the layer's group in a weights file.

A layer holding layers (an RNN's cell, MultiHeadAttention's projections, Bidirectional's two)
has its variables in groups Keras names after those; engine/saving/keras_layout.py uses this
to lay out and read a whole model.
"""

from __future__ import annotations

from engine.export.errors import KerasFileError

# Where a layer's variables sit below its group, in the order of its weights.
WEIGHT_GROUPS = {
    "SimpleRNN": ["cell/vars"],
    "LSTM": ["cell/vars"],
    "GRU": ["cell/vars"],
    **{f"ConvLSTM{rank}D": ["cell/vars"] for rank in (1, 2, 3)},
    "MultiHeadAttention": ["query_dense/vars", "key_dense/vars", "value_dense/vars",
                           "output_dense/vars"],
    "GroupQueryAttention": ["_query_dense/vars", "_key_dense/vars", "_value_dense/vars",
                            "_output_dense/vars"],
}


def weight_groups(class_name, config) -> list[str]:
    """Where a layer's variables sit below its group, in the order of its weights: a layer
    holding layers (RNN's cell, Bidirectional's two) has them in the groups Keras names
    after its attributes, StackedRNNCells' cells each under its name."""
    held = {"RNN": ["cell"], "Bidirectional": ["layer", "backward_layer"],
            "TimeDistributed": ["layer"], "StackedRNNCells": ["cells"]}.get(class_name)
    if class_name == "GroupQueryAttention" and isinstance(config, dict) and config.get(
            "use_gate"):  # its gate's projection sits between the key's and the value's
        groups = WEIGHT_GROUPS[class_name]
        return [*groups[:2], "_gate_dense/vars", *groups[2:]]
    if held is None or not isinstance(config, dict):
        return WEIGHT_GROUPS.get(class_name, ["vars"])
    groups = []
    for key in held:
        value = config.get(key)
        if class_name == "Bidirectional":  # Keras names its layers' groups after its attributes
            key = "forward_layer" if key == "layer" else key
            value = value or config.get("layer")
        for entry in value if isinstance(value, list) else [value]:
            if not isinstance(entry, dict) or not isinstance(entry.get("config"), dict):
                raise KerasFileError(f"A {class_name} holds a malformed layer {entry!r}.")
            place = f"{key}/{entry['config'].get('name')}" if key == "cells" else key
            groups += [f"{place}/{sub}" for sub in weight_groups(entry.get("class_name"),
                                                                  entry["config"])]
    return groups
