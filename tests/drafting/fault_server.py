"""A small misbehaving OpenAI-compatible HTTP server on loopback, for faults we cannot cause otherwise."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def ok(content: str) -> tuple[str, Any]:
    return ("content", content)


class FaultServer:
    """Answers ``/v1/chat/completions`` from a script of behaviours; the last one repeats."""

    def __init__(self) -> None:
        self.script: deque[tuple[str, Any]] = deque()
        self.requests: list[dict[str, Any]] = []
        self.delay = 0.0
        self.answer_for: Any = None  # for ("route", None): a function from request body to content
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", 0))
                body = json.loads(self.rfile.read(length).decode() or "{}")
                server.requests.append(body)
                kind, arg = server.script.popleft() if len(server.script) > 1 else server.script[0]
                if server.delay:
                    time.sleep(server.delay)
                if kind == "sleep":
                    time.sleep(arg)
                    kind, arg = "content", "{}"
                if kind == "route":
                    kind, arg = "content", server.answer_for(body)
                if kind == "status":
                    code, headers = arg
                    self._send(
                        code,
                        json.dumps({"error": {"message": f"fault {code}", "type": "fault"}}),
                        headers,
                    )
                elif kind == "raw":
                    self._send(200, arg, {})
                else:
                    payload = {
                        "id": "chatcmpl-fault",
                        "object": "chat.completion",
                        "created": int(time.time()),
                        "model": body.get("model", "fake"),
                        "choices": [
                            {
                                "index": 0,
                                "finish_reason": "stop",
                                "message": {"role": "assistant", "content": arg},
                            }
                        ],
                        "usage": {"prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15},
                    }
                    self._send(200, json.dumps(payload), {})

            def _send(self, code: int, text: str, headers: dict[str, str]) -> None:
                data = text.encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        port = self.httpd.server_address[1]
        return f"http://127.0.0.1:{port}/v1"

    def start(self) -> FaultServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def plan(self, *steps: tuple[str, Any]) -> None:
        self.script = deque(steps)
        self.requests.clear()
