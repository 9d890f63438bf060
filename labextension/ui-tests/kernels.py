"""The Jupyter server's REST API, for tests that need a fresh kernel: no browser involved."""

from __future__ import annotations

import json
import urllib.request


def api(jupyter, path: str, method: str = "GET"):
    url, token, _ = jupyter
    request = urllib.request.Request(
        f"{url}/api/{path}", method=method, headers={"Authorization": f"token {token}"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = response.read()
    return json.loads(body) if body else None


def shut_down_kernels(jupyter) -> None:
    """Ends every session and its kernel, so that the next notebook opened starts a new one."""
    for session in api(jupyter, "sessions"):
        api(jupyter, f"sessions/{session['id']}", "DELETE")
