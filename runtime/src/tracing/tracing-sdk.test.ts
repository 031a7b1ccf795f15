/**
 * Where `--traces-exporter-host/-port` send spans: Jina's rule (Python's OTLPSpanExporter with
 * `endpoint=f'{host}:{port}'`: clear text only for an http:// host or with
 * OTEL_EXPORTER_OTLP_INSECURE=true, TLS otherwise), and what happens where Jina would export to
 * "None:None".
 */
import { describe, expect, it } from 'vitest';
import { otlpExporterUrl } from './tracing-sdk.js';

describe('otlpExporterUrl', () => {
  it('keeps the scheme given with the host', () => {
    expect(otlpExporterUrl('http://collector', 4317, {})).toBe('http://collector:4317');
    expect(otlpExporterUrl('https://collector', 4318, {})).toBe('https://collector:4318');
  });

  it('exports to a bare host over TLS, as Jina does, unless OTEL_EXPORTER_OTLP_INSECURE=true', () => {
    expect(otlpExporterUrl('collector', 4317, {})).toBe('https://collector:4317');
    expect(otlpExporterUrl('collector', 4317, { OTEL_EXPORTER_OTLP_INSECURE: 'True' })).toBe('http://collector:4317');
    expect(otlpExporterUrl('collector', 4317, { OTEL_EXPORTER_OTLP_INSECURE: 'false' })).toBe('https://collector:4317');
  });

  it('defaults the port to 4317 and leaves a missing host to the exporter (OTEL_EXPORTER_OTLP_ENDPOINT)', () => {
    expect(otlpExporterUrl('http://collector', undefined, {})).toBe('http://collector:4317');
    expect(otlpExporterUrl(undefined, 4317, {})).toBeUndefined();
    expect(otlpExporterUrl('', undefined, {})).toBeUndefined();
  });
});
