"""The bounded history, JSON output and the device summaries on their own."""

import json

import numpy as np
import pytest

from engine.inspection import BoundedHistory, jsonable, summaries
from engine.inspection.packing import Packer


def test_a_long_run_keeps_the_history_bounded_with_first_latest_and_an_even_sample():
    history = BoundedHistory(capacity=100, keep_first=10, keep_latest=20)
    for number in range(10_000):
        history.append({"step": number})
        assert len(history) <= 100
    kept = history.numbers()
    assert [r["step"] for r in history.records()] == kept
    assert kept[:10] == list(range(10))
    assert kept[-20:] == list(range(9_980, 10_000))
    sample = kept[10:-20]
    gaps = set(np.diff(sample))
    assert len(gaps) == 1 and gaps.pop() * len(sample) >= 9_000  # even, and spans the run
    assert history.seen == 10_000


def test_a_short_run_keeps_everything():
    history = BoundedHistory(capacity=100, keep_first=10, keep_latest=20)
    for number in range(60):
        history.append(number)
    assert list(history) == list(range(60))


def test_bad_history_sizes_say_what_is_needed():
    with pytest.raises(ValueError, match="capacity >= keep_first"):
        BoundedHistory(capacity=10, keep_first=5, keep_latest=5)


def test_jsonable_turns_arrays_and_non_finite_numbers_into_json():
    value = {"a": np.arange(3), "b": np.float32(np.nan), "c": [np.inf, 1.5], "d": np.bool_(True)}
    assert json.loads(json.dumps(jsonable(value))) == {
        "a": [0, 1, 2],
        "b": None,
        "c": [None, 1.5],
        "d": True,
    }


@pytest.mark.parametrize("chunked_from", [1, 100], ids=["chunked", "one_by_one"])
def test_statistics_of_padded_stacks_of_non_finite_and_of_off_centre_tensors(
    monkeypatch, chunked_from
):
    """Small tensors are reduced together in chunks when there are many, else one by one:
    the statistics are the same either way."""
    monkeypatch.setattr(summaries, "CHUNKED_FROM", chunked_from)
    a = np.array([2.0, -2.0, 0.0, 4.0], "float32")
    b = a[:3]  # padded to the length of a and c, in one stack with them
    c = np.array([1.0, np.nan, 0.0, np.inf], "float32")
    d = (0.5 + 1e-4 * np.random.default_rng(0).normal(size=1000)).astype("float32")
    raw, histograms = summaries.summarise([a, b, c, d], bins=4, sample=100)
    stats = summaries.statistics(raw)
    for row, values in zip(stats[[0, 1, 3]], (a, b, d)):
        expected = [
            values.mean(),
            values.std(),
            values.min(),
            values.max(),
            np.abs(values).mean(),
            np.linalg.norm(values),
            np.mean(values == 0),
            0,
        ]
        assert row.tolist() == pytest.approx(expected, rel=1e-3)
    nonfinite = dict(zip(summaries.STATISTICS, stats[2]))
    assert np.isnan(nonfinite["mean"])
    assert nonfinite["zero_fraction"] == 0.25 and nonfinite["nonfinite_fraction"] == 0.5
    assert histograms[:3].tolist() == [[1, 1, 1, 1], [1, 0, 1, 1], [0, 0, 0, 0]]
    assert 90 <= histograms[3].sum() <= 100  # 1000 values binned from an even sample


def test_histograms_of_big_tensors_sample_every_channel():
    stride = summaries.sampling_stride(64 * 28 * 28 * 32, [32, 12], 16384)
    assert stride * 16384 >= 64 * 28 * 28 * 32 and np.gcd(stride, 32) == np.gcd(stride, 12) == 1


def test_big_tensors_count_zeros_on_their_sample_and_never_miss_a_nan(backend_name):
    rng = np.random.default_rng(0)
    big = rng.normal(size=(300, 400)).astype("float32")
    big[rng.random(big.shape) < 0.3] = 0.0
    broken = big.copy()
    broken[123, 45] = np.nan  # one value in 120,000: the sample need not hold it
    raw, _ = summaries.summarise([big, broken], bins=8, sample=4096)
    (stats, nan_stats) = summaries.statistics(raw)
    values = dict(zip(summaries.STATISTICS, stats))
    assert values["zero_fraction"] == pytest.approx(np.mean(big == 0), abs=0.03)
    assert values["mean_abs"] == pytest.approx(np.abs(big).mean(), rel=1e-5)
    assert values["nonfinite_fraction"] == 0.0
    nan_values = dict(zip(summaries.STATISTICS, nan_stats))
    assert nan_values["nonfinite_fraction"] >= 1 / big.size and np.isnan(nan_values["mean"])


def test_a_big_tensor_far_from_zero_keeps_its_spread(backend_name):
    """Big tensors are reduced around their mean (the summary_statistics op): a small spread
    on a large offset survives float32."""
    values = np.random.default_rng(0).normal(1000.0, 0.01, size=(256, 300)).astype("float32")
    raw, _ = summaries.summarise([values], bins=8, sample=2048)
    described = dict(zip(summaries.STATISTICS, summaries.statistics(raw)[0]))
    assert described["std"] == pytest.approx(values.astype(np.float64).std(), rel=1e-3)
    assert described["mean"] == pytest.approx(values.astype(np.float64).mean(), rel=1e-6)
    assert described["mean_abs"] == pytest.approx(np.abs(values).mean(), rel=1e-5)


def test_one_packed_vector_per_capture_unpacks_by_its_own_plan():
    packer = Packer()
    first = packer.pack({"a": [np.ones((2, 3), "float32")], "b": [np.float32(5), np.zeros(2)]})
    other = packer.pack({"a": [np.arange(4, dtype="float32").reshape(1, 4)], "b": []})
    again = packer.pack({"a": [np.full((2, 3), 2, "float32")], "b": [np.float32(1), np.ones(2)]})
    assert (first[0], other[0], again[0]) == (0, 1, 0)  # same shapes, same plan
    unpacked = packer.unpack(np.asarray(other))
    assert unpacked["a"][0].tolist() == [[0, 1, 2, 3]] and unpacked["b"] == []
    a, b = packer.unpack(np.asarray(first)).values()
    assert a[0].shape == (2, 3) and float(b[0]) == 5 and b[1].tolist() == [0, 0]
