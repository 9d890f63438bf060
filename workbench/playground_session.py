"""The playground's session: a small network on 2-D data, TensorFlow-Playground style.

One configuration (workbench/playground_config.py) is the single source of truth: the data,
the input features, the hidden layers, the activation, the regularisation and the learning rate.
`configure` changes part of it (checked first: a refused change changes nothing); data or
architecture changes build a fresh network, a learning rate change keeps the weights.
Training is a TrainingSession: `start` plays (many epochs) or steps (one epoch), `pause` ends the
run so every setting can change. On top of it the playground sends the model's output over the
plane (`grid` events, at most 10 a second while training) and the data points (`points`).
A model given by the user keeps its architecture; only the data and the learning rate change.
"""

from __future__ import annotations

import time

import numpy as np

from engine import Model, layers, losses, model_from_spec, optimizers, regularizers
from engine.training.callbacks import Callback
from workbench import datasets
from workbench import playground_config as settings
from workbench.datasets import Dataset
from workbench.errors import DatasetError
from workbench.playground_config import PlaygroundConfigError
from workbench.session import Event, Session
from workbench.training_session import ACTIVE, TrainingSession

GRID_INTERVAL = 0.1
# what a user's own model lets change: its architecture is its own
CUSTOM_MODEL_SETTINGS = (
    "dataset",
    "noise",
    "ratio",
    "samples",
    "seed",
    "batch_size",
    "learning_rate",
)
# settings that change how training goes on, not the network or the data
LIVE_SETTINGS = {"learning_rate", "batch_size"}


def default_model(classes: int = 2):
    """Two tanh layers of 8 units: a starting network for a user to change."""
    inputs = layers.Input((2,), name="x")
    hidden = layers.Dense(8, activation="tanh", name="hidden_1")(inputs)
    hidden = layers.Dense(8, activation="tanh", name="hidden_2")(hidden)
    if classes == 2:
        outputs = layers.Dense(1, activation="sigmoid", name="output")(hidden)
    else:
        outputs = layers.Dense(classes, activation="softmax", name="output")(hidden)
    return Model(inputs, outputs, name="playground")


def network(config: dict, draw: int = 0) -> Model:
    """The network a configuration describes, compiled (Adam at its learning rate), its
    initial weights drawn from the configuration's seed (and `draw`: each reset's own)."""
    inputs = layers.Input((len(config["features"]),), name="features")
    penalty = {"none": None, "l1": regularizers.L1, "l2": regularizers.L2}[config["regularization"]]
    x = inputs
    for index, units in enumerate(config["hidden"]):
        x = layers.Dense(
            units,
            activation=config["activation"],
            kernel_regularizer=penalty and penalty(config["regularization_rate"]),
            name=f"layer_{index + 1}",
        )(x)
    classify = config["problem"] == "classification"
    outputs = layers.Dense(
        1,
        activation="sigmoid" if classify else "linear",
        name="output",
    )(x)
    model = Model(inputs, outputs, name="playground")
    rng = np.random.default_rng([config["seed"], draw])
    for layer in model.layers[1:]:
        kernel, bias = layer.get_weights()
        limit = np.sqrt(6 / sum(kernel.shape))  # Glorot uniform, as Dense's default
        layer.set_weights([rng.uniform(-limit, limit, kernel.shape).astype(kernel.dtype), bias])
    model.compile(
        optimizer=optimizers.Adam(config["learning_rate"]),
        loss=losses.BinaryCrossentropy() if classify else "mse",
    )
    return model


