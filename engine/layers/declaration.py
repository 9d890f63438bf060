"""A layer's declaration, written once in its own file: arguments, palette category, ports.

    @declare("core")
    class Dense(Layer):
        units = Int(minimum=1, suggested=32)
        activation = ActivationName(None)
        use_bias = Bool(True)

`declare` gives the class an `__init__` that takes the declared arguments (base classes'
first, in the order written: Keras's positional order) and Layer's keywords (name, dtype,
trainable, input_shape), checks each argument, sets it as an attribute of the same name and
then calls `self.configure()` where the class has one (checks across arguments, derived
values); and a `get_config` returning them. The allowlist of what a spec or file may build
(engine.layers.LAYERS), the editor's palette and argument forms read the same declaration, so
a layer's arguments are written nowhere else.

How the layer exports is registered in the same file, after the class, with `exports`:

    exports(Dense, torch=to_torch, torch_weights=torch_weights, arrays=to_arrays, onnx=to_onnx)

Each translation is given the exporter's toolkit as an argument (the codegen and ONNX
modules' TOOLKIT), so a layer file imports nothing of engine.export: `torch(step, torch)`
returns the `torch.Emitted` lines of the generated torch.nn.Module, `torch_weights(step,
torch)` its state_dict entries (none for a layer without parameters), `arrays(step, code)`
its statements in the JAX and TensorFlow code, `onnx(graph, step, onnx)` the ONNX tensors of
its outputs. `translation(kind, target)` is how the exporters find them.
"""

from __future__ import annotations

import dataclasses
import inspect
import numbers
from collections.abc import Callable
from typing import Any, ClassVar, dataclass_transform

import numpy as np

from engine import activations, constraints, initializers, regularizers
from engine.errors import LayerConfigError

CATEGORIES = (
    "input", "core", "activation", "convolution", "pooling", "reshaping", "normalization",
    "regularization", "merging", "recurrent", "attention", "preprocessing",
)
REQUIRED = inspect.Parameter.empty  # the default of an argument that has none


@dataclasses.dataclass(frozen=True)
class Port:
    """A tensor argument of `call`: one tensor, or a list of them (Add's `inputs`)."""

    name: str
    kind: str = "single"  # or "list"
    optional: bool = False


ONE_TENSOR = (Port("inputs"),)


# ------------------------------------------------------------------------------- arguments
@dataclasses.dataclass
class Argument:
    """One constructor argument: its default (REQUIRED: none), the value a new editor node
    gets when it is required, and how a value is checked. The name is the attribute's."""

    default: Any = REQUIRED
    suggested: Any = None
    keyword_only: bool = False
    after: str | None = None  # a base class's argument this one follows (Keras's order)
    name: str = ""  # set to the attribute's name when declared in a class
    type: ClassVar[str] = "string"  # the editor form's field type (docs/protocol.md)

    def __set_name__(self, owner, name):
        self.name = name

    @property
    def required(self) -> bool:
        return self.default is REQUIRED

    def check(self, layer, value):
        """The value the layer keeps, or a LayerConfigError naming layer, argument and value."""
        if value is None and self.default is None:
            return None
        return self.convert(layer, value)

    def convert(self, layer, value):
        if not isinstance(value, str):
            raise self.error(layer, "must be a string", value)
        return value

    def config_value(self, value):
        """The value as get_config gives it (JSON)."""
        return value

    def error(self, layer, must: str, value) -> LayerConfigError:
        return LayerConfigError(f"{type(layer).__name__}: `{self.name}` {must}, got {value!r}.")

    def form(self, cls) -> dict:
        """The palette's description of the argument (workbench/palette.py)."""
        entry = {"name": self.name, "type": self.type, **self.form_fields(cls),
                 "required": self.required}
        if not self.required:
            entry["default"] = _json(self.default)
        entry["nullable"] = self.default is None
        if self.required and self.suggested is not None:
            entry["suggested"] = self.suggested
        return entry

    def form_fields(self, cls) -> dict:
        return {}


