"""What capture costs: training step time with InspectionCallback(every=N) against none.

    python benchmarks/inspection.py                       # every backend installed, an MLP
    python benchmarks/inspection.py --model cnn --backends jax torch --steps 200
    python benchmarks/inspection.py --threads 1           # one thread per framework

Each backend trains the same model on random data; runs with no capture, with capture every
N steps and with capture at every step alternate (after a warm-up that compiles both steps)
and the fastest of `--repeats` runs of each is reported: the one least disturbed by other
work on the machine. The every-step runs time a capture step directly, which is steadier
than the small difference between the other two: `implied` is its cost spread over N steps.
The target is under 5% added time with capture every 10 steps.

On a machine shared with other work, `--threads 1` gives steadier numbers: a framework's
parallel ops wait for every one of their threads, and a busy core stalls each op.
"""

from __future__ import annotations

import argparse
import os
import time

import numpy as np

import engine
from benchmarks.machine import describe
from benchmarks.processes import worker_environment
from engine import layers
from engine.inspection import InspectionCallback


def build(kind: str):
    engine.set_random_seed(0)
    if kind == "mlp":
        stack = [
            layers.Input((784,)),
            layers.Dense(512, activation="relu"),
            layers.Dense(512, activation="relu"),
            layers.Dense(10, activation="softmax"),
        ]
    else:
        stack = [
            layers.Input((28, 28, 1)),
            layers.Conv2D(16, 3, activation="relu"),
            layers.MaxPooling2D(2),
            layers.Conv2D(32, 3, activation="relu"),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ]
    model = engine.Sequential(stack)
    model.compile(engine.optimizers.Adam(1e-3), "sparse_categorical_crossentropy")
    return model


def data(kind: str, count: int):
    rng = np.random.default_rng(0)
    shape = (count, 784) if kind == "mlp" else (count, 28, 28, 1)
    return rng.normal(size=shape).astype("float32"), rng.integers(0, 10, count)


def seconds_per_step(model, x, y, batch_size, callbacks) -> float:
    started = time.perf_counter()
    model.fit(x, y, batch_size=batch_size, shuffle=False, verbose=0, callbacks=callbacks)
    return (time.perf_counter() - started) / (len(x) // batch_size)


def measure(backend: str, args) -> dict:
    engine.set_backend(backend)
    model = build(args.model)
    x, y = data(args.model, args.steps * args.batch_size)
    every_n = InspectionCallback(every=args.every, verbose=0)
    every_step = InspectionCallback(every=1, verbose=0)
    warm = args.every + 1  # compiles the plain and the capture step
    for inspector in (every_n, every_step):
        model.fit(
            x[: warm * args.batch_size],
            y[: warm * args.batch_size],
            batch_size=args.batch_size,
            verbose=0,
            callbacks=[inspector],
        )
    plain, captured, capturing = [], [], []
    for _ in range(args.repeats):
        plain.append(seconds_per_step(model, x, y, args.batch_size, []))
        captured.append(seconds_per_step(model, x, y, args.batch_size, [every_n]))
        capturing.append(seconds_per_step(model, x, y, args.batch_size, [every_step]))
    plain_ms, captured_ms, capture_ms = (min(times) * 1e3 for times in (plain, captured, capturing))
    return {
        "backend": backend,
        "plain ms/step": plain_ms,
        f"every {args.every} ms/step": captured_ms,
        "added": (captured_ms - plain_ms) / plain_ms,
        "capture ms/step": capture_ms,
        "capture/plain": capture_ms / plain_ms,
        "implied added": (capture_ms - plain_ms) / (args.every * plain_ms),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backends", nargs="*", default=None, help="default: all installed")
    parser.add_argument("--model", choices=("mlp", "cnn"), default="mlp")
    parser.add_argument("--steps", type=int, default=100, help="steps per timed run")
    parser.add_argument("--batch-size", type=int, default=128)
    parser.add_argument("--every", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=0, help="0: framework defaults")
    args = parser.parse_args()
    # before any framework is imported: they read their thread counts once
    os.environ.update(worker_environment("engine", "numpy", "cpu", args.threads))
    machine = describe(args.threads)
    rows = [measure(name, args) for name in args.backends or engine.available_backends()]
    print(
        f"\nCapture cost: {args.model}, batch {args.batch_size}, {args.steps} steps per run, "
        f"fastest of {args.repeats}; {machine['cpu']}, {machine['cores']} cores, threads: "
        f"{machine['threads']}, load average {machine['load_average_start']} at start, "
        f"{os.getloadavg()} at end"
    )
    header = list(rows[0])
    print(" | ".join(f"{h:>15}" for h in header))
    for row in rows:
        cells = [
            row["backend"],
            *(f"{row[h]:.2f}" for h in header[1:3]),
            f"{row['added']:+.1%}",
            f"{row['capture ms/step']:.2f}",
            f"{row['capture/plain']:.2f}",
            f"{row['implied added']:+.1%}",
        ]
        print(" | ".join(f"{c:>15}" for c in cells))


if __name__ == "__main__":
    main()
