/**
 * Re-encoding a large executor response without copying its documents again.
 *
 * A response that arrives in several DATA frames has to be joined into one buffer (one copy).
 * Then the gateway re-encodes it, to add its route or to forward it to the next executor, and
 * that used to copy the documents a second time. Here the join leaves free bytes (headroom) in
 * front of the message, in a buffer of its own. Once the message is decoded, the bytes before its
 * documents (the headroom, the gRPC prefix, the old envelope) are no longer needed. The first
 * re-encode of those documents writes its new envelope there, in place, and returns a view: the
 * documents are not copied. Later re-encodes of the same documents copy as before: a
 * fan-out's branches must not share one envelope slot, and the first encoding may still be on a
 * socket.
 *
 * Only buffers made by `joinWithHeadroom` are ever written in place (a WeakMap of their
 * ArrayBuffers, claimed once). Any other bytes, such as a client's request from grpc-js or a
 * single-frame response that is a slice of a socket read, take the copying path.
 */

/** Below this, a join's copy is cheap and small buffers come from Node's shared pool: join as before. */
export const HEADROOM_FROM_BYTES = 64 * 1024;
/** Room for a new envelope: header, parameters, routes of a long Flow. A larger one copies. */
export const HEADROOM_BYTES = 4096;

/** Buffers whose bytes before their documents may be rewritten once; the flag: claimed already. */
const writable = new WeakMap<ArrayBufferLike, { claimed: boolean }>();

/** `chunks` joined (`total` bytes); large ones with headroom in front, in a buffer of their own. */
export function joinWithHeadroom(chunks: readonly Buffer[], total: number): Buffer {
  if (total < HEADROOM_FROM_BYTES) return Buffer.concat(chunks, total);
  // never from the shared pool: its other slices belong to other buffers
  const whole = Buffer.allocUnsafeSlow(HEADROOM_BYTES + total);
  let at = HEADROOM_BYTES;
  for (const chunk of chunks) at += chunk.copy(whole, at);
  writable.set(whole.buffer, { claimed: false });
  return whole.subarray(HEADROOM_BYTES, HEADROOM_BYTES + total);
}

/**
 * `envelopeBytes` bytes right before `data`, in `data`'s own buffer, if it came from
 * `joinWithHeadroom` and nobody claimed them yet: the caller writes its envelope into
 * `[0, envelopeBytes)` of the returned view, whose rest is `data`. Undefined: copy.
 */
export function claimBefore(data: Uint8Array, envelopeBytes: number): Buffer | undefined {
  const state = writable.get(data.buffer);
  if (state === undefined || state.claimed || data.byteOffset < envelopeBytes) return undefined;
  state.claimed = true;
  return Buffer.from(data.buffer, data.byteOffset - envelopeBytes, envelopeBytes + data.byteLength);
}
