#!/bin/sh
# protoc for buf.gen.python.yaml: the one bundled with the pinned grpcio-tools in .tools/venv.
exec "$(dirname "$0")/../.tools/venv/bin/python" -m grpc_tools.protoc "$@"
