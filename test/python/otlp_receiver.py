"""A minimal OTLP/gRPC trace receiver for the tracing tests: what a collector's `otlp` receiver
does with TraceService/Export, decoded with the published protos (the opentelemetry-proto package
the venv pins), printing each span as one `SPAN {json}` line on stdout.

`python otlp_receiver.py` binds 127.0.0.1 on a free port and prints `LISTENING <port>`. Like
run_jina.py it ends when its stdin reaches EOF (the test process is gone).
"""
import json
import os
import sys
import threading
from concurrent import futures

import grpc
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1 import trace_service_pb2, trace_service_pb2_grpc

_KINDS = {0: 'UNSPECIFIED', 1: 'INTERNAL', 2: 'SERVER', 3: 'CLIENT', 4: 'PRODUCER', 5: 'CONSUMER'}
_STATUS = {0: 'UNSET', 1: 'OK', 2: 'ERROR'}


def _attributes(key_values):
    attributes = {}
    for kv in key_values:
        value = MessageToDict(kv.value)
        attributes[kv.key] = next(iter(value.values()), None)
    return attributes


class Receiver(trace_service_pb2_grpc.TraceServiceServicer):
    def Export(self, request, context):
        for resource_spans in request.resource_spans:
            resource = _attributes(resource_spans.resource.attributes)
            for scope_spans in resource_spans.scope_spans:
                for span in scope_spans.spans:
                    record = {
                        'service': resource.get('service.name'),
                        'name': span.name,
                        'kind': _KINDS.get(span.kind, str(span.kind)),
                        'traceId': span.trace_id.hex(),
                        'spanId': span.span_id.hex(),
                        'parentSpanId': span.parent_span_id.hex(),
                        'attributes': _attributes(span.attributes),
                        'status': {'code': _STATUS.get(span.status.code, str(span.status.code)), 'message': span.status.message},
                    }
                    print('SPAN ' + json.dumps(record), flush=True)
        return trace_service_pb2.ExportTraceServiceResponse()


def _exit_with_parent():
    try:
        while os.read(0, 4096):
            pass
    except OSError:
        pass
    os._exit(0)


if __name__ == '__main__':
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=4))
    trace_service_pb2_grpc.add_TraceServiceServicer_to_server(Receiver(), server)
    port = server.add_insecure_port('127.0.0.1:0')
    server.start()
    print(f'LISTENING {port}', flush=True)
    threading.Thread(target=_exit_with_parent, daemon=True).start()
    server.wait_for_termination()
