"""Keras's `keras.constraints`: none yet; the engine's layers take no weight constraints.

The namespace exists so that `keras.constraints.MaxNorm` says it is missing rather than that
the module is.
"""

from engine.keras_namespaces import missing_attribute

__getattr__ = missing_attribute(__name__)
