"""The course's exercise checker: right answers tick, wrong ones get a hint and never a
traceback, text is never run, and every exercise a notebook asks for exists."""

import functools
import json
import pathlib
import re

import numpy as np
import pytest

import engine
from engine import layers
from workbench import datasets, exercises
from workbench.exercises import check, grade

NOTEBOOKS = pathlib.Path(__file__).resolve().parents[2] / "notebooks"


def sequential(*stack, input_shape=(2,), optimizer="adam", loss="binary_crossentropy"):
    model = engine.Sequential([layers.Input(input_shape), *stack])
    model.compile(optimizer=optimizer, loss=loss)
    return model


def trained(model, dataset, epochs, test_fraction=0.2):
    train, _ = dataset.split(test_fraction)
    model.fit(train.x, train.y, epochs=epochs, batch_size=32, verbose=0)
    return model


@functools.cache
def digits_cnn():
    model = sequential(
        layers.Conv2D(16, 3, padding="same", activation="relu"),
        layers.MaxPooling2D(2),
        layers.Conv2D(32, 3, padding="same", activation="relu"),
        layers.Flatten(),
        layers.Dropout(0.3),
        layers.Dense(10, activation="softmax"),
        input_shape=(8, 8, 1),
        loss="sparse_categorical_crossentropy",
    )
    return trained(model, datasets.digits(image=True), epochs=15)


def branching():
    inputs = layers.Input((4,))
    left, right = layers.Dense(8)(inputs), layers.Dense(8)(inputs)
    return engine.Model(inputs, layers.Dense(1)(layers.Concatenate()([left, right])))


def deep_net(activation, **dense):
    hidden = [layers.Dense(32, activation=activation, **dense) for _ in range(10)]
    return sequential(
        *hidden,
        layers.Dense(10, activation="softmax"),
        input_shape=(64,),
        optimizer="sgd",
        loss="sparse_categorical_crossentropy",
    )


# A right answer for every exercise: values, or functions making the model asked for.
RIGHT = {
    "quickstart.conv_params": 160,
    "quickstart.flatten_size": 256,
    "quickstart.accurate_model": digits_cnn,
    "backends.iterations": 50,
    "backends.first_step": "Compile",
    "backends.same_weights": True,
    "builder.concat_width": 24,
    "builder.add_branches": "no",
    "builder.branching_model": branching,
    "deep.sigmoid_slope": 0.25,
    "deep.shrink_factor": 9.5e-7,
    "deep.healthy_net": lambda: deep_net("relu", kernel_initializer="he_normal"),
    "cnn.valid_shape": (None, 6, 6, 8),
    "cnn.weight_sharing": 234,
    "cnn.accurate_cnn": digits_cnn,
    "playground.linear_xor": "no",
    "playground.small_xor": lambda: trained(
        sequential(
            layers.Dense(4, activation="tanh"),
            layers.Dense(1, activation="sigmoid"),
            optimizer=engine.optimizers.Adam(0.05),
        ),
        datasets.xor(),
        epochs=100,
        test_fraction=0.3,
    ),
    "playground.spiral_model": lambda: trained(
        sequential(
            layers.Dense(32, activation="relu"),
            layers.Dense(32, activation="relu"),
            layers.Dense(1, activation="sigmoid"),
            optimizer=engine.optimizers.Adam(0.01),
        ),
        datasets.spirals(),
        epochs=100,
        test_fraction=0.3,
    ),
    "attention.scores_shape": [2, 6, 6],
    "attention.reverse_key": 5,
    "attention.positions_needed": "no",
}


def test_every_exercise_has_a_right_answer_here():
    assert sorted(RIGHT) == sorted(exercises.ids())


@pytest.mark.parametrize("exercise_id", sorted(RIGHT))
def test_a_right_answer_gets_a_tick(exercise_id):
    answer = RIGHT[exercise_id]
    feedback = grade(exercise_id, answer() if callable(answer) else answer)
    assert feedback.status == "correct", feedback.message
    assert str(feedback).startswith(f"✓ {exercise_id}: right.")


@pytest.mark.parametrize(
    "exercise_id, answer, hint",
    [
        ("quickstart.conv_params", 144, "each filter also has a bias"),
        ("quickstart.conv_params", 7, "7 is not it"),
        ("quickstart.conv_params", "lots", "is text"),
        ("quickstart.conv_params", True, "not True or False"),
        ("quickstart.conv_params", [160, 1], "not a list"),
        ("quickstart.conv_params", float("nan"), "finite number"),
        ("backends.iterations", 20, "did not restart"),
        ("backends.first_step", "download", "offline"),
        ("backends.first_step", 3, "answer with one of"),
        ("backends.first_step", "no idea", "answer with one of"),
        ("cnn.valid_shape", (8, 8, 8), "6 positions"),
        ("cnn.valid_shape", "6x6x8", "tuple of whole numbers"),
        ("cnn.valid_shape", (6, 6), "(6, 6) is not it"),
        ("attention.positions_needed", True, "shuffling the input"),
        ("builder.branching_model", "my model", "pass the model itself"),
        ("deep.healthy_net", 42, "pass the model itself"),
    ],
)
def test_a_wrong_answer_gets_its_hint(exercise_id, answer, hint):
    feedback = grade(exercise_id, answer)
    assert feedback.status == "wrong" and not feedback
    assert hint in feedback.message
    assert str(feedback).startswith(f"✗ {exercise_id}: not yet.")


