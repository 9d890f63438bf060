"""Preprocessing layers that run inside a model, as Keras 3's: numbers rescaled and
normalised (numerical.py), bucketed and one-hot encoded (categorical.py), images resized and
cropped (images.py), and images augmented at random while training, the identity at
inference (augmentation.py)."""
