"""Runs routes of langgraph-api 0.16.7 through the official Python SDK (`langgraph-sdk`) against Loom's REST bridge:
the default multitask strategy (enqueue), `join_stream()` (which sends an empty `stream_mode=`) on a run that has
not started, `create_batch` (and its all-or-nothing refusal), `cancel_many`. Server: LOOM_URL.

Prints one `ok <flow>` line per flow; exits non-zero (with the reason) at the first failed expectation.
"""

import os
import time

import httpx
from langgraph_sdk import get_sync_client

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def until_status(thread_id: str, run_id: str, status: str) -> None:
    for _ in range(500):
        if client.runs.get(thread_id, run_id)["status"] == status:
            return
        time.sleep(0.02)
    raise SystemExit(f"run {run_id} never became {status}")


def join_stream_of_queued_run() -> None:
    thread_id = client.threads.create()["thread_id"]
    first = client.runs.create(thread_id, "slow", input={"ms": 1500})
    until_status(thread_id, first["run_id"], "running")
    # No multitask_strategy: enqueued behind the first, as langgraph-api's default.
    second = client.runs.create(thread_id, "slow", input={"ms": 1})
    expect("default strategy enqueues", second["status"], "pending")
    expect("recorded strategy", second["multitask_strategy"], "enqueue")
    parts = list(client.runs.join_stream(thread_id, second["run_id"]))
    events = [p.event for p in parts]
    expect("metadata once, first", (events[:1], events.count("metadata")), (["metadata"], 1))
    values = [p.data for p in parts if p.event == "values"]
    expect("every mode of the run: final values", values[-1] if values else None, {"ms": 1, "done": True})
    expect("first run done", client.runs.get(thread_id, first["run_id"])["status"], "success")
    print("ok join_stream of a queued run")


def batch() -> None:
    runs = client.runs.create_batch(
        [
            {"assistant_id": "slow", "input": {"ms": 1}, "on_completion": "keep"},
            {"assistant_id": "slow", "input": {"ms": 2}, "on_completion": "keep"},
        ]
    )
    expect("batch size", len(runs), 2)
    for run, ms in zip(runs, (1, 2)):
        expect("batch run result", client.runs.join(run["thread_id"], run["run_id"]), {"ms": ms, "done": True})
    try:
        client.runs.create_batch([{"assistant_id": "slow", "input": {}}, {"input": {}}])
    except httpx.HTTPStatusError as error:
        expect("bad batch status", error.response.status_code, 422)
        if "runs[1].assistant_id" not in error.response.text:
            raise SystemExit(f"422 does not name the item: {error.response.text}")
    else:
        raise SystemExit("a batch with a bad item was accepted")
    print("ok batch")


def cancel_many() -> None:
    thread_id = client.threads.create()["thread_id"]
    first = client.runs.create(thread_id, "slow", input={"ms": 10000})
    until_status(thread_id, first["run_id"], "running")
    second = client.runs.create(thread_id, "slow", input={"ms": 1}, multitask_strategy="enqueue")
    client.runs.cancel_many(thread_id=thread_id, run_ids=[first["run_id"], second["run_id"]])
    until_status(thread_id, first["run_id"], "interrupted")
    expect("pending cancelled", client.runs.get(thread_id, second["run_id"])["status"], "interrupted")
    print("ok cancel_many")


if __name__ == "__main__":
    join_stream_of_queued_run()
    batch()
    cancel_many()
