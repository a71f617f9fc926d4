"""The LangGraph.js example agents of the default loom.json (examples/langgraphjs/), driven with the official Python
SDK (`langgraph-sdk`) over Loom's REST bridge: the ReAct agent with both tools and its tokens on messages-tuple,
and the tool-call review resumed with approve, edit and reject. Server: LOOM_URL (default http://127.0.0.1:8123).

Prints one `ok <flow>` line per flow; exits non-zero (with the reason) at the first failed expectation.
"""

import os

from langgraph_sdk import get_sync_client

client = get_sync_client(url=os.environ.get("LOOM_URL", "http://127.0.0.1:8123"), api_key=None)

QUESTION = "What is the weather in Paris, and what is 2 + 3?"
ANSWER = "It is sunny and 21 °C in Paris. 2 + 3 = 5."


def expect(what: str, actual: object, expected: object) -> None:
    if actual != expected:
        raise SystemExit(f"{what}: expected {expected!r}, got {actual!r}")


def human(content: str) -> dict:
    return {"messages": [{"type": "human", "content": content}]}


def react_agent() -> None:
    thread_id = client.threads.create()["thread_id"]
    result = client.runs.wait(thread_id, "react_agent", input=human(QUESTION))
    expect("messages", [(m["type"], m["content"]) for m in result["messages"]], [
        ("human", QUESTION),
        ("ai", ""),
        ("tool", "It is sunny and 21 °C in Paris."),
        ("tool", "2 + 3 = 5."),
        ("ai", ANSWER),
    ])
    calls = [(c["name"], c["args"]) for c in result["messages"][1]["tool_calls"]]
    expect("tool calls", calls, [("get_weather", {"city": "Paris"}), ("add", {"a": 2, "b": 3})])
    print("ok react agent")


def token_stream() -> None:
    thread_id = client.threads.create()["thread_id"]
    tuples = [
        part.data
        for part in client.runs.stream(thread_id, "react_agent", input=human(QUESTION), stream_mode="messages-tuple")
        if part.event == "messages"
    ]
    answer = [c for c, meta in tuples if meta["langgraph_node"] == "agent" and meta["langgraph_step"] == 3]
    if len(answer) < 4:
        raise SystemExit(f"expected the answer in several chunks, got {answer!r}")
    expect("streamed answer", "".join(c["content"] for c in answer), ANSWER)
    print("ok token stream")


def review(decision: dict) -> list:
    thread_id = client.threads.create()["thread_id"]
    paused = client.runs.wait(thread_id, "tool_review", input=human("What is 2 + 3?"))
    request = paused["__interrupt__"][0]["value"]
    expect("action request", request["action_request"], {"action": "add", "args": {"a": 2, "b": 3}})
    expect("status", client.threads.get(thread_id)["status"], "interrupted")
    done = client.runs.wait(thread_id, "tool_review", command={"resume": decision})
    return [(m["type"], m["content"]) for m in done["messages"][2:]]


def tool_review() -> None:
    expect("approve", review({"type": "approve"}), [("tool", "2 + 3 = 5."), ("ai", "2 + 3 = 5.")])
    expect(
        "edit",
        review({"type": "edit", "args": {"a": 10, "b": 5}}),
        [("tool", "10 + 5 = 15."), ("ai", "10 + 5 = 15.")],
    )
    expect(
        "reject",
        review({"type": "reject", "message": "no maths today"}),
        [("tool", "no maths today"), ("ai", "I did not run add (no maths today).")],
    )
    print("ok tool review")


if __name__ == "__main__":
    react_agent()
    token_stream()
    tool_review()
