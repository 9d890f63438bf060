"""Callbacks: code that runs at the edges of training, with Keras 3's hooks and arguments.

A live dashboard is a callback too: `on_train_batch_end` gives the step's logs, setting
`model.stop_training = True` stops after the current step, and calling `engine.set_backend`
from any hook makes the next step run on the new backend.
"""

from __future__ import annotations

from engine.keras_namespaces import missing_attribute
from engine.training.callbacks.backup_and_restore import BackupAndRestore
from engine.training.callbacks.base import HOOKS, Callback, History, LambdaCallback, LazyLogs
from engine.training.callbacks.callback_list import CallbackList
from engine.training.callbacks.csv_logger import CSVLogger
from engine.training.callbacks.learning_rate import LearningRateScheduler, ReduceLROnPlateau
from engine.training.callbacks.monitors import EarlyStopping, ModelCheckpoint
from engine.training.callbacks.progress import ProgbarLogger, ProgressBar
from engine.training.callbacks.swap_ema_weights import SwapEMAWeights
from engine.training.callbacks.tensorboard import TensorBoard
from engine.training.callbacks.terminate_on_nan import TerminateOnNaN

__all__ = [
    "HOOKS",
    "BackupAndRestore",
    "CSVLogger",
    "Callback",
    "CallbackList",
    "EarlyStopping",
    "History",
    "LambdaCallback",
    "LazyLogs",
    "LearningRateScheduler",
    "ModelCheckpoint",
    "ProgbarLogger",
    "ProgressBar",
    "ReduceLROnPlateau",
    "SwapEMAWeights",
    "TensorBoard",
    "TerminateOnNaN",
]

__getattr__ = missing_attribute(__name__)
