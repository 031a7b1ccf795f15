/**
 * Hand-framed protobuf fields for the hot path: appending an already-serialized message as a
 * length-delimited field lets us nest bytes we never decoded (docs, whole requests).
 */

/** The protobuf varint encoding of a non-negative integer. */
export function encodeVarint(value: number): Uint8Array {
  const bytes: number[] = [];
  let rest = value;
  while (rest > 0x7f) {
    bytes.push((rest & 0x7f) | 0x80);
    rest = Math.floor(rest / 128);
  }
  bytes.push(rest);
  return Uint8Array.from(bytes);
}

/** Tag and length of field `fieldNumber` (wire type 2) for a payload of `length` bytes. */
export function lengthDelimitedPrefix(fieldNumber: number, length: number): Uint8Array {
  const tag = encodeVarint((fieldNumber << 3) | 2);
  const size = encodeVarint(length);
  const prefix = new Uint8Array(tag.length + size.length);
  prefix.set(tag, 0);
  prefix.set(size, tag.length);
  return prefix;
}

/** `head` followed by each payload framed as field `fieldNumber`, in one Buffer (one copy of each payload). */
export function appendLengthDelimited(head: Uint8Array, fieldNumber: number, payloads: readonly Uint8Array[]): Buffer {
  const prefixes = payloads.map((payload) => lengthDelimitedPrefix(fieldNumber, payload.length));
  let total = head.length;
  payloads.forEach((payload, i) => (total += prefixes[i]!.length + payload.length));
  const out = Buffer.allocUnsafe(total);
  out.set(head, 0);
  let offset = head.length;
  payloads.forEach((payload, i) => {
    out.set(prefixes[i]!, offset);
    offset += prefixes[i]!.length;
    out.set(payload, offset);
    offset += payload.length;
  });
  return out;
}
