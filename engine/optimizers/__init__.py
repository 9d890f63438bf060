"""Optimizers with Keras 3's update rules, their state in Variables, and a pure update step.

    from engine import optimizers
    opt = optimizers.get("adam")                      # or optimizers.Adam(learning_rate=1e-3)
    opt.apply(grads, model.trainable_variables)       # stateful
    new_weights, new_state = opt.stateless_apply(state, grads, weights)   # pure, jit-able
"""

from __future__ import annotations

from engine.keras_namespaces import missing_attribute
from engine.optimizers import schedules
from engine.optimizers.adadelta import Adadelta
from engine.optimizers.adafactor import Adafactor
from engine.optimizers.adagrad import Adagrad
from engine.optimizers.adam import Adam
from engine.optimizers.adamax import Adamax
from engine.optimizers.adamw import AdamW
from engine.optimizers.base import Optimizer, OptimizerConfigError
from engine.optimizers.ftrl import Ftrl
from engine.optimizers.lamb import Lamb
from engine.optimizers.lion import Lion
from engine.optimizers.loss_scale import LossScaleOptimizer
from engine.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from engine.optimizers.muon import Muon
from engine.optimizers.nadam import Nadam
from engine.optimizers.rmsprop import RMSprop
from engine.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from engine.optimizers.sgd import SGD

OPTIMIZERS = {
    cls.__name__.lower(): cls
    for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adafactor, Adamax, Ftrl, Lamb,
                Lion, Muon, Nadam, ScheduleFreeAdamW)
}
# Every optimizer class by its lowercased name: OPTIMIZERS, and the wrappers of others.
CLASSES = {**OPTIMIZERS, "lossscaleoptimizer": LossScaleOptimizer,
           "multioptimizer": MultiOptimizer}


def get(identifier) -> Optimizer:
    """An optimizer from a name ("adam"), a {"class_name", "config"} dict or an instance."""
    if isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, dict) and str(identifier.get("class_name")).lower() in CLASSES:
        return deserialize(identifier)
    if isinstance(identifier, str) and identifier.lower() in OPTIMIZERS:
        return OPTIMIZERS[identifier.lower()]()
    raise OptimizerConfigError(
        f"Unknown optimizer {identifier!r}. Use one of: {', '.join(OPTIMIZERS)}, an Optimizer "
        f"instance or a {{'class_name', 'config'}} dict."
    )


def deserialize(config: dict, custom_objects=None) -> Optimizer:
    """The optimizer a {"class_name", "config"} dict describes (`serialize`'s or Keras's).
    Class names are matched without case among the engine's optimizers, then looked up in
    `custom_objects` ({name: Optimizer subclass}); nothing is imported by name."""
    if not isinstance(config, dict) or "class_name" not in config:
        raise OptimizerConfigError(
            f"optimizers.deserialize needs a {{'class_name', 'config'}} dict, as "
            f"optimizers.serialize returns. Received: {config!r:.200}."
        )
    name = str(config["class_name"])
    cls = (custom_objects or {}).get(name) or CLASSES.get(name.lower())
    if not (isinstance(cls, type) and issubclass(cls, Optimizer)):
        raise OptimizerConfigError(
            f"Unknown optimizer class {name!r}. Use one of: {', '.join(CLASSES)}, or pass "
            f"custom_objects={{{name!r}: YourOptimizer}}."
        )
    if cls in (LossScaleOptimizer, MultiOptimizer):
        return cls.from_config(config.get("config", {}), custom_objects=custom_objects)
    return cls.from_config(config.get("config", {}))


def serialize(optimizer: Optimizer) -> dict:
    """{"class_name", "config"}, JSON-serialisable; `get` turns it back into an optimizer."""
    return {"class_name": type(optimizer).__name__, "config": optimizer.get_config()}


__all__ = [
    "CLASSES",
    "OPTIMIZERS",
    "SGD",
    "Adadelta",
    "Adafactor",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "Ftrl",
    "Lamb",
    "Lion",
    "LossScaleOptimizer",
    "MultiOptimizer",
    "Muon",
    "Nadam",
    "Optimizer",
    "OptimizerConfigError",
    "OptimizerMap",
    "RMSprop",
    "ScheduleFreeAdamW",
    "deserialize",
    "get",
    "schedules",
    "serialize",
]

__getattr__ = missing_attribute(__name__)
