// Reads what node health needs (Nodes, their Leases, the pods bound to them, the API server's version and
// clock) and hands it to the pure evaluation in domain/nodes/health.ts.

import type { KubeClient } from '../../kube/client.ts';
import { listAll } from '../../kube/list.ts';
import type { KubeObject } from '../../domain/object.ts';
import { evaluateCluster, referenceTime, type NodeHealthReport } from '../../domain/nodes/health.ts';
import { serverMinorVersion } from '../../domain/nodes/skew.ts';
import { resolveNodes, type NodeTarget } from './nodes.ts';

export interface ServerVersionInfo {
  major?: string;
  minor?: string;
  gitVersion?: string;
  [key: string]: unknown;
}

export interface ClusterHealth {
  reports: NodeHealthReport[];
  serverVersion?: ServerVersionInfo;
  /** the time ages were measured against */
  observedAt: Date;
  /** where that time came from: the API server's Date header, or this machine's clock */
  clock: 'server' | 'local';
  /** how far the newest Lease renewal lay ahead of that clock (seconds), when it did */
  heartbeatsAheadSeconds: number;
  healthy: boolean;
}

/** Non-terminal pods only, as kubectl describe node counts them. */
const NON_TERMINAL = 'status.phase!=Succeeded,status.phase!=Failed';
/** Up to this many named nodes, pods are listed per node; beyond, once for the cluster. */
const PER_NODE_POD_LISTS = 10;

/** GET /version, and the API server's clock from the response's Date header (the clock its controllers judge heartbeats by). */
export async function serverVersionAndClock(client: KubeClient, signal?: AbortSignal): Promise<{ version?: ServerVersionInfo; serverDate?: Date }> {
  const response = await client.stream('GET', '/version', { signal, accept: 'application/json, */*' });
  const chunks: Buffer[] = [];
  for await (const chunk of response.body) chunks.push(chunk as Buffer);
  const header = response.headers.date;
  const parsed = header ? Date.parse(header) : NaN;
  let version: ServerVersionInfo | undefined;
  try {
    version = JSON.parse(Buffer.concat(chunks).toString('utf8')) as ServerVersionInfo;
  } catch {
    version = undefined;
  }
  return { version, serverDate: Number.isNaN(parsed) ? undefined : new Date(parsed) };
}

async function podsFor(client: KubeClient, nodes: KubeObject[], everyNode: boolean, signal?: AbortSignal): Promise<KubeObject[]> {
  if (everyNode || nodes.length > PER_NODE_POD_LISTS) {
    return (await listAll<KubeObject>(client, '/api/v1/pods', { fieldSelector: NON_TERMINAL, signal })).items;
  }
  const lists = await Promise.all(
    nodes.map((node) => listAll<KubeObject>(client, '/api/v1/pods', { fieldSelector: `spec.nodeName=${node.metadata.name},${NON_TERMINAL}`, signal })),
  );
  return lists.flatMap((list) => list.items);
}

export async function collectNodeHealth(client: KubeClient, target: NodeTarget & { localNow?: () => Date; staleLeaseSeconds?: number } = {}): Promise<ClusterHealth> {
  const everyNode = !(target.names?.length) && !target.selector;
  const [nodes, leases, { version, serverDate }] = await Promise.all([
    resolveNodes(client, target),
    listAll<KubeObject>(client, '/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases', { signal: target.signal }).then((list) => list.items),
    serverVersionAndClock(client, target.signal),
  ]);
  const pods = await podsFor(client, nodes, everyNode, target.signal);
  const clock = serverDate ?? (target.localNow ?? (() => new Date()))();
  const reference = referenceTime(clock, leases);
  const reports = evaluateCluster({ nodes, leases, pods, server: serverMinorVersion(version), now: reference.now, staleLeaseSeconds: target.staleLeaseSeconds });
  return {
    reports,
    serverVersion: version,
    observedAt: reference.now,
    clock: serverDate ? 'server' : 'local',
    heartbeatsAheadSeconds: reference.aheadSeconds,
    healthy: reports.every((report) => report.healthy),
  };
}