@dataclasses.dataclass
class Int(Argument):
    minimum: int | None = None
    type: ClassVar[str] = "int"

    def convert(self, layer, value):
        if not _is_int(value) or (self.minimum is not None and value < self.minimum):
            raise self.error(layer, f"must be {self._kind()}", value)
        return int(value)

    def _kind(self) -> str:
        if self.minimum is None:
            return "an integer"
        return "a positive integer" if self.minimum == 1 else f"an integer >= {self.minimum}"

    def form_fields(self, cls):
        return {} if self.minimum is None else {"minimum": self.minimum}


@dataclasses.dataclass
class Float(Argument):
    """A real number in [minimum, maximum] (`below`: maximum itself excluded)."""

    minimum: float | None = None
    maximum: float | None = None
    below: bool = False
    above: bool = False  # minimum itself excluded
    type: ClassVar[str] = "float"

    def convert(self, layer, value):
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise self.error(layer, "must be a number", value)
        low = self.minimum is None or (value > self.minimum if self.above else
                                       value >= self.minimum)
        high = self.maximum is None or (value < self.maximum if self.below else
                                        value <= self.maximum)
        if not (low and high):
            raise self.error(layer, f"must be in {self._range()}", value)
        return float(value)

    def _range(self) -> str:
        opening = "(" if self.above else "["
        if self.maximum is None:
            return f"{opening}{self.minimum:g}, inf)"
        closing = ")" if self.below else "]"
        return f"{opening}{self.minimum:g}, {self.maximum:g}{closing}"

    def form_fields(self, cls):
        """The range as JSON Schema says it: an excluded end is exclusive_minimum/maximum."""
        low = "exclusive_minimum" if self.above else "minimum"
        high = "exclusive_maximum" if self.below else "maximum"
        return {key: value for key, value in ((low, self.minimum), (high, self.maximum))
                if value is not None}


@dataclasses.dataclass
class Bool(Argument):
    type: ClassVar[str] = "bool"

    def convert(self, layer, value):
        if not isinstance(value, (bool, np.bool_)):
            raise self.error(layer, "must be True or False", value)
        return bool(value)


@dataclasses.dataclass
class Choice(Argument):
    choices: tuple = ()
    type: ClassVar[str] = "choice"

    def convert(self, layer, value):
        if not isinstance(value, str) or value.lower() not in self.choices:
            raise self.error(layer, f"must be one of {', '.join(map(repr, self.choices))}", value)
        return value.lower()

    def form_fields(self, cls):
        return {"choices": list(self.choices)}


@dataclasses.dataclass
class ActivationName(Argument):
    """An activation by name (or one of engine.activations' functions, or a registered function
    of the user's own); None is "linear"."""

    type: ClassVar[str] = "choice"

    def check(self, layer, value):
        try:
            return activations.check(value)
        except LayerConfigError as error:
            if callable(value):
                raise LayerConfigError(f"{type(layer).__name__}: `{self.name}`: {error}") from None
            raise self.error(layer, f"must be one of {', '.join(activations.NAMES)}",
                             value) from None

    def form(self, cls):
        entry = super().form(cls)
        if self.default is None:  # the canonical name of no activation, as get_config gives
            entry["default"], entry["nullable"] = "linear", False
        return entry

    def form_fields(self, cls):
        return {"choices": list(activations.NAMES)}


@dataclasses.dataclass
class InitializerName(Argument):
    type: ClassVar[str] = "choice"

    def convert(self, layer, value):
        try:
            return initializers.check(value)
        except LayerConfigError:
            raise self.error(layer, f"must be one of {', '.join(initializers.NAMES)}",
                             value) from None

    def form_fields(self, cls):
        return {"choices": list(initializers.NAMES)}


@dataclasses.dataclass
class RegularizerName(Argument):
    """A regularizer as Keras takes one (engine.regularizers.get): a name, a Keras config
    dict, an object or a function; get_config gives Keras's dict."""

    type: ClassVar[str] = "choice"

    def convert(self, layer, value):
        try:
            return regularizers.get(value)
        except ValueError as error:
            raise self.error(layer, f"must be one of {', '.join(regularizers.NAMES)}, a "
                             f"Keras config dict or a regularizer ({error})", value) from None

    def config_value(self, value):
        return regularizers.serialize(value)

    def form_fields(self, cls):
        return {"choices": list(regularizers.NAMES)}


