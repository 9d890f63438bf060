"""utils.pad_sequences gives what Keras 3's gives."""

import numpy as np
import pytest

from engine import utils

keras = pytest.importorskip("keras")

RAGGED = [[1, 2, 3], [4], [], [5, 6, 7, 8, 9]]


@pytest.mark.parametrize("arguments", [
    {},
    {"maxlen": 3},
    {"maxlen": 3, "truncating": "post"},
    {"maxlen": 6, "padding": "post", "value": -1},
    {"maxlen": 4, "padding": "post", "truncating": "post", "dtype": "float32", "value": 0.5},
])
def test_ragged_lists_as_keras_pads_them(arguments):
    ours = utils.pad_sequences(RAGGED, **arguments)
    theirs = keras.utils.pad_sequences(RAGGED, **arguments)
    assert ours.dtype == theirs.dtype
    np.testing.assert_array_equal(ours, theirs)


def test_steps_that_are_arrays_keep_their_shape():
    sequences = [np.ones((2, 3)), np.zeros((4, 3))]
    ours = utils.pad_sequences(sequences, maxlen=3, dtype="float32")
    np.testing.assert_array_equal(ours, keras.utils.pad_sequences(sequences, maxlen=3,
                                                                   dtype="float32"))


@pytest.mark.parametrize("arguments, message", [
    ({"padding": "middle"}, 'padding must be "pre" or "post"'),
    ({"truncating": "both"}, 'truncating must be "pre" or "post"'),
])
def test_bad_arguments_say_what_is_allowed(arguments, message):
    with pytest.raises(ValueError, match=message):
        utils.pad_sequences(RAGGED, **arguments)


def test_steps_of_different_shapes_are_refused():
    with pytest.raises(ValueError, match="one shape"):
        utils.pad_sequences([np.ones((2, 3)), np.ones((2, 4))])
    with pytest.raises(ValueError, match="Sequence 1 is 5"):
        utils.pad_sequences([[1], 5])