class PlaygroundSession(Session):
    title = "playground"
    # the training intents are the TrainingSession's, but for these three
    own_training_intents = ("start", "pause", "set_learning_rate")
    handlers = {
        **TrainingSession.handlers,
        "configure": "on_configure",
        "set_dataset": "on_set_dataset",
        "set_resolution": "on_set_resolution",
        "reset_weights": "on_reset_weights",
        "start": "on_start",
        "pause": "on_pause",
        "set_learning_rate": "on_set_learning_rate",
    }

    def __init__(self, model=None, data: str | None = None, resolution: int = 48, config=None):
        super().__init__()
        if isinstance(config, str):
            config = settings.from_fragment(config)
        changes = dict(config or {})
        if data is not None:
            changes["dataset"] = data
        self.custom = model is not None
        if self.custom:
            if tuple(model.inputs[0].shape[1:]) != (2,) or len(model.inputs) != 1:
                raise DatasetError("The playground trains models with one input of shape (2,).")
            self._refuse_architecture(changes, settings.DEFAULTS)
        self.settings = settings.checked(changes)
        self.points, train, test = self._data(self.settings)
        model = model if model is not None else network(self.settings)
        self.resolution = resolution
        self.epoch, self.resets = 0, 0
        self._last_grid = 0.0
        self.training = TrainingSession(model, train, validation=test, callbacks=[_Grid(self)])
        self.training.config["batch_size"] = self.settings["batch_size"]
        if self.custom and "learning_rate" in changes:
            self.training.set_learning_rate(self.settings["learning_rate"])
        elif self.custom:
            rate = self.training.status()["learning_rate"]  # None: the optimizer's schedule
            self.settings["learning_rate"] = rate or self.settings["learning_rate"]
        self.training.subscribe(self._notify)  # its status and curves are ours

    @property
    def model(self):
        return self.training.model

    @property
    def config(self) -> dict:
        """The whole configuration: `Playground(config=...)` restores it exactly."""
        return {key: list(v) if isinstance(v, list) else v for key, v in self.settings.items()}

    @property
    def fragment(self) -> str:
        """The configuration as a URL-fragment-like string (also accepted as `config`)."""
        return settings.to_fragment(self.settings)

    def handler(self, intent_type: str):
        if intent_type in TrainingSession.handlers and intent_type not in self.own_training_intents:
            return self.training.handler(intent_type)
        return super().handler(intent_type)

    def state(self) -> dict:
        kinds = settings.CLASSIFICATION
        if self.settings["problem"] == "regression":
            kinds = settings.REGRESSION
        return {
            **self.training.state(),
            "dataset": {
                "name": self.settings["dataset"],
                "choices": list(kinds),
                "noise": self.settings["noise"],
                "samples": self.settings["samples"],
                "seed": self.settings["seed"],
                "task": self.training.data.task,
                "classes": self.training.data.classes,
            },
            "settings": {
                "values": self.config,
                "fragment": self.fragment,
                "custom_model": self.custom,
                "choices": {
                    "problem": list(settings.PROBLEMS),
                    "features": list(settings.FEATURES),
                    "activation": list(settings.ACTIVATIONS),
                    "regularization": list(settings.REGULARIZATIONS),
                    "max_layers": settings.MAX_LAYERS,
                    "max_neurons": settings.MAX_NEURONS,
                },
            },
            "epoch": self.epoch,
            "resolution": self.resolution,
            "extent": self.extent(),
        }

    def snapshot_events(self) -> list:
        return [*self.training.snapshot_events(), self.points_event(), self.grid_event()]

    # -------------------------------------------------------------------------- intents
    def on_configure(self, message) -> None:
        self.configure(message.changes)

    def configure(self, changes: dict) -> None:
        """Change some settings; data or architecture changes start a fresh network."""
        if self.custom:
            self._refuse_architecture(changes, self.settings)
        new = settings.checked(changes, self.settings)
        changed = {key for key in new if new[key] != self.settings[key]}
        if changed <= LIVE_SETTINGS:
            if "learning_rate" in changed:
                self.training.set_learning_rate(new["learning_rate"])
            self.settings = new
            self.training.config["batch_size"] = new["batch_size"]  # from the next start
            self.publish_state("settings", "config")
            return
        self._pause()
        points, train, test = self._data(new)
        model = network(new) if not self.custom else self._fresh_model()
        self.training.set_model(model, train, test)
        if self.custom:
            self.training.set_learning_rate(new["learning_rate"])
        self.settings, self.points, self.epoch = new, points, 0
        self.training.config["batch_size"] = new["batch_size"]
        self.publish_state()
        self.emit(self.points_event())
        self.emit(self.grid_event())

    def on_set_dataset(self, message) -> None:
        changes = {"dataset": message.name}
        for key in ("noise", "samples", "seed"):
            if getattr(message, key) is not None:
                changes[key] = getattr(message, key)
        try:
            self.configure(changes)
        except PlaygroundConfigError as error:
            raise DatasetError(str(error)) from error

    def on_set_resolution(self, message) -> None:
        self.resolution = message.resolution
        self.publish_state("resolution")
        self.emit(self.grid_event())

    def on_set_learning_rate(self, message) -> None:
        self.configure({"learning_rate": message.value})

    def on_start(self, message) -> None:
        """Play (many epochs) or step (one): training goes on from the current weights."""
        if message.batch_size != self.settings["batch_size"]:
            self.configure({"batch_size": message.batch_size})
        self.training.start(message.epochs, message.batch_size)

    def on_pause(self, _message) -> None:
        self.training.stop()  # a paused playground is idle: every setting may change
        self.training.wait(30)

    def on_reset_weights(self, _message) -> None:
        """Fresh weights from the same settings (the learning rate included); epoch 0."""
        self._pause()
        self.resets += 1
        model = self._fresh_model() if self.custom else network(self.settings, self.resets)
        self.training.set_model(model)
        if self.custom:
            self.training.set_learning_rate(self.settings["learning_rate"])
        self.epoch = 0
        self.publish_state("epoch", "status")
        self.emit(self.grid_event())

    def _pause(self) -> None:
        if self.training.state_name in ACTIVE:
            self.training.stop()
            self.training.wait(30)

    def _fresh_model(self):
        old = self.model
        fresh = model_from_spec(old.to_spec())
        fresh.to_backend(old.backend.name)
        return fresh

    @staticmethod
    def _refuse_architecture(changes: dict, base: dict) -> None:
        """A user's model keeps its architecture: refuse changes to it (the same value is fine,
        so a whole configuration from `config` can be given back)."""
        fixed = sorted(
            key
            for key, value in changes.items()
            if key in base and key not in CUSTOM_MODEL_SETTINGS and value != base[key]
        )
        if fixed:
            raise PlaygroundConfigError(
                f"This playground trains your own model, so {', '.join(fixed)} cannot change; "
                f"open wb.Playground() without a model to build the network by clicking."
            )

    def epoch_ended(self) -> None:
        self.epoch += 1
        self.publish_state("epoch")

    # ------------------------------------------------------------------------ the plane
    def _data(self, config: dict) -> tuple:
        """(the 2-D points as (train, test), then train and test as the network's inputs)."""
        data = datasets.load(
            config["dataset"], samples=config["samples"], noise=config["noise"], seed=config["seed"]
        )
        train, test = data.split(1 - config["ratio"] / 100)
        return (train, test), self._inputs(train, config), self._inputs(test, config)

    def _inputs(self, part: Dataset, config: dict) -> Dataset:
        if self.custom:
            return part
        x = settings.feature_matrix(part.x, config["features"])
        return Dataset(x, part.y, part.name, part.task, part.classes)

    def extent(self) -> list:
        """[x_min, x_max, y_min, y_max]: a square around all the points."""
        reach = max(1.0, *(float(np.abs(part.x).max()) * 1.05 for part in self.points))
        return [-reach, reach, -reach, reach]

    def plane(self) -> np.ndarray:
        """The grid's points, (resolution**2, 2): row 0 is y_max (the top), column 0 x_min."""
        x_min, x_max, y_min, y_max = self.extent()
        xs = np.linspace(x_min, x_max, self.resolution, dtype=np.float32)
        ys = np.linspace(y_max, y_min, self.resolution, dtype=np.float32)
        gx, gy = np.meshgrid(xs, ys)
        return np.stack([gx.ravel(), gy.ravel()], axis=1)

    def points_event(self) -> Event:
        def points(part):
            return {"x": part.x.astype(np.float32), "y": part.y.reshape(-1).astype(np.float32)}

        train, test = self.points
        return Event("points", {"train": points(train), "test": points(test)})

    def grid_event(self) -> Event:
        r = self.resolution
        hidden, probe = self._probe()
        plane = self.plane()
        inputs = plane if self.custom else settings.feature_matrix(plane, self.settings["features"])
        # every feature a network could take, drawn as the diagram's input column
        names = ["x1", "x2"] if self.custom else list(settings.FEATURES)
        features = settings.feature_matrix(plane, names).T.reshape(len(names), r, r)
        outputs = probe.predict(inputs, batch_size=4096, verbose=0)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        output = outputs[-1]
        if self.training.data.task != "regression":
            output = _probabilities(output, self.model)
        output = output.reshape(r, r) if output.shape[-1] == 1 else output.reshape(r, r, -1)
        neurons, values = [], []
        for (node, _), array in zip(hidden, outputs[:-1]):
            for unit in range(array.shape[-1]):
                neurons.append({"node": node, "unit": unit})
                values.append(array[:, unit].reshape(r, r))
        return Event(
            "grid",
            {
                "extent": self.extent(),
                "output": output.astype(np.float32),
                "neurons": neurons,
                "neuron_values": np.stack(values).astype(np.float32) if values else None,
                "inputs": names,
                "input_values": features,
            },
        )

    def _probe(self) -> tuple:
        """(hidden Dense layers as (name, tensor), a model giving their outputs and the
        model's), made once per model so a compiled forward pass is reused."""
        if getattr(self, "_probe_for", (None,))[0] is not self.model:
            output_layer = self.model.outputs[0].node.layer
            hidden = [
                (node.layer.name, node.outputs[0])
                for node in self.model._nodes
                if type(node.layer).__name__ == "Dense"
                and node.layer is not output_layer
                and len(node.outputs[0].shape) == 2
            ]
            probe = Model(self.model.inputs[0], [*(t for _, t in hidden), self.model.outputs[0]])
            self._probe_for = (self.model, hidden, probe)
        return self._probe_for[1:]

    def maybe_send_grid(self) -> None:
        now = time.perf_counter()
        if now - self._last_grid >= GRID_INTERVAL:
            self._last_grid = now
            self.emit(self.grid_event())


def _probabilities(output: np.ndarray, model) -> np.ndarray:
    """The model's output as probabilities, whether it ends in sigmoid/softmax or in logits."""
    activation = getattr(model.outputs[0].node.layer, "activation", None)
    if activation in ("sigmoid", "softmax"):
        return output
    if output.shape[-1] == 1:
        return 1 / (1 + np.exp(-output))
    shifted = np.exp(output - output.max(axis=-1, keepdims=True))
    return shifted / shifted.sum(axis=-1, keepdims=True)


class _Grid(Callback):
    def __init__(self, playground: PlaygroundSession):
        self.playground = playground

    def on_train_batch_end(self, batch, logs=None):
        self.playground.maybe_send_grid()

    def on_epoch_end(self, epoch, logs=None):
        self.playground.epoch_ended()

    def on_train_end(self, logs=None):
        self.playground.emit(self.playground.grid_event())