@dataclasses.dataclass
class ConstraintName(Argument):
    """A weight constraint as Keras takes one (engine.constraints.get): a name, a Keras
    config dict, an object or a function; get_config gives Keras's dict."""

    type: ClassVar[str] = "choice"

    def convert(self, layer, value):
        try:
            return constraints.get(value)
        except ValueError as error:
            raise self.error(layer, f"must be one of {', '.join(constraints.NAMES)}, a Keras "
                             f"config dict or a constraint ({error})", value) from None

    def config_value(self, value):
        return constraints.serialize(value)

    def form_fields(self, cls):
        return {"choices": list(constraints.NAMES)}


@dataclasses.dataclass
class DTypeName(Argument):
    """A NumPy dtype's name; the form offers the usual ones."""

    type: ClassVar[str] = "choice"

    def convert(self, layer, value):
        try:
            return np.dtype(value).name
        except TypeError:
            raise self.error(layer, "must be a dtype name such as 'float32'", value) from None

    def form_fields(self, cls):
        return {"choices": ["float32", "float64", "int32"]}


@dataclasses.dataclass
class Window(Argument):
    """Positive sizes, one per spatial axis (the class's `rank`): 3 means (3, 3) in 2-D."""

    type: ClassVar[str] = "int_or_int_list"

    def convert(self, layer, value):
        rank = layer.rank
        values = (value,) * rank if _is_int(value) else value
        if not isinstance(values, (tuple, list)) or len(values) != rank or not all(
            _is_int(v) and v > 0 for v in values
        ):
            raise self.error(layer, f"must be a positive int or a tuple of {rank} of them", value)
        return tuple(int(v) for v in values)

    def form_fields(self, cls):
        return {"length": cls.rank}


@dataclasses.dataclass
class Axes(Argument):
    """An axis, or (with `several`) a list of them."""

    several: bool = False
    type: ClassVar[str] = "int"

    def convert(self, layer, value):
        if self.several and isinstance(value, (list, tuple)):
            if not value or not all(_is_int(a) for a in value):
                raise self.error(layer, "must be an int or a non-empty list of ints", value)
            return [int(a) for a in value]
        if not _is_int(value):
            raise self.error(layer, "must be an int", value)
        return int(value)

    def form(self, cls):
        return {**super().form(cls), "type": "int_or_int_list" if self.several else "int"}


@dataclasses.dataclass
class Sizes(Argument):
    """A tuple of sizes: a shape without its batch axis (`unknown`: None allowed) or a
    Reshape target (`wildcard`: one -1 allowed)."""

    unknown: bool = False
    wildcard: bool = False
    type: ClassVar[str] = "int_list"

    def convert(self, layer, value):
        if not isinstance(value, (tuple, list)):
            raise self.error(layer, "must be a tuple of sizes", value)
        sizes = []
        for size in value:
            if size is None and self.unknown:
                sizes.append(None)
            elif _is_int(size) and (size > 0 or (self.wildcard and size == -1)):
                sizes.append(int(size))
            else:
                allowed = ", None for unknown" if self.unknown else ""
                allowed += ", one -1 for the rest" if self.wildcard else ""
                raise self.error(layer, f"must be a tuple of positive sizes{allowed}", value)
        if sizes.count(-1) > 1:
            raise self.error(layer, "may have one -1 (the size that takes the rest), not more",
                             value)
        return tuple(sizes)

    def form(self, cls):
        return {**super().form(cls), "type": "shape" if self.unknown else "int_list"}


def _is_int(value) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _json(value):
    return list(value) if isinstance(value, tuple) else value


