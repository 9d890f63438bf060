"""Different optimizers for different weights, as Keras 3's MultiOptimizer and OptimizerMap
choose them."""

from __future__ import annotations

import numbers
import re
from collections.abc import MutableMapping

import numpy as np

from engine import ops
from engine.naming import unique_name
from engine.optimizers.base import Optimizer, OptimizerConfigError
from engine.optimizers.loss_scale import LossScaleOptimizer
from engine.switching import move_variables
from engine.variables import Variable


class OptimizerMap(MutableMapping):
    """Variable path (or a regular expression matching whole paths) -> optimizer, with
    `default_optimizer` for the paths nothing matches. An exact key wins over patterns."""

    def __init__(self, default_optimizer, optimizer_map=None):
        _check_inner("OptimizerMap", "default_optimizer", default_optimizer)
        if optimizer_map is not None and not isinstance(optimizer_map, dict):
            raise OptimizerConfigError(
                f"OptimizerMap: `optimizer_map` must be a dict {{path or pattern: optimizer}}. "
                f"Received: optimizer_map={optimizer_map!r}."
            )
        for key, optimizer in (optimizer_map or {}).items():
            _check_entry(key, optimizer)
        self._default_optimizer = default_optimizer
        self._optimizer_map = dict(optimizer_map or {})

    @property
    def default_optimizer(self) -> Optimizer:
        return self._default_optimizer

    def __getitem__(self, key):
        if key in self._optimizer_map:
            return self._optimizer_map[key]
        matches = [pattern for pattern in self._optimizer_map if re.fullmatch(pattern, key)]
        if len(matches) > 1:
            raise OptimizerConfigError(
                f"OptimizerMap: variable {key!r} matches several patterns {matches}. Make the "
                f"patterns exclusive, or add {key!r} itself as a key."
            )
        return self._optimizer_map[matches[0]] if matches else self._default_optimizer

    def __setitem__(self, key, optimizer):
        if key in self._optimizer_map:
            raise OptimizerConfigError(
                f"OptimizerMap: {key!r} is already mapped to {self._optimizer_map[key]!r}. "
                f"Delete it first (del optimizer_map[{key!r}]) to replace it."
            )
        _check_entry(key, optimizer)
        self._optimizer_map[key] = optimizer

    def __delitem__(self, key):
        del self._optimizer_map[key]

    def __len__(self):
        return len(self._optimizer_map)

    def __iter__(self):
        return iter(self._optimizer_map)

    def __call__(self, variable) -> Optimizer:
        return self[variable.path]

    def get_config(self) -> dict:
        return {
            "default_optimizer": _keras_form(self._default_optimizer),
            "optimizer_map": {key: _keras_form(o) for key, o in self._optimizer_map.items()},
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        from engine.optimizers import deserialize

        return cls(
            deserialize(config["default_optimizer"], custom_objects=custom_objects),
            {key: deserialize(value, custom_objects=custom_objects)
             for key, value in config.get("optimizer_map", {}).items()},
        )


class MultiOptimizer(Optimizer):
    """Each weight is updated by the optimizer `optimizer_map(weight)` gives (an OptimizerMap,
    or any function of a Variable), with that optimizer's own state and step count.

    Its variables are Keras's, in Keras's order (model files store them by position): its own
    `iterations` and `learning_rate` (kept at 0, as Keras keeps it), then each optimizer's,
    those of the map first, the default last, then any a function chose. It has no learning
    rate to read or set: use those of `optimizers`. `loss_scale_factor` overrides theirs.
    """

    def __init__(self, optimizer_map, loss_scale_factor=None, name=None):
        if not callable(optimizer_map):
            raise OptimizerConfigError(
                f"MultiOptimizer: `optimizer_map` must be an OptimizerMap or a function of a "
                f"Variable returning its optimizer. Received: optimizer_map={optimizer_map!r}."
            )
        if loss_scale_factor is not None and not (
            isinstance(loss_scale_factor, numbers.Real) and loss_scale_factor > 0
        ):
            raise OptimizerConfigError(
                f"MultiOptimizer: `loss_scale_factor` must be a positive float or None. "
                f"Received: loss_scale_factor={loss_scale_factor!r}."
            )
        self.name = name or unique_name("multi_optimizer")
        self._optimizer_map = optimizer_map
        self._own = [
            Variable(np.int32(0), name=f"{self.name}/iterations", trainable=False, dtype="int32"),
            Variable(np.float32(0.0), name=f"{self.name}/learning_rate", trainable=False,
                     dtype="float32"),
        ]
        self._inner: list[Optimizer] = []
        mapped = list(optimizer_map.values()) if isinstance(optimizer_map, OptimizerMap) else []
        default = getattr(optimizer_map, "default_optimizer", None)
        for optimizer in mapped + ([default] if default is not None else []):
            if not any(optimizer is known for known in self._inner):
                self._inner.append(optimizer)
        self.loss_scale_factor = loss_scale_factor
        self._weights: list[Variable] = []
        self._groups: list[list[int]] = []  # per optimizer, the indices of its weights
        self.built = False

    @property
    def loss_scale_factor(self):
        return self._loss_scale_factor

    @loss_scale_factor.setter
    def loss_scale_factor(self, value):
        self._loss_scale_factor = value
        for optimizer in self._inner:
            optimizer.loss_scale_factor = value

    @property
    def optimizers(self) -> list[Optimizer]:
        return list(self._inner)

    @property
    def iterations(self) -> Variable:
        return self._own[0]

    @property
    def learning_rate(self):
        raise AttributeError(
            f"{self.name!r} is a MultiOptimizer: it has no learning rate of its own. Read "
            f"those of its sub-optimizers, in `.optimizers`."
        )

    @learning_rate.setter
    def learning_rate(self, value):
        raise AttributeError(
            f"{self.name!r} is a MultiOptimizer: it has no learning rate of its own. Set "
            f"those of its sub-optimizers, in `.optimizers`."
        )

    @property
    def variables(self) -> list[Variable]:
        return self._own + [v for optimizer in self._inner for v in optimizer.variables]

    @property
    def keras_variables(self) -> list[Variable]:
        return self._own + [v for optimizer in self._inner for v in optimizer.keras_variables]

    def build(self, trainable_variables):
        """Ask the map for each weight's optimizer, then build each on its weights."""
        if self.built:
            return
        weights = list(trainable_variables)
        chosen = [self._optimizer_map(weight) for weight in weights]
        for weight, optimizer in zip(weights, chosen):  # every check before any change
            _check_inner("MultiOptimizer", f"the optimizer for {weight.path!r}", optimizer)
        for optimizer in chosen:
            if not any(optimizer is known for known in self._inner):
                optimizer.loss_scale_factor = self.loss_scale_factor
                self._inner.append(optimizer)
        self._groups = [[i for i, o in enumerate(chosen) if o is optimizer]
                        for optimizer in self._inner]
        for optimizer, indices in zip(self._inner, self._groups):
            if indices:
                optimizer.build([weights[i] for i in indices])
        self._weights = weights
        if weights:
            move_variables(self._own, weights[0].backend)
        self.built = True

    def stateless_apply(self, optimizer_state_values, grads, trainable_values, in_place=False):
        """(new trainable values, new state values), each optimizer stepping its own weights;
        the state in `variables` order."""
        self._check_lengths(optimizer_state_values, grads, trainable_values)
        state, weights = list(optimizer_state_values), list(trainable_values)
        new_weights = list(weights)
        new_state = [ops.add(state[0], 1), state[1]]
        offset = 2
        for optimizer, indices in zip(self._inner, self._groups):
            size = len(optimizer.variables)
            inner_state = state[offset:offset + size]
            offset += size
            if indices:
                stepped, inner_state = optimizer.stateless_apply(
                    inner_state, [grads[i] for i in indices], [weights[i] for i in indices],
                    in_place=in_place,
                )
                for i, value in zip(indices, stepped):
                    new_weights[i] = value
            new_state += list(inner_state)
        return new_weights, new_state

    def _check_lengths(self, state, grads, weights):
        if not self.built:
            raise OptimizerConfigError(
                f"{self.name!r} is not built, so it has no state to update. Call "
                f"build(trainable_variables) before stateless_apply."
            )
        if len(state) != len(self.variables) or not len(grads) == len(weights) == len(
                self._weights):
            raise OptimizerConfigError(
                f"{self.name!r} expects {len(self.variables)} state values (one per "
                f"optimizer.variables) and {len(self._weights)} gradients and weights. "
                f"Received {len(state)} state values, {len(grads)} gradients and "
                f"{len(weights)} weights."
            )

    def finalize_variable_values(self, var_list):
        """Each optimizer finalises (EMA) the weights it updates."""
        var_list = list(var_list)
        for optimizer, indices in zip(self._inner, self._groups):
            if indices:
                optimizer.finalize_variable_values([var_list[i] for i in indices])

    @property
    def moving_averages(self):
        raise OptimizerConfigError(
            f"{self.name!r} is a MultiOptimizer: read the moving averages of its "
            f"sub-optimizers, in `.optimizers`."
        )

    def exclude_from_weight_decay(self, var_list=None, var_names=None):
        raise OptimizerConfigError(
            f"{self.name!r} is a MultiOptimizer: call exclude_from_weight_decay on the "
            f"sub-optimizers that decay weights."
        )

    # ------------------------------------------------------------------ serialisation
    def get_config(self) -> dict:
        if isinstance(self._optimizer_map, OptimizerMap):
            mapping = {"module": "keras.optimizers", "class_name": "OptimizerMap",
                       "config": self._optimizer_map.get_config(), "registered_name": None}
        else:  # Keras's form of a function: found again by name, in custom_objects
            mapping = {"module": getattr(self._optimizer_map, "__module__", None),
                       "class_name": "function",
                       "config": getattr(self._optimizer_map, "__name__", None),
                       "registered_name": "function"}
        return {"optimizer_map": mapping, "loss_scale_factor": self.loss_scale_factor,
                "name": self.name}

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        config = dict(config)
        mapping = config.pop("optimizer_map")
        if isinstance(mapping, dict) and mapping.get("class_name") == "OptimizerMap":
            mapping = OptimizerMap.from_config(mapping["config"], custom_objects=custom_objects)
        elif isinstance(mapping, dict) and mapping.get("class_name") == "function":
            function = (custom_objects or {}).get(mapping.get("config"))
            if not callable(function):
                raise OptimizerConfigError(
                    f"MultiOptimizer: its optimizer_map is the function "
                    f"{mapping.get('config')!r}; pass custom_objects="
                    f"{{{mapping.get('config')!r}: the_function}} to load it."
                )
            mapping = function
        return cls(mapping, **config)


def _keras_form(optimizer) -> dict:
    """An optimizer serialised as Keras nests it in a config."""
    from engine.optimizers import serialize

    return {"module": "keras.optimizers", **serialize(optimizer), "registered_name": None}


def _check_inner(owner, what, optimizer):
    """An optimizer a MultiOptimizer can hold: not a wrapper of others."""
    if not isinstance(optimizer, Optimizer):
        raise OptimizerConfigError(
            f"{owner}: `{what}` must be an optimizer instance (optimizers.Adam(), ...). "
            f"Received: {optimizer!r}."
        )
    if isinstance(optimizer, (LossScaleOptimizer, MultiOptimizer)):
        raise OptimizerConfigError(
            f"{owner}: `{what}` cannot be a {type(optimizer).__name__}; wrap the "
            f"MultiOptimizer in a LossScaleOptimizer instead, or give it plain optimizers."
        )


def _check_entry(key, optimizer):
    if not isinstance(key, str):
        raise OptimizerConfigError(
            f"OptimizerMap: keys must be strings (variable paths or patterns). Received: "
            f"{key!r}."
        )
    _check_inner("OptimizerMap", f"the optimizer for {key!r}", optimizer)
