"""Unique default names for layers and models: dense, dense_1, dense_2, ..."""

from __future__ import annotations

import collections
import re

_counts: collections.Counter = collections.Counter()


def snake_case(class_name: str) -> str:
    """Conv2D -> conv2d, MultiHeadAttention -> multi_head_attention, SimpleRNN -> simple_rnn."""
    name = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", class_name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", name).lower()


def unique_name(base: str) -> str:
    count = _counts[base]
    _counts[base] += 1
    return base if count == 0 else f"{base}_{count}"


def reset() -> None:
    _counts.clear()


def encodable(name: str) -> bool:
    """Whether `name` can be written as UTF-8 (a lone surrogate cannot), as model files, JSON
    and the notebook's views write it."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True
