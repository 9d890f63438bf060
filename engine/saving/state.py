"""Which variables a model file holds, by group, in the order they are stored."""

from __future__ import annotations


def variable_groups(model, with_optimizer: bool) -> dict:
    """{"weights", "states", "optimizer"} -> Variables, as format.GROUPS describes them."""
    weights = model.weights
    weight_ids = {id(w) for w in weights}
    return {
        "weights": weights,
        "states": [v for v in model.variables if id(v) not in weight_ids],
        "optimizer": optimizer_variables(model) if with_optimizer else [],
    }


def optimizer_variables(model, keras_order=False) -> list:
    """`model.optimizer.variables` (`keras_variables`, Keras's order, with `keras_order`)
    once built for `model.trainable_weights`.

    An optimizer that has not stepped yet is not built; its slots are taken from a twin
    built with the same config, so saving never changes the model being saved.
    """
    optimizer = model.optimizer
    attribute = "keras_variables" if keras_order else "variables"
    if optimizer.built:
        return getattr(optimizer, attribute)
    twin = type(optimizer).from_config(optimizer.get_config())
    twin.build(model.trainable_weights)
    own = {variable.name: variable for variable in optimizer.variables}
    return [own.get(variable.name, variable) for variable in getattr(twin, attribute)]
