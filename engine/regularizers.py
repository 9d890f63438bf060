"""Keras's `keras.regularizers`: none yet; the engine's layers take no weight regularizers.

The namespace exists so that `keras.regularizers.L2` says it is missing rather than that
the module is.
"""

from engine.keras_namespaces import missing_attribute

__getattr__ = missing_attribute(__name__)
