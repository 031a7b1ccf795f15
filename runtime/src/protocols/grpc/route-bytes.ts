/**
 * One serialized DataRequestProto from a client through the Flow: parsed (refused with
 * MalformedRequestError when it is not one), routed with the client's bytes forwarded untouched
 * wherever the Flow lets them through. Executor errors come back in-band in the response; any
 * other failure rejects as a RequestFailure carrying the request id, which Jina echoes back.
 * Shared by `JinaRPC/Call`, `process_single_data` and the WebSocket front.
 */
import type { GatewayStreamer } from '../../streamer/gateway-streamer.js';
import type { DataRequest } from '../../wire/data-request.js';
import { RequestFailure } from './failure.js';
import { parseDataRequest } from './request-bytes.js';

export async function routeBytes(bytes: Buffer, streamer: GatewayStreamer, signal: AbortSignal): Promise<DataRequest> {
  const request = parseDataRequest(bytes);
  try {
    return await streamer.processRequest(request, { raw: bytes, signal });
  } catch (error) {
    throw new RequestFailure(error, request.header.requestId);
  }
}
