"""Benchmarks of the engine against hand-written framework code and Keras 3 (see run.py)."""
