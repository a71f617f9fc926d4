"""The smallest Loom client: HealthService Ok and Info over gRPC.

Server: LOOM_URL (default http://127.0.0.1:8123).
"""

import os
from urllib.parse import urlparse

import grpc
from loom.v1 import health_pb2, health_pb2_grpc

url = urlparse(os.environ.get("LOOM_URL", "http://127.0.0.1:8123"))
with grpc.insecure_channel(url.netloc) as channel:
    health = health_pb2_grpc.HealthServiceStub(channel)
    print(f"ok: {health.Ok(health_pb2.OkRequest()).ok}")
    info = health.Info(health_pb2.InfoRequest())
    print(f"version: {info.version}")
