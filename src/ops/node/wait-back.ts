// Waits until a node is back after the maintenance command: Ready, its Lease renewed after the command finished
// (and a new boot id with --expect-reboot), judged by domain/nodes/back-in-service.ts. Polls the Node and its
// Lease; the time limit is in the API server's time, like the heartbeats it waits for.

import type { KubeClient } from '../../kube/client.ts';
import { sleep } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeObject } from '../../domain/object.ts';
import { backInService } from '../../domain/nodes/back-in-service.ts';
import { formatGoDuration } from '../../domain/duration.ts';
import { nodePath } from './nodes.ts';
import type { ServerClock } from './server-clock.ts';

const POLL_MS = 500;

export class NotBackError extends Error {}

export interface WaitBackOptions {
  /** server time (ms) when the command finished */
  sinceMs: number;
  bootIdBefore?: string;
  expectReboot?: boolean;
  /** give up after this long, in server time */
  timeoutMs: number;
  signal?: AbortSignal;
  /** what it is waiting for, each time that changes */
  onWaiting?: (waitingFor: string) => void;
}

export function nodeLeasePath(node: string): string {
  return `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(node)}`;
}

async function leaseOf(client: KubeClient, node: string, signal?: AbortSignal): Promise<KubeObject | undefined> {
  try {
    return await client.request<KubeObject>('GET', nodeLeasePath(node), { signal });
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export async function waitUntilBack(client: KubeClient, clock: ServerClock, node: string, options: WaitBackOptions): Promise<{ leaseRenewedAtMs: number; rebooted: boolean }> {
  const { signal } = options;
  let last: string | undefined;
  for (;;) {
    const [current, lease] = await Promise.all([client.request<KubeObject>('GET', nodePath(node), { signal }), leaseOf(client, node, signal)]);
    const verdict = backInService({ node: current, lease, sinceMs: options.sinceMs, bootIdBefore: options.bootIdBefore, expectReboot: options.expectReboot });
    if (verdict.back) return verdict;
    if (verdict.waitingFor !== last) {
      last = verdict.waitingFor;
      options.onWaiting?.(verdict.waitingFor);
    }
    if ((await clock.now(signal)) - options.sinceMs > options.timeoutMs) {
      throw new NotBackError(`node "${node}" was not back within ${formatGoDuration(options.timeoutMs)} (--ready-timeout) after the command finished: still waiting for ${verdict.waitingFor}`);
    }
    await sleep(POLL_MS, signal);
  }
}
