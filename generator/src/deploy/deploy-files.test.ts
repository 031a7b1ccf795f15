import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments, stringify } from 'yaml';
import { composeFile } from './compose-file.js';
import { checkDnsLabel, dnsLabelFromPackageName } from './dns-name.js';
import type { GatewayDeploySpec } from './gateway-deploy-spec.js';
import { kubernetesManifests } from './kubernetes-manifests.js';

const HOSTILE = 'a"b\n---\nkind: Secret $(X) ${Y} $Z \u2028#';

const spec: GatewayDeploySpec = {
  name: 'gw',
  image: 'gw:1',
  httpPort: 8080,
  grpcPort: 8081,
  graphDescription: { 'start-gateway': [HOSTILE], [HOSTILE]: ['end-gateway'] },
  deploymentsAddresses: { [HOSTILE]: ['grpc://127.0.0.1:1'] },
};

describe('Kubernetes names', () => {
  it('accepts DNS-1123 labels and refuses others naming the value', () => {
    expect(checkDnsLabel('my-gw-2', '--name')).toEqual({ ok: true, value: 'my-gw-2' });
    for (const bad of ['My', '-a', 'a-', 'a_b', 'a.b', '', 'x'.repeat(64)]) {
      const result = checkDnsLabel(bad, '--name');
      expect(result.ok, bad).toBe(false);
      if (!result.ok) expect(result.error.message).toContain(`--name ${JSON.stringify(bad)}`);
    }
  });

  it('derives a label from an npm package name, or says to pass --name', () => {
    expect(dnsLabelFromPackageName('@acme/my_gw.v2')).toEqual({ ok: true, value: 'my-gw-v2' });
    const bad = dnsLabelFromPackageName('-gw');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.error.message).toMatch(/"-gw".*--name/);
  });
});

describe('hostile executor names', () => {
  it('stay data in kubernetes.yml: four documents, the ConfigMap holds them verbatim', () => {
    const documents = parseAllDocuments(kubernetesManifests(spec).map((document) => stringify(document)).join('---\n'));
    expect(documents.map((document) => (document.toJS() as { kind: string }).kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'HorizontalPodAutoscaler']);
    const data = (documents[0]!.toJS() as { data: Record<string, string> }).data;
    expect(JSON.parse(data.DEPLOYMENTS_ADDRESSES!)).toEqual(spec.deploymentsAddresses);
    expect(JSON.parse(data.GRAPH_DESCRIPTION!)).toEqual(spec.graphDescription);
  });

  it('are written with `$$` in docker-compose.yml, which compose reads back as `$`', () => {
    const read = parse(stringify(composeFile(spec))) as { services: { gw: { command: string[] } } };
    const command = read.services.gw.command;
    const graph = command[command.indexOf('--graph-description') + 1]!;
    expect(graph).not.toMatch(/(^|[^$])\$[^$]/);
    expect(JSON.parse(graph.replaceAll('$$', '$'))).toEqual(spec.graphDescription);
  });
});
