"""The three documented LangGraph flows, written with the official Python SDK (`langgraph-sdk`) against Loom's
REST bridge exactly as a Python user would. Server: LOOM_URL (default http://127.0.0.1:8123).

Prints one `ok <flow>` line per flow; exits non-zero (with the reason) at the first failed expectation.
"""

import os

from langgraph_sdk import get_sync_client
from langgraph_sdk.schema import Command

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def static_breakpoints() -> None:
    # Run-time breakpoints apply to the run that names them, so each resume passes them again.
    breakpoints = {"interrupt_before": ["node_a"], "interrupt_after": ["node_b", "node_c"]}
    thread_id = client.threads.create()["thread_id"]
    stream = client.runs.stream(
        thread_id, "breakpoints", input={"messages": []}, stream_mode="updates", **breakpoints
    )
    events = [part.event for part in stream]
    expect("first stream event", events[:1], ["metadata"])
    expect("paused before node_a", client.threads.get_state(thread_id)["next"], ["node_a"])
    expect("thread status", client.threads.get(thread_id)["status"], "interrupted")

    client.runs.wait(thread_id, "breakpoints", input=None, **breakpoints)
    state = client.threads.get_state(thread_id)
    expect("paused after node_b", state["next"], ["node_c"])
    expect("messages after node_b", state["values"]["messages"], ["node_a", "node_b"])

    result = client.runs.wait(thread_id, "breakpoints", input=None, **breakpoints)
    expect("messages after node_c", result["messages"], ["node_a", "node_b", "node_c"])
    expect("paused after node_c, nothing next", client.threads.get_state(thread_id)["next"], [])

    result = client.runs.wait(thread_id, "breakpoints", input=None, **breakpoints)
    expect("resuming a finished thread", result["messages"], ["node_a", "node_b", "node_c"])
    print("ok static breakpoints")


def dynamic_interrupt() -> None:
    thread_id = client.threads.create()["thread_id"]
    result = client.runs.wait(thread_id, "agent", input={"some_text": "original text"})
    interrupts = result["__interrupt__"]
    expect("interrupt value", [i["value"] for i in interrupts], [{"text_to_revise": "original text"}])
    expect("thread status", client.threads.get(thread_id)["status"], "interrupted")

    result = client.runs.wait(thread_id, "agent", command=Command(resume="Edited text"))
    expect("resumed result", result, {"some_text": "Edited text"})
    expect("thread status after resume", client.threads.get(thread_id)["status"], "idle")
    print("ok dynamic interrupt")


def time_travel() -> None:
    thread_id = client.threads.create()["thread_id"]
    first = client.runs.wait(thread_id, "joke", input={})
    expect("first run wrote a joke", sorted(first), ["joke", "topic"])

    states = client.threads.get_history(thread_id)
    selected_state = states[1]
    expect("selected state runs write_joke next", selected_state["next"], ["write_joke"])

    # The documented form reads the top-level (deprecated) `checkpoint_id`; it equals `checkpoint.checkpoint_id`.
    expect(
        "top-level checkpoint_id",
        selected_state["checkpoint_id"],
        selected_state["checkpoint"]["checkpoint_id"],
    )
    expect(
        "top-level parent_checkpoint_id",
        selected_state["parent_checkpoint_id"],
        selected_state["parent_checkpoint"]["checkpoint_id"],
    )
    new_config = client.threads.update_state(
        thread_id, {"topic": "chickens"}, checkpoint_id=selected_state["checkpoint_id"]
    )
    # The documented snippet reads `new_config["checkpoint_id"]`; the Python server also answers `checkpoint` and
    # `configurable`, all naming the new checkpoint.
    new_id = new_config["checkpoint_id"]
    expect("update checkpoint", new_config["checkpoint"]["checkpoint_id"], new_id)
    expect("update configurable", new_config["configurable"]["checkpoint_id"], new_id)
    forked = client.threads.get_state(thread_id)
    expect("fork head", forked["checkpoint"]["checkpoint_id"], new_id)
    expect(
        "fork parent",
        forked["parent_checkpoint"]["checkpoint_id"],
        selected_state["checkpoint"]["checkpoint_id"],
    )

    result = client.runs.wait(thread_id, "joke", input=None, checkpoint_id=new_id)
    expect("forked topic", result["topic"], "chickens")
    if "chicken" not in result["joke"].lower():
        raise SystemExit(f"joke is not about chickens: {result['joke']!r}")

    history = client.threads.get_history(thread_id, limit=100)
    old_branch = [
        s for s in history if s["checkpoint"]["checkpoint_id"] == states[0]["checkpoint"]["checkpoint_id"]
    ]
    expect("old branch kept", [s["values"] for s in old_branch], [first])
    print("ok time travel")


if __name__ == "__main__":
    static_breakpoints()
    dynamic_interrupt()
    time_travel()
