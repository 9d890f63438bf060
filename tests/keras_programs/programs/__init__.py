"""Keras 3 guide and example programs, each a module with `run(keras, same_weights) -> dict`."""
