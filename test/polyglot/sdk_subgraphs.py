"""Subgraphs through the official Python SDK (`langgraph-sdk`) against Loom's REST bridge (docs/api.md §8f):
`stream_subgraphs` names the child's events `<mode>|sub:<task id>`, `get_state(subgraphs=True)` embeds the child's
state, `checkpoint_ns` reads the child's state and history and edits its state, `Command(resume=...)` finishes the
child and a namespace of no subgraph is a 400. Runs for the Loom graph `nested` and the LangGraph.js graph `lg_nested` of
test/api/loom.langgraphjs.json. Server: LOOM_URL (default http://127.0.0.1:8123).

Prints one `ok <graph>` line per graph; exits non-zero (with the reason) at the first failed expectation.
"""

import os
import re

from langgraph_sdk import get_sync_client
from langgraph_sdk.errors import BadRequestError

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)
NS = re.compile(r"^sub:[0-9a-f-]{36}$")


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def subgraphs(graph: str) -> None:
    thread_id = client.threads.create()["thread_id"]
    parts = list(
        client.runs.stream(
            thread_id, graph, input={}, stream_mode=["values", "updates", "custom"], stream_subgraphs=True
        )
    )
    child = [p for p in parts if "|" in p.event]
    ns = child[0].event.split("|", 1)[1] if child else ""
    expect("child namespace", bool(NS.match(ns)), True)
    expect("every child event in one namespace", {p.event.split("|", 1)[1] for p in child}, {ns})
    expect("child modes", sorted({p.event.split("|")[0] for p in child}), ["custom", "updates", "values"])
    custom = [p.data for p in child if p.event == f"custom|{ns}"]
    expect("child custom chunk", custom, [{"progress": "prep"}])
    updates = [p.data for p in child if p.event == f"updates|{ns}"]
    expect("child updates start with prep", updates[0], {"prep": {"steps": ["prep"]}})
    expect("parent updates", [p.data for p in parts if p.event == "updates"][0], {"pick": {"topic": "cats", "log": ["pick"]}})

    state = client.threads.get_state(thread_id, subgraphs=True)
    task = state["tasks"][0]
    expect("paused in sub", (state["next"], task["name"]), (["sub"], "sub"))
    expect("task checkpoint ns", task["checkpoint"]["checkpoint_ns"], ns)
    expect("task state values", {k: task["state"]["values"][k] for k in ("topic", "steps")}, {"topic": "cats", "steps": ["prep"]})
    expect("task state next", task["state"]["next"], ["write"])
    expect("interrupt on the parent", task["interrupts"][0]["value"], {"approve": "cats"})
    expect("thread interrupted", client.threads.get(thread_id)["status"], "interrupted")

    child_state = client.threads.get_state(thread_id, checkpoint={"checkpoint_ns": ns})
    expect("child state next", child_state["next"], ["write"])
    child_id = child_state["checkpoint"]["checkpoint_id"]
    by_get = client.threads.get_state(thread_id, checkpoint_id=child_id, params={"checkpoint_ns": ns})
    expect("child state by id", by_get["values"], child_state["values"])
    history = client.threads.get_history(thread_id, checkpoint={"checkpoint_ns": ns})
    expect("child history ns", {s["checkpoint"]["checkpoint_ns"] for s in history}, {ns})
    expect("child history head", history[0]["checkpoint"]["checkpoint_id"], child_id)
    root = client.threads.get_history(thread_id)
    expect("root history ns", {s["checkpoint"]["checkpoint_ns"] for s in root}, {""})

    try:
        client.threads.get_history(thread_id, checkpoint={"checkpoint_ns": "nope:1"})
    except BadRequestError as error:
        expect("400 detail", error.body, {"detail": "Subgraph nope not found"})
    else:
        raise SystemExit("a namespace of no subgraph was accepted")

    updated = client.threads.update_state(thread_id, {"topic": "dogs"}, checkpoint={"checkpoint_ns": ns}, as_node="prep")
    expect("update in the child", updated["checkpoint"]["checkpoint_ns"], ns)
    expect("child edited", client.threads.get_state(thread_id, checkpoint={"checkpoint_ns": ns})["values"]["topic"], "dogs")

    done = client.runs.wait(thread_id, graph, command={"resume": "yes"})
    expect("resumed", (done["joke"], done["log"], "__interrupt__" in done), ("yes: a joke about dogs", ["pick", "done"], False))
    expect("thread idle", client.threads.get(thread_id)["status"], "idle")
    print(f"ok {graph}")


subgraphs("nested")
subgraphs("lg_nested")
