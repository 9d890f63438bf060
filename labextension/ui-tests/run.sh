#!/usr/bin/env bash
# Real-browser tests: JupyterLab + the widgets, driven by Playwright in Debian's chromium.
#
# Needs the widgets and the extension built (`jlpm build` in labextension/) and chromium at
# /usr/bin/chromium (`apt-get install -y chromium`; or set CHROMIUM). The JupyterLab server
# and pytest run from SERVER_PYTHON, the notebooks' kernel from KERNEL_PYTHON (default for
# both: the checkout's .venv, which must have every backend the backend-switch test uses).
# Screenshots are written to labextension/ui-tests/artifacts/, logs to artifacts/logs/.
set -euo pipefail
cd "$(dirname "$0")/../.."
# An absolute path that keeps the venv's symlink (realpath would leave the venv).
absolute() { echo "$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; }
python="$(absolute "${SERVER_PYTHON:-.venv/bin/python}")"
if ! "$python" -c "import jupyterlab, playwright, pytest" 2>/dev/null; then
  "$python" -m pip install --quiet "jupyterlab>=4.6,<4.7" "playwright>=1.50" pytest
fi
SERVER_PYTHON="$python"
KERNEL_PYTHON="$(absolute "${KERNEL_PYTHON:-.venv/bin/python}")"
export SERVER_PYTHON KERNEL_PYTHON
exec "$SERVER_PYTHON" -m pytest labextension/ui-tests -p no:cacheprovider "$@"
