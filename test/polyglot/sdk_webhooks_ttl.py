"""Webhooks, thread TTL and prune with the official Python SDK (`langgraph-sdk`) against Loom's REST bridge.
Server: LOOM_URL; its TTL sweeper must run often (the test starts it with a 100 ms interval).

Prints one `ok <flow>` line per flow; exits non-zero (with the reason) at the first failed expectation.
"""

import json
import os
import threading
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

import httpx
from langgraph_sdk import get_sync_client

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)
received: list[dict] = []


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def wait_for(what: str, check, timeout_s: float = 15.0):
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        value = check()
        if value:
            return value
        time.sleep(0.05)
    raise SystemExit(f"timed out waiting for {what}")


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        body = self.rfile.read(int(self.headers.get("content-length", "0")))
        received.append(json.loads(body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        pass


def webhooks() -> None:
    server = HTTPServer(("127.0.0.1", 0), Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    hook = f"http://127.0.0.1:{server.server_address[1]}/hook"
    thread_id = client.threads.create()["thread_id"]
    result = client.runs.wait(thread_id, "joke", input={"topic": "pythons"}, webhook=hook)
    payload = wait_for("the webhook", lambda: received[:1])[0]
    expect("webhook status", payload["status"], "success")
    expect("webhook thread", payload["thread_id"], thread_id)
    expect("webhook values", payload["values"], result)
    try:
        client.runs.wait(thread_id, "joke", input={}, webhook="ftp://example.com/hook")
        raise SystemExit("an ftp webhook was accepted")
    except httpx.HTTPStatusError as error:
        expect("invalid webhook status", error.response.status_code, 422)
    expect("runs after the refusal", len(client.runs.list(thread_id)), 1)
    server.shutdown()
    print("ok webhooks")


def ttl() -> None:
    thread = client.threads.create(ttl=60)
    expect("ttl strategy", thread["ttl"]["strategy"], "delete")
    expect("ttl minutes", thread["ttl"]["ttl_minutes"], 60)
    thread_id = client.threads.create()["thread_id"]
    client.runs.wait(thread_id, "joke", input={})
    client.threads.update(thread_id, metadata={}, ttl={"ttl": 0.005, "strategy": "delete"})

    def gone() -> bool:
        try:
            client.threads.get(thread_id)
            return False
        except httpx.HTTPStatusError as error:
            return error.response.status_code == 404

    wait_for("the thread to be swept", gone)
    print("ok ttl")


def prune() -> None:
    a = client.threads.create()["thread_id"]
    b = client.threads.create()["thread_id"]
    for thread_id in (a, b):
        client.runs.wait(thread_id, "joke", input={})
        client.runs.wait(thread_id, "joke", input={"topic": "eels"})
    expect("keep_latest", client.threads.prune([b], strategy="keep_latest"), {"pruned_count": 1})
    expect("history after keep_latest", len(client.threads.get_history(b)), 1)
    expect("state after keep_latest", client.threads.get_state(b)["values"]["topic"], "eels")
    expect("delete", client.threads.prune([a, b]), {"pruned_count": 2})
    expect("threads left", client.threads.search(ids=[a, b]), [])
    print("ok prune")


if __name__ == "__main__":
    webhooks()
    ttl()
    prune()
