"""The rest of the Python SDK's (`langgraph-sdk`) assistants, threads and runs methods against Loom's REST bridge,
each with assertions on its answer: assistants get / get_graph / get_schemas / search / count, threads copy / count /
delete, runs cancel / delete. (Every other public method has its own program beside this one.) Server: LOOM_URL.

Prints `ok assistants`, `ok threads`, `ok runs`; exits non-zero (with the reason) at the first failed expectation.
"""

import os
import time
import uuid

from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import NotFoundError

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def refused(what: str, call) -> None:
    try:
        call()
    except NotFoundError:
        return
    raise SystemExit(f"{what}: expected 404")


def assistants() -> None:
    tag = str(uuid.uuid4())
    a = client.assistants.create("joke", metadata={"sweep": tag}, name="sweeper")
    got = client.assistants.get(a["assistant_id"])
    expect("get", (got["assistant_id"], got["graph_id"], got["name"]), (a["assistant_id"], "joke", "sweeper"))
    graph = client.assistants.get_graph(a["assistant_id"])
    ids = sorted(n["id"] for n in graph["nodes"])
    expect("graph has __start__ and __end__", "__start__" in ids and "__end__" in ids, True)
    schemas = client.assistants.get_schemas(a["assistant_id"])
    expect("schemas name the graph", schemas["graph_id"], "joke")
    expect("state schema is an object schema", schemas["state_schema"]["type"], "object")
    found = client.assistants.search(metadata={"sweep": tag})
    expect("search by metadata", [x["assistant_id"] for x in found], [a["assistant_id"]])
    expect("count by metadata", client.assistants.count(metadata={"sweep": tag}), 1)
    expect("count by graph covers it", client.assistants.count(graph_id="joke") >= 2, True)
    refused("unknown assistant", lambda: client.assistants.get(str(uuid.uuid4())))
    print("ok assistants")


def threads() -> None:
    tag = str(uuid.uuid4())
    t = client.threads.create(metadata={"sweep": tag})
    client.runs.wait(t["thread_id"], "joke", input={"topic": "socks"})
    copied = client.threads.copy(t["thread_id"])
    expect("copy has the same values", copied["values"], client.threads.get_state(t["thread_id"])["values"])
    expect("copy keeps the metadata", copied["metadata"]["sweep"], tag)
    expect("count by metadata: original and copy", client.threads.count(metadata={"sweep": tag}), 2)
    expect("count by status", client.threads.count(metadata={"sweep": tag}, status="idle"), 2)
    client.threads.delete(copied["thread_id"])
    refused("deleted thread", lambda: client.threads.get(copied["thread_id"]))
    expect("count after delete", client.threads.count(metadata={"sweep": tag}), 1)
    expect("the original stays", client.threads.get(t["thread_id"])["thread_id"], t["thread_id"])
    print("ok threads")


def runs() -> None:
    t = client.threads.create()
    run = client.runs.create(t["thread_id"], "slow", input={"ms": 10000})
    for _ in range(500):
        if client.runs.get(t["thread_id"], run["run_id"])["status"] == "running":
            break
        time.sleep(0.02)
    client.runs.cancel(t["thread_id"], run["run_id"], wait=True)
    expect("cancelled", client.runs.get(t["thread_id"], run["run_id"])["status"], "interrupted")
    client.runs.delete(t["thread_id"], run["run_id"])
    refused("deleted run", lambda: client.runs.get(t["thread_id"], run["run_id"]))
    expect("no runs left", client.runs.list(t["thread_id"]), [])
    print("ok runs")


if __name__ == "__main__":
    assistants()
    threads()
    runs()