def test_models_that_miss_the_mark_get_hints_that_say_why():
    chain = deep_net("relu")
    assert "no tensor feeds two layers" in grade("builder.branching_model", chain).message
    unjoined = layers.Input((4,))
    two_heads = engine.Model(unjoined, [layers.Dense(1)(unjoined), layers.Dense(2)(unjoined)])
    assert "never meet again" in grade("builder.branching_model", two_heads).message

    vanishing = grade("deep.healthy_net", deep_net("sigmoid")).message
    assert "vanishing gradients" in vanishing
    shallow = sequential(layers.Dense(10), input_shape=(64,), loss="mse")
    assert "10 hidden Dense layers" in grade("deep.healthy_net", shallow).message
    uncompiled = engine.Sequential([layers.Input((64,)), *[layers.Dense(4) for _ in range(11)]])
    assert "compile the model first" in grade("deep.healthy_net", uncompiled).message

    untrained = sequential(layers.Dense(10, activation="softmax"), input_shape=(64,))
    assert "the aim is 87%" in grade("quickstart.accurate_model", untrained).message
    wrong_input = sequential(layers.Dense(10), input_shape=(3,))
    assert "one input of shape (64,)" in grade("quickstart.accurate_model", wrong_input).message
    no_conv = sequential(layers.Dense(10), input_shape=(64,))
    assert "Conv2D layer" in grade("cnn.accurate_cnn", no_conv).message
    big = sequential(layers.Dense(64), layers.Dense(1), input_shape=(2,))
    assert "allows 20" in grade("playground.small_xor", big).message


def test_an_object_holding_a_model_is_accepted():
    class Editor:
        model = branching()

    assert grade("builder.branching_model", Editor())


def test_a_blank_answer_asks_for_one_with_the_question_and_hint(capsys):
    check("deep.sigmoid_slope", ...)
    printed = capsys.readouterr().out
    assert printed.startswith("… deep.sigmoid_slope: replace ... with your answer.")
    assert "largest slope" in printed and "σ'(x)" in printed


def test_text_is_never_run_as_code():
    assert not grade("quickstart.conv_params", "16 * 9 + 16")
    assert grade("quickstart.conv_params", " 160 ")  # a number written as text is read


def test_a_model_that_breaks_while_checked_gets_a_hint_not_a_traceback():
    broken = sequential(layers.Dense(10), input_shape=(64,))
    broken.predict = lambda *args, **kwargs: 1 / 0
    feedback = grade("quickstart.accurate_model", broken)
    assert feedback.status == "wrong" and "checking your answer failed" in feedback.message


def test_an_unknown_exercise_names_the_known_ones():
    with pytest.raises(exercises.UnknownExerciseError, match="quickstart.conv_params"):
        grade("quickstart.typo", 1)


def test_hint_and_solution_print(capsys):
    exercises.hint("cnn.valid_shape")
    exercises.solution("cnn.valid_shape")
    printed = capsys.readouterr().out
    assert "8 − 3 + 1" in printed and "(6, 6, 8)" in printed


def test_every_notebook_exercise_exists_and_every_exercise_is_in_a_notebook():
    asked = set()
    for path in NOTEBOOKS.glob("*.ipynb"):
        for cell in json.loads(path.read_text())["cells"]:
            if cell["cell_type"] == "code":
                asked |= set(re.findall(r"check\(\s*\"([\w.]+)\"", "".join(cell["source"])))
    assert asked == set(exercises.ids())


def test_accuracy_reads_probabilities_logits_and_classes():
    y = np.array([0, 1, 1, 0])
    x = np.array([[-1.0], [2.0], [3.0], [-4.0]], np.float32)
    logits = sequential(layers.Dense(1, use_bias=False), input_shape=(1,))
    logits.set_weights([np.ones((1, 1), np.float32)])
    assert exercises.accuracy(logits, x, y) == 1.0
    sigmoid = layers.Dense(1, activation="sigmoid", use_bias=False)
    probabilities = sequential(sigmoid, input_shape=(1,))
    probabilities.set_weights([np.ones((1, 1), np.float32)])
    assert exercises.accuracy(probabilities, x, y) == 1.0
    classes = sequential(layers.Dense(2, use_bias=False), input_shape=(1,))
    classes.set_weights([np.array([[-1.0, 1.0]], np.float32)])
    assert exercises.accuracy(classes, x, y) == 1.0
