"""Alternating measurements: contestants take turns, round after round, in one run.

The machine's load changes by the second, so comparing timings taken at different moments
compares loads. Every contestant of a group is a live worker process; in each round each
runs one block of the same number of steps, in an order that rotates from round to round.
A ratio is taken within each round and the reported ratio is the median over rounds.

A process may also have luck of its own that lasts as long as it does (where its arrays
landed in memory, say; see benchmarks/README.md), so each contestant may run in several
processes that take the rounds in turn: its times then describe all of them.
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass

from benchmarks.processes import Worker


@dataclass(frozen=True)
class Plan:
    """How long to measure: `rounds` blocks per contestant, each about `block_seconds`, of a
    whole number of `multiple` steps (so that a capture every `multiple` steps falls the
    same number of times in every block), taken in turn by `processes` worker processes."""

    rounds: int
    block_seconds: float
    min_steps: int
    max_steps: int
    multiple: int = 1
    processes: int = 1

    def steps_for(self, seconds_per_step: float) -> int:
        steps = math.ceil(self.block_seconds / max(seconds_per_step, 1e-6))
        steps = max(self.min_steps, min(self.max_steps, steps))
        return math.ceil(steps / self.multiple) * self.multiple


def run_group(entries, model, config, plan, device="cpu", threads=0) -> dict:
    """Measure `entries` ({label: (contestant, backend)}, or (contestant, backend, settings)
    with settings added to that contestant's config) training `model` against each other.

    Returns {"steps_per_round", "rounds", "processes", "contestants": {label: result}}, a
    result holding the per-round seconds per step ("times_ms"), their median, the first
    step's time (of its first process) and the peak memory (of its largest), or "error" /
    "skipped" when the contestant could not run.
    """
    workers = {
        label: [
            Worker(contestant, backend, model, {**config, **dict(*settings)}, device, threads)
            for _ in range(plan.processes)
        ]
        for label, (contestant, backend, *settings) in entries.items()
    }
    results = {label: {} for label in entries}
    live = {}
    try:
        for label, group in workers.items():
            ready = [worker.ready() for worker in group]
            failed = next((r for r in ready if "error" in r), None)
            if failed is not None:
                results[label] = {"error": failed["error"], "trace": failed.get("trace", "")}
            elif ready[0]["device"] != device:
                results[label] = {"skipped": f"it runs on {ready[0]['device']}, not {device}"}
            else:
                live[label] = group
                results[label] = {
                    "device": ready[0]["device"],
                    "setup_rss_mb": max(r["peak_rss_mb"] for r in ready),
                }

        def ask(label, op, process=0, **args):
            reply = live[label][process].call(op, **args)
            if "error" in reply:
                results[label] = {"error": reply["error"], "trace": reply.get("trace", "")}
                del live[label]
            return reply

        def ask_all(label, op, **args):
            """`op` of every process of `label`: their replies, or None when one failed."""
            replies = []
            for process in range(plan.processes):
                if label not in live:
                    return None
                replies.append(ask(label, op, process, **args))
            return replies if label in live else None

        for label in list(live):
            replies = ask_all(label, "first")
            if replies is not None:
                results[label]["first_step_s"] = replies[0]["seconds"]
                if replies[0].get("engine_first_step_seconds") is not None:
                    results[label]["engine_first_step_s"] = replies[0]["engine_first_step_seconds"]
        # One untimed block each warms caches (and compiles what the first block did not) and
        # sizes the blocks from the median contestant.
        warm = [ask_all(label, "run", steps=plan.min_steps) for label in list(live)]
        per_step = [replies[0]["seconds_per_step"] for replies in warm if replies is not None]
        steps = plan.steps_for(statistics.median(per_step)) if per_step else plan.min_steps
        times = {label: [] for label in live}
        for round_ in range(plan.rounds):
            labels = list(live)
            shift = round_ % len(labels) if labels else 0
            for label in labels[shift:] + labels[:shift]:
                reply = ask(label, "run", round_ % plan.processes, steps=steps)
                if label in live:
                    times[label].append(reply)
        for label in list(live):
            replies = ask_all(label, "stats")
            if replies is not None:
                wall = [1000 * t["seconds_per_step"] for t in times[label]]
                cpu = [1000 * t["cpu_seconds_per_step"] for t in times[label]]
                results[label].update(
                    median_ms=statistics.median(wall), times_ms=wall,
                    median_cpu_ms=statistics.median(cpu), cpu_times_ms=cpu,
                    peak_rss_mb=max(reply["peak_rss_mb"] for reply in replies),
                )
    finally:
        for group in workers.values():
            for worker in group:
                worker.close()
    return {"steps_per_round": steps if live else None, "rounds": plan.rounds,
            "processes": plan.processes, "contestants": results}


def paired_ratios(contestants, numerator, denominators, times="times_ms"):
    """Per round, numerator's time / the time of the fastest of `denominators` (the one with
    the lowest median) that round; None when any of them has no times. `times` may be
    "cpu_times_ms" for CPU time. The fastest is chosen once, not per round: the smaller of two
    noisy times is biased low, more so the closer the two contestants are."""
    series = {label: contestants.get(label, {}).get(times) for label in (numerator, *denominators)}
    if not all(series.values()):
        return None
    fastest = min(denominators, key=lambda label: statistics.median(series[label]))
    return [top / bottom for top, bottom in zip(series[numerator], series[fastest])]


def paired_ratio(contestants, numerator, denominators, times="times_ms"):
    """The median over rounds of `paired_ratios`, or None."""
    ratios = paired_ratios(contestants, numerator, denominators, times)
    return None if ratios is None else statistics.median(ratios)


def quartiles(contestants, numerator, denominators):
    """[first, third] quartile of `paired_ratios`: how far one round's ratio moves on this
    machine, so a reader can tell a real miss from noise. None without two rounds."""
    ratios = paired_ratios(contestants, numerator, denominators)
    if ratios is None or len(ratios) < 2:
        return None
    first, _, third = statistics.quantiles(ratios, n=4, method="inclusive")
    return [first, third]


def run_switch(backends, hidden, rounds) -> dict:
    """Seconds to move a model with its Adam state between each ordered pair of backends."""
    worker = Worker("switch", "numpy", "switch", {"backends": backends, "hidden": hidden})
    try:
        ready = worker.ready()
        if "error" in ready:
            return {"error": ready["error"], "trace": ready.get("trace", "")}
        reply = worker.call("switch", rounds=rounds)
        if "error" not in reply:
            reply["peak_rss_mb"] = worker.call("stats")["peak_rss_mb"]
        return reply
    finally:
        worker.close()
