"""The benchmark runner's --quick mode runs end to end and writes results of the documented
structure (timings themselves are not checked: they depend on the machine and its load)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import engine
from benchmarks import models, native
from benchmarks.measure import paired_ratios
from tests.conftest import INSTALLED

ROOT = Path(__file__).resolve().parents[1]
FRAMEWORKS = [name for name in ("jax", "torch", "tensorflow") if name in INSTALLED]
# One backend keeps the run short: the first installed framework, else NumPy alone.
BACKEND = FRAMEWORKS[0] if FRAMEWORKS else "numpy"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    path = tmp_path_factory.mktemp("benchmarks") / "results.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--backends", BACKEND,
               "--models", "mlp", "--no-gpu", "--json", str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Step time of fit" in done.stdout
    return json.loads(path.read_text())


def assert_measured(result, rounds):
    assert "error" not in result, result.get("trace")
    assert len(result["times_ms"]) == rounds
    assert result["median_ms"] > 0 and result["first_step_s"] > 0
    assert result["peak_rss_mb"] > 0 and result["device"] == "cpu"


def test_results_have_every_section(results):
    assert set(results) == {
        "machine", "settings", "step_time", "subclassed", "numpy", "backend_switch",
        "inspection", "gpu",
    }
    assert results["settings"]["size"] == "quick"
    described = {"cpu", "cpu_flags", "cores", "versions", "load_average_start"}
    assert described <= set(results["machine"])
    assert results["gpu"] == {"skipped": "--no-gpu"}


@pytest.mark.skipif(BACKEND == "numpy", reason="no framework installed to compare against")
def test_step_time_compares_engine_native_and_keras(results):
    (group,) = results["step_time"]
    assert (group["backend"], group["model"], group["device"]) == (BACKEND, "mlp", "cpu")
    rounds = group["rounds"]
    assert group["processes"] == 2  # each contestant's rounds are shared by two processes
    contestants = group["contestants"]
    assert_measured(contestants["engine"], rounds)
    assert contestants["engine"]["engine_first_step_s"] > 0
    assert_measured(contestants["native"], rounds)
    if "keras" in results["machine"]["versions"]:
        assert_measured(contestants["keras"], rounds)
    else:
        assert "skipped" in contestants["keras"]
    ratios = group["ratios"]
    assert set(ratios) == {"engine/native", "engine/keras", "engine/best", "engine/best cpu"}
    assert ratios["engine/native"] > 0 and ratios["engine/best"] > 0
    first, third = group["quartiles"]["engine/best"]
    assert first <= ratios["engine/best"] <= third
    assert group["target"]["limit"] == 1.0 and isinstance(group["target"]["met"], bool)


def test_subclassed_section_times_fit_of_the_mlp_written_both_ways(results):
    groups = results["subclassed"]
    assert [(g["backend"], g["model"]) for g in groups] == [
        (name, "mlp") for name in dict.fromkeys(["numpy", BACKEND])
    ]
    for group in groups:
        assert set(group["contestants"]) == {"functional", "subclassed"}
        for result in group["contestants"].values():
            assert_measured(result, group["rounds"])
        ratio = group["ratios"]["subclassed/functional"]
        first, third = group["quartiles"]["subclassed/functional"]
        assert first <= ratio <= third
        assert group["target"]["limit"] == 1.02 and isinstance(group["target"]["met"], bool)


def test_subclassed_mlp_computes_the_functional_one_from_its_weights():
    config = models.CONFIGS["quick"]["mlp"]
    x, _ = models.data("mlp", config, 4)
    functional = models.build(engine, "mlp", config)
    subclassed = models.build(engine, "mlp", config, subclassed=True)
    assert type(subclassed).__name__ == "MLP" and isinstance(subclassed, engine.Model)
    subclassed.set_weights(functional.get_weights())
    np.testing.assert_allclose(subclassed.predict(x, verbose=0), functional.predict(x, verbose=0),
                               rtol=1e-6)
    with pytest.raises(ValueError, match="No subclassed 'cnn'"):
        models.build(engine, "cnn", models.CONFIGS["quick"]["cnn"], subclassed=True)


def test_numpy_section_and_backend_switch(results):
    (group,) = results["numpy"]
    others = [name for name in (BACKEND,) if name != "numpy"]
    assert set(group["contestants"]) == {"numpy", *others}
    assert_measured(group["contestants"]["numpy"], group["rounds"])
    assert set(group["ratios"]) == {f"numpy/{name}" for name in others}
    switch = results["backend_switch"]
    assert "error" not in switch, switch.get("trace")
    pairs = {f"{a}->{b}" for a in ("numpy", *others) for b in ("numpy", *others) if a != b}
    assert set(switch["seconds"]) == pairs
    assert switch["values_moved"] >= 3 * switch["parameters"]  # weights, Adam's m and v
    assert isinstance(switch["met"], bool)


def test_inspection_section_times_fit_with_and_without_capture(results):
    groups = results["inspection"]
    assert [(g["backend"], g["model"]) for g in groups] == [
        (name, "mlp") for name in dict.fromkeys(["numpy", BACKEND])
    ]
    for group in groups:
        assert set(group["contestants"]) == {"plain", "every 10", "every step"}
        for result in group["contestants"].values():
            assert_measured(result, group["rounds"])
        assert group["steps_per_round"] % 10 == 0  # each block holds whole capture periods
        ratios = group["ratios"]
        assert ratios["every 10/plain"] == pytest.approx(1 + group["added"])
        assert group["implied_added"] == pytest.approx((ratios["every step/plain"] - 1) / 10)
        first, third = group["quartiles"]["every step/plain"]
        assert first <= ratios["every step/plain"] <= third
        assert group["target"]["limit"] == 0.05 and isinstance(group["target"]["met"], bool)


def test_the_best_contestant_is_the_fastest_over_the_run_not_each_round():
    # native is faster over the run; keras wins round 2 by luck. Taking each round's faster
    # time would set the engine against a reference faster than either contestant.
    contestants = {
        "engine": {"times_ms": [10.0, 10.0, 10.0]},
        "native": {"times_ms": [10.0, 12.0, 9.0]},
        "keras": {"times_ms": [20.0, 8.0, 20.0]},
    }
    assert paired_ratios(contestants, "engine", ["native", "keras"]) == [1.0, 10 / 12, 10 / 9]
    assert paired_ratios(contestants, "engine", ["keras"]) == [0.5, 1.25, 0.5]
    assert paired_ratios({**contestants, "keras": {}}, "engine", ["native", "keras"]) is None


def test_a_run_of_some_sections_holds_only_those(tmp_path):
    path = tmp_path / "partial.json"
    command = [sys.executable, "-m", "benchmarks", "--quick", "--backends", "numpy",
               "--models", "mlp", "--sections", "backend_switch", "--json", str(path)]
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert set(json.loads(path.read_text())) == {"machine", "settings", "backend_switch"}
    assert "Backend switch" in done.stdout and "Step time" not in done.stdout


@pytest.mark.parametrize("name", models.MODEL_NAMES)
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_hand_written_loops_train_the_same_models(framework, name):
    """From the same weights, two steps of each hand-written loop give fit's losses."""
    config = models.CONFIGS["quick"][name]
    weights = models.initial_weights(name, config)
    x, y = models.data(name, config, 2 * config["batch"])
    net = models.build(engine, name, config)
    net.set_weights(weights)
    net.compile(
        optimizer=engine.optimizers.Adam(models.LEARNING_RATE), loss=models.loss(engine, name)
    )
    expected = net.fit(x, y, batch_size=len(x), epochs=2, shuffle=False, verbose=0)
    trainer = native.trainer(framework, name, config, weights)
    x, y = trainer.prepare(x, y)
    losses = [trainer.sync(trainer.step(x, y)) for _ in range(2)]
    np.testing.assert_allclose(losses, expected.history["loss"], rtol=2e-4)