# ---------------------------------------------------------------------------- declaration
@dataclasses.dataclass(frozen=True)
class Translations:
    """How a layer exports to each target (see the module docstring); None: not yet."""

    torch: Callable | None = None
    torch_weights: Callable | None = None  # None: no parameters in the torch module
    arrays: Callable | None = None  # JAX and TensorFlow
    onnx: Callable | None = None


@dataclasses.dataclass(frozen=True)
class Declaration:
    """What the palette, the editor, the allowlist and the exporters know of a layer class."""

    cls: type
    category: str
    ports: tuple
    arguments: tuple  # Argument, in constructor order
    translations: Translations = Translations()

    @property
    def name(self) -> str:
        return self.cls.__name__

    def forms(self) -> list:
        return [argument.form(self.cls) for argument in self.arguments]


DECLARED: dict = {}  # class name -> Declaration, in the order the classes were declared


@dataclass_transform(field_specifiers=(Argument,))
def declare(category: str, ports: tuple = ONE_TENSOR):
    """The class decorator: see the module docstring."""
    if category not in CATEGORIES:
        raise ValueError(f"Unknown palette category {category!r}; one of {CATEGORIES}.")

    def decorate(cls):
        arguments = _arguments_of(cls)
        if "__init__" not in cls.__dict__:
            cls.__init__ = _init(cls, arguments)
        if "get_config" not in cls.__dict__:
            cls.get_config = _get_config(cls, arguments)
        DECLARED[cls.__name__] = Declaration(cls, category, tuple(ports), arguments)
        return cls

    return decorate


def exports(*classes, **translations) -> None:
    """Register how the declared `classes` export: Translations' fields by name."""
    for cls in classes:
        declaration = DECLARED[cls.__name__]
        DECLARED[cls.__name__] = dataclasses.replace(
            declaration, translations=Translations(**translations))


def translation(kind: str, target: str) -> Callable | None:
    """The translation registered for layer class `kind` and `target` (a Translations field),
    or None."""
    declaration = DECLARED.get(kind)
    return getattr(declaration.translations, target) if declaration else None


def _arguments_of(cls) -> tuple:
    """The Arguments of `cls` and its bases, base classes' first, keyword-only ones last. A
    subclass may redeclare one (another default) and it keeps its place; a new one goes
    where its `after` says."""
    found = {}
    for klass in reversed(cls.__mro__):
        for name, value in vars(klass).items():
            if isinstance(value, Argument):
                found[name] = value
    order = [a for a in found.values() if a.after is None]
    for argument in (a for a in found.values() if a.after is not None):
        order.insert(order.index(found[argument.after]) + 1, argument)
    return tuple(sorted(order, key=lambda a: a.keyword_only))


def _init(cls, arguments):
    parameters = [
        inspect.Parameter(
            a.name,
            inspect.Parameter.KEYWORD_ONLY if a.keyword_only
            else inspect.Parameter.POSITIONAL_OR_KEYWORD,
            default=a.default,
        )
        for a in arguments
    ]
    signature = inspect.Signature(
        [inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD), *parameters,
         inspect.Parameter("kwargs", inspect.Parameter.VAR_KEYWORD)]
    )

    def init(self, *args, **kwargs):
        try:
            bound = signature.bind(self, *args, **kwargs)
        except TypeError as error:
            raise TypeError(f"{cls.__name__}(): {error}") from None
        bound.apply_defaults()
        values = bound.arguments
        checked = {a.name: a.check(self, values[a.name]) for a in arguments}
        super(cls, self).__init__(**values["kwargs"])
        for name, value in checked.items():
            setattr(self, name, value)
        configure = getattr(self, "configure", None)
        if configure is not None:
            configure()

    init.__signature__ = signature
    init.__name__ = "__init__"
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    init.__doc__ = f"{cls.__name__}({', '.join(map(str, parameters))}, **kwargs)"
    return init


def _get_config(cls, arguments):
    def get_config(self) -> dict:
        config = super(cls, self).get_config()
        config.update({a.name: a.config_value(getattr(self, a.name)) for a in arguments})
        return config

    get_config.__qualname__ = f"{cls.__qualname__}.get_config"
    return get_config
