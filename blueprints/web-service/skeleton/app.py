"""${{ values.name }}: a minimal HTTP service (Python standard library only).

It answers its health path (${{ values.healthPath }}) for the platform's probes, /metrics for
Prometheus, and / with a greeting; replace the handler with the service's own routes.
Port ${{ values.port }} is what the Berth request declares: keep them the same.
"""

from __future__ import annotations

import json
import os
import signal
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HEALTH_PATH = os.environ.get("HEALTH_PATH", ${{ values.healthPath | dump }})
PORT = int(os.environ.get("PORT", "${{ values.port }}"))
REQUESTS = {"count": 0}


class Handler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
        REQUESTS["count"] += 1
        path = self.path.split("?", 1)[0]
        if path == HEALTH_PATH:
            self._send(200, "text/plain; charset=utf-8", b"ok\n")
        elif path == "/metrics":
            body = (
                "# HELP app_requests_total HTTP requests served.\n"
                "# TYPE app_requests_total counter\n"
                f"app_requests_total {REQUESTS['count']}\n"
            )
            self._send(200, "text/plain; version=0.0.4", body.encode())
        elif path == "/":
            body = json.dumps({"app": ${{ values.name | dump }}, "tenant": ${{ values.tenant | dump }}})
            self._send(200, "application/json", body.encode() + b"\n")
        else:
            self._send(404, "text/plain; charset=utf-8", b"not found\n")

    def _send(self, status: int, content_type: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        # One line per request on stdout, where the cluster collects logs.
        print(f"{self.address_string()} {format % args}", flush=True)


def main() -> None:
    server = ThreadingHTTPServer(("", PORT), Handler)
    # Kubernetes stops a pod with SIGTERM: finish the requests in flight, then exit 0.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    print(f"listening on :{PORT}, health at {HEALTH_PATH}", flush=True)
    server.serve_forever()
    server.server_close()


if __name__ == "__main__":
    main()
