"""The results as plain-text tables (also pasted, as Markdown, into the README)."""

from __future__ import annotations


def _ms(result) -> str:
    if "median_ms" in result:
        return f"{result['median_ms']:.2f}"
    return "error" if "error" in result else "-"


def _ratio(value) -> str:
    return "-" if value is None else f"{value:.2f}"


def _spread(quartiles) -> str:
    """A ratio's first and third quartile over rounds, as " (0.97-1.04)", or nothing."""
    return "" if not quartiles else f" ({quartiles[0]:.2f}-{quartiles[1]:.2f})"


def _table(header, rows) -> list[str]:
    widths = [max(len(str(cell)) for cell in column) for column in zip(header, *rows)]
    lines = ["| " + " | ".join(str(c).ljust(w) for c, w in zip(header, widths)) + " |"]
    lines.append("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines += ["| " + " | ".join(str(c).ljust(w) for c, w in zip(row, widths)) + " |"
              for row in rows]
    return lines


def step_time_table(groups) -> list[str]:
    header = ["backend", "model", "engine ms", "native ms", "keras ms", "engine/native",
              "engine/keras", "engine/best (quartiles)", "target", "engine/best CPU time"]
    rows = []
    for group in groups:
        c, r, target = group["contestants"], group["ratios"], group["target"]
        verdict = {True: "met", False: "missed", None: "-"}[target["met"]]
        rows.append([
            group["backend"], group["model"], _ms(c["engine"]), _ms(c["native"]),
            _ms(c["keras"]), _ratio(r["engine/native"]), _ratio(r["engine/keras"]),
            _ratio(r["engine/best"]) + _spread(group["quartiles"]["engine/best"]),
            f"≤{target['limit']:.2f} {verdict}",
            _ratio(r["engine/best cpu"]),
        ])
    return _table(header, rows)


def first_step_table(groups) -> list[str]:
    header = ["backend", "model", "first step s (engine / native / keras)",
              "peak RSS MB (engine / native / keras)"]
    rows = []
    for group in groups:
        c = group["contestants"]
        labels = ("engine", "native", "keras")
        first = " / ".join(
            f"{c[k]['first_step_s']:.2f}" if "first_step_s" in c[k] else "-" for k in labels
        )
        memory = " / ".join(
            f"{c[k]['peak_rss_mb']:.0f}" if "peak_rss_mb" in c[k] else "-" for k in labels
        )
        rows.append([group["backend"], group["model"], first, memory])
    return _table(header, rows)


def subclassed_table(groups) -> list[str]:
    header = ["backend", "model", "functional ms", "subclassed ms",
              "subclassed/functional (quartiles)", "target"]
    rows = []
    for group in groups:
        c, target = group["contestants"], group["target"]
        verdict = {True: "met", False: "missed", None: "-"}[target["met"]]
        rows.append([
            group["backend"], group["model"], _ms(c["functional"]), _ms(c["subclassed"]),
            _ratio(group["ratios"]["subclassed/functional"])
            + _spread(group["quartiles"]["subclassed/functional"]),
            f"≤{target['limit']:.2f} {verdict}",
        ])
    return _table(header, rows)


def numpy_table(groups) -> list[str]:
    if not groups:
        return []
    others = [label for label in groups[0]["contestants"] if label != "numpy"]
    header = ["model", "numpy ms", *[f"{o} ms" for o in others],
              *[f"numpy/{o}" for o in others]]
    rows = [
        [group["model"], _ms(group["contestants"]["numpy"]),
         *[_ms(group["contestants"][o]) for o in others],
         *[_ratio(group["ratios"][f"numpy/{o}"]) for o in others]]
        for group in groups
    ]
    return _table(header, rows)


def switch_table(result) -> list[str]:
    if "seconds" not in result:
        return [f"backend switch: {result.get('error', 'not measured')}"]
    pairs = result["seconds"]
    backends = list(dict.fromkeys(pair.split("->")[0] for pair in pairs))
    rows = [
        [source, *[f"{pairs[f'{source}->{target}']:.3f}" if source != target else "-"
                   for target in backends]]
        for source in backends
    ]
    verdict = "met" if result["met"] else "missed"
    return [
        f"Backend switch of {result['parameters'] / 1e6:.1f}M parameters + Adam state "
        f"({result['values_moved'] / 1e6:.1f}M values), seconds, from (row) to (column); "
        f"target < {result['target_s']:.0f} s: {verdict}",
        "",
        *_table(["from \\ to", *backends], rows),
    ]


def inspection_table(groups) -> list[str]:
    if not groups:
        return []
    every = groups[0]["target"]["every"]
    header = ["backend", "model", "plain ms", f"every {every} ms", "every step ms", "added",
              "capture step/plain (quartiles)", "implied added", "target"]
    rows = []
    for group in groups:
        c, r, target = group["contestants"], group["ratios"], group["target"]
        verdict = {True: "met", False: "missed", None: "-"}[target["met"]]
        rows.append([
            group["backend"], group["model"], _ms(c["plain"]), _ms(c[f"every {every}"]),
            _ms(c["every step"]), _percent(group["added"]),
            _ratio(r["every step/plain"])
            + _spread(group["quartiles"]["every step/plain"]),
            _percent(group["implied_added"]), f"≤{target['limit']:.0%} {verdict}",
        ])
    return _table(header, rows)


def tables(results) -> str:
    machine = results["machine"]
    lines = [
        f"Machine: {machine['cpu']} ({' '.join(machine.get('cpu_flags', [])) or '-'}), "
        f"{machine['cores']} cores; load average "
        f"{_load(machine['load_average_start'])} at start, "
        f"{_load(machine.get('load_average_end'))} at end; threads: {machine['threads']}",
        "",
    ]
    if "step_time" in results:
        lines += [
            "Step time of fit (median ms per step) and ratios (median of per-round ratios; "
            "quartiles: the middle half of the per-round ratios, how far noise moves them):",
            "",
            *step_time_table(results["step_time"]),
            "",
            "First step (compilation) and peak memory per process:",
            "",
            *first_step_table(results["step_time"]),
            "",
        ]
    if results.get("subclassed"):
        lines += [
            "A subclassed model (class MLP(Model), layers as attributes) against the "
            "functional one, both the engine's fit (median ms per step):",
            "",
            *subclassed_table(results["subclassed"]),
            "",
        ]
    if "numpy" in results:
        lines += [
            "The engine's NumPy backend against its other backends (ms per step):",
            "",
            *numpy_table(results["numpy"]),
            "",
        ]
    if "backend_switch" in results:
        lines += [*switch_table(results["backend_switch"]), ""]
    if "inspection" in results:
        lines += [
            "Live inspection: fit with InspectionCallback against fit without (median ms per "
            "step; added: median of per-round ratios - 1; implied added: the capture step's "
            "extra time spread over the period, which the target is judged on):",
            "",
            *inspection_table(results["inspection"]),
            "",
        ]
    gpu = results.get("gpu")
    if gpu is not None and "skipped" in gpu:
        lines.append(f"GPU: skipped ({gpu['skipped']})")
    elif gpu is not None:
        lines += [f"GPU ({gpu['device']}):", "", *step_time_table(gpu["step_time"])]
    return "\n".join(lines)


def _percent(value) -> str:
    return "-" if value is None else f"{value:+.1%}"


def _load(values) -> str:
    return "-" if not values else "/".join(f"{v:.1f}" for v in values)
