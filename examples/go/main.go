// Command hitl runs the human-in-the-loop flow over gRPC with the generated Loom stubs: graph `agent` stops at
// its interrupt(), is resumed with an edited text, then prints the final state and the thread's history, and
// streams a second run. Server: LOOM_URL (default http://127.0.0.1:8123).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/url"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	"google.golang.org/protobuf/types/known/structpb"

	loomv1 "github.com/loom-dev/loom/gen/go/loom/v1"
)

func main() {
	log.SetFlags(0)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := grpc.NewClient(target(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	check(err)
	defer conn.Close()
	threads := loomv1.NewThreadsServiceClient(conn)
	runs := loomv1.NewRunsServiceClient(conn)

	thread, err := threads.Create(ctx, &loomv1.CreateThreadRequest{})
	check(err)
	fmt.Println("thread:", thread.GetThreadId())

	first, err := runs.Wait(ctx, &loomv1.CreateRunRequest{
		ThreadId: thread.GetThreadId(), AssistantId: "agent", Input: value(map[string]any{"some_text": "original text"}),
	})
	check(err)
	show("interrupt", first.GetValues().AsMap()["__interrupt__"])

	resumed, err := runs.Wait(ctx, &loomv1.CreateRunRequest{
		ThreadId: thread.GetThreadId(), AssistantId: "agent", Command: &loomv1.Command{Resume: value("Edited text")},
	})
	check(err)
	show("final", resumed.GetValues().AsMap())

	history, err := threads.GetHistory(ctx, &loomv1.GetHistoryRequest{ThreadId: thread.GetThreadId(), Limit: 20})
	check(err)
	fmt.Printf("history: %d checkpoints, newest first\n", len(history.GetStates()))
	for _, state := range history.GetStates() {
		meta := state.GetMetadata().AsMap()
		next, _ := json.Marshal(append([]string{}, state.GetNext()...)) // [] rather than null
		values, _ := json.Marshal(state.GetValues().AsMap())
		fmt.Printf("  step %v %v next=%s values=%s\n", meta["step"], meta["source"], next, values)
	}

	// Server streaming: the first run again, on a new thread, event by event.
	other, err := threads.Create(ctx, &loomv1.CreateThreadRequest{})
	check(err)
	stream, err := runs.Stream(ctx, &loomv1.CreateRunRequest{
		ThreadId: other.GetThreadId(), AssistantId: "agent", StreamMode: []string{"values"},
		Input: value(map[string]any{"some_text": "streamed text"}),
	})
	check(err)
	for {
		part, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			break
		}
		check(err)
		show("stream "+part.GetEvent(), part.GetData().AsInterface())
	}
}

// target turns LOOM_URL into a gRPC dial target (host:port).
func target() string {
	raw := os.Getenv("LOOM_URL")
	if raw == "" {
		raw = "http://127.0.0.1:8123"
	}
	u, err := url.Parse(raw)
	check(err)
	return u.Host
}

func value(v any) *structpb.Value {
	out, err := structpb.NewValue(v)
	check(err)
	return out
}

// show prints a label and a JSON value (keys sorted, like the Python example).
func show(label string, v any) {
	out, err := json.Marshal(v)
	check(err)
	fmt.Printf("%s: %s\n", label, out)
}

func check(err error) {
	if err != nil {
		log.Fatalf("loom: %v", err)
	}
}
