"""Training hooks a Model subclass overrides, as Keras 3 has them: which style a step is
written in, where it can run, and what it must return.

`train_step` and `test_step` come in two styles, told apart by their signature:
- stateless, `train_step(self, state, data)` -> `(logs, state)`, as the Keras JAX guide
  writes it (`stateless_call`, a gradient function, `optimizer.stateless_apply`,
  `metric.stateless_update_state`). `state` is `(trainable, non_trainable, optimizer
  variables, metric variables)`, lists of arrays (`test_step`'s has no optimizer
  variables). The engine compiles it like its own step, on every backend whose framework it
  can trace: written with `engine.ops` and `engine.ops.value_and_grad`, on all of them.
- stateful, `train_step(self, data)` -> `logs`, as the TensorFlow and PyTorch guides write
  it: run eagerly between steps, on the Variables themselves (`self(x)`,
  `optimizer.apply`, `metric.update_state`). Each trainable Variable's `.value` is then a
  gradient leaf of the framework (`backend.gradient_leaf`: PyTorch's `loss.backward()`
  fills `v.value.grad`; a tf.Variable that a GradientTape watches, so that
  `tape.gradient(loss, self.trainable_variables)` differentiates with respect to them).
Either runs inside one loss collection (engine/layers/call_context.py): `self.losses` in it
holds what `add_loss` added so far in that step, and nothing of it outlives the step.
A step whose code uses a framework (jax, tensorflow, torch) runs only with the model on that
framework's backend; on another it fails before running, naming the framework. `data` is
`x`, `(x, y)` or `(x, y, sample_weight)`, as Keras passes it.
"""

from __future__ import annotations

import contextlib
import inspect
import math
import types

from engine import backend as backends
from engine import ops, tree
from engine.errors import EngineError

STATELESS, STATEFUL = "stateless", "stateful"


class CustomStepError(EngineError, TypeError):
    """A custom train_step or test_step cannot run here, or returned the wrong structure."""


def step_style(model, name: str) -> str | None:
    """How `model`'s own `name` ("train_step", "test_step") is written: STATELESS, STATEFUL,
    or None when the model does not define it (the engine's step runs)."""
    method = getattr(model, name, None)
    if method is None:
        return None
    parameters = [
        p for p in inspect.signature(method).parameters.values()
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty
    ]
    if len(parameters) == 2:
        return STATELESS
    if len(parameters) == 1:
        return STATEFUL
    raise CustomStepError(
        f"{type(model).__name__}.{name} takes {len(parameters)} required arguments; write it "
        f"as {name}(self, data) (run on the Variables) or {name}(self, state, data) "
        "(stateless, returning (logs, state)), as Keras 3 does."
    )


def check_framework(model, name: str, backend) -> None:
    """Raise CustomStepError if `model`'s `name` uses a framework other than `backend`'s."""
    used = frameworks_used(getattr(type(model), name))
    others = sorted(used - {backend.name})
    if others:
        framework = others[0]
        raise CustomStepError(
            f"{type(model).__name__}.{name} is written for {framework} (its code uses "
            f"{framework}), but the model is on the {backend.name!r} backend. Move it first "
            f"with engine.set_backend({framework!r}) (or model.to_backend({framework!r})), "
            "or write the step with engine.ops and engine.ops.value_and_grad to run it on "
            "every backend."
        )


def explain_framework_failure(model, name: str, error: Exception) -> None:
    """Raise CustomStepError from `error` if `model`'s stateful `name`, which failed with it,
    is written for a framework: say how the engine runs such a step."""
    used = sorted(frameworks_used(getattr(type(model), name)))
    if not used:
        return
    raise CustomStepError(
        f"{type(model).__name__}.{name}, written for {used[0]}, failed: "
        f"{type(error).__name__}: {error}. The engine runs it eagerly on its Variables, each "
        f"trainable one's `.value` a {used[0]} tensor that records gradients (PyTorch fills "
        "`v.value.grad`; a TensorFlow GradientTape differentiates with respect to them: "
        "tape.gradient(loss, self.trainable_variables)). The model is as it was before the "
        "step."
    ) from error


