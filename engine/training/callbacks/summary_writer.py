"""Event files for TensorBoard, written with the `tensorboard` package (an optional
dependency: `pip install tensorboard`) and never TensorFlow: summaries are built by its
plugins' own helpers and framed by its RecordWriter."""

from __future__ import annotations

import importlib
import itertools
import os
import socket
import time

import numpy as np

_FILE_NUMBERS = itertools.count()  # two files opened in the same second get different names
INSTALL = "pip install tensorboard"


def tensorboard_module(module: str):
    """Import a module of the `tensorboard` package, saying how to install it when missing."""
    try:
        return importlib.import_module(f"tensorboard.{module}")
    except ImportError as error:
        raise ImportError(
            f"TensorBoard callback: the `tensorboard` package writes its event files and is "
            f"not installed. Install it with `{INSTALL}`."
        ) from error


class SummaryWriter:
    """One event file in `directory`, created on the first summary written to it."""

    def __init__(self, directory: str):
        self.directory = directory
        self._records = None

    def _write(self, summary, step: int) -> None:
        event_pb2 = tensorboard_module("compat.proto.event_pb2")
        if self._records is None:
            self._records = self._open(event_pb2)
        event = event_pb2.Event(wall_time=time.time(), step=int(step), summary=summary)
        self._records.write(event.SerializeToString())

    def _open(self, event_pb2):
        """A new event file, named and begun as TensorBoard's EventFileWriter does it. Its
        RecordWriter is used on a plain file: EventFileWriter opens files through
        tensorboard.compat.tf, which imports TensorFlow wherever it is installed."""
        record_writer = tensorboard_module("summary.writer.record_writer")
        os.makedirs(self.directory, exist_ok=True)
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}."
                f"{os.getpid()}.{next(_FILE_NUMBERS)}")
        file = open(os.path.join(self.directory, name), "wb")  # noqa: SIM115 (closed by close())
        records = record_writer.RecordWriter(file)
        first = event_pb2.Event(wall_time=time.time(), file_version="brain.Event:2")
        records.write(first.SerializeToString())
        return records

    def scalar(self, tag: str, value, step: int) -> None:
        scalars = tensorboard_module("plugins.scalar.summary_v2")
        self._write(scalars.scalar_pb(tag, float(np.asarray(value))), step)

    def histogram(self, tag: str, values, step: int) -> None:
        histograms = tensorboard_module("plugins.histogram.summary_v2")
        self._write(histograms.histogram_pb(tag, np.asarray(values, dtype=np.float64)), step)

    def images(self, tag: str, images: np.ndarray, step: int, max_outputs: int = 3) -> None:
        """A batch (N, height, width, 1, 3 or 4 channels) of floats in [0, 1] as PNGs; values
        outside are clipped, as tf.summary.image does."""
        metadata = tensorboard_module("plugins.image.metadata")
        summary_pb2 = tensorboard_module("compat.proto.summary_pb2")
        tensor_util = tensorboard_module("util.tensor_util")
        pixels = (np.clip(images[:max_outputs], 0.0, 1.0) * 255.5).astype(np.uint8)
        height, width = pixels.shape[1:3]
        content = [str(width).encode(), str(height).encode(), *map(_png, pixels)]
        summary = summary_pb2.Summary()
        summary.value.add(
            tag=tag,
            metadata=metadata.create_summary_metadata(display_name=None, description=None),
            tensor=tensor_util.make_tensor_proto(np.array(content, dtype=object)),
        )
        self._write(summary, step)

    def keras_model(self, tag: str, config_json: str, step: int) -> None:
        """The model's Keras JSON, which TensorBoard's graph dashboard draws as a conceptual
        graph (plugin "graph_keras_model", content version b"1", as Keras writes it)."""
        summary_pb2 = tensorboard_module("compat.proto.summary_pb2")
        tensor_util = tensorboard_module("util.tensor_util")
        summary = summary_pb2.Summary()
        summary.value.add(
            tag=tag,
            metadata=summary_pb2.SummaryMetadata(
                plugin_data=summary_pb2.SummaryMetadata.PluginData(
                    plugin_name="graph_keras_model", content=b"1"
                )
            ),
            tensor=tensor_util.make_tensor_proto(config_json.encode()),
        )
        self._write(summary, step)

    def flush(self) -> None:
        if self._records is not None:
            self._records.flush()

    def close(self) -> None:
        if self._records is not None:
            self._records.close()
            self._records = None


def _png(image: np.ndarray) -> bytes:
    """One uint8 image (height, width, channels) encoded as PNG with Pillow."""
    import io

    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(
            "TensorBoard callback: write_images=True encodes weights as PNG with Pillow, "
            "which is not installed. Install it with `pip install pillow`."
        ) from error
    buffer = io.BytesIO()
    Image.fromarray(image[..., 0] if image.shape[-1] == 1 else image).save(buffer, "PNG")
    return buffer.getvalue()
