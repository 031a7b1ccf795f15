/**
 * Decoding what an executor sent back, with failures blamed on that executor: a response that is
 * not a valid DataRequestProto (or whose docs are not a valid DocListProto) becomes an
 * ExecutorProtocolError naming the deployment and the replica, not a bare parse error.
 */
import type { Doc } from '../wire/doc.js';
import { decodeDocList } from '../wire/doc-codec.js';
import { type DataRequest, decodeDataRequest, docListFromDataContent } from '../wire/data-request.js';
import type { UnaryResult } from './deployment-client.js';
import { ExecutorProtocolError } from './errors.js';

export function decodeResponse(result: UnaryResult, deployment: string): DataRequest {
  try {
    return decodeDataRequest(result.response);
  } catch (error) {
    throw new ExecutorProtocolError(deployment, result.address, error);
  }
}

export function decodeResponseDocs(response: DataRequest, deployment: string, address: string): Doc[] {
  try {
    return decodeDocList(docListFromDataContent(response.data));
  } catch (error) {
    throw new ExecutorProtocolError(deployment, address, error);
  }
}
