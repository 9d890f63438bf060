"""Keras's image_dataset_from_directory and text_dataset_from_directory on local folders:
files listed and labelled as Keras lists them (classes are the sorted subfolder names),
shuffled and split as Keras does, read batch by batch into NumPy arrays."""

from __future__ import annotations

import os

import numpy as np

from engine.utils.datasets import batched

IMAGE_EXTENSIONS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_LABEL_MODES = ("int", "categorical", "binary", None)


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, verbose=True):
    """Batches of (images, labels) from `directory`: float32 images of `image_size` with 1
    ("grayscale"), 3 ("rgb") or 4 ("rgba") channels, read by Pillow and resized by it with
    `interpolation` (Keras resizes with TensorFlow: values of resized images may differ
    slightly); labels as `label_mode` says. Channels-last only."""
    function = "image_dataset_from_directory"
    channels = {"grayscale": 1, "rgb": 3, "rgba": 4}.get(color_mode)
    if channels is None:
        raise ValueError(f"{function}: `color_mode` must be one of 'rgb', 'rgba' or "
                         f"'grayscale'. Received: color_mode={color_mode!r}.")
    if data_format not in (None, "channels_last"):
        raise ValueError(f"{function}: the engine reads images channels-last only. Received: "
                         f"data_format={data_format!r}.")
    if crop_to_aspect_ratio or pad_to_aspect_ratio:
        raise ValueError(f"{function}: crop_to_aspect_ratio and pad_to_aspect_ratio are not "
                         "supported by the engine; resize or crop the images beforehand.")
    image = _pillow(function)
    resample = {"bilinear": image.BILINEAR, "nearest": image.NEAREST, "bicubic": image.BICUBIC,
                "lanczos": image.LANCZOS, "area": image.BOX}.get(interpolation)
    if resample is None:
        raise ValueError(f"{function}: `interpolation` must be one of bilinear, nearest, "
                         f"bicubic, lanczos or area. Received: {interpolation!r}.")
    mode = {1: "L", 3: "RGB", 4: "RGBA"}[channels]
    height, width = image_size

    def read(path):
        with image.open(path) as picture:
            picture = picture.convert(mode)
            if picture.size != (width, height):
                picture = picture.resize((width, height), resample)
            return np.asarray(picture, dtype="float32").reshape(height, width, channels)

    return _from_directory(function, directory, labels, label_mode, class_names, batch_size,
                           shuffle, seed, validation_split, subset, follow_links, verbose,
                           IMAGE_EXTENSIONS, read)


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None,
                                shuffle=True, seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """Batches of (texts, labels) from the .txt files of `directory`: texts as a NumPy
    array of str (each cut to `max_length` characters, if given), labels as `label_mode`
    says."""

    def read(path):
        with open(path, encoding="utf-8") as file:
            text = file.read()
        return text if max_length is None else text[:max_length]

    return _from_directory("text_dataset_from_directory", directory, labels, label_mode,
                           class_names, batch_size, shuffle, seed, validation_split, subset,
                           follow_links, verbose, (".txt",), read)


def _pillow(function):
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(f"{function} reads images with Pillow, which is not installed: "
                          "pip install pillow.") from None
    return Image


def _from_directory(function, directory, labels, label_mode, class_names, batch_size,
                    shuffle, seed, validation_split, subset, follow_links, verbose,
                    extensions, read):
    if label_mode not in _LABEL_MODES:
        raise ValueError(f"{function}: `label_mode` must be one of 'int', 'categorical', "
                         f"'binary' or None. Received: label_mode={label_mode!r}.")
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    _check_split(function, validation_split, subset, shuffle, seed)
    paths, label_list, class_names = _index(function, directory, labels, class_names,
                                            extensions, follow_links)
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{function}: label_mode='binary' needs exactly 2 classes; found "
                         f"{len(class_names)}: {class_names}.")
    if verbose:
        print(f"Found {len(paths)} files belonging to {len(class_names)} classes.")
    if shuffle:
        seed = np.random.randint(1e6) if seed is None else seed
        np.random.RandomState(seed).shuffle(paths)
        np.random.RandomState(seed).shuffle(label_list)
    subsets = ["training", "validation"] if subset == "both" else [subset]
    datasets = []
    for part in subsets:
        part_paths, part_labels = _subset(paths, label_list, validation_split, part, verbose)
        dataset = _dataset(part_paths, part_labels, label_mode, len(class_names), batch_size,
                           read)
        dataset.class_names = class_names if label_mode else None  # as Keras sets them
        dataset.file_paths = part_paths
        datasets.append(dataset)
    return datasets if subset == "both" else datasets[0]


