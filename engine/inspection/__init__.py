"""Live tensors and gradients: capture, summarise and diagnose, on every backend.

    from engine.inspection import InspectionCallback, inspect
    report = inspect(model, x, y)                    # one batch, the model is not changed
    inspector = InspectionCallback(every=10)         # while fit runs
    model.fit(x, y, callbacks=[inspector])

Capture runs inside the backend's compiled train step (engine/training/step.py); summaries
are made on the device (summaries.py) and only they travel to the host; records are plain
Python and NumPy values (records.py), kept in a bounded history (store.py) and read by the
diagnostics (diagnostics.py). docs/inspection.md explains the whole.
"""

from engine.inspection.callback import InspectionCallback
from engine.inspection.capture import CaptureError, Probe
from engine.inspection.diagnostics import Diagnoser, Diagnostic, Thresholds
from engine.inspection.records import jsonable
from engine.inspection.single_batch import inspect
from engine.inspection.store import BoundedHistory

__all__ = [
    "BoundedHistory",
    "CaptureError",
    "Diagnoser",
    "Diagnostic",
    "InspectionCallback",
    "Probe",
    "Thresholds",
    "inspect",
    "jsonable",
]
