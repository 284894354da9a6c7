// Waiting for a cluster to settle and rehearsing a node's reboot: what a maintenance walkthrough on the
// sandbox needs between its steps. Each wait polls the API and gives up with a message naming what it saw.

import type { KubeClient } from '../../kube/client.ts';
import { sleep } from '../../kube/client.ts';
import { listAll } from '../../kube/list.ts';
import { mergePatch } from '../../kube/patch.ts';
import type { KubeObject } from '../../domain/object.ts';
import { nodePath } from './nodes.ts';

const POLL_MS = 250;

export class WaitTimeout extends Error {}

/** Polls `check` until it returns undefined (done) or the time is up; `check` returns what is still missing. */
export async function waitUntil(check: () => Promise<string | undefined>, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const missing = await check();
    if (missing === undefined) return;
    if (Date.now() >= until) throw new WaitTimeout(`gave up after ${Math.round(timeoutMs / 1000)}s: ${missing}`);
    await sleep(POLL_MS, signal);
  }
}

/** Deployments, StatefulSets and DaemonSets whose Ready count is below what they want, as "kind ns/name 1/2". */
export async function unreadyWorkloads(client: KubeClient, signal?: AbortSignal): Promise<string[]> {
  const kinds = [
    { path: '/apis/apps/v1/deployments', kind: 'deployment', want: (o: KubeObject) => Number(o.spec?.replicas ?? 1) },
    { path: '/apis/apps/v1/statefulsets', kind: 'statefulset', want: (o: KubeObject) => Number(o.spec?.replicas ?? 1) },
    { path: '/apis/apps/v1/daemonsets', kind: 'daemonset', want: (o: KubeObject) => Number(o.status?.desiredNumberScheduled ?? 0) },
  ];
  const lists = await Promise.all(kinds.map((k) => listAll<KubeObject>(client, k.path, { signal })));
  const unready: string[] = [];
  kinds.forEach((k, i) => {
    for (const object of lists[i].items) {
      const ready = Number((k.kind === 'daemonset' ? object.status?.numberReady : object.status?.readyReplicas) ?? 0);
      if (ready < k.want(object)) unready.push(`${k.kind} ${object.metadata.namespace}/${object.metadata.name} ${ready}/${k.want(object)}`);
    }
  });
  return unready;
}

export async function waitForWorkloadsReady(client: KubeClient, timeoutMs: number, signal?: AbortSignal): Promise<void> {
  await waitUntil(async () => {
    const unready = await unreadyWorkloads(client, signal);
    return unready.length === 0 ? undefined : `not Ready yet: ${unready.join(', ')}`;
  }, timeoutMs, signal);
}

function readyCondition(node: KubeObject): { status?: string; lastHeartbeatTime?: string } | undefined {
  return (node.status?.conditions ?? []).find((condition: { type?: string }) => condition.type === 'Ready');
}

/**
 * Reboots a simulated sandbox node (annotation sandbox.kmaint.io/reboot) and waits until it is Ready again
 * with a new boot id. Returns the old and new boot ids.
 */
export async function rehearseReboot(client: KubeClient, name: string, timeoutMs: number, signal?: AbortSignal): Promise<{ before: string; after: string }> {
  const before = (await client.request<KubeObject>('GET', nodePath(name), { signal })).status?.nodeInfo?.bootID ?? '';
  await mergePatch(client, nodePath(name), { metadata: { annotations: { 'sandbox.kmaint.io/reboot': new Date().toISOString() } } }, { fieldManager: 'kmaint-demo', signal });
  let after = before;
  await waitUntil(async () => {
    const node = await client.request<KubeObject>('GET', nodePath(name), { signal });
    after = node.status?.nodeInfo?.bootID ?? '';
    if (after === before) return `node ${name} has not rebooted yet (boot id ${before})`;
    return readyCondition(node)?.status === 'True' ? undefined : `node ${name} rebooted but is not Ready yet`;
  }, timeoutMs, signal);
  return { before, after };
}
