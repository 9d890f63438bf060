"""Which variables a model file holds, by group, in the order they are stored."""

from __future__ import annotations


def variable_groups(model, with_optimizer: bool, graph=None) -> dict:
    """{"weights", "states", "optimizer"} -> Variables, as format.GROUPS describes them.
    `graph`: the graph a subclassed model is written as (its call traced,
    engine/models/tracing.py), whose order the variables and the optimizer's slots take."""
    graph = model if graph is None else graph
    weights = graph.weights
    weight_ids = {id(w) for w in weights}
    return {
        "weights": weights,
        "states": [v for v in graph.variables if id(v) not in weight_ids],
        "optimizer": (optimizer_variables(model, trainable=graph.trainable_weights)
                      if with_optimizer else []),
    }


def optimizer_variables(model, keras_order=False, trainable=None) -> list:
    """`model.optimizer.variables` (`keras_variables`, Keras's order, with `keras_order`)
    once built for `model.trainable_weights`, the slots ordered as `trainable` where given.

    An optimizer that has not stepped yet is not built; its slots are taken from a twin
    built with the same config, so saving never changes the model being saved.
    """
    optimizer = model.optimizer
    attribute = "keras_variables" if keras_order else "variables"
    own_order = [id(v) for v in model.trainable_weights]
    if trainable is None or [id(v) for v in trainable] == own_order:
        trainable = None
    if optimizer.built and trainable is None:
        return getattr(optimizer, attribute)
    twin = type(optimizer).from_config(optimizer.get_config())
    twin.build(model.trainable_weights if trainable is None else trainable)
    own = {variable.name: variable for variable in optimizer.variables}
    return [own.get(variable.name, variable) for variable in getattr(twin, attribute)]
