/**
 * The dry run of the gRPC and WebSocket fronts (what `jina ping flow` and `Client.is_flow_ready()`
 * call): a request to Jina's `_jina_dry_run_` endpoint, which every executor serves as a no-op,
 * through the whole Flow, answered as a StatusProto: SUCCESS, or ERROR with the exception.
 *
 * Jina's gRPC `dry_run` sends one empty document (`DocList([BaseDoc()])`); its WebSocket `/dry_run`
 * (and `GET /dry_run` there) an empty DocList: `withDoc` picks which. Unlike Jina, whose dry run
 * ignores the response's status, an executor error in it is reported (ERROR with its exception).
 */
import { DRY_RUN_ENDPOINT } from '../../executor-server/endpoint.js';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { encodeDocList } from '../../wire/doc-codec.js';
import { dataContentFromDocList, isErrorStatus, newRequestId } from '../../wire/data-request.js';
import { type StatusProto, StatusProto_StatusCode } from '../../wire/gen/jina/jina.pb.js';
import { describeFailure } from './failure.js';

export interface FlowDryRunOptions {
  /** One BaseDoc (Jina's gRPC dry run) instead of none (its WebSocket dry run). */
  withDoc: boolean;
  signal?: AbortSignal | undefined;
}

/** The dry run as a StatusProto: SUCCESS, or ERROR with the executor's or the transport's exception. */
export async function flowDryRun(streamer: GatewayStreamer, options: FlowDryRunOptions): Promise<StatusProto> {
  try {
    return await runDryRun(streamer, options);
  } catch (error) {
    return errorStatus(error);
  }
}

/**
 * The dry run, throwing when the request cannot go through (a deployment unreachable, ...): the
 * WebSocket front reports those as a close 1011, as Jina does, and only statuses as messages.
 */
export async function runDryRun(streamer: GatewayStreamer, options: FlowDryRunOptions): Promise<StatusProto> {
  const response = await streamer.processRequest(
    {
      header: { requestId: newRequestId(), status: undefined, execEndpoint: DRY_RUN_ENDPOINT },
      parameters: {},
      routes: [],
      data: dataContentFromDocList(encodeDocList(options.withDoc ? [{ id: newRequestId() }] : [])),
    },
    { signal: options.signal },
  );
  const status = response.header.status;
  return status !== undefined && isErrorStatus(status) ? status : successStatus();
}

export function successStatus(): StatusProto {
  return { code: StatusProto_StatusCode.SUCCESS, description: '', exception: undefined };
}

/** Jina's `StatusMessage.set_exception`: ERROR, the description, the exception's name, args and stack. */
export function errorStatus(error: unknown): StatusProto {
  const err = error instanceof Error ? error : new Error(String(error));
  const failure = describeFailure(err);
  // the network wording is Jina's (it names the deployment and addresses); other errors speak for themselves
  const description = failure.network ? failure.details : err.message;
  return {
    code: StatusProto_StatusCode.ERROR,
    description,
    exception: {
      name: err.name,
      args: [description],
      stacks: (err.stack ?? `${err.name}: ${err.message}`).split('\n').map((line) => `${line}\n`),
      executor: '',
    },
  };
}

/** A not-yet-serving gateway answers its dry run with ERROR saying why. */
export function notReadyStatus(reason: string): StatusProto {
  return {
    code: StatusProto_StatusCode.ERROR,
    description: reason,
    exception: { name: 'GatewayNotReady', args: [reason], stacks: [], executor: '' },
  };
}
