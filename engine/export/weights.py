"""Weights laid out for the code `to_code` writes: `export_weights(model, framework)`."""

from __future__ import annotations

from engine.export.codegen import target
from engine.export.program import build_program
from engine.variables import holding_one_step_state


@holding_one_step_state
def export_weights(model, framework: str):
    """The model's weights as the generated code for `framework` loads them.

    torch: a state_dict; jax and tensorflow: {layer name: {weight name: array}};
    keras and engine: the list of `model.get_weights()` (Keras's order and layout).
    """
    return target(framework).weights(build_program(model), framework)
