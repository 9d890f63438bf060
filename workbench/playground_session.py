"""The playground's session: a small model on 2-D data, TensorFlow-Playground style.

Training is a TrainingSession (same intents, same status and curves); on top of it the
playground keeps the dataset choice and sends the model's output over the plane (`grid`
events, at most 10 a second while training) and the data points (`points` events).
"""

from __future__ import annotations

import time

import numpy as np

from engine import Model, layers, model_from_spec
from engine.training.callbacks import Callback
from workbench import datasets
from workbench.errors import DatasetError, TrainingSessionError
from workbench.session import Event, Session
from workbench.training_session import ACTIVE, TrainingSession

GRID_INTERVAL = 0.1
TEST_FRACTION = 0.3
DEFAULT_DATASET = {"name": "spirals", "noise": 0.1, "samples": 400, "seed": 0}


def default_model(classes: int = 2):
    """Two tanh layers of 8 units: the playground's starting network."""
    inputs = layers.Input((2,), name="x")
    hidden = layers.Dense(8, activation="tanh", name="hidden_1")(inputs)
    hidden = layers.Dense(8, activation="tanh", name="hidden_2")(hidden)
    if classes == 2:
        outputs = layers.Dense(1, activation="sigmoid", name="output")(hidden)
    else:
        outputs = layers.Dense(classes, activation="softmax", name="output")(hidden)
    return Model(inputs, outputs, name="playground")


class PlaygroundSession(Session):
    title = "playground"
    handlers = {
        "set_dataset": "on_set_dataset",
        "set_resolution": "on_set_resolution",
        "reset_weights": "on_reset_weights",
        **TrainingSession.handlers,
    }

    def __init__(self, model=None, data: str = "spirals", resolution: int = 48):
        super().__init__()
        self.dataset = {**DEFAULT_DATASET, "name": data}
        train, test = self._load(self.dataset)
        model = model if model is not None else default_model(train.classes)
        if tuple(model.inputs[0].shape[1:]) != (2,) or len(model.inputs) != 1:
            raise DatasetError("The playground trains models with one input of shape (2,).")
        self.resolution = resolution
        self.train, self.test = train, test
        self._last_grid = 0.0
        self.training = TrainingSession(model, train, validation=test, callbacks=[_Grid(self)])
        self.training.subscribe(self._notify)  # its status and curves are ours

    @property
    def model(self):
        return self.training.model

    def handler(self, intent_type: str):
        if intent_type in TrainingSession.handlers:
            return self.training.handler(intent_type)
        return super().handler(intent_type)

    def state(self) -> dict:
        return {
            **self.training.state(),
            "dataset": {
                **self.dataset,
                "choices": list(datasets.PLANE),
                "task": self.train.task,
                "classes": self.train.classes,
            },
            "resolution": self.resolution,
            "extent": self.extent(),
        }

    def snapshot_events(self) -> list:
        return [*self.training.snapshot_events(), self.points_event(), self.grid_event()]

    # -------------------------------------------------------------------------- intents
    def on_set_dataset(self, message) -> None:
        self._require_idle("change the data")
        options = {"name": message.name}
        for key in ("noise", "samples", "seed"):
            value = getattr(message, key)
            options[key] = self.dataset[key] if value is None else value
        if options["name"] not in datasets.PLANE:
            raise DatasetError(
                f"The playground's datasets are {', '.join(datasets.PLANE)}; got {message.name!r}."
            )
        train, test = self._load(options)
        if train.classes != self.train.classes:
            raise DatasetError("The new dataset has a different number of classes.")
        self.training.set_model(self.model, train, test)
        self.dataset, self.train, self.test = options, train, test
        self.publish_state("dataset", "extent")
        self.emit(self.points_event())
        self.emit(self.grid_event())

    def on_set_resolution(self, message) -> None:
        self.resolution = message.resolution
        self.publish_state("resolution")
        self.emit(self.grid_event())

    def on_reset_weights(self, _message) -> None:
        self._require_idle("reset the weights")
        old = self.model
        fresh = model_from_spec(old.to_spec())
        fresh.to_backend(old.backend.name)
        self.training.set_model(fresh)
        self.emit(self.grid_event())

    def _require_idle(self, what: str) -> None:
        if self.training.state_name in ACTIVE:
            raise TrainingSessionError(f"Stop training to {what}.")

    # ------------------------------------------------------------------------ the plane
    @staticmethod
    def _load(options) -> tuple:
        name, rest = options["name"], {k: v for k, v in options.items() if k != "name"}
        return datasets.load(name, **rest).split(TEST_FRACTION)

    def extent(self) -> list:
        """[x_min, x_max, y_min, y_max]: a square around all the points."""
        reach = float(max(1.0, np.abs(self.train.x).max() * 1.05, np.abs(self.test.x).max() * 1.05))
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

        return Event("points", {"train": points(self.train), "test": points(self.test)})

    def grid_event(self) -> Event:
        r = self.resolution
        hidden, probe = self._probe()
        outputs = probe.predict(self.plane(), batch_size=4096, verbose=0)
        outputs = outputs if isinstance(outputs, list) else [outputs]
        output = _probabilities(outputs[-1], self.model)
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

    def on_train_end(self, logs=None):
        self.playground.emit(self.playground.grid_event())
