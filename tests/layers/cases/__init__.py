"""Rows of the layer test table (tests/layers/table.py), one module per family of layers."""
