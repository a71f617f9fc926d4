#!/usr/bin/env bash
# Python and Go stubs (gen/python, gen/go) from proto/, with pinned tools installed under .tools/ on first use:
#   .tools/venv     Python venv from scripts/polyglot-requirements.txt (grpcio-tools, runtime, langgraph-sdk)
#   .tools/go-bin   protoc-gen-go and protoc-gen-go-grpc (`go install`, versions below); with --tools also
#                   grpcurl, which no generation needs (test/api/reflection-health.test.ts calls it)
# Usage: scripts/generate-polyglot.sh [--tools]   (--tools: install the tools only; CI runs it before the tests)
set -euo pipefail
cd "$(dirname "$0")/.."

PROTOC_GEN_GO_VERSION=v1.36.12
PROTOC_GEN_GO_GRPC_VERSION=v1.6.2
GRPCURL_VERSION=v1.9.3
tools=$PWD/.tools
requirements=scripts/polyglot-requirements.txt

# (Re)creates the venv when it is missing or the pinned requirements changed.
install_python() {
  local stamp=$tools/venv/requirements.txt
  if [[ -x $tools/venv/bin/python ]] && cmp -s "$requirements" "$stamp"; then return; fi
  echo "generate-polyglot: installing Python tools into .tools/venv" >&2
  "${PYTHON:-python3}" -m venv --clear "$tools/venv"
  "$tools/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$requirements"
  cp "$requirements" "$stamp"
}

# go install <module path> <version> <binary>, unless .tools/go-bin already holds that version (as the binary
# says, or as its build info records: `go install` of grpcurl leaves its own version string unset).
install_go_plugin() {
  local module=$1 version=$2 binary=$3
  if [[ "$("$tools/go-bin/$binary" --version 2>/dev/null)" == "$binary ${version#v}" ||
    "$("$tools/go-bin/$binary" --version 2>/dev/null)" == "$binary $version" ]]; then return; fi
  if [[ -x $tools/go-bin/$binary &&
    "$(go version -m "$tools/go-bin/$binary" 2>/dev/null | awk '$1 == "mod" { print $3 }')" == "$version" ]]; then
    return
  fi
  echo "generate-polyglot: go install $module@$version" >&2
  GOBIN=$tools/go-bin GOFLAGS=-buildvcs=false go install "$module@$version"
}

install_python
install_go_plugin google.golang.org/protobuf/cmd/protoc-gen-go "$PROTOC_GEN_GO_VERSION" protoc-gen-go
install_go_plugin google.golang.org/grpc/cmd/protoc-gen-go-grpc "$PROTOC_GEN_GO_GRPC_VERSION" protoc-gen-go-grpc
if [[ ${1:-} == --tools ]]; then
  install_go_plugin github.com/fullstorydev/grpcurl/cmd/grpcurl "$GRPCURL_VERSION" grpcurl
  exit 0
fi

node_modules/.bin/buf generate --template buf.gen.python.yaml
node_modules/.bin/buf generate --template buf.gen.go.yaml
touch gen/python/src/loom/v1/py.typed # PEP 561: type checkers read the generated .pyi stubs
