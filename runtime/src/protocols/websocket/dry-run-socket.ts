/**
 * WebSocket `/dry_run` (what `jina ping flow websocket://...` and the WebSocket client's
 * `is_flow_ready()` open): runs the dry run as soon as the client connects and sends one binary
 * frame, the serialized StatusProto (SUCCESS serializes to zero bytes), then closes with 1000.
 * What the client sends (the Jina client sends one empty frame) is ignored.
 *
 * As in Jina, a deployment that cannot be reached closes with 1011 and the reason instead of a
 * status; other failures are sent as an ERROR status.
 */
import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import { StatusProto } from '../../wire/gen/jina/jina.pb.js';
import { logFailedRequest } from '../failed-request-log.js';
import { errorStatus, runDryRun } from '../grpc/flow-dry-run.js';
import { CLOSE_INTERNAL_ERROR, CLOSE_NORMAL, closeReasonFor, truncate } from './close-reason.js';

/** `notReady`: why the gateway cannot run it yet (it then closes with 1011 and that reason). */
export async function serveDryRunSocket(ws: WebSocket, streamer: GatewayStreamer, logger: Logger, notReady: string | undefined): Promise<void> {
  const gone = new AbortController();
  const closed = new Promise<void>((resolve) =>
    ws.once('close', () => {
      gone.abort(Object.assign(new Error('the client closed the WebSocket'), { name: 'AbortError' }));
      resolve();
    }),
  );
  ws.on('error', (error) => logger.debug({ err: error }, 'WebSocket error on /dry_run'));
  const open = () => ws.readyState === ws.OPEN;

  if (notReady !== undefined) {
    ws.close(CLOSE_INTERNAL_ERROR, truncate(notReady));
  } else {
    try {
      const status = await runDryRun(streamer, { withDoc: false, signal: gone.signal });
      if (open()) ws.send(Buffer.from(StatusProto.encode(status).finish()), { binary: true }, () => ws.close(CLOSE_NORMAL, ''));
    } catch (error) {
      if (open()) {
        const close = closeReasonFor(error);
        logFailedRequest(logger, { protocol: 'websocket', what: 'dry run' }, error);
        if (close.failure.network) {
          ws.close(close.code, close.reason);
        } else {
          ws.send(Buffer.from(StatusProto.encode(errorStatus(error)).finish()), { binary: true }, () => ws.close(CLOSE_NORMAL, ''));
        }
      }
    }
  }
  await closed;
}