def frameworks_used(function) -> set[str]:
    """The backends (named as their framework) whose framework `function`'s code refers to:
    modules, or functions and classes from them, that it names (globals of it and of the
    functions defined in it, and the variables it closes over)."""
    frameworks = {
        framework: name for name, (_, framework, extra) in backends.BACKENDS.items() if extra
    }
    function = inspect.unwrap(function)
    code = getattr(function, "__code__", None)
    if code is None:
        return set()
    namespace = function.__globals__
    referred = _closed_over(function)
    pending = [code]
    while pending:
        current = pending.pop()
        pending.extend(c for c in current.co_consts if isinstance(c, types.CodeType))
        referred.extend(namespace[word] for word in current.co_names if word in namespace)
    roots = {_module_root(value) for value in referred}
    return {frameworks[root] for root in roots if root in frameworks}


def _closed_over(function) -> list:
    """The values of the variables `function` closes over (those assigned by now)."""
    values = []
    for cell in function.__closure__ or ():
        with contextlib.suppress(ValueError):  # a variable not assigned yet
            values.append(cell.cell_contents)
    return values


def _module_root(value) -> str | None:
    if isinstance(value, types.ModuleType):
        return value.__name__.split(".")[0]
    module = getattr(value, "__module__", None)
    return module.split(".")[0] if isinstance(module, str) else None


def step_data(x, y, sample_weight):
    """A batch as Keras hands it to a step: x, (x, y) or (x, y, sample_weight)."""
    if sample_weight is not None:
        return (x, y, sample_weight)
    return x if y is None else (x, y)


def checked_logs(model, name: str, logs) -> dict:
    """A step's logs: a dict of metric values (a metric's result may be a dict of them)."""
    if not isinstance(logs, dict):
        raise CustomStepError(
            f"{type(model).__name__}.{name} returned logs of type {type(logs).__name__}; it "
            "must return a dict of metric values, e.g. {m.name: m.result() for m in "
            "self.metrics} (a stateless step returns (logs, state))."
        )
    flat = {}
    for key, value in logs.items():
        if isinstance(value, dict):
            flat.update(value)
        else:
            flat[key] = value
    return flat


def checked_stateless_result(model, name: str, returned, state) -> tuple:
    """(logs, new state) from a stateless step's return value, checked against `state`."""
    if not (isinstance(returned, (tuple, list)) and len(returned) == 2):
        raise CustomStepError(
            f"{type(model).__name__}.{name}(state, data) returned "
            f"{type(returned).__name__}; a stateless step returns (logs, state): a dict of "
            "metric values and the state in the structure it was given."
        )
    logs, new_state = returned
    logs = checked_logs(model, name, logs)
    given, got = _lengths(state), _lengths(new_state)
    if given != got:
        raise CustomStepError(
            f"{type(model).__name__}.{name}(state, data) returned a state of "
            f"{_describe(got)} arrays, but was given {_describe(given)}: return every part "
            "of the state, each updated or as it came, in the order it came."
        )
    return logs, new_state


def _lengths(state):
    if not isinstance(state, (tuple, list)):
        return None
    return [len(tree.flatten(part)) if isinstance(part, (tuple, list)) else None
            for part in state]


def _describe(lengths) -> str:
    return "no list of" if lengths is None else " + ".join(map(str, lengths))


def loss_to_check(logs):
    """The loss fit checks for a custom step (a step whose loss is not finite is undone): its
    "loss" log when that is one number, else zero (nothing to check)."""
    loss = logs.get("loss")
    if loss is None or isinstance(loss, (int, float)) or math.prod(ops.shape(loss)) != 1:
        return ops.zeros((), "float32")
    return ops.reshape(ops.cast(loss, "float32"), ())
