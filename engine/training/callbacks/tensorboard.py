"""TensorBoard: training logs as event files TensorBoard reads, laid out as Keras 3 writes them.

`log_dir/train` and `log_dir/validation` each hold an event file; scalars are "epoch_<name>"
(steps are epochs), "batch_<name>" (steps count batches from 1), "evaluation_<name>_vs_iterations"
(steps are optimizer iterations); weights are "<path>/histogram" and "<path>/image". The files
are written with the `tensorboard` package, without TensorFlow (summary_writer.py).
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping

import numpy as np

from engine.training.callbacks.base import Callback
from engine.training.callbacks.summary_writer import SummaryWriter, tensorboard_module


def weight_images(weight: np.ndarray) -> np.ndarray | None:
    """A weight drawn as Keras draws it: a bias as one column, a kernel as one image (wider
    than tall), a 3D kernel as one image per channel; None for other ranks."""
    from engine import config

    image = np.squeeze(weight)
    if image.ndim == 1:
        return image.reshape(1, -1, 1, 1)
    if image.ndim == 2:
        if image.shape[0] > image.shape[1]:
            image = image.T
        return image[None, :, :, None]
    if image.ndim == 3:
        if config.image_data_format() == "channels_last":
            image = np.transpose(image, (2, 0, 1))
        return image[..., None]
    return None


def _check_frequency(name: str, value) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(
            f"TensorBoard: `{name}` must be a non-negative integer (0 turns it off). "
            f"Received: {name}={value!r}."
        )
    return int(value)


def _check_update_freq(update_freq):
    if update_freq == "batch":
        return 1
    if update_freq == "epoch":
        return update_freq
    whole = isinstance(update_freq, (int, np.integer)) and not isinstance(update_freq, bool)
    if whole and update_freq > 0:
        return int(update_freq)
    raise ValueError(
        f'TensorBoard: `update_freq` must be "epoch", "batch" or a positive integer (log every '
        f"that many batches). Received: update_freq={update_freq!r}."
    )


def _check_profile_batch(profile_batch) -> None:
    """Keras's forms of profile_batch are 0, a batch number, a (start, stop) pair or "start,stop";
    only 0 can be honoured, since the engine's backends share no profiler."""
    batches = profile_batch
    if isinstance(batches, str):
        batches = batches.split(",")
    if not isinstance(batches, (list, tuple)):
        batches = [batches]
    try:
        batches = [int(batch) for batch in batches]
    except (TypeError, ValueError):
        batches = []
    if len(batches) not in (1, 2) or min(batches) < 0 or batches[-1] < batches[0]:
        raise ValueError(
            "TensorBoard: `profile_batch` must be a non-negative integer or a pair of positive "
            f"integers (start, stop). Received: profile_batch={profile_batch!r}."
        )
    if any(batches):
        raise ValueError(
            f"TensorBoard: `profile_batch` is not supported by the engine (received "
            f"profile_batch={profile_batch!r}): it profiles through TensorFlow's or JAX's "
            "profiler, which the engine's training loop does not drive. Pass profile_batch=0, "
            "and profile with the backend's own profiler around model.fit."
        )


def _has_graph(model) -> bool:
    """Whether the model is a graph of layers (functional or Sequential), as the graph
    dashboard draws; a subclassed model's call is Python code."""
    from engine.models import Model

    return isinstance(model, Model) and not model.subclassed


