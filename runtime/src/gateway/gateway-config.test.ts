import { describe, expect, it } from 'vitest';
import { parseGatewayConfig } from './gateway-config.js';
import { gatewayParameters } from './gateway-parameters.js';
import { Gateway } from './gateway.js';

const FILE = '/project/config.yml';

describe("parseGatewayConfig: Jina's gateway config.yml", () => {
  it('reads jtype, py_modules (relative to the file), with: and runtime keys', () => {
    const result = parseGatewayConfig('jtype: MyGateway\npy_modules: dist/gateway.js\nwith:\n  greeting: hi\nport: 8080\nprotocol: http\n', FILE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.jtype).toBe('MyGateway');
    expect(result.value.modules).toEqual(['/project/dist/gateway.js']);
    expect(result.value.with).toEqual({ greeting: 'hi' });
    expect(result.value.runtime).toEqual({ ports: 8080, protocols: 'http' });
  });

  it('reads the tag form and metas.py_modules, warning about metas keys that mean nothing to a gateway', () => {
    const result = parseGatewayConfig('!MyGateway\nmetas:\n  py_modules: [a.js, b.js]\n  name: x\n', FILE);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.jtype).toBe('MyGateway');
    expect(result.value.modules).toEqual(['/project/a.js', '/project/b.js']);
    expect(result.value.warnings).toEqual(['/project/config.yml: metas.name mean nothing to a gateway; ignored']);
  });

  it('names what is wrong', () => {
    const cases: Array<[string, string]> = [
      ['with: {a: 1}\n', 'name the gateway class with `jtype: MyGateway`'],
      ['jtype: A\nportt: 1\n', 'unknown key "portt"'],
      ['jtype: A\nwith: [1]\n', 'with: must be a mapping'],
      ['jtype: [A\n', 'not valid YAML'],
      ['!A\njtype: B\n', 'jtype "B" and tag !A name different classes'],
    ];
    for (const [text, message] of cases) {
      const result = parseGatewayConfig(text, FILE);
      expect(!result.ok && result.error.message, text).toContain(message);
    }
  });
});

describe('gatewayParameters: declared defaults, then with:, then --uses-with', () => {
  class Greeter extends Gateway<{ greeting: string; times: number }> {
    static parameters = { greeting: 'hello', times: 1 };
    async setupServer() {}
    async runServer() {}
    async shutdown() {}
  }

  it('merges in order and refuses an undeclared key, naming it and where it came from', () => {
    const merged = gatewayParameters(Greeter, [
      { name: 'config.yml with:', values: { greeting: 'hi' } },
      { name: '--uses-with', values: { times: 3 } },
    ]);
    expect(merged.ok && merged.value).toEqual({ greeting: 'hi', times: 3 });
    const typo = gatewayParameters(Greeter, [{ name: '--uses-with', values: { greting: 'x' } }]);
    expect(!typo.ok && typo.error.message).toBe('Greeter has no parameter "greting" (from --uses-with); its parameters: greeting, times');
  });
});
