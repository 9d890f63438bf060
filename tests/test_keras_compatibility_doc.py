"""docs/keras-compatibility.md and engine/keras_names.py are fresh, and say what is true."""

from __future__ import annotations

import importlib
import re
import subprocess
import sys
from pathlib import Path

import pytest

from engine.keras_namespaces import NAMESPACES, MissingKerasNameError

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "keras-compatibility.md"
SECTION = re.compile(r"^### `(?P<namespace>[\w.]+)`\n\nPresent: (?P<present>.*?)\n", re.M)
MISSING = re.compile(r"^### `(?P<namespace>[\w.]+)`\n.*?^Missing: (?P<missing>.*?)\n", re.M | re.S)


def test_the_generated_files_are_fresh():
    pytest.importorskip("keras")
    # a process of its own: the script picks Keras's backend, which a test may not change
    check = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "keras_compatibility.py"), "--check"],
        capture_output=True, text=True, cwd=ROOT,
    )
    assert check.returncode == 0, check.stderr[-2000:]


def _listed(pattern, group) -> dict[str, list[str]]:
    listed = {}
    for match in pattern.finditer(DOC.read_text()):
        listed[match["namespace"]] = re.findall(r"`(\w+)`", match[group])
    return listed


def test_the_doc_has_a_section_for_every_namespace():
    assert set(_listed(SECTION, "present")) == set(NAMESPACES)
    assert set(_listed(MISSING, "missing")) == set(NAMESPACES)


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_every_name_listed_as_covered_exists(namespace):
    module = importlib.import_module(NAMESPACES[namespace])
    absent = [name for name in _listed(SECTION, "present")[namespace] if not hasattr(module, name)]
    assert not absent, f"{namespace}: the doc lists {absent} as covered"


def _missing_sample(namespace) -> list[str]:
    missing = _listed(MISSING, "missing")[namespace]
    return missing[:: max(1, len(missing) // 4)]  # about four, spread through the alphabet


@pytest.mark.parametrize("namespace", NAMESPACES)
def test_missing_names_say_they_are_missing(namespace):
    module = importlib.import_module(NAMESPACES[namespace])
    for name in _missing_sample(namespace):
        with pytest.raises(MissingKerasNameError) as error:
            getattr(module, name)
        assert f"{namespace}.{name}" in str(error.value)
        assert "docs/keras-compatibility.md" in str(error.value)
