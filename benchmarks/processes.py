"""The runner's side of a worker process (benchmarks/worker.py): start it, ask, close it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def worker_environment(contestant, backend, device, threads) -> dict:
    """The environment a worker starts with: Keras's backend, the device it may see,
    TensorFlow's CPU allocator, and the thread counts every framework reads at import."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env["WORKBENCH_BACKEND"] = "numpy"
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    # the engine's TensorFlow backend asks for this allocator; every contestant gets it
    env["TF_CPU_ALLOCATOR_USE_BFC"] = "true"
    if contestant == "keras":
        env["KERAS_BACKEND"] = backend
    if device == "cpu":
        env["CUDA_VISIBLE_DEVICES"] = ""
        env["JAX_PLATFORMS"] = "cpu"
    if threads:
        for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                     "TF_NUM_INTRAOP_THREADS"):
            env[name] = str(threads)
        env["TF_NUM_INTEROP_THREADS"] = "1"
        if threads == 1:  # XLA's CPU client has no thread-count flag above one
            env["XLA_FLAGS"] = "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1"
    return env


class Worker:
    """A worker process; `call(op, **args)` sends one request and returns its reply (a dict,
    with "error" when the worker failed or died)."""

    def __init__(self, contestant, backend, model, config, device="cpu", threads=0):
        self.name = f"{contestant}/{backend}/{model}"
        self._log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 (closed in close())
        command = [
            sys.executable, "-m", "benchmarks.worker", "--contestant", contestant,
            "--backend", backend, "--model", model, "--config", json.dumps(config),
        ]
        self.process = subprocess.Popen(
            command, cwd=ROOT, env=worker_environment(contestant, backend, device, threads),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log, text=True,
        )

    def ready(self) -> dict:
        """The worker's first message: {"ready", "device", "peak_rss_mb"} or {"error"}."""
        return self._read()

    def call(self, op, **args) -> dict:
        try:
            self.process.stdin.write(json.dumps({"op": op, "args": args}) + "\n")
            self.process.stdin.flush()
        except OSError:
            pass  # it died: _read reports why
        return self._read()

    def _read(self) -> dict:
        line = self.process.stdout.readline()
        if line:
            return json.loads(line)
        code = self.process.wait()
        self._log.seek(0)
        tail = self._log.read()[-2000:]
        return {"error": f"{self.name} exited with code {code}", "trace": tail}

    def close(self) -> None:
        if self.process.poll() is None:
            try:
                self.process.stdin.write('{"op": "quit"}\n')
                self.process.stdin.close()
                self.process.wait(timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                self.process.kill()
                self.process.wait()
        self.process.stdout.close()
        self._log.close()
