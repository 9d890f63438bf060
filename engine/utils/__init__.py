"""Keras's `keras.utils`: the helpers of it that the engine has, one small module each."""

from __future__ import annotations

from engine.config import (
    disable_interactive_logging,
    enable_interactive_logging,
    is_interactive_logging_enabled,
)
from engine.initializers import set_random_seed
from engine.keras_namespaces import missing_attribute
from engine.saving.registry import (
    CustomObjectScope,
    custom_object_scope,
    get_custom_objects,
    get_registered_name,
    get_registered_object,
    register_keras_serializable,
)
from engine.training.data_adapters.batch import pack_x_y_sample_weight, unpack_x_y_sample_weight
from engine.training.data_adapters.py_dataset import PyDataset
from engine.training.data_adapters.py_dataset import PyDataset as Sequence  # Keras's alias
from engine.utils.arrays import normalize, pad_sequences, to_categorical
from engine.utils.datasets import Batches, Samples, split_dataset, timeseries_dataset_from_array
from engine.utils.directories import image_dataset_from_directory, text_dataset_from_directory
from engine.utils.dtypes import standardize_dtype
from engine.utils.files import get_file
from engine.utils.images import array_to_img, img_to_array, load_img, save_img
from engine.utils.model_dot import model_to_dot
from engine.utils.objects import (
    deserialize_keras_object,
    get_source_inputs,
    is_keras_tensor,
    serialize_keras_object,
)
from engine.utils.plotting import plot_model
from engine.utils.progbar import Progbar


def clear_session(free_memory=True) -> None:
    """Keras's clear_session: restart default layer names (dense, dense_1, ...). The engine
    keeps no global graph, so there is nothing else to free."""
    del free_memory
    from engine import clear_session as restart_names

    restart_names()


__all__ = [
    "Batches",
    "CustomObjectScope",
    "Progbar",
    "PyDataset",
    "Samples",
    "Sequence",
    "array_to_img",
    "clear_session",
    "custom_object_scope",
    "deserialize_keras_object",
    "disable_interactive_logging",
    "enable_interactive_logging",
    "get_custom_objects",
    "get_file",
    "get_registered_name",
    "get_registered_object",
    "get_source_inputs",
    "image_dataset_from_directory",
    "img_to_array",
    "is_interactive_logging_enabled",
    "is_keras_tensor",
    "load_img",
    "model_to_dot",
    "normalize",
    "pack_x_y_sample_weight",
    "pad_sequences",
    "plot_model",
    "register_keras_serializable",
    "save_img",
    "serialize_keras_object",
    "set_random_seed",
    "split_dataset",
    "standardize_dtype",
    "text_dataset_from_directory",
    "timeseries_dataset_from_array",
    "to_categorical",
    "unpack_x_y_sample_weight",
]
__getattr__ = missing_attribute(__name__)
