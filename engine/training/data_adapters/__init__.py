"""One adapter per kind of training data; engine/training/data.py picks among them."""
