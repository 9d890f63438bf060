"""One benchmark contestant in its own process, driven by the runner over JSON lines.

    python -m benchmarks.worker --contestant engine --backend jax --model mlp --size full

Contestants: "engine" (the engine's fit; with "inspect_every" in its config, with an
InspectionCallback capturing every that many steps; with "subclassed", of the model written
as a subclass of Model), "keras" (Keras 3's fit; KERAS_BACKEND
is set by the runner), "native" (a hand-written loop, benchmarks/native/) and "switch"
(moving a model with its Adam state between backends). Each process imports only what its
contestant needs, so its peak memory is its own, and Keras gets the backend it reads at
import.

The worker answers requests {"op": name, "args": {...}} with one JSON line each, on a copy
of the original stdout; anything the frameworks print goes to stderr instead.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import resource
import statistics
import sys
import time
import traceback

import numpy as np

from benchmarks import models


def peak_rss_mb() -> float:
    """This process's peak resident memory so far (ru_maxrss: KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return round(peak / (2**20 if sys.platform == "darwin" else 2**10), 1)


class StepContestant:
    """Trains one model on one backend; `run(steps)` times that many steps."""

    def __init__(self, backend, model, config):
        self.backend, self.model, self.config = backend, model, config
        self.batch = config["batch"]
        self.x = self.y = None

    def _batches(self, steps):
        """At least `steps` batches of data, in the contestant's layout (made once, untimed)."""
        count = steps * self.batch
        if self.x is None or len(self.x) < count:
            self.x, self.y = self.prepare(*models.data(self.model, self.config, count))
        return self.x[:count], self.y[:count]

    def prepare(self, x, y):
        return x, y

    def first(self):
        """Time the first step (compilation, on the backends that compile)."""
        x, y = self._batches(1)
        started = time.perf_counter()
        self.train(x, y, 1)
        return {"seconds": time.perf_counter() - started, **self.first_extra()}

    def first_extra(self) -> dict:
        return {}

    def run(self, steps):
        """Seconds per step, of wall-clock time and of this process's CPU time (every
        thread's: steadier than wall time on a loaded machine, but it counts the time
        threads spend spinning while they wait)."""
        x, y = self._batches(steps)
        started, cpu_started = time.perf_counter(), time.process_time()
        self.train(x, y, steps)
        return {
            "seconds_per_step": (time.perf_counter() - started) / steps,
            "cpu_seconds_per_step": (time.process_time() - cpu_started) / steps,
        }

    def stats(self):
        return {"peak_rss_mb": peak_rss_mb()}

    def device(self):
        """"cpu" or "gpu": where the framework puts arrays by default."""
        from benchmarks import native

        return native.device(self.backend)


class FitContestant(StepContestant):
    """`fit` of the engine or of Keras: the same model, loss and Adam from the same weights."""

    callbacks = ()

    def __init__(self, library, backend, model, config):
        super().__init__(backend, model, config)
        self.library = library
        weights = models.initial_weights(model, config)
        self.net = models.build(library, model, config, subclassed=config.get("subclassed", False))
        self.net.set_weights(weights)
        self.net.compile(
            optimizer=library.optimizers.Adam(learning_rate=models.LEARNING_RATE),
            loss=models.loss(library, model),
        )

    def train(self, x, y, steps):
        self.net.fit(
            x, y, batch_size=self.batch, epochs=1, shuffle=False, verbose=0,
            callbacks=list(self.callbacks),
        )


class EngineContestant(FitContestant):
    def __init__(self, backend, model, config):
        import engine

        engine.set_backend(backend)
        super().__init__(engine, backend, model, config)
        if config.get("inspect_every"):
            from engine.inspection import InspectionCallback

            # one callback for every block, as in one long fit: captures keep their spacing
            self.callbacks = [InspectionCallback(every=config["inspect_every"], verbose=0)]

    def first_extra(self):
        return {"engine_first_step_seconds": self.net.first_step_seconds.get(self.backend)}

    def device(self):
        return _device_kind(self.library.devices()[0])


class KerasContestant(FitContestant):
    def __init__(self, backend, model, config):
        import keras

        if keras.backend.backend() != backend:
            raise RuntimeError(
                f"Keras runs on {keras.backend.backend()!r}, not {backend!r}: start this "
                f"worker with KERAS_BACKEND={backend}."
            )
        keras.utils.set_random_seed(models.SEED)
        super().__init__(keras, backend, model, config)


