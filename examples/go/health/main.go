// Command health is the smallest Loom client: HealthService Ok and Info over gRPC.
// Server: LOOM_URL (default http://127.0.0.1:8123).
package main

import (
	"context"
	"fmt"
	"log"
	"net/url"
	"os"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	loomv1 "github.com/loom-dev/loom/gen/go/loom/v1"
)

func main() {
	raw := os.Getenv("LOOM_URL")
	if raw == "" {
		raw = "http://127.0.0.1:8123"
	}
	u, err := url.Parse(raw)
	if err != nil {
		log.Fatal(err)
	}
	conn, err := grpc.NewClient(u.Host, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		log.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	health := loomv1.NewHealthServiceClient(conn)
	ok, err := health.Ok(ctx, &loomv1.OkRequest{})
	if err != nil {
		log.Fatalf("loom: %v", err)
	}
	info, err := health.Info(ctx, &loomv1.InfoRequest{})
	if err != nil {
		log.Fatalf("loom: %v", err)
	}
	fmt.Println("ok:", ok.GetOk())
	fmt.Println("version:", info.GetVersion())
}
