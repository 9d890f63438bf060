"""Training: the compiled step, the fit/evaluate loop, callbacks and data adapters."""

from engine.training.callbacks import (
    Callback,
    EarlyStopping,
    History,
    LambdaCallback,
    ModelCheckpoint,
    ProgressBar,
)
from engine.training.data import DataError
from engine.training.trainer import NotCompiledError, TrainingDivergedError

__all__ = [
    "Callback",
    "DataError",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "ModelCheckpoint",
    "NotCompiledError",
    "ProgressBar",
    "TrainingDivergedError",
]
