// The kubeconfig a sandbox writes for kubectl and kmaint: its CA embedded, a bearer token, one context.

import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { stringify } from 'yaml';

export interface SandboxEndpoint {
  server: string;
  caCert: string;
  token: string;
  name?: string;
}

export function kubeconfigYaml(endpoint: SandboxEndpoint): string {
  const name = endpoint.name ?? 'kmaint-sandbox';
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name, cluster: { server: endpoint.server, 'certificate-authority-data': Buffer.from(endpoint.caCert).toString('base64') } }],
    users: [{ name: `${name}-admin`, user: { token: endpoint.token } }],
    contexts: [{ name, context: { cluster: name, user: `${name}-admin`, namespace: 'default' } }],
    'current-context': name,
    preferences: {},
  });
}

/** Writes atomically, so a reader never sees half a kubeconfig. */
export function writeKubeconfig(path: string, endpoint: SandboxEndpoint): void {
  mkdirSync(dirname(path), { recursive: true });
  const temp = `${path}.${process.pid}.tmp`;
  writeFileSync(temp, kubeconfigYaml(endpoint), { mode: 0o600 });
  renameSync(temp, path);
}
