"""A loopback OpenAI-compatible stub that calls netlogs' lookup tools, for the lookup-mode
tests (verifiers v1's vf-eval here; `netlogs eval --mode lookup` can use it too).

When a request offers tools, the stub follows one of five scripts, picked by a hash of the
flow (the user message), so every turn of a rollout follows the same script:

- ``answer``: answers at once;
- ``lookup``: calls ``host_summary`` for the flow's originator, then answers;
- ``parallel``: calls ``flows_for_host`` and ``flows_to_port`` in one turn, then answers;
- ``bad``: calls ``flows_to_port`` with a port that is not a number, then answers;
- ``persistent``: calls ``host_summary`` on every turn, so it runs out of turns.

Answers are stub_openai's (valid, prose-wrapped, reasoning blocks, broken). Without tools it
answers like stub_openai. Streaming and non-streaming both work. Every request body is kept in
``server.requests`` for the tests to inspect.
"""

import hashlib
import json
import re
import threading
from http.server import ThreadingHTTPServer

import stub_openai

SCRIPTS = ("answer", "lookup", "parallel", "bad", "persistent")


def _user(messages):
    user = next((m.get("content", "") for m in messages if m.get("role") == "user"), "")
    return user if isinstance(user, str) else json.dumps(user)


def script_for(messages):
    digest = hashlib.sha256(_user(messages).encode()).digest()
    return SCRIPTS[digest[1] % len(SCRIPTS)]


def _calls(messages):
    """The tool calls for the next turn of this conversation, or [] to answer."""
    user = _user(messages)
    turns = sum(1 for m in messages if m.get("role") == "assistant")
    host = re.search(r"id\.orig_h=(\S+)", user)
    port = re.search(r"id\.resp_p=(\d+)", user)
    host = host.group(1) if host else "192.0.2.1"
    port = int(port.group(1)) if port else 0
    script = script_for(messages)
    if script == "persistent":
        return [("host_summary", {"host": host, "window_s": 60 * (turns + 1)})]
    if turns > 0 or script == "answer":
        return []
    if script == "lookup":
        return [("host_summary", {"host": host})]
    if script == "parallel":
        return [("flows_for_host", {"host": host, "before_s": 30}), ("flows_to_port", {"port": port, "limit": 5})]
    return [("flows_to_port", {"port": "not-a-port"})]


class Handler(stub_openai.Handler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        self.server.requests.append(body)
        messages = body.get("messages", [])
        calls = _calls(messages) if body.get("tools") else []
        if not calls:
            text = stub_openai.answer_for(messages)
            if body.get("stream"):
                return self.stream(body, text)
            return self.reply(body, {"role": "assistant", "content": text}, "stop")
        turn = sum(1 for m in messages if m.get("role") == "assistant")
        tool_calls = [
            {"id": f"call_{turn}_{i}", "type": "function", "function": {"name": n, "arguments": json.dumps(a)}}
            for i, (n, a) in enumerate(calls)
        ]
        if body.get("stream"):
            return self.stream_calls(body, tool_calls)
        return self.reply(body, {"role": "assistant", "content": None, "tool_calls": tool_calls}, "tool_calls")

    def reply(self, body, message, finish_reason):
        out = json.dumps(
            {
                "id": "stub",
                "object": "chat.completion",
                "created": 0,
                "model": body.get("model", "stub"),
                "choices": [{"index": 0, "message": message, "finish_reason": finish_reason}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
        ).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(out)))
        self.end_headers()
        self.wfile.write(out)

    def stream_calls(self, body, tool_calls):
        base = {"id": "stub", "object": "chat.completion.chunk", "created": 0, "model": body.get("model", "stub")}
        deltas = [{"index": i, **c} for i, c in enumerate(tool_calls)]
        chunks = [
            {**base, "choices": [{"index": 0, "delta": {"role": "assistant", "content": None}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {"tool_calls": deltas}, "finish_reason": None}]},
            {**base, "choices": [{"index": 0, "delta": {}, "finish_reason": "tool_calls"}],
             "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20}},
        ]
        data = ("".join(f"data: {json.dumps(c)}\n\n" for c in chunks) + "data: [DONE]\n\n").encode()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def start():
    """Start on an ephemeral loopback port; returns (server, base_url)."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.requests = []
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/v1"


if __name__ == "__main__":
    srv, url = start()
    print(url, flush=True)
    threading.Event().wait()
