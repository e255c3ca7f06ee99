"""A minimal webhook receiver for LeadShare (standard library only), as docs/api.md describes.

    python docs/examples/webhook_receiver.py --port 5115 --secret whsec_...

It checks every call's LeadShare-Signature (HMAC-SHA256 of "<t>.<body>" with the
endpoint's secret, t no older than five minutes), ignores an event id it has
already handled (retries repeat the id), answers 2xx quickly and prints the event.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

TOLERANCE = 300


def verify(secret: str, header: str, body: bytes, now: float | None = None) -> bool:
    """True when ``header`` signs ``body`` with ``secret`` and is fresh."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > TOLERANCE:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return hmac.compare_digest(expected.hexdigest(), parts.get("v1", ""))


def main() -> None:
    """Serve until interrupted."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=5115)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    seen: set[str] = set()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 - http.server's naming
            body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
            if not verify(args.secret, self.headers.get("LeadShare-Signature", ""), body):
                self.send_response(401)
                self.end_headers()
                print("refused: bad signature", flush=True)
                return
            event = json.loads(body)
            duplicate = event["id"] in seen
            seen.add(event["id"])
            self.send_response(204)
            self.end_headers()
            label = "duplicate (ignored)" if duplicate else "ok"
            print(f"{event['type']} {event['id']} signature ok, {label}", flush=True)
            print(json.dumps(event["data"], ensure_ascii=False)[:300], flush=True)

        def log_message(self, *args):
            pass

    ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


if __name__ == "__main__":
    main()
