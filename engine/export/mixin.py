"""`Exportable`: the Model methods that write a model for other frameworks."""

from __future__ import annotations

from engine.models.tracing import functional_view


class Exportable:
    """Code, weights, Keras and ONNX views of a model (docs/export.md); a subclassed model's
    are those of its call traced into a graph (engine/models/tracing.py)."""

    def to_code(self, framework: str) -> str:
        """Python source of this model in "torch", "jax", "tensorflow", "keras" or "engine"."""
        from engine.export.codegen import to_code

        return to_code(functional_view(self), framework)

    def export_weights(self, framework: str):
        """This model's weights as the code of `to_code(framework)` loads them."""
        from engine.export.weights import export_weights

        return export_weights(functional_view(self), framework)

    def to_keras(self):
        """A Keras 3 model with this architecture and a copy of these weights."""
        from engine.export.keras_io import to_keras

        return to_keras(functional_view(self))

    def export_onnx(self, path) -> str:
        """Write this model to `path` as an ONNX (opset 17) inference graph; returns the path."""
        from engine.export.onnx_export import export_onnx

        return export_onnx(functional_view(self), path)
