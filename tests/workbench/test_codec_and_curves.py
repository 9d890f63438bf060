"""Binary buffers on the wire, and curves sent as deltas."""

import numpy as np
import pytest

from workbench import codec
from workbench.curves import CurveStore
from workbench.session import Event


def test_arrays_become_buffer_references_and_back():
    grid = np.arange(12, dtype=np.float32).reshape(3, 4)
    steps = np.array([1.0, 2.0], dtype=np.float64)
    item = Event(
        "grid",
        {
            "extent": [0, 1, 0, 1],
            "output": grid,
            "neurons": [{"node": "d", "unit": 0}],
            "neuron_values": None,
            "nested": {"steps": steps, "ids": np.array([3], np.int32)},
        },
    )
    message, buffers = codec.encode(item)
    assert message["type"] == "grid" and message["version"] == 1
    assert message["output"] == {"buffer": 0, "dtype": "float32", "shape": [3, 4]}
    assert message["nested"]["steps"] == {"buffer": 1, "dtype": "float64", "shape": [2]}
    assert buffers[0] == grid.astype("<f4").tobytes() and len(buffers) == 3
    decoded = codec.decode(message, buffers)
    np.testing.assert_array_equal(decoded["output"], grid)
    assert decoded["nested"]["ids"].dtype == np.int32 and decoded["neuron_values"] is None


def test_big_endian_and_strided_arrays_are_sent_little_endian_and_contiguous():
    array = np.arange(6, dtype=">f4").reshape(2, 3).T
    message, buffers = codec.encode(Event("activation", {"values": array}))
    assert buffers[0] == np.ascontiguousarray(array, dtype="<f4").tobytes()
    np.testing.assert_array_equal(codec.decode(message, buffers)["values"], array)


def test_other_dtypes_are_refused():
    with pytest.raises(TypeError, match="float32, float64, int32"):
        codec.encode(Event("activation", {"values": np.zeros(2, np.int64)}))


def test_curve_deltas_hold_only_new_points_and_snapshots_hold_all():
    curves = CurveStore()
    assert curves.delta() is None
    curves.add("loss", 1, 0.9)
    curves.add("loss", 2, 0.8)
    curves.mark(2, "backend", "jax")
    first = curves.delta().fields
    assert not first["reset"] and first["markers"] == [
        {"step": 2, "kind": "backend", "label": "jax"}
    ]
    np.testing.assert_array_equal(first["series"][0]["steps"], [1, 2])
    curves.add("loss", 3, 0.7)
    curves.add("val_loss", 3, 0.75)
    second = curves.delta().fields
    assert [s["name"] for s in second["series"]] == ["loss", "val_loss"]
    np.testing.assert_array_equal(second["series"][0]["steps"], [3])
    assert second["markers"] == []
    snapshot = curves.snapshot().fields
    assert snapshot["reset"] and len(snapshot["markers"]) == 1
    np.testing.assert_array_equal(
        snapshot["series"][0]["values"], np.array([0.9, 0.8, 0.7], np.float32)
    )
    assert curves.delta() is None  # a snapshot does not disturb the deltas
