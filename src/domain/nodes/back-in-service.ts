// Is a node back after the work on it? After the maintenance command, a Ready condition alone proves little:
// it may be the status posted before the node went down. The kubelet proves it is alive by renewing its Lease
// (kube-node-lease, every 10 s); so the node counts as back when it is Ready AND its Lease was renewed after
// the command finished — and, when the command reboots it, when it reports a new boot id.

import type { KubeObject } from '../object.ts';

export type BackInService =
  | { back: true; leaseRenewedAtMs: number; rebooted: boolean }
  | { back: false; waitingFor: string };

export interface BackInServiceInput {
  node: KubeObject;
  /** the node's Lease in kube-node-lease (undefined: none yet) */
  lease?: KubeObject;
  /** the API server's time when the command finished; the heartbeat must be later */
  sinceMs: number;
  /** status.nodeInfo.bootID before the command ran */
  bootIdBefore?: string;
  /** the command reboots the node: wait for a new boot id too */
  expectReboot?: boolean;
}

function readyCondition(node: KubeObject): { status?: string; reason?: string; message?: string } | undefined {
  return (node.status?.conditions ?? []).find((c: any) => c?.type === 'Ready');
}

export function bootId(node: KubeObject): string | undefined {
  return node.status?.nodeInfo?.bootID || undefined;
}

function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export function backInService(input: BackInServiceInput): BackInService {
  const { node, lease, sinceMs } = input;
  const ready = readyCondition(node);
  if (ready?.status !== 'True') {
    const state = ready?.status === 'False' ? 'NotReady' : 'Unknown';
    const why = ready?.reason ? ` (${ready.reason}${ready.message ? `: ${ready.message}` : ''})` : '';
    return { back: false, waitingFor: `Ready: the node is ${state}${why}` };
  }
  const renewed = Date.parse(lease?.spec?.renewTime ?? '');
  if (Number.isNaN(renewed)) return { back: false, waitingFor: 'a heartbeat: the node has no Lease in kube-node-lease yet' };
  if (renewed <= sinceMs) return { back: false, waitingFor: `a heartbeat after ${iso(sinceMs)}: its Lease was last renewed at ${iso(renewed)}` };
  const now = bootId(node);
  const rebooted = !!input.bootIdBefore && !!now && now !== input.bootIdBefore;
  if (input.expectReboot && !rebooted) return { back: false, waitingFor: `a reboot: the boot id is still ${now ?? 'unknown'} (--expect-reboot)` };
  return { back: true, leaseRenewedAtMs: renewed, rebooted };
}

/** What keeps a node from being in service once uncordoned: not Ready, or still unschedulable. Empty when fine. */
export function serviceProblems(node: KubeObject): string[] {
  const problems: string[] = [];
  const ready = readyCondition(node);
  if (ready?.status !== 'True') problems.push(`not Ready (Ready is ${ready?.status ?? 'missing'}${ready?.reason ? `: ${ready.reason}` : ''})`);
  if (node.spec?.unschedulable === true) problems.push('still cordoned (spec.unschedulable is true)');
  return problems;
}
