import { describe, expect, it } from 'vitest';
import { protoBreakingChanges } from './proto-breaking.js';

const V1 = `syntax = "proto3";
package gateway.v1;
message TextDoc {
  string id = 1;
  string text = 2;
}
service GatewayService {
  rpc Encode(TextDoc) returns (TextDoc);
  rpc Old(TextDoc) returns (TextDoc);
}
`;

describe('protoBreakingChanges (buf breaking, FILE rules)', () => {
  it('an added field and rpc are compatible', async () => {
    const next = V1.replace('string text = 2;', 'string text = 2;\n  string lang = 3;').replace('rpc Old', 'rpc New(TextDoc) returns (TextDoc);\n  rpc Old');
    expect(await protoBreakingChanges([{ path: 'gateway.proto', content: V1 }], [{ path: 'gateway.proto', content: next }])).toEqual({ ok: true, changes: [] });
  });

  it('a removed rpc and a changed field type are reported with file, line and rule', async () => {
    const next = V1.replace('  rpc Old(TextDoc) returns (TextDoc);\n', '').replace('string text = 2;', 'int64 text = 2;');
    const result = await protoBreakingChanges([{ path: 'gateway.proto', content: V1 }], [{ path: 'gateway.proto', content: next }]);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.changes.map((change) => change.rule).sort()).toEqual(['FIELD_SAME_TYPE', 'RPC_NO_DELETE']);
    expect(result.changes.every((change) => change.file === 'gateway.proto' && change.line > 0)).toBe(true);
  });

  it('a next version that does not compile is a failure saying why', async () => {
    const result = await protoBreakingChanges([{ path: 'gateway.proto', content: V1 }], [{ path: 'gateway.proto', content: 'syntax = "proto3"; message {' }]);
    expect(result.ok).toBe(false);
  });
});