class NativeContestant(StepContestant):
    def __init__(self, backend, model, config):
        from benchmarks import native

        super().__init__(backend, model, config)
        self.trainer = native.trainer(backend, model, config, models.initial_weights(model, config))

    def prepare(self, x, y):
        return self.trainer.prepare(x, y)

    def train(self, x, y, steps):
        batch = self.batch
        loss = None
        for i in range(steps):
            loss = self.trainer.step(x[i * batch : (i + 1) * batch], y[i * batch : (i + 1) * batch])
        self.trainer.sync(loss)


class SwitchContestant:
    """The MLP with `hidden` units per hidden layer (10.1M weights at 2800) and Adam's slots,
    moved between `backends` by `engine.set_backend`."""

    def __init__(self, backend, model, config):
        import engine

        self.engine = engine
        self.backends = config["backends"]
        for name in self.backends:
            engine.backend.get_backend(name)  # import every framework before timing
        hidden = config["hidden"]
        engine.set_backend("numpy")
        engine.set_random_seed(models.SEED)
        self.net = models.build(
            engine, "mlp", {"features": 784, "hidden": hidden, "classes": 10}
        )
        self.net.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        self.net.optimizer.build(self.net.trainable_weights)

    def device(self):
        return "cpu"

    def switch(self, rounds):
        """Seconds of `engine.set_backend(b)` from each backend a, for every pair, per round."""
        from engine.variables import live_variables

        pairs = list(itertools.permutations(self.backends, 2))
        times = {f"{a}->{b}": [] for a, b in pairs}
        for round_ in range(rounds):
            shift = round_ % len(pairs) if pairs else 0
            for a, b in pairs[shift:] + pairs[:shift]:
                if self.engine.backend_name() != a:
                    self.engine.set_backend(a)
                started = time.perf_counter()
                self.engine.set_backend(b)
                _wait_for(b, [v.value for v in live_variables()])
                times[f"{a}->{b}"].append(time.perf_counter() - started)
        return {
            "parameters": self.net.count_params(),
            "values_moved": _size([*self.net.variables, *self.net.optimizer.variables]),
            "seconds": {pair: statistics.median(t) for pair, t in times.items()},
            "times": times,
        }

    def stats(self):
        return {"peak_rss_mb": peak_rss_mb()}


def _wait_for(backend, values):
    """Block until `values` exist: JAX may still be copying when device_put returns."""
    if backend == "jax":
        import jax

        jax.block_until_ready(values)


def _size(variables) -> int:
    return int(sum(int(np.prod(v.shape)) for v in variables))


def _device_kind(name: str) -> str:
    name = name.lower()
    return "gpu" if "gpu" in name or "cuda" in name else "cpu"


CONTESTANTS = {
    "engine": EngineContestant,
    "keras": KerasContestant,
    "native": NativeContestant,
    "switch": SwitchContestant,
}


def _protocol_stream():
    """A private copy of stdout for replies; fd 1 then points at stderr."""
    stream = os.fdopen(os.dup(1), "w", buffering=1)
    os.dup2(2, 1)
    sys.stdout = sys.stderr
    return stream


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--contestant", choices=sorted(CONTESTANTS), required=True)
    parser.add_argument("--backend", required=True)
    parser.add_argument("--model", default="mlp")
    parser.add_argument("--config", required=True, help="the model's config, as JSON")
    args = parser.parse_args(argv)
    replies = _protocol_stream()

    def send(message):
        replies.write(json.dumps(message) + "\n")

    try:
        contestant = CONTESTANTS[args.contestant](args.backend, args.model, json.loads(args.config))
        send({"ready": True, "device": contestant.device(), "peak_rss_mb": peak_rss_mb()})
    except Exception as error:  # reported to the runner, which leaves this contestant out
        send({"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()})
        return
    for line in sys.stdin:
        request = json.loads(line)
        if request["op"] == "quit":
            break
        try:
            send(getattr(contestant, request["op"])(**request.get("args", {})))
        except Exception as error:
            send({"error": f"{type(error).__name__}: {error}", "trace": traceback.format_exc()})


if __name__ == "__main__":
    main()
