// `kubeadm token create --print-join-command` through the API: read the endpoint and CA from
// kube-public/cluster-info first (so a cluster without it gets no stray token), then create the bootstrap
// token Secret in kube-system and build the join command.

import { randomBytes as cryptoRandomBytes } from 'node:crypto';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound, KubeApiError } from '../../kube/errors.ts';
import type { KubeObject } from '../../domain/object.ts';
import {
  bootstrapTokenSecret, caPublicKeyPins, generateToken, joinCommand, joinEndpoint, readClusterInfo, BOOTSTRAP_TOKEN_NAMESPACE, type BootstrapToken,
} from '../../domain/nodes/join.ts';

export class ClusterInfoMissingError extends Error {
  constructor() {
    super(
      'ConfigMap kube-public/cluster-info not found: kubeadm join reads the API endpoint and CA from it. ' +
        'kubeadm init creates it (phase bootstrap-token); on a kubeadm cluster run "kubeadm init phase bootstrap-token" on a control-plane node',
    );
  }
}

export interface JoinCommandResult {
  command: string;
  token: BootstrapToken;
  endpoint: string;
  caCertHashes: string[];
  secret: KubeObject;
  expiration?: string;
}

export async function createJoinCommand(
  client: KubeClient,
  options: { ttlMs: number; description?: string; now?: Date; randomBytes?: (size: number) => Uint8Array; signal?: AbortSignal },
): Promise<JoinCommandResult> {
  let configMap: KubeObject;
  try {
    configMap = await client.request<KubeObject>('GET', '/api/v1/namespaces/kube-public/configmaps/cluster-info', { signal: options.signal });
  } catch (error) {
    if (isNotFound(error)) throw new ClusterInfoMissingError();
    throw error;
  }
  const info = readClusterInfo(configMap);
  const pins = caPublicKeyPins(info.caPem);
  const endpoint = joinEndpoint(info.server);
  const random = options.randomBytes ?? cryptoRandomBytes;
  // a token id is 6 characters: a clash is unlikely but possible, and then a new token is drawn
  for (let attempt = 0; ; attempt++) {
    const token = generateToken(random);
    const secret = bootstrapTokenSecret(token, { ttlMs: options.ttlMs, now: options.now ?? new Date(), description: options.description });
    try {
      const created = await client.request<KubeObject>('POST', `/api/v1/namespaces/${BOOTSTRAP_TOKEN_NAMESPACE}/secrets`, { body: secret, query: { fieldManager: 'kmaint-join-command' }, signal: options.signal });
      const expiration = secret.data.expiration ? Buffer.from(secret.data.expiration, 'base64').toString('utf8') : undefined;
      return { command: joinCommand(endpoint, token, pins), token, endpoint, caCertHashes: pins, secret: created, ...(expiration ? { expiration } : {}) };
    } catch (error) {
      if (error instanceof KubeApiError && error.reason === 'AlreadyExists' && attempt < 3) continue;
      throw error;
    }
  }
}
