"""Every layer is declared once (engine/layers/declaration.py), and what reads the declarations
(the allowlist, the palette, constructors, get_config) agrees with it and with Keras 3."""

import inspect

import pytest

from engine.errors import LayerConfigError
from engine.layers import LAYERS, declaration
from engine.layers.declaration import DECLARED, REQUIRED, Argument, Bool, Int, Port, declare
from engine.layers.layer import Layer
from workbench import palette

# Where the engine's default differs from Keras 3's, and why.
KERAS_DEFAULTS_DIFFER = {
    ("InputLayer", "dtype"): "Keras's None means floatx, which is float32 here",
    ("InputLayer", "shape"): "Keras's shape is optional (batch_shape may say it instead)",
}


def test_the_allowlist_is_the_declared_layers():
    assert LAYERS and set(LAYERS) <= set(DECLARED)
    for name, cls in LAYERS.items():
        assert DECLARED[name].cls is cls and DECLARED[name].category in declaration.CATEGORIES


def test_a_layer_declared_later_does_not_join_the_allowlist():
    @declare("core")
    class Doubling(Layer):
        """Twice its input."""

        factor = Int(2, minimum=1)

    try:
        assert Doubling().factor == 2 and "Doubling" not in LAYERS
        with pytest.raises(KeyError):
            palette.arguments("Doubling")
    finally:
        del DECLARED["Doubling"]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_constructor_config_and_palette_come_from_the_declaration(name):
    cls, arguments = LAYERS[name], DECLARED[name].arguments
    parameters = inspect.signature(cls).parameters
    assert [a.name for a in arguments] == [p for p in parameters if p != "kwargs"]
    for argument in arguments:
        assert parameters[argument.name].default is argument.default
    layer = cls(**palette.defaults(name), name=f"declared_{name.lower()}")
    config = layer.get_config()
    assert {a.name for a in arguments} <= set(config)
    assert cls.from_config(config).get_config() == config
    forms = {form["name"]: form for form in palette.arguments(name)}
    for argument in arguments:
        assert forms[argument.name]["required"] == argument.required
        assert forms[argument.name]["type"] in {
            "int", "float", "bool", "string", "choice", "shape", "int_list", "int_or_int_list"
        }
    entry = next(e for e in palette.palette() if e["class"] == name)
    assert [a["name"] for a in entry["args"]] == [p.name for p in DECLARED[name].ports]


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_names_and_defaults_are_keras_3s(name):
    keras = pytest.importorskip("keras")
    keras_parameters = inspect.signature(getattr(keras.layers, name).__init__).parameters
    layer = LAYERS[name](**palette.defaults(name))
    for argument in DECLARED[name].arguments:
        assert argument.name in keras_parameters, f"{name}({argument.name}=) is not Keras's"
        keras_default = keras_parameters[argument.name].default
        if (name, argument.name) in KERAS_DEFAULTS_DIFFER or keras_default is REQUIRED:
            continue
        ours, theirs = (argument.check(layer, v) for v in (argument.default, keras_default))
        assert ours == theirs, f"{name}({argument.name}=): {ours!r}, Keras {theirs!r}"


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_every_regularizer_and_constraint_keras_takes_is_taken(name):
    keras = pytest.importorskip("keras")
    keras_parameters = inspect.signature(getattr(keras.layers, name).__init__).parameters
    ours = {argument.name for argument in DECLARED[name].arguments}
    missing = [p for p in keras_parameters
               if p.endswith(("_regularizer", "_constraint")) and p not in ours]
    assert not missing, f"{name} lacks Keras's {missing}"


def test_keras_aliases_of_a_layer_are_the_same_class_here():
    keras = pytest.importorskip("keras")
    from engine import layers

    for name in sorted(LAYERS):
        keras_class = getattr(keras.layers, name, None)
        aliases = [a for a in dir(keras.layers)
                   if a != name and getattr(keras.layers, a) is keras_class]
        for alias in aliases:
            assert getattr(layers, alias, None) is LAYERS[name], f"{alias} is not {name}"


BAD_VALUES = {"int": "three", "float": "half", "bool": "yes", "choice": 7, "shape": 5,
              "int_list": 5, "int_or_int_list": "3x3", "string": 5}


@pytest.mark.parametrize(
    "name, argument",
    [(name, a) for name in sorted(LAYERS) for a in DECLARED[name].arguments],
    ids=lambda value: value if isinstance(value, str) else value.name,
)
def test_a_bad_argument_is_refused_naming_layer_and_argument(name, argument):
    config = palette.defaults(name)
    form = argument.form(LAYERS[name])
    config[argument.name] = BAD_VALUES[form["type"]]
    with pytest.raises(LayerConfigError) as raised:
        LAYERS[name](**config)
    message = str(raised.value)
    assert argument.name in message, message


def test_positional_order_follows_keras_where_a_subclass_inserts_an_argument():
    lstm = LAYERS["LSTM"](4, "relu", "tanh", False)
    assert (lstm.activation, lstm.recurrent_activation, lstm.use_bias) == ("relu", "tanh", False)
    with pytest.raises(TypeError, match="LSTM"):
        LAYERS["LSTM"](4, "relu", "tanh", False, "zeros")  # the rest are keyword-only


def test_ranges_reach_the_palette_as_json_schema_says_them():
    rate = next(a for a in palette.arguments("Dropout") if a["name"] == "rate")
    assert (rate["minimum"], rate["exclusive_maximum"]) == (0.0, 1.0)
    epsilon = next(a for a in palette.arguments("LayerNormalization") if a["name"] == "epsilon")
    assert epsilon["exclusive_minimum"] == 0.0 and "minimum" not in epsilon
    units = next(a for a in palette.arguments("Dense") if a["name"] == "units")
    assert units["minimum"] == 1 and units["suggested"] == 32


@pytest.mark.parametrize("value, error", [
    (0, "must be a positive integer, got 0"), (True, "must be a positive integer, got True"),
    (2.0, "must be a positive integer, got 2.0"),
])
def test_int_arguments(value, error):
    with pytest.raises(LayerConfigError, match=error):
        LAYERS["Dense"](value)


def test_a_declared_argument_kind_is_one_place_to_change():
    """A layer file may declare an argument kind of its own (MultiHeadAttention does)."""

    class Even(Argument):
        def convert(self, layer, value):
            if value % 2:
                raise self.error(layer, "must be even", value)
            return value

    @declare("core", ports=(Port("inputs"),))
    class Pairs(Layer):
        """Pairs of values."""

        size = Even(2)
        flag = Bool(False, keyword_only=True)

    try:
        assert Pairs(4).size == 4 and Pairs(flag=True).flag
        with pytest.raises(LayerConfigError, match="Pairs: `size` must be even, got 3"):
            Pairs(3)
        assert str(inspect.signature(Pairs)) == "(size=2, *, flag=False, **kwargs)"
    finally:
        del DECLARED["Pairs"]


@pytest.mark.parametrize("name", sorted(set(LAYERS) - {"InputLayer"}))
def test_every_layer_registers_a_translation_for_every_export_target(name):
    translations = DECLARED[name].translations  # torch_weights only where torch has parameters
    missing = [t for t in ("torch", "arrays", "onnx") if getattr(translations, t) is None]
    assert not missing, f"{name} has no translation for {missing}: see declaration.exports"
