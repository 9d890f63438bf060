"""The real-Keras half of the round trips, run in its own process (Keras's backend is fixed
per process): `python -m tests.keras_files.keras_side FOLDER` with KERAS_BACKEND set, and
KERAS_FILE_CASES (comma-separated) to run only those cases.

For each case the engine saved as FOLDER/<case>.keras, it loads the file, predicts the case's
batch, trains two steps on it and saves the model as FOLDER/<case>.<backend>.keras, then two
more steps; the results go to FOLDER/<case>.<backend>.npz for the engine's side to compare.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import keras
import numpy as np

from tests.keras_files.cases import CASES, batch, define_custom_objects


def _flat(value) -> list:
    return [np.asarray(v) for v in (value if isinstance(value, list) else [value])]


def main(folder: Path) -> None:
    define_custom_objects(keras)
    backend = keras.config.backend()
    for name in os.environ.get("KERAS_FILE_CASES", ",".join(CASES)).split(","):
        model = keras.models.load_model(folder / f"{name}.keras")
        x, y = batch(name)
        prediction = _flat(model.predict(x, verbose=0))
        for _ in range(2):
            model.train_on_batch(x, y)
        model.save(folder / f"{name}.{backend}.keras")
        saved = [np.asarray(w) for w in model.get_weights()]
        for _ in range(2):
            model.train_on_batch(x, y)
        np.savez(folder / f"{name}.{backend}.npz",
                 **{f"prediction_{i}": p for i, p in enumerate(prediction)},
                 **{f"saved_{i}": w for i, w in enumerate(saved)},
                 **{f"trained_{i}": np.asarray(w) for i, w in enumerate(model.get_weights())})


if __name__ == "__main__":
    main(Path(sys.argv[1]))
