"""Assistant versions, subgraphs and run context through the official Python SDK (`langgraph-sdk`) against
Loom's REST bridge (docs/api.md §3 "Assistant versions", §5 `context`). Server: LOOM_URL (default
http://127.0.0.1:8123) serving test/api/loom.versions.json.

Prints one `ok <part>` line per part; exits non-zero (with the reason) at the first failed expectation.
"""

import os

import httpx
from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import NotFoundError, UnprocessableEntityError

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)

CLASH = (
    "Cannot specify both configurable and context. Prefer setting context alone. Context was introduced in "
    "LangGraph 0.6.0 and is the long term planned replacement for configurable."
)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def refused(what: str, error: type[Exception], call) -> Exception:
    try:
        call()
    except error as e:
        return e
    raise SystemExit(f"{what}: expected {error.__name__}")


def versions() -> None:
    a = client.assistants.create("context", config={"configurable": {"model": "m1"}}, metadata={"team": "py"})
    client.assistants.update(a["assistant_id"], config={"configurable": {"model": "m2"}}, metadata={"stage": "b"})
    listed = client.assistants.get_versions(a["assistant_id"])
    expect("versions newest first", [v["version"] for v in listed], [2, 1])
    expect("version 1 config", listed[1]["config"], {"configurable": {"model": "m1"}})
    filtered = client.assistants.get_versions(a["assistant_id"], metadata={"stage": "b"})
    expect("metadata filter", [v["version"] for v in filtered], [2])
    expect("paged", [v["version"] for v in client.assistants.get_versions(a["assistant_id"], limit=1, offset=1)], [1])

    pinned = client.assistants.set_latest(a["assistant_id"], 1)
    expect("pinned version", pinned["version"], 1)
    expect("pinned metadata", pinned["metadata"], {"team": "py"})
    out = client.runs.wait(None, a["assistant_id"], input={})
    expect("run uses the pinned config", out["model"], "m1")

    refused("unknown version", NotFoundError, lambda: client.assistants.set_latest(a["assistant_id"], 5))
    missing = "00000000-0000-4000-8000-000000000000"
    refused("unknown assistant", NotFoundError, lambda: client.assistants.get_versions(missing))
    refused("fractional version", UnprocessableEntityError, lambda: client.assistants.set_latest(a["assistant_id"], 1.5))
    print("ok versions")


def context_and_subgraphs() -> None:
    a = client.assistants.create("lg_context", context={"user_name": "Ada"})
    out = client.runs.wait(None, a["assistant_id"], input={}, context={"language": "fr"})
    expect("LangGraph.js node sees the merged context", out["answer"], "Bonjour, Ada!")
    loom = client.runs.wait(None, "context", input={}, context={"user": "py"})
    expect("Loom node sees the context", loom["context"], {"user": "py"})
    # runs.wait raises httpx's own error for a 4xx (its reconnecting request path), not the SDK's classes.
    error = refused(
        "configurable with context",
        httpx.HTTPStatusError,
        lambda: client.runs.wait(None, "context", input={}, config={"configurable": {"m": 1}}, context={"u": 1}),
    )
    expect("clash status", error.response.status_code, 400)
    expect("clash message", error.response.json()["detail"], CLASH)

    expect("subgraphs", sorted(client.assistants.get_subgraphs("context")), ["mid"])
    expect("recurse", sorted(client.assistants.get_subgraphs("context", recurse=True)), ["mid", "mid|inner"])
    expect("namespace", sorted(client.assistants.get_subgraphs("context", namespace="mid|inner", recurse=True)), ["mid|inner"])
    expect("LangGraph.js subgraphs", sorted(client.assistants.get_subgraphs("lg_context")), ["greeter"])
    print("ok context and subgraphs")


versions()
context_and_subgraphs()
