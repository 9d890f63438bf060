"""The course notebooks' exercises: check an answer and get a tick or a hint.

    from workbench.exercises import check, hint
    answer = ...                       # the learner replaces ... with a value
    check("quickstart.conv_params", answer)
    ✓ quickstart.conv_params: right. ...

An answer is a value the checker looks at (a number, a word, a shape, a model); a string is
only ever compared or parsed as a number, never run as code. A wrong answer, or one whose
checking fails (a model that cannot predict the test data...), gets a hint, not a traceback.
`grade` returns the same feedback as a value, for tests; `solution` is for teachers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

UNANSWERED = ...  # what an exercise cell holds until the learner writes an answer


@dataclass(frozen=True)
class Exercise:
    id: str  # "lesson.name"
    question: str
    judge: Callable[[object], str | None]  # None when the answer is right, else a hint
    hint: str  # the general hint, for a blank answer or when asked
    solution: str
    explanation: str = ""  # shown with the tick


@dataclass(frozen=True)
class Feedback:
    exercise: str
    status: str  # "correct" | "wrong" | "unanswered"
    message: str

    def __bool__(self) -> bool:
        return self.status == "correct"

    def __str__(self) -> str:
        symbol = {"correct": "✓", "wrong": "✗", "unanswered": "…"}[self.status]
        return f"{symbol} {self.exercise}: {self.message}"


class UnknownExerciseError(KeyError):
    """An exercise id that is not registered (a typo in a notebook)."""

    def __str__(self) -> str:
        return self.args[0]


# ------------------------------------------------------------------------------ the API
def grade(exercise_id: str, answer) -> Feedback:
    """The feedback for `answer`, without printing it."""
    exercise = _find(exercise_id)
    if answer is UNANSWERED:
        return Feedback(
            exercise.id,
            "unanswered",
            f"replace ... with your answer. {exercise.question} Hint: {exercise.hint}",
        )
    try:
        problem = exercise.judge(answer)
    except Exception as error:  # the learner's object failed while being checked
        problem = f"checking your answer failed: {error}"
    if problem is None:
        return Feedback(exercise.id, "correct", f"right. {exercise.explanation}".strip())
    return Feedback(exercise.id, "wrong", f"not yet. {problem}")


def check(exercise_id: str, answer) -> None:
    """Print whether `answer` is right, or a hint."""
    print(grade(exercise_id, answer))


def hint(exercise_id: str) -> None:
    exercise = _find(exercise_id)
    print(f"{exercise.id}: {exercise.question}\nHint: {exercise.hint}")


def solution(exercise_id: str) -> None:
    exercise = _find(exercise_id)
    print(f"{exercise.id}: {exercise.solution}")


def ids(lesson: str | None = None) -> list[str]:
    """The exercise ids, of one lesson or of all."""
    return [i for i in EXERCISES if lesson is None or i.split(".")[0] == lesson]


def _find(exercise_id: str) -> Exercise:
    if exercise_id not in EXERCISES:
        raise UnknownExerciseError(
            f"There is no exercise {exercise_id!r}. The exercises are: {', '.join(EXERCISES)}."
        )
    return EXERCISES[exercise_id]


# -------------------------------------------------------------------------- judges
def number(expected: float, near: dict | None = None, tolerance: float = 1e-3):
    """A number within `tolerance` (relative) of `expected`; `near` maps likely wrong
    answers to their hints."""
    near = near or {}

    def judge(answer):
        value, problem = _as_number(answer)
        if problem:
            return problem
        if math.isclose(value, expected, rel_tol=tolerance, abs_tol=1e-12):
            return None
        for wrong, message in near.items():
            if math.isclose(value, wrong, rel_tol=tolerance, abs_tol=1e-12):
                return message
        return f"{value:g} is not it."

    return judge


def choice(correct: str, wrong: dict):
    """One of a few words (case and spaces ignored; True/False read as "yes"/"no"); `wrong`
    maps each wrong option to its hint."""

    options = f"answer with one of: {', '.join(map(repr, [correct, *wrong]))}."

    def judge(answer):
        word = ("yes" if answer else "no") if isinstance(answer, bool) else answer
        if not isinstance(word, str):
            return options
        word = " ".join(word.lower().split())
        return None if word == correct else wrong.get(word, options)

    return judge


def shape(expected: tuple, near: dict | None = None):
    """A shape, as a tuple or list of ints; a leading None (the batch) is allowed."""
    near = near or {}

    def judge(answer):
        if not isinstance(answer, (tuple, list)) or not all(
            isinstance(d, (int, np.integer)) and not isinstance(d, bool) or d is None
            for d in answer
        ):
            return "write the shape as a tuple of whole numbers, like (4, 4, 16)."
        dims = tuple(int(d) for d in answer if d is not None)
        if dims == expected:
            return None
        return near.get(dims, f"{dims} is not it.")

    return judge


def _as_number(answer) -> tuple[float, str | None]:
    if isinstance(answer, bool):
        return 0.0, "the answer is a number, not True or False."
    if isinstance(answer, str):
        try:
            return float(answer.replace(",", "").replace("_", "")), None
        except ValueError:
            return 0.0, (
                f"the answer is a number; {answer!r} is text. Compute it in Python "
                "(answer = 16 * 9 + 16) or write the value."
            )
    try:
        value = float(np.asarray(answer).item())
    except (TypeError, ValueError):
        return 0.0, f"the answer is a number, not a {type(answer).__name__}."
    return value, None if math.isfinite(value) else "the answer is a finite number."


# ------------------------------------------------------------------- judges of models
def _model_of(answer):
    """The engine model in `answer`: a model, or a widget or session that has one."""
    from engine import Model

    candidate = getattr(answer, "model", answer)
    if isinstance(candidate, Model):
        return candidate
    raise _HintError(
        f"pass the model itself (a {type(answer).__name__} is not an engine model): "
        "check(..., model)."
    )


class _HintError(Exception):
    """Raised inside a judge to answer with this hint."""


def _judge_model(checks: Callable):
    def judge(answer):
        try:
            return checks(_model_of(answer))
        except _HintError as message:
            return str(message)

    return judge


def _require_input(model, shape_wanted: tuple) -> None:
    if len(model.inputs) != 1 or tuple(model.inputs[0].shape[1:]) != shape_wanted:
        given = [tuple(t.shape[1:]) for t in model.inputs]
        raise _HintError(
            f"the model should take one input of shape {shape_wanted}; yours takes "
            f"{given[0] if len(given) == 1 else given}."
        )


def accuracy(model, x, y) -> float:
    """The share of samples of (x, y) the model labels right: argmax for several classes,
    0.5 on a probability (0 on a logit) for one output."""
    output = np.asarray(model.predict(x, batch_size=256, verbose=0))
    if output.ndim != 2:
        raise _HintError(f"the model should output (batch, classes); it outputs {output.shape}.")
    if output.shape[-1] == 1:
        probabilities = getattr(model.outputs[0].node.layer, "activation", None) == "sigmoid"
        predicted = (output[:, 0] > (0.5 if probabilities else 0.0)).astype(int)
        return float(np.mean(predicted == y.reshape(-1).astype(int)))
    return float(np.mean(output.argmax(axis=-1) == y.reshape(-1)))


def accurate_on(
    dataset: str,
    threshold: float,
    layer_needed: str | None = None,
    max_params: int | None = None,
    test_fraction: float = 0.2,
):
    """A model scoring at least `threshold` on the test split of a workbench dataset (the
    split the notebook trains beside), optionally with a layer class and a size limit."""

    def checks(model):
        from workbench import datasets

        # The digits come flat or as images: test them as the model takes them.
        wanted = tuple(model.inputs[0].shape[1:])
        options = {"image": len(wanted) == 3} if dataset == "digits" else {}
        test = datasets.load(dataset, **options).split(test_fraction)[1]
        _require_input(model, tuple(test.x.shape[1:]))
        classes = {type(layer).__name__ for layer in model.layers}
        if layer_needed and layer_needed not in classes:
            raise _HintError(f"the exercise asks for a {layer_needed} layer; the model has none.")
        if max_params is not None and model.count_params() > max_params:
            raise _HintError(
                f"the model has {model.count_params()} parameters; the exercise allows "
                f"{max_params}. Use fewer units."
            )
        score = accuracy(model, test.x, test.y)
        if score >= threshold:
            return None
        return (
            f"it labels {score:.0%} of the test samples right; the aim is {threshold:.0%}. "
            "Train for more epochs, or give the model more capacity."
        )

    return _judge_model(checks)


def _branching(model):
    spec = model.to_spec()
    consumers: dict = {}
    merges = []
    for node in spec["nodes"]:
        sources = {ref["node"] for arg in node["args"] for ref in _refs(arg)}
        for source in sources:
            consumers[source] = consumers.get(source, 0) + 1
        if len(sources) > 1:
            merges.append(node["id"])
    forks = [n for n, count in consumers.items() if count > 1]
    if not forks:
        return "no tensor feeds two layers: split the graph by connecting one node to two."
    if not merges:
        return "the branches never meet again: join them with Add or Concatenate."
    return None


def _refs(arg) -> list:
    return arg if isinstance(arg, list) else [arg]


def _healthy_deep_net(model):
    """At least 10 hidden Dense layers on the flat digits, and gradients that reach the first
    layer: the inspector finds no vanishing gradients on a batch."""
    from engine.inspection import inspect
    from workbench import datasets

    _require_input(model, (64,))
    dense = sum(type(layer).__name__ == "Dense" for layer in model.layers)
    if dense < 11:
        raise _HintError(
            f"keep the depth: 10 hidden Dense layers and the output; yours has {dense}."
        )
    if model.optimizer is None:
        raise _HintError("compile the model first (model.compile(...)): inspecting needs its loss.")
    data = datasets.digits()
    report = inspect(model, data.x[:256], data.y[:256])
    vanishing = [d for d in report["diagnostics"] if d["id"] == "vanishing_gradients"]
    if vanishing:
        return f"the inspector still says: {vanishing[0]['message']}"
    return None


# ------------------------------------------------------------------------ the lessons
_ALL = [
    Exercise(
        "quickstart.conv_params",
        "How many parameters does Conv2D(16, 3) have on a 1-channel image?",
        number(
            160,
            {
                144: "that is the kernel (3×3×1×16); each filter also has a bias.",
                16: "that is only the biases; add the kernel's 3×3×1 weights per filter.",
                9: "that is one filter's kernel; there are 16 filters, each with a bias.",
            },
        ),
        "each of the 16 filters has a 3×3 kernel over 1 channel and one bias.",
        "16 × (3 × 3 × 1) + 16 = 160.",
        "16 filters × (3×3×1 weights + 1 bias); model.summary() agrees.",
    ),
    Exercise(
        "quickstart.flatten_size",
        'The digits are 8×8×1 images. After Conv2D(16, 3, padding="same") and MaxPooling2D(2), '
        "how many numbers per image does Flatten output?",
        number(
            256,
            {
                1024: "that is before pooling: MaxPooling2D(2) halves the height and width.",
                16: "that is the channels only; multiply by the 4×4 positions left.",
                64: "that is the input's size; the convolution makes 16 channels.",
            },
        ),
        '"same" padding keeps 8×8, pooling halves each side, and there are 16 channels.',
        "4 × 4 × 16 = 256.",
    ),
    Exercise(
        "quickstart.accurate_model",
        "Train a model that labels at least 87% of the digits' test split right (the test digits "
        "are by other writers: harder than the training ones).",
        accurate_on("digits", 0.87),
        "start from the CNN above (about 86% after its 12 epochs) and train a few more epochs.",
        "The notebook's CNN after 8 more epochs of Adam (batch 32), 20 in all, scores about 89%.",
    ),
    Exercise(
        "backends.iterations",
        '320 samples, batch_size=32: 3 epochs on NumPy, then engine.set_backend("torch") and 2 '
        "more epochs. What is model.optimizer.iterations after that?",
        number(
            50,
            {
                20: "the count did not restart at the switch: the optimizer's state moved.",
                30: "the 2 epochs on PyTorch continued the count: add them.",
                5: "iterations counts steps (batches), not epochs.",
            },
        ),
        "each epoch is 320 / 32 steps, and the step count moves with the model.",
        "(3 + 2) × 320 / 32 = 50.",
        "the switch moved Adam's step count with the weights: training just continued.",
    ),
    Exercise(
        "backends.first_step",
        "Why is the first training step on JAX or TensorFlow much slower than the others: "
        '"download", "compile" or "warmup data"?',
        choice(
            "compile",
            {
                "download": "nothing is downloaded: everything runs on this machine, offline.",
                "warmup data": "the data is the same NumPy arrays on every backend.",
            },
        ),
        "what do jax.jit and tf.function do the first time they see a function?",
        "compile: the step is traced and compiled once, then reused for every later step.",
        "the step is traced and compiled once (jax.jit, tf.function), then every step reuses it.",
    ),
    Exercise(
        "backends.same_weights",
        'After engine.set_backend("jax"), is the model\'s prediction the same as on NumPy '
        '(to float32 rounding): "yes" or "no"?',
        choice("yes", {"no": "the weights move bit for bit; only the rounding differs."}),
        "what moves with the model when the backend switches?",
        "yes: the weights move bit for bit; differences are float32 rounding (about 1e-6).",
    ),
    Exercise(
        "builder.concat_width",
        "Two branches end in Dense(16) and Dense(8) and meet in a Concatenate. How many "
        "features does it output?",
        number(
            24,
            {
                16: "Concatenate keeps both: put the 8 beside the 16.",
                8: "Concatenate keeps both: put the 8 beside the 16.",
                128: "Concatenate places the features side by side; it does not multiply.",
            },
        ),
        "Concatenate joins the last axis.",
        "16 + 8 = 24.",
    ),
    Exercise(
        "builder.add_branches",
        'Could an Add layer join those Dense(16) and Dense(8) branches: "yes" or "no"?',
        choice(
            "no",
            {
                "yes": "Add sums element by element, so its inputs must have the same shape; "
                "try it in the editor and read the node's message."
            },
        ),
        "Add sums its inputs element by element.",
        "no: Add needs equal shapes; 16 and 8 features differ (Concatenate would work).",
    ),
    Exercise(
        "builder.branching_model",
        "Build, in the editor or in code, a model whose graph splits into two branches that meet "
        "again, and pass it (or the editor) to check.",
        _judge_model(_branching),
        "connect one node to two layers, then join those two with Add or Concatenate.",
        "Input(4) → Dense(8) and Dense(8) → Concatenate → Dense(1); editor.model is the model.",
    ),
    Exercise(
        "deep.sigmoid_slope",
        "What is the largest slope (derivative) of the sigmoid?",
        number(
            0.25,
            {
                1: "that is ReLU's slope for positive inputs; the sigmoid's is flatter.",
                0.5: "that is the sigmoid's value at 0; its slope there is σ(0)(1 − σ(0)).",
            },
        ),
        "σ'(x) = σ(x)(1 − σ(x)), largest where σ(x) = 0.5.",
        "σ'(0) = 0.5 × 0.5 = 0.25.",
    ),
    Exercise(
        "deep.shrink_factor",
        "Each sigmoid layer multiplies the gradient by its slope (ignore the weights). Through 10 "
        "of them, at most what factor reaches the first layer?",
        number(
            0.25**10,
            tolerance=1e-2,
            near={
                4**10: "that is how many times smaller it gets; the factor is 1 / 4**10.",
                2.5: "slopes multiply through the layers; they do not add.",
                0.25: "that is one layer: there are 10 in a row.",
            },
        ),
        "the chain rule multiplies one slope per layer.",
        "0.25 ** 10 ≈ 9.5e-7: a millionth of the gradient at most.",
    ),
    Exercise(
        "deep.healthy_net",
        "Keep 10 hidden Dense layers of 32 units on the flat digits, and make the gradient reach "
        "the first layer (the inspector finds no vanishing gradients). Pass the compiled model.",
        _judge_model(_healthy_deep_net),
        "use ReLU with He initialisation, or add BatchNormalization after each Dense.",
        'Dense(32, activation="relu", kernel_initializer="he_normal") ×10, then Dense(10, '
        '"softmax"), compiled with a sparse categorical cross-entropy.',
    ),
    Exercise(
        "cnn.valid_shape",
        "What is the output shape of Conv2D(8, 3) (no padding) on an 8×8×1 image, without the "
        "batch axis?",
        shape(
            (6, 6, 8),
            {
                (8, 8, 8): 'without padding ("valid") a 3×3 kernel fits in 6 positions '
                "per side, not 8.",
                (6, 6, 1): "the last axis is the filters: there are 8.",
                (8, 8, 1): "a convolution changes the channels to its filters.",
            },
        ),
        "a 3×3 kernel fits 8 − 3 + 1 times along each side; the channels are the filters.",
        "(6, 6, 8).",
    ),
    Exercise(
        "cnn.weight_sharing",
        "Conv2D(8, 3) on the 8×8×1 digits has 80 parameters. A Dense layer mapping the 64 "
        "pixels to the same 6×6×8 = 288 outputs has how many times more?",
        number(
            18720 / 80,
            {
                18720: "that is the Dense layer's count; divide it by the 80.",
                18432 / 80: "the Dense layer has a bias for each of its 288 outputs too.",
            },
            tolerance=1e-2,
        ),
        "Dense(288) on 64 inputs has 64 × 288 weights and 288 biases.",
        "(64 × 288 + 288) / 80 = 234: the convolution shares one small kernel over the image.",
    ),
    Exercise(
        "cnn.accurate_cnn",
        "Train a CNN (with at least one Conv2D) that labels 90% of the digits' test split right.",
        accurate_on("digits", 0.9, layer_needed="Conv2D"),
        "two Conv2D layers with pooling between, Dropout, then Dense; train 15 epochs.",
        "Conv2D(16, 3, same, relu) → MaxPooling2D(2) → Conv2D(32, 3, same, relu) → Flatten → "
        "Dropout(0.3) → Dense(10, softmax), Adam, 15 epochs (about 92%).",
    ),
    Exercise(
        "playground.linear_xor",
        'Can a network without a hidden layer (Dense(1, "sigmoid") on the 2 inputs) separate '
        'XOR: "yes" or "no"?',
        choice(
            "no",
            {
                "yes": "its decision boundary is one straight line; try it in the "
                "playground and look at the boundary."
            },
        ),
        "what shape is the boundary where w·x + b = 0?",
        "no: one neuron draws one straight line, and XOR's classes sit in opposite corners.",
    ),
    Exercise(
        "playground.small_xor",
        "Train a network with at most 20 parameters that labels 95% of the XOR test split right.",
        accurate_on("xor", 0.95, max_params=20, test_fraction=0.3),
        "one hidden layer of 3 or 4 tanh units is enough; train a few hundred steps.",
        'Dense(4, "tanh") → Dense(1, "sigmoid") (17 parameters), Adam(0.05), 100 epochs.',
    ),
    Exercise(
        "playground.spiral_model",
        "Train a network that labels 90% of the spirals' test split right.",
        accurate_on("spirals", 0.9, test_fraction=0.3),
        "the spirals need more units and layers than XOR; try two hidden ReLU layers of 32.",
        'Dense(32, "relu") ×2 → Dense(1, "sigmoid"), Adam(0.01), 100 epochs (about 98%).',
    ),
    Exercise(
        "attention.scores_shape",
        "With 2 heads on a sequence of 6 tokens, what is the shape of one sample's attention "
        "weights (heads, queries, keys)?",
        shape(
            (2, 6, 6),
            {
                (6, 6): "there is one such matrix per head.",
                (2, 6): "each query has a weight for every key.",
            },
        ),
        "every head gives every query a weight for every key.",
        "(2, 6, 6).",
    ),
    Exercise(
        "attention.reverse_key",
        "Reversing 6 tokens, which key position should the query at position 0 attend to most?",
        number(
            5,
            {
                0: "that copies the input; the reversed output starts with the last token.",
                6: "positions count from 0: the last of 6 is 5.",
            },
        ),
        "output position i holds input token 5 − i.",
        "5: the attention map is the anti-diagonal.",
    ),
    Exercise(
        "attention.positions_needed",
        'Without the position embedding, could the model learn to reverse: "yes" or "no"?',
        choice(
            "no",
            {
                "yes": "without positions, attention sees a set of tokens: shuffling the "
                "input shuffles its output the same way, so it cannot know what "
                "comes last."
            },
        ),
        "does attention by itself know the order of its inputs?",
        "no: attention is permutation-equivariant; only the position embedding tells order.",
        "attention alone treats the sequence as a set; positions give it order.",
    ),
]

EXERCISES = {exercise.id: exercise for exercise in _ALL}
