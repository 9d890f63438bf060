"""Errors of the exporters and importers; each says what cannot be done and what to do."""

from __future__ import annotations

from engine.errors import EngineError, SpecError


class ExportError(EngineError, ValueError):
    """A model (or one of its layers) cannot be written for the framework asked for."""


class KerasFileError(SpecError):
    """A Keras model or `.keras` file that the engine will not read, and why."""
