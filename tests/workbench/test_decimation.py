"""Curves thinned for the views: a bounded number of points per series however long training
runs, every bucket's extremes and both ends kept, and deltas that add up to the snapshot."""

import numpy as np
import pytest

from workbench.curves import MAX_POINTS, CurveStore
from workbench.decimation import extremes


def spiky_walk(count: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    values = np.cumsum(rng.normal(size=count)).astype(np.float32)
    values[rng.integers(0, count, 20)] += rng.choice([-1000, 1000], 20)
    return values


@pytest.mark.parametrize("count, width", [(10_000, 37), (10_000, 100), (5, 3), (1000, 1)])
def test_extremes_keep_both_ends_and_each_buckets_lowest_and_highest(count, width):
    values = spiky_walk(count)
    kept = extremes(values, width)
    assert len(kept) <= 2 * -(-count // width) + 2
    assert np.all(np.diff(kept) > 0)
    assert kept[0] == 0 and kept[-1] == count - 1
    for start in range(0, count, width):
        bucket = values[start : start + width]
        assert {start + bucket.argmin(), start + bucket.argmax()} <= set(kept)


class View:
    """What a browser holds: a reset replaces everything, other deltas append."""

    def __init__(self):
        self.series: dict[str, tuple[list, list]] = {}
        self.markers: list = []

    def apply(self, event) -> None:
        fields = event.fields
        if fields["reset"]:
            self.series, self.markers = {}, []
        for item in fields["series"]:
            steps, values = self.series.setdefault(item["name"], ([], []))
            steps.extend(item["steps"].tolist())
            values.extend(item["values"].tolist())
        self.markers += fields["markers"]


def held(event) -> dict:
    return {s["name"]: (s["steps"].tolist(), s["values"].tolist()) for s in event.fields["series"]}


def test_a_long_run_reaches_the_views_bounded_with_its_extremes_and_ends():
    """300k steps flushed in uneven slices, a validation point every 1000 steps and a few
    markers: the view never holds more than MAX_POINTS points of a series, always agrees with
    the snapshot, and keeps the first, the last, the lowest and the highest point."""
    curves, view = CurveStore(), View()
    loss = spiky_walk(300_000)
    rng = np.random.default_rng(1)
    step, largest = 0, 0
    curves.mark(0, "start", "start on numpy")
    while step < len(loss):
        for _ in range(int(rng.integers(1, 3000))):
            if step == len(loss):
                break
            step += 1
            curves.add("loss", step, loss[step - 1])
            if step % 1000 == 0:
                curves.add("val_loss", step, -step)
        if step % 7 == 0:
            curves.mark(step, "backend", "jax")
        delta = curves.delta()
        view.apply(delta)
        largest = max(largest, *(len(s["steps"]) for s in delta.fields["series"]))
        assert all(len(steps) <= MAX_POINTS for steps, _ in view.series.values())
        assert view.series == held(curves.snapshot())
        assert view.markers == curves.markers()
    assert largest <= MAX_POINTS
    steps, values = view.series["loss"]
    assert steps[0] == 1 and steps[-1] == len(loss) and values[-1] == loss[-1]
    assert min(values) == loss.min() and max(values) == loss.max()
    assert np.all(np.diff(steps) > 0)
    assert view.series["val_loss"][0] == list(range(1000, 300_001, 1000))  # 300: not thinned
    np.testing.assert_array_equal(curves.points("loss")[1], loss)  # the kernel keeps them all


def test_a_short_run_is_sent_whole_and_a_snapshot_holds_only_what_was_sent():
    curves, view = CurveStore(), View()
    for step in range(1, 641):
        curves.add("loss", step, 1 / step)
        if step % 50 == 0:
            view.apply(curves.delta())
    assert view.series["loss"][0] == list(range(1, 601))
    assert held(curves.snapshot())["loss"][0] == list(range(1, 601))  # 601-640 come next
    view.apply(curves.delta())
    assert view.series["loss"][0] == list(range(1, 641))
    assert curves.delta() is None
