/**
 * The error HPACK decoding raises on a malformed header block. RFC 7541 §2.3.3 and RFC 9113 §4.3
 * make any decoding error a connection error of type COMPRESSION_ERROR: the decoder's table may
 * now disagree with the peer's encoder, so the connection cannot be used any further. A distinct
 * class lets the HTTP/2 layer tell this apart from its own errors and send that GOAWAY code.
 */

export class HpackError extends Error {
  override readonly name = 'HpackError';
}
