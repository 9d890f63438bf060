"""Errors of the workbench core: a well-formed request that cannot be done now ("rejected")."""

from __future__ import annotations


class WorkbenchError(Exception):
    """Base of the workbench's own errors; the message is shown to the user as it is."""


class DraftError(WorkbenchError, ValueError):
    """An edit of the draft graph that cannot be made (unknown node, a cycle, a bad port...)."""


class TrainingSessionError(WorkbenchError, RuntimeError):
    """A training request that does not fit the session's state (start while running...)."""


class DatasetError(WorkbenchError, ValueError):
    """An unknown dataset or an argument a dataset cannot take."""


class SidebarError(WorkbenchError, ValueError):
    """A sidebar request that cannot be done now (no such model, a backend that is missing...)."""
