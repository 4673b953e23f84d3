"""A chart repository served on 127.0.0.1 for `berth verify` to follow charts from (no outside
network): `helm package` + `helm repo index` of tests/cases/charts/_charts."""

from __future__ import annotations

import subprocess
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from tests.support.tools import REPO, tool

CHARTS = REPO / "tests" / "cases" / "charts" / "_charts"


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


def serve_charts(served: Path) -> Iterator[str]:
    """Package both test charts into `served` and serve it; yields the repository's URL."""
    helm = tool("helm")
    for chart in ("tidy", "greedy"):
        subprocess.run([helm, "package", str(CHARTS / chart), "-d", str(served)], check=True)
    handler = partial(_Quiet, directory=str(served))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    url = f"http://127.0.0.1:{server.server_address[1]}"
    subprocess.run([helm, "repo", "index", str(served), "--url", url], check=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield url
    server.shutdown()
    server.server_close()
