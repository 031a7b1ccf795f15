import { describe, expect, it } from 'vitest';
import { parseExecutorAddress } from './address.js';

describe('parseExecutorAddress', () => {
  it('reads the forms Jina writes', () => {
    expect(parseExecutorAddress('grpc://0.0.0.0:52001')).toEqual({ original: 'grpc://0.0.0.0:52001', target: '0.0.0.0:52001', tls: false });
    expect(parseExecutorAddress('grpcs://enc.ns.svc:8080')).toMatchObject({ target: 'enc.ns.svc:8080', tls: true });
    // docker-compose exports have no scheme
    expect(parseExecutorAddress('executor1-head:8081')).toMatchObject({ target: 'executor1-head:8081', tls: false });
    expect(parseExecutorAddress('https://host:443/path')).toMatchObject({ target: 'host:443', tls: true });
    expect(parseExecutorAddress('[::1]:5000')).toMatchObject({ target: '[::1]:5000', tls: false });
  });

  it('rejects what cannot be dialled, naming it', () => {
    expect(() => parseExecutorAddress('grpc://nohost')).toThrow(/invalid executor address "grpc:\/\/nohost"/);
    expect(() => parseExecutorAddress('localhost:99999')).toThrow(/port 99999 is out of range/);
    expect(() => parseExecutorAddress('')).toThrow(/invalid executor address/);
  });
});
