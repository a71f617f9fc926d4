"""The thread stream, search `extract` and assistant delete with `delete_threads` through the official Python SDK
(`langgraph-sdk`: `client.threads.join_stream`, `client.threads.search(extract=...)`,
`client.assistants.delete(delete_threads=True)`) against Loom's REST bridge (docs/api.md §3, §7).
Server: LOOM_URL (default http://127.0.0.1:8123), serving the graphs of test/api/loom.test.json.

Prints one `ok <part>` line per part; exits non-zero (with the reason) at the first failed expectation.
"""

import os

from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def joke_run(thread_id: str, topic: str) -> str:
    run = client.runs.create(thread_id, "joke", input={"topic": topic})
    client.runs.join(thread_id, run["run_id"])
    return run["run_id"]


def until_done(parts, runs: int) -> list:
    out, ends = [], 0
    for part in parts:
        out.append(part)
        if part.event == "metadata" and part.data.get("status") == "run_done":
            ends += 1
            if ends == runs:
                return out
    raise SystemExit(f"stream ended after {ends} runs: {out!r}")


def join_stream() -> None:
    thread = client.threads.create()
    first = joke_run(thread["thread_id"], "cats")
    second = joke_run(thread["thread_id"], "dogs")
    parts = until_done(client.threads.join_stream(thread["thread_id"], last_event_id="-"), 2)
    starts = [p.data for p in parts if p.event == "metadata" and "attempt" in p.data]
    expect("each run opens with its metadata", starts, [{"run_id": first, "attempt": 1}, {"run_id": second, "attempt": 1}])
    jokes = [p.data.get("joke") for p in parts if p.event == "values" and p.data.get("joke")]
    expect("jokes of both runs", ["cats" in jokes[0], "dogs" in jokes[-1]], [True, True])
    expect("last part", (parts[-1].data, parts[-1].id), ({"status": "run_done", "run_id": second}, f"{second}:done"))

    resumed = until_done(client.threads.join_stream(thread["thread_id"], last_event_id=f"{first}:done"), 1)
    expect("resumed after the first run", [(p.event, p.data, p.id) for p in resumed],
           [(p.event, p.data, p.id) for p in parts if p.id.startswith(second)])
    lifecycle = until_done(
        client.threads.join_stream(thread["thread_id"], last_event_id="-", stream_mode="lifecycle"), 2
    )
    expect("lifecycle", [p.data.get("status", "start") for p in lifecycle], ["start", "run_done", "start", "run_done"])
    try:
        list(client.threads.join_stream(thread["thread_id"], stream_mode="values"))
        raise SystemExit("an unknown stream mode was accepted")
    except UnprocessableEntityError:
        pass
    print("ok join_stream")


def extract_and_delete_threads() -> None:
    assistant = client.assistants.create("joke")
    kept = client.threads.create()
    mine = client.threads.create(metadata={"py": "threadstream"})
    client.runs.wait(mine["thread_id"], assistant["assistant_id"], input={"topic": "owls"})
    client.runs.wait(kept["thread_id"], "joke", input={"topic": "owls"})
    found = client.threads.search(metadata={"py": "threadstream"}, extract={"topic": "values.topic", "who": "metadata.assistant_id"})
    expect("extracted", [t["extracted"] for t in found], [{"topic": "owls", "who": assistant["assistant_id"]}])
    try:
        client.threads.search(extract={"x": "secrets.topic"})
        raise SystemExit("an unknown extract root was accepted")
    except UnprocessableEntityError:
        pass
    client.assistants.delete(assistant["assistant_id"], delete_threads=True)
    try:
        client.threads.get(mine["thread_id"])
        raise SystemExit("the assistant's thread survived delete_threads")
    except NotFoundError:
        pass
    expect("another assistant's thread stays", client.threads.get(kept["thread_id"])["status"], "idle")
    print("ok extract and delete_threads")


join_stream()
extract_and_delete_threads()
