"""What the browser benchmarks share: notebooks written for the test kernel, percentiles and
Markdown tables of the results."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "labextension" / "ui-tests"))

from lab import KERNEL_NAME  # noqa: E402


def notebook(*cells: str) -> dict:
    """A notebook of these code cells, run by the browser tests' kernel."""

    def cell(index: int, source: str) -> dict:
        lines = source.split("\n")
        return {
            "cell_type": "code",
            "execution_count": None,
            "id": f"cell-{index}",
            "metadata": {},
            "outputs": [],
            "source": [line + "\n" for line in lines[:-1]] + [lines[-1]],
        }

    return {
        "cells": [cell(index, source) for index, source in enumerate(cells)],
        "metadata": {"kernelspec": {"name": KERNEL_NAME, "display_name": "Model Workbench"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def percentile(values: list, q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)
