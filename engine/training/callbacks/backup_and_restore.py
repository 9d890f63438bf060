"""BackupAndRestore: resume a fit that was interrupted, from its last backup."""

from __future__ import annotations

import json
import os
import shutil

import numpy as np

from engine.saving.state import variable_groups
from engine.training.callbacks.base import Callback


class BackupAndRestore(Callback):
    """Back up the model's variables, the optimizer's state and the epoch reached to
    `backup_dir` after every epoch (or every `save_freq` batches); a fit that starts with a
    backup there restores it and goes on from that epoch. A fit that ends normally deletes
    the backup, unless `delete_checkpoint=False`. With `double_checkpoint` the backup before
    the last is kept too, and used if the last cannot be read."""

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        if not backup_dir:
            raise ValueError(
                f"BackupAndRestore: `backup_dir` must name a folder. Received: "
                f"backup_dir={backup_dir!r}."
            )
        if save_freq != "epoch" and not (
            isinstance(save_freq, int) and not isinstance(save_freq, bool) and save_freq > 0
        ):
            raise ValueError(
                f"BackupAndRestore: `save_freq` must be 'epoch' or a positive number of "
                f"batches. Received: save_freq={save_freq!r}."
            )
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._latest = os.path.join(self.backup_dir, "latest")
        self._previous = os.path.join(self.backup_dir, "previous")
        self._current_epoch = 0
        self._batches_since_saving = 0
        self._last_batch_seen = 0

    def _variables(self) -> list:
        groups = variable_groups(self.model, with_optimizer=True)
        return groups["weights"] + groups["states"] + groups["optimizer"]

    def on_train_begin(self, logs=None):
        for folder in (self._latest, self._previous):
            if os.path.exists(os.path.join(folder, "training_metadata.json")):
                try:
                    self._restore(folder)
                    return
                except (OSError, ValueError, KeyError) as error:
                    if not self.double_checkpoint or folder == self._previous:
                        raise ValueError(
                            f"BackupAndRestore could not restore the backup in {folder}: "
                            f"{error}. Delete {self.backup_dir} to start afresh."
                        ) from error

    def _restore(self, folder):
        variables = self._variables()
        with np.load(os.path.join(folder, "variables.npz")) as stored:
            values = [stored[str(i)] for i in range(len(stored.files))]
        if [v.shape for v in values] != [tuple(v.shape) for v in variables]:
            raise ValueError(
                f"the backup holds {len(values)} arrays that do not fit the model's "
                f"{len(variables)} variables (another model, or another optimizer)"
            )
        with open(os.path.join(folder, "training_metadata.json")) as file:
            epoch = json.load(file)["epoch"]
        for variable, value in zip(variables, values):
            variable.assign(value)
        self.model._initial_epoch = epoch  # fit goes on from there

    def on_epoch_end(self, epoch, logs=None):
        self._current_epoch = epoch + 1
        self._last_batch_seen = 0
        if self.save_freq == "epoch":
            self._save()

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        new_epoch = batch <= self._last_batch_seen
        self._batches_since_saving += batch + 1 if new_epoch else batch - self._last_batch_seen
        self._last_batch_seen = batch
        if self._batches_since_saving >= self.save_freq:
            self._batches_since_saving = 0
            self._save()

    def _save(self):
        """Write the backup to a new folder, then put it in place: a crash while writing
        leaves the last backup whole."""
        os.makedirs(self.backup_dir, exist_ok=True)
        writing = os.path.join(self.backup_dir, "writing")
        shutil.rmtree(writing, ignore_errors=True)
        os.makedirs(writing)
        arrays = {str(i): v.numpy() for i, v in enumerate(self._variables())}
        np.savez(os.path.join(writing, "variables.npz"), **arrays)
        with open(os.path.join(writing, "training_metadata.json"), "w") as file:
            json.dump({"epoch": self._current_epoch, "batch": self._last_batch_seen}, file)
        if os.path.exists(self._latest):
            if self.double_checkpoint:
                shutil.rmtree(self._previous, ignore_errors=True)
                os.replace(self._latest, self._previous)
            else:
                shutil.rmtree(self._latest)
        os.replace(writing, self._latest)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:
            shutil.rmtree(self.backup_dir, ignore_errors=True)
