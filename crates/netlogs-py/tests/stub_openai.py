"""A tiny OpenAI-compatible chat-completions server for the tests, on 127.0.0.1 only.

It answers every request with one of a fixed set of completions, chosen by a hash of the
user message, so answers vary (valid, prose-wrapped, reasoning blocks, broken) and repeat
deterministically.
"""

import hashlib
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ANSWERS = [
    '{"label": "Malicious", "confidence": 0.9, "rationale": "unanswered telnet"}',
    '{"label": "Benign", "confidence": 0.8, "rationale": "dns"}',
    'The flow looks fine. {"label": "Benign", "confidence": 0.6}',
    '<think>many S0 to port 23, a scan</think>{"label": "Malicious", "confidence": 0.7, "rationale": "scan"}',
    '<think>draft {"label": "Benign", "confidence": 0.5}</think>{"label": "Malicious", "confidence": 0.95, "rationale": "c2"}',
    '{"label": "Abstain", "confidence": 0.2, "rationale": "partial record"}',
    'I cannot tell.',
    '{"label": "malicious", "confidence": "high"}',
]


def answer_for(messages):
    user = next((m.get("content", "") for m in reversed(messages) if m.get("role") == "user"), "")
    if not isinstance(user, str):
        user = json.dumps(user)
    digest = hashlib.sha256(user.encode()).digest()
    return ANSWERS[digest[0] % len(ANSWERS)]


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        messages = body.get("messages", [])
        text = answer_for(messages)
        if body.get("stream"):
            return self.stream(body, text)
        out = json.dumps(
            {
                "id": "stub",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "stub"),
                "choices": [
                    {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": "stop"}
                ],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)


    def stream(self, body, text):
        """Server-sent events, as OpenAI streams: a role chunk, the content, a finish chunk
        (with usage), then ``[DONE]``."""
        base = {"id": "stub", "object": "chat.completion.chunk", "created": 0, "model": body.get("model", "stub")}
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {"content": text}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}],
             "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}},
        ]
        payload = "".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n"
        data = payload.encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start():
    """Start on an ephemeral port; returns (server, base_url)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


if __name__ == "__main__":
    srv, url = start()
    print(url, flush=True)
    threading.Event().wait()
