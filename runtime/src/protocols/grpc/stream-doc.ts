/**
 * `jina.JinaSingleDocumentRequestRPC/stream_doc`: one document to a generator endpoint, each
 * document it yields streamed back. As in Jina's gateway, the request goes to the first node of
 * the Flow only.
 *
 * The documents are decoded and re-encoded on the way (the streamer's `streamDoc` works on docs);
 * the codec marks what it decodes, so a doc re-encodes to the same NodeProtos. Each reply carries
 * the request id, the endpoint and, when the executor raised, its status (ERROR, in-band).
 *
 * A network failure ends the stream with the failure's gRPC code and Jina's details text (Jina's
 * own gateway answers UNKNOWN "Unexpected <class 'InternalNetworkError'>" here: its stream_doc
 * path has no gRPC context to set the code on).
 */
import { Metadata, type ServerWritableStream, status as GrpcStatus } from '@grpc/grpc-js';
import { once } from 'node:events';
import type { Logger } from 'pino';
import type { ExecutorError } from '../../executor/errors.js';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { docFromProto, docToProto } from '../../wire/doc-codec.js';
import { newRequestId } from '../../wire/data-request.js';
import { SingleDocumentRequestProto, type StatusProto, StatusProto_StatusCode } from '../../wire/gen/jina/jina.pb.js';
import { cancellationOf } from './call-cancellation.js';
import { logFailedRequest } from '../failed-request-log.js';
import { describeFailure } from './failure.js';
import { parseSingleDocumentRequest } from './request-bytes.js';

export async function serveStreamDoc(call: ServerWritableStream<Buffer, Buffer>, streamer: GatewayStreamer, logger: Logger): Promise<void> {
  const cancellation = cancellationOf(call);
  const signal = cancellation.signal;
  const fail = (code: GrpcStatus, details: string): void => {
    call.emit('error', { code, details, metadata: new Metadata() });
  };
  let requestId: string | undefined;
  let execEndpoint: string | undefined;
  try {
    if (streamer.topology.topologicalOrder.length === 0) {
      return fail(GrpcStatus.FAILED_PRECONDITION, 'the Flow has no executor to stream from');
    }
    const request = parseSingleDocumentRequest(call.request);
    const header = request.header;
    requestId = header?.requestId || newRequestId();
    execEndpoint = header?.execEndpoint ?? '';
    const doc = docFromProto(request.document ?? { data: {} });
    const replies = streamer.streamDoc(doc, {
      execEndpoint: header?.execEndpoint,
      targetExecutor: header?.targetExecutor || undefined,
      parameters: (request.parameters as Record<string, unknown> | undefined) ?? {},
      requestId,
      signal,
    });
    for await (const { doc: output, error } of replies) {
      if (signal.aborted) return;
      if (error !== undefined) logFailedRequest(logger, { protocol: 'grpc', what: 'stream_doc', requestId, endpoint: execEndpoint }, error);
      const reply = SingleDocumentRequestProto.encode({
        header: { requestId, status: error === undefined ? undefined : statusOf(error), execEndpoint },
        parameters: undefined,
        routes: [],
        document: output === undefined ? undefined : docToProto(output),
      }).finish();
      if (!call.write(Buffer.from(reply.buffer, reply.byteOffset, reply.byteLength))) {
        await once(call, 'drain', { signal }).catch(() => undefined);
      }
    }
    if (!signal.aborted) call.end();
  } catch (error) {
    if (signal.aborted) return;
    const failure = describeFailure(error);
    logFailedRequest(logger, { protocol: 'grpc', what: 'stream_doc', requestId, endpoint: execEndpoint }, error);
    fail(failure.code, failure.details);
  } finally {
    cancellation.release();
  }
}

/** The executor's status back as it came (ExecutorError keeps every field of it). */
function statusOf(error: ExecutorError): StatusProto {
  return {
    code: StatusProto_StatusCode.ERROR,
    description: error.description,
    exception: { name: error.exceptionName, args: [...error.args], stacks: [...error.stacks], executor: error.executor },
  };
}
