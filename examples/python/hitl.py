"""Human in the loop over gRPC with the generated Loom stubs (`pip install ./gen/python`).

Runs graph `agent` until its `interrupt()`, resumes it with an edited text, prints the final state and the
thread's history, then streams a second run. Server: LOOM_URL (default http://127.0.0.1:8123).
"""

import json
import os
from urllib.parse import urlparse

import grpc
from google.protobuf import json_format, struct_pb2
from loom.v1 import runs_pb2, runs_pb2_grpc, threads_pb2, threads_pb2_grpc, types_pb2


def value(obj: object) -> struct_pb2.Value:
    """Any JSON value as a google.protobuf.Value."""
    return json_format.ParseDict(obj, struct_pb2.Value())


def show(label: str, obj: object) -> None:
    print(f"{label}: {json.dumps(obj, sort_keys=True)}", flush=True)


def main() -> None:
    url = urlparse(os.environ.get("LOOM_URL", "http://127.0.0.1:8123"))
    with grpc.insecure_channel(url.netloc) as channel:
        threads = threads_pb2_grpc.ThreadsServiceStub(channel)
        runs = runs_pb2_grpc.RunsServiceStub(channel)

        thread_id = threads.Create(threads_pb2.CreateThreadRequest()).thread_id
        print(f"thread: {thread_id}")

        first = runs.Wait(
            runs_pb2.CreateRunRequest(
                thread_id=thread_id, assistant_id="agent", input=value({"some_text": "original text"})
            )
        )
        show("interrupt", json_format.MessageToDict(first.values)["__interrupt__"])

        resumed = runs.Wait(
            runs_pb2.CreateRunRequest(
                thread_id=thread_id,
                assistant_id="agent",
                command=types_pb2.Command(resume=value("Edited text")),
            )
        )
        show("final", json_format.MessageToDict(resumed.values))

        history = threads.GetHistory(threads_pb2.GetHistoryRequest(thread_id=thread_id, limit=20))
        print(f"history: {len(history.states)} checkpoints, newest first")
        for state in history.states:
            metadata = json_format.MessageToDict(state.metadata)
            next_nodes = json.dumps(list(state.next))
            values = json.dumps(json_format.MessageToDict(state.values), sort_keys=True)
            print(f"  step {int(metadata['step'])} {metadata['source']} next={next_nodes} values={values}")

        # Server streaming: the first run again, on a new thread, event by event.
        stream = runs.Stream(
            runs_pb2.CreateRunRequest(
                thread_id=threads.Create(threads_pb2.CreateThreadRequest()).thread_id,
                assistant_id="agent",
                input=value({"some_text": "streamed text"}),
                stream_mode=["values"],
            )
        )
        for part in stream:
            show(f"stream {part.event}", json_format.MessageToDict(part.data))


if __name__ == "__main__":
    try:
        main()
    except grpc.RpcError as err:
        raise SystemExit(f"loom: {err.code().name}: {err.details()}") from None
