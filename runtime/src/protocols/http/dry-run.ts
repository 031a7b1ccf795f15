/**
 * `GET /dry_run` (what `jina ping flow http://...` and `Client.is_flow_ready()` call): an empty
 * document list with no endpoint through the whole Flow, answered as Jina's StatusProto JSON,
 * `{"code": 0, "description": "", "exception": null}` or code 1 with the exception.
 *
 * As in Jina's HTTP gateway, "no endpoint" means only executors bound to `/default` are called
 * (the others pass the request on), so an executor without `/default` is not reached. Unlike
 * Jina, an executor error in that request is reported (Jina's `stream_docs` ignores the status).
 */
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { encodeDocList } from '../../wire/doc-codec.js';
import { dataContentFromDocList, isErrorStatus, newRequestId } from '../../wire/data-request.js';
import type { ErrorStatusJson } from './error-response.js';

export async function dryRun(streamer: GatewayStreamer, signal?: AbortSignal): Promise<ErrorStatusJson> {
  try {
    const response = await streamer.processRequest(
      {
        header: { requestId: newRequestId(), status: undefined },
        parameters: {},
        routes: [],
        data: dataContentFromDocList(encodeDocList([])),
      },
      { signal },
    );
    const status = response.header.status;
    if (isErrorStatus(status)) {
      const exception = status?.exception;
      return {
        code: 1,
        description: status?.description ?? '',
        exception: {
          name: exception?.name ?? '',
          args: exception?.args ?? [],
          stacks: exception?.stacks ?? [],
          executor: exception?.executor ?? '',
        },
      };
    }
    return { code: 0, description: '', exception: null };
  } catch (error) {
    const err = error instanceof Error ? error : new Error(String(error));
    const description = `${err.name}(${JSON.stringify(err.message)})`;
    return {
      code: 1,
      description,
      exception: {
        name: err.name,
        args: [err.message],
        stacks: (err.stack ?? '').split('\n').map((line) => `${line}\n`),
        executor: '',
      },
    };
  }
}
