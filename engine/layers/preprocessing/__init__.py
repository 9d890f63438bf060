"""Preprocessing layers that run inside a model, as Keras 3's: numbers rescaled and
normalised (numerical.py), bucketed and one-hot encoded (categorical.py), images resized and
cropped (images.py), images augmented at random while training, the identity at inference
(augmentation.py; colours: color_augmentation.py; mixing and erasing: mixing_augmentation.py;
shear and perspective: geometric_augmentation.py), layers run in turn (pipeline.py), and
strings and integers hashed (hashing.py, with fingerprint.py's hashes),
looked up in a vocabulary (lookup.py) and text vectorized (text_vectorization.py) on host
data."""
