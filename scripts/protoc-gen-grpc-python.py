"""buf plugin: the gRPC Python generator that grpcio-tools links into its protoc, as a protoc plugin.

grpcio-tools ships no `protoc-gen-grpc_python` binary, so this reads the CodeGeneratorRequest, runs
`grpc_tools.protoc --descriptor_set_in=... --grpc_python_out=...` on it and answers with the files written.
"""

import sys
import tempfile
from pathlib import Path

from google.protobuf import descriptor_pb2
from google.protobuf.compiler import plugin_pb2
from grpc_tools import protoc


def main() -> None:
    request = plugin_pb2.CodeGeneratorRequest.FromString(sys.stdin.buffer.read())
    response = plugin_pb2.CodeGeneratorResponse(
        supported_features=plugin_pb2.CodeGeneratorResponse.FEATURE_PROTO3_OPTIONAL
    )
    with tempfile.TemporaryDirectory() as tmp:
        descriptors = Path(tmp, "descriptors.binpb")
        descriptors.write_bytes(descriptor_pb2.FileDescriptorSet(file=request.proto_file).SerializeToString())
        out = Path(tmp, "out")
        out.mkdir()
        option = f"{request.parameter}:" if request.parameter else ""
        args = ["protoc", f"--descriptor_set_in={descriptors}", f"--grpc_python_out={option}{out}"]
        if protoc.main([*args, *request.file_to_generate]) != 0:
            response.error = "grpc_tools.protoc failed"
        for path in sorted(p for p in out.rglob("*") if p.is_file()):
            response.file.add(name=path.relative_to(out).as_posix(), content=path.read_text())
    sys.stdout.buffer.write(response.SerializeToString())


if __name__ == "__main__":
    main()
