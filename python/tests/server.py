"""A loopback HTTP origin over a registry folder, as a CDN or `promptsync serve` answers: strong ETags, 304 on
If-None-Match, 404 for missing keys. It counts requests and can be made to fail, hang or lie."""

from __future__ import annotations

import hashlib
import threading
import time
import urllib.parse
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any


class Origin:
    def __init__(self, root: Path) -> None:
        self.root = root
        self.requests: Counter[str] = Counter()
        self.not_modified = 0
        self.status: int | None = None  # answer every request with this status
        self.delay = 0.0
        self.overrides: dict[str, bytes] = {}
        self.no_length = False
        self.redirect: str | None = None
        origin = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_: Any) -> None:
                pass

            def do_GET(self) -> None:
                key = urllib.parse.unquote(self.path.lstrip("/"))
                origin.requests[key] += 1
                if origin.delay:
                    time.sleep(origin.delay)
                if origin.redirect is not None:
                    self.send_response(302)
                    self.send_header("Location", origin.redirect)
                    self.end_headers()
                    return
                if origin.status is not None:
                    self.send_response(origin.status)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                body = origin.overrides.get(key)
                if body is None:
                    path = origin.root / key
                    if ".." in key.split("/") or not path.is_file():
                        self.send_response(404)
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                        return
                    body = path.read_bytes()
                etag = '"' + hashlib.sha256(body).hexdigest() + '"'
                if self.headers.get("If-None-Match") == etag:
                    origin.not_modified += 1
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("ETag", etag)
                if origin.no_length:
                    self.send_header("Connection", "close")
                else:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