def _check_split(function, validation_split, subset, shuffle, seed):
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"{function}: `validation_split` must be between 0 and 1. "
                         f"Received: {validation_split}.")
    if subset not in (None, "training", "validation", "both"):
        raise ValueError(f"{function}: `subset` must be 'training', 'validation', 'both' or "
                         f"None. Received: subset={subset!r}.")
    if (validation_split is None) != (subset is None):
        raise ValueError(f"{function}: give `validation_split` and `subset` together.")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{function}: with `validation_split` and shuffle=True, give a "
                         "`seed`, so the training and validation subsets do not overlap.")


def _index(function, directory, labels, class_names, extensions, follow_links):
    """(file paths, labels, class names) in Keras's order: classes sorted (or as given),
    each class's files in sorted walk order."""
    if not os.path.isdir(directory):
        raise ValueError(f"{function}: {directory!r} is not a folder.")
    if labels == "inferred":
        found = sorted(entry for entry in os.listdir(directory)
                       if os.path.isdir(os.path.join(directory, entry)))
        if class_names is not None and sorted(class_names) != found:
            raise ValueError(f"{function}: `class_names` {class_names} do not match the "
                             f"subfolders {found}.")
        class_names = list(class_names or found)
        folders = [os.path.join(directory, name) for name in class_names]
    else:
        class_names, folders = list(class_names or []), [directory]
    paths, label_list = [], []
    for index, folder in enumerate(folders):
        for root, _, files in sorted(os.walk(folder, followlinks=follow_links)):
            for name in sorted(files):
                if name.lower().endswith(extensions):
                    paths.append(os.path.join(root, name))
                    label_list.append(index)
    if labels not in ("inferred", None):
        label_list = list(labels)
        if len(label_list) != len(paths):
            raise ValueError(f"{function}: `labels` has {len(label_list)} entries but "
                             f"{directory!r} has {len(paths)} files; give one per file, in "
                             "sorted order.")
        class_names = class_names or [str(c) for c in sorted(set(label_list))]
    if not paths:
        raise ValueError(f"{function}: no files with extension {', '.join(extensions)} in "
                         f"{directory!r}.")
    return paths, label_list, class_names


def _subset(paths, label_list, validation_split, subset, verbose):
    """Keras's split: the last `validation_split` of the (shuffled) files validate."""
    if not validation_split:
        return paths, label_list
    cut = int(validation_split * len(paths))
    if subset == "training":
        if verbose:
            print(f"Using {len(paths) - cut} files for training.")
        return paths[:len(paths) - cut], label_list[:len(paths) - cut]
    if verbose:
        print(f"Using {cut} files for validation.")
    return paths[len(paths) - cut:], label_list[len(paths) - cut:]


def _dataset(paths, label_list, label_mode, classes, batch_size, read):
    label_array = np.asarray(label_list, dtype="int64")
    if label_mode == "int":
        label_array = label_array.astype("int32")
    elif label_mode == "categorical":
        label_array = np.eye(classes, dtype="float32")[label_array]
    elif label_mode == "binary":
        label_array = label_array.astype("float32").reshape(-1, 1)

    def take(indices):
        values = [read(paths[i]) for i in indices]
        items = np.asarray(values) if isinstance(values[0], str) else np.stack(values)
        return items if label_mode is None else (items, label_array[indices])

    return batched(take, len(paths), batch_size)