class TensorBoard(Callback):
    """Keras 3's TensorBoard callback: losses, metrics, learning rate and optionally steps per
    second as scalars, weight histograms and images every `histogram_freq` epochs, the model's
    Keras JSON for the graph dashboard, and `Embedding` matrices for the projector every
    `embeddings_freq` epochs (as TSV files, which TensorBoard reads without TensorFlow)."""

    def __init__(
        self,
        log_dir="logs",
        histogram_freq=0,
        write_graph=True,
        write_images=False,
        write_steps_per_second=False,
        update_freq="epoch",
        profile_batch=0,
        embeddings_freq=0,
        embeddings_metadata=None,
    ):
        tensorboard_module("summary.writer.record_writer")  # installed, or say how to
        self.histogram_freq = _check_frequency("histogram_freq", histogram_freq)
        self.embeddings_freq = _check_frequency("embeddings_freq", embeddings_freq)
        self.update_freq = _check_update_freq(update_freq)
        _check_profile_batch(profile_batch)
        if embeddings_metadata is not None and not isinstance(embeddings_metadata, (str, dict)):
            raise ValueError(
                "TensorBoard: `embeddings_metadata` must be a file name (for every Embedding "
                "layer) or a dict of Embedding layer name to file name. Received: "
                f"embeddings_metadata={embeddings_metadata!r}."
            )
        self.log_dir = os.fspath(log_dir)
        self.write_graph = bool(write_graph)
        self.write_images = bool(write_images)
        self.write_steps_per_second = bool(write_steps_per_second)
        self.profile_batch = profile_batch
        self.embeddings_metadata = embeddings_metadata
        self._writers: dict[str, SummaryWriter] = {}
        self._global_train_batch = 0
        self._batch_start_time = 0.0
        self._epoch_start = (0.0, 0)

    # ----------------------------------------------------------------------- writers
    def _writer(self, run: str) -> SummaryWriter:
        if run not in self._writers:
            self._writers[run] = SummaryWriter(os.path.join(self.log_dir, run))
        return self._writers[run]

    def _close_writers(self) -> None:
        for writer in self._writers.values():
            writer.close()
        self._writers = {}

    # ------------------------------------------------------------------------- hooks
    def set_model(self, model):
        super().set_model(model)
        self._close_writers()
        if self.write_graph and _has_graph(model):
            self._writer("train").keras_model("keras", model.to_json(), step=0)
        if self.embeddings_freq:
            self._embedding_layers()  # checks embeddings_metadata's names before training

    def on_train_begin(self, logs=None):
        self._global_train_batch = 0

    def on_train_end(self, logs=None):
        self._close_writers()

    def on_epoch_begin(self, epoch, logs=None):
        if self.write_steps_per_second:
            self._epoch_start = (time.time(), self._iterations())

    def on_train_batch_begin(self, batch, logs=None):
        self._global_train_batch += 1
        if self.write_steps_per_second:
            self._batch_start_time = time.time()

    def on_train_batch_end(self, batch, logs=None):
        step = self._global_train_batch
        if self.update_freq == "epoch" or step % self.update_freq:
            return
        writer = self._writer("train")
        if self.write_steps_per_second:
            elapsed = time.time() - self._batch_start_time
            writer.scalar("batch_steps_per_second", 1.0 / max(elapsed, 1e-12), step)
        if isinstance(logs, Mapping):
            for name, value in logs.items():
                writer.scalar(f"batch_{name}", value, step)

    def on_test_end(self, logs=None):
        if getattr(self.model, "optimizer", None) is None:
            return
        writer = self._writer("validation")
        for name, value in (logs or {}).items():
            writer.scalar(f"evaluation_{name}_vs_iterations", value, self._iterations())

    def on_epoch_end(self, epoch, logs=None):
        self._log_epoch_metrics(epoch, dict(logs or {}))
        if self.histogram_freq and epoch % self.histogram_freq == 0:
            self._log_weights(epoch)
        if self.embeddings_freq and epoch % self.embeddings_freq == 0:
            self._log_embeddings(epoch)
        for writer in self._writers.values():
            writer.flush()  # so that a TensorBoard watching the folder shows the epoch

    # --------------------------------------------------------------------- summaries
    def _iterations(self) -> int:
        return int(np.asarray(self.model.optimizer.iterations))

    def _learning_rates(self) -> dict:
        optimizer = self.model.optimizer
        optimizer = getattr(optimizer, "inner_optimizer", optimizer)
        if hasattr(optimizer, "optimizers"):
            return {f"learning_rate_{inner.name}": float(np.asarray(inner.learning_rate))
                    for inner in optimizer.optimizers}
        if optimizer is not None and hasattr(optimizer, "learning_rate"):
            return {"learning_rate": float(np.asarray(optimizer.learning_rate))}
        return {}

    def _log_epoch_metrics(self, epoch, logs):
        if not logs:
            return
        train = {name: value for name, value in logs.items() if not name.startswith("val_")}
        validation = {name[4:]: value for name, value in logs.items() if name.startswith("val_")}
        train.update(self._learning_rates())
        if self.write_steps_per_second:
            started, iterations = self._epoch_start
            train["steps_per_second"] = (self._iterations() - iterations) / max(
                time.time() - started, 1e-12
            )
        for run, values in (("train", train), ("validation", validation)):
            for name, value in values.items():
                self._writer(run).scalar(f"epoch_{name}", value, epoch)

    def _log_weights(self, epoch):
        writer = self._writer("train")
        for layer in self.model.layers:
            for weight in layer.weights:
                tag = weight.path.replace(":", "_")
                values = np.asarray(weight)
                writer.histogram(f"{tag}/histogram", values, epoch)
                images = weight_images(values) if self.write_images else None
                if images is not None and images.shape[-1] in (1, 3, 4):
                    writer.images(f"{tag}/image", images, epoch)

    # -------------------------------------------------------------------- embeddings
    def _embedding_layers(self) -> dict:
        """{layer: metadata file or None} for the model's Embedding layers."""
        from engine.layers import Embedding

        layers = [layer for layer in self.model.layers if isinstance(layer, Embedding)]
        metadata = self.embeddings_metadata
        if isinstance(metadata, dict):
            unknown = set(metadata) - {layer.name for layer in layers}
            if unknown:
                raise ValueError(
                    f"TensorBoard: `embeddings_metadata` names layers that are not Embedding "
                    f"layers of model {self.model.name!r}: {sorted(unknown)}."
                )
            return {layer: metadata.get(layer.name) for layer in layers}
        return {layer: metadata for layer in layers}

    def _log_embeddings(self, epoch):
        """Each Embedding's matrix as a TSV file, and projector_config.pbtxt pointing to the
        newest ones (paths relative to log_dir, where TensorBoard's projector looks)."""
        from google.protobuf import text_format

        projector = tensorboard_module("plugins.projector.projector_config_pb2")
        config = projector.ProjectorConfig()
        os.makedirs(os.path.join(self.log_dir, "embeddings"), exist_ok=True)
        for layer, metadata_path in self._embedding_layers().items():
            tensor_path = os.path.join("embeddings", f"{layer.name}-epoch{epoch}.tsv")
            matrix = np.asarray(layer.embeddings, dtype=np.float64)
            np.savetxt(os.path.join(self.log_dir, tensor_path), matrix, delimiter="\t")
            embedding = config.embeddings.add(tensor_name=layer.name, tensor_path=tensor_path)
            embedding.tensor_shape.extend(matrix.shape)
            if metadata_path is not None:
                embedding.metadata_path = metadata_path
        with open(os.path.join(self.log_dir, "projector_config.pbtxt"), "w") as file:
            file.write(text_format.MessageToString(config))
