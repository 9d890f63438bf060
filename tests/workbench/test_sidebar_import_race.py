"""The sidebar and a cell importing workbench's widgets at once: the panel's messages are
answered on another thread (a kernel subshell) while the cell runs, and must never meet a
half-imported module (the panel said "could not talk to this kernel", and the sidebar's
traceback showed in the cell)."""

import json
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).with_name("sidebar_during_import.py")
ROOT = Path(__file__).parents[2]


def test_a_panel_talking_while_a_cell_imports_the_widgets_is_answered():
    run = subprocess.run(
        [sys.executable, str(SCRIPT)], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout.splitlines()[-1])
    assert result["during"] > 0, "the panel never acted while the widgets were imported"
    assert result["errors"] == []
    assert "error" not in result["replies"]
    assert result["requests"] == 2 and result["replies"].count("ack") == 2
