"""The benchmark runner: prints a table and writes the measurements as JSON.

    python -m benchmarks                 # everything installed (several minutes)
    python -m benchmarks --quick         # small models, few rounds (a smoke test)
    python benchmarks/run.py --backends jax torch --models mlp --json out.json

Sections (docs in benchmarks/README.md):
- step_time: per backend and model, the engine's `fit` step against a hand-written loop
  and against Keras 3's `fit`, measured alternately; ratios are engine / other.
- subclassed: per backend, the engine's `fit` of the MLP written as `class MLP(Model)`
  against its `fit` of the functional MLP, the same way.
- numpy: the engine's NumPy backend against its other backends, the same way.
- backend_switch: seconds for `engine.set_backend` to move a model and its Adam state.
- inspection: the engine's `fit` with live inspection (every 10 steps, every step) against
  the same `fit` without, per backend and model, the same way.
- gpu: the step_time section again on a GPU, when there is one (else why it was skipped).
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks import machine, report  # noqa: E402
from benchmarks.measure import Plan, paired_ratio, quartiles, run_group, run_switch  # noqa: E402
from benchmarks.models import CONFIGS, MODEL_NAMES, SUBCLASSED  # noqa: E402

FRAMEWORKS = ("jax", "torch", "tensorflow")
# Engine step time / the faster of Keras and the hand-written loop must stay within these.
TARGETS = {"mlp": 1.0, "cnn": 1.0, "transformer": 1.05, "autoencoder": 1.0, "bilstm": 1.0}
# A subclassed model trains the same graph as the functional one: its step time / theirs.
SUBCLASSED_TARGET = 1.02
SWITCH_TARGET_SECONDS = 1.0
# Added time of fit with InspectionCallback(every=INSPECT_EVERY) over a plain fit.
INSPECT_EVERY = 10
INSPECTION_TARGET = 0.05
SECTIONS = ("step_time", "subclassed", "numpy", "backend_switch", "inspection", "gpu")

PLANS = {
    "full": {"step": Plan(8, 1.0, 2, 200, processes=2), "numpy": Plan(5, 1.0, 1, 100),
             "subclassed": Plan(8, 1.0, 2, 200, processes=2),
             "switch_hidden": 2800, "switch_rounds": 3,
             "inspection": Plan(8, 1.5, INSPECT_EVERY, 200, multiple=INSPECT_EVERY,
                                processes=2)},
    "quick": {"step": Plan(2, 0.05, 1, 4, processes=2), "numpy": Plan(2, 0.05, 1, 4),
              "subclassed": Plan(2, 0.05, 1, 4),
              "switch_hidden": 64, "switch_rounds": 1,
              "inspection": Plan(2, 0.05, INSPECT_EVERY, INSPECT_EVERY, multiple=INSPECT_EVERY)},
}


def installed(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def step_time_section(backends, names, size, plan, device, threads, log) -> list:
    rows = []
    for name in names:
        config = CONFIGS[size][name]
        for backend in backends:
            entries = {"engine": ("engine", backend), "native": ("native", backend)}
            if installed("keras"):
                entries["keras"] = ("keras", backend)
            log(f"  {device} {backend} {name}: {' / '.join(entries)}")
            group = run_group(entries, name, config, plan, device, threads)
            group.update(backend=backend, model=name, batch=config["batch"], device=device)
            if not installed("keras"):
                group["contestants"]["keras"] = {"skipped": "keras is not installed"}
            contestants = group["contestants"]
            others = [label for label in ("native", "keras") if label in entries]
            group["ratios"] = {
                "engine/native": paired_ratio(contestants, "engine", ["native"]),
                "engine/keras": paired_ratio(contestants, "engine", ["keras"]),
                "engine/best": paired_ratio(contestants, "engine", others),
                "engine/best cpu": paired_ratio(contestants, "engine", others, "cpu_times_ms"),
            }
            group["quartiles"] = {"engine/best": quartiles(contestants, "engine", others)}
            best = group["ratios"]["engine/best"]
            group["target"] = {
                "limit": TARGETS[name],
                "met": None if best is None else best <= TARGETS[name],
            }
            rows.append(group)
    return rows


def subclassed_section(backends, names, size, plan, threads, log) -> list:
    """Per backend, the engine's fit of each model in SUBCLASSED written as a subclass of
    Model against the same model built functionally, alternately, from the same weights."""
    rows = []
    for name in [name for name in names if name in SUBCLASSED]:
        config = CONFIGS[size][name]
        for backend in backends:
            entries = {"functional": ("engine", backend),
                       "subclassed": ("engine", backend, {"subclassed": True})}
            log(f"  cpu {backend} {name}: {' / '.join(entries)}")
            group = run_group(entries, name, config, plan, "cpu", threads)
            group.update(backend=backend, model=name, batch=config["batch"])
            contestants = group["contestants"]
            ratio = paired_ratio(contestants, "subclassed", ["functional"])
            group["ratios"] = {"subclassed/functional": ratio}
            group["quartiles"] = {
                "subclassed/functional": quartiles(contestants, "subclassed", ["functional"])
            }
            group["target"] = {
                "limit": SUBCLASSED_TARGET,
                "met": None if ratio is None else ratio <= SUBCLASSED_TARGET,
            }
            rows.append(group)
    return rows


def numpy_section(backends, names, size, plan, threads, log) -> list:
    """The engine on NumPy against the engine on each other backend, alternately."""
    rows = []
    for name in names:
        labels = ["numpy", *backends]
        log(f"  cpu engine {name}: {' / '.join(labels)}")
        config = CONFIGS[size][name]
        group = run_group(
            {label: ("engine", label) for label in labels}, name, config, plan, "cpu", threads
        )
        group.update(model=name, batch=config["batch"])
        group["ratios"] = {
            f"numpy/{other}": paired_ratio(group["contestants"], "numpy", [other])
            for other in backends
        }
        rows.append(group)
    return rows


def inspection_section(backends, names, size, plan, threads, log) -> list:
    """Per backend and model: fit with InspectionCallback(every=INSPECT_EVERY) and with
    capture at every step against a plain fit, alternately.

    `added` is the every-INSPECT_EVERY run's time over the plain one's; `implied_added` the
    every-step run's extra time spread over INSPECT_EVERY steps. The target is judged on the
    implied cost: on a loaded machine one block's time moves by more than the 5% target, so
    the direct difference cannot tell 4% from 6%, while a capture at every step multiplies
    the signal tenfold. The direct one stays as a check: it also sees any cost a capture
    leaves to the steps after it."""
    rows = []
    every = f"every {INSPECT_EVERY}"
    for name in names:
        config = CONFIGS[size][name]
        for backend in backends:
            entries = {
                "plain": ("engine", backend),
                every: ("engine", backend, {"inspect_every": INSPECT_EVERY}),
                "every step": ("engine", backend, {"inspect_every": 1}),
            }
            log(f"  cpu {backend} {name}: {' / '.join(entries)}")
            group = run_group(entries, name, config, plan, "cpu", threads)
            group.update(backend=backend, model=name, batch=config["batch"])
            contestants = group["contestants"]
            periodic = paired_ratio(contestants, every, ["plain"])
            capture = paired_ratio(contestants, "every step", ["plain"])
            implied = None if capture is None else (capture - 1) / INSPECT_EVERY
            group["ratios"] = {f"{every}/plain": periodic, "every step/plain": capture}
            spread = quartiles(contestants, "every step", ["plain"])
            group["quartiles"] = {"every step/plain": spread}
            group["added"] = None if periodic is None else periodic - 1
            group["implied_added"] = implied
            group["target"] = {
                "every": INSPECT_EVERY,
                "limit": INSPECTION_TARGET,
                "met": None if implied is None else implied <= INSPECTION_TARGET,
            }
            rows.append(group)
    return rows


def switch_section(backends, hidden, rounds, log) -> dict:
    log("  backend switch: " + ", ".join(["numpy", *backends]))
    result = run_switch(["numpy", *backends], hidden, rounds)
    result["target_s"] = SWITCH_TARGET_SECONDS
    if "seconds" in result:
        result["slowest_s"] = max(result["seconds"].values(), default=0.0)
        result["met"] = result["slowest_s"] < SWITCH_TARGET_SECONDS
    return result


def parse_args(argv):
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument("--quick", action="store_true", help="small models and few rounds")
    parser.add_argument(
        "--backends", nargs="+", choices=FRAMEWORKS + ("numpy",),
        help="backends to compare (default: every installed framework)",
    )
    parser.add_argument("--models", nargs="+", choices=MODEL_NAMES, default=list(MODEL_NAMES))
    parser.add_argument("--rounds", type=int, help="alternating rounds per comparison")
    parser.add_argument(
        "--threads", type=int, default=0,
        help="intra-op threads for every framework (default: each framework's own choice)",
    )
    parser.add_argument("--json", type=Path, help="where to write the results")
    parser.add_argument("--no-gpu", action="store_true", help="skip the GPU section")
    parser.add_argument(
        "--sections", nargs="+", choices=SECTIONS, default=list(SECTIONS),
        help="which sections to run (default: all)",
    )
    return parser.parse_args(argv)


def main(argv=None) -> dict:
    args = parse_args(argv)
    size = "quick" if args.quick else "full"
    plans = PLANS[size]
    step_plan, numpy_plan, inspection_plan = plans["step"], plans["numpy"], plans["inspection"]
    subclassed_plan = plans["subclassed"]
    if args.rounds:
        step_plan, numpy_plan, inspection_plan, subclassed_plan = (
            dataclasses.replace(plan, rounds=args.rounds)
            for plan in (step_plan, numpy_plan, inspection_plan, subclassed_plan)
        )
    requested = args.backends or [name for name in FRAMEWORKS if installed(name)]
    frameworks = [name for name in requested if name != "numpy" and installed(name)]
    missing = [name for name in requested if name != "numpy" and not installed(name)]

    def log(message):
        print(message, file=sys.stderr, flush=True)

    results = {
        "machine": machine.describe(args.threads),
        "settings": {"size": size, "models": args.models, "backends": frameworks,
                     "missing_backends": missing, "rounds": step_plan.rounds,
                     "threads": args.threads or None, "sections": args.sections},
    }
    sections = set(args.sections)
    if "step_time" in sections:
        log("step time (engine fit vs hand-written vs Keras fit):")
        results["step_time"] = step_time_section(
            frameworks, args.models, size, step_plan, "cpu", args.threads, log
        )
    if "subclassed" in sections:
        log("subclassed model (engine fit of class MLP(Model) vs the functional MLP):")
        results["subclassed"] = subclassed_section(
            ["numpy", *frameworks], args.models, size, subclassed_plan, args.threads, log
        )
    if "numpy" in sections:
        log("NumPy backend against the others:")
        results["numpy"] = numpy_section(
            frameworks, args.models, size, numpy_plan, args.threads, log
        )
    if "backend_switch" in sections:
        results["backend_switch"] = switch_section(
            frameworks, plans["switch_hidden"], plans["switch_rounds"], log
        )
    if "inspection" in sections:
        log(f"live inspection (fit with capture every {INSPECT_EVERY} / every step vs none):")
        results["inspection"] = inspection_section(
            ["numpy", *frameworks], args.models, size, inspection_plan, args.threads, log
        )
    if "gpu" in sections:
        gpu = None if args.no_gpu else machine.gpu_name()
        if gpu is None:
            results["gpu"] = {"skipped": "--no-gpu" if args.no_gpu else "no GPU found"}
        else:
            log(f"GPU ({gpu}):")
            results["gpu"] = {"device": gpu, "step_time": step_time_section(
                frameworks, args.models, size, step_plan, "gpu", args.threads, log
            )}
    results["machine"]["load_average_end"] = machine.load_average()
    complete = not args.quick and set(args.sections) == set(SECTIONS)
    path = args.json or (
        Path(__file__).resolve().parent / "results.json"
        if complete else Path(tempfile.gettempdir()) / "workbench-benchmarks-partial.json"
    )
    path.write_text(json.dumps(results, indent=1) + "\n")
    print(report.tables(results))
    print(f"\nWrote {path}")
    return results


if __name__ == "__main__":
    main()
