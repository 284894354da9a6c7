// `kmaint node remove`: take a node out of the cluster for good, as the seed runbooks do it (§1.2): drain it,
// delete its Node object, then hand the operator the clean-up to run on the host (domain/nodes/host-cleanup.ts).
// Under the maintenance lock, like every maintenance. Reports events; nothing here prints.

import { setMaxListeners } from 'node:events';
import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import { listAll } from '../../kube/list.ts';
import type { KubeObject } from '../../domain/object.ts';
import { nodeRoles } from '../../domain/nodes/health.ts';
import { hostCleanup, type HostCleanup } from '../../domain/nodes/host-cleanup.ts';
import type { NodeMaintenance } from '../../domain/nodes/rollout.ts';
import { isCordoned } from './cordon.ts';
import { drainNodes, type DrainOptions } from './drain.ts';
import type { MaintainEvent, MaintenanceReport } from './maintain-events.ts';
import { runLocked, type LockedRunOptions } from './maintenance-lock.ts';
import { nodePath, resolveNodes } from './nodes.ts';
import { ServerClock } from './server-clock.ts';

export interface RemovalCandidate {
  node: KubeObject;
  name: string;
  controlPlane: boolean;
  address?: string;
  /** pods bound to it that have not finished */
  pods: number;
}

/** The node to remove, looked up (NodeNotFoundError when there is none) so the operator confirms a real one. */
export async function removalCandidate(client: KubeClient, name: string, signal?: AbortSignal): Promise<RemovalCandidate> {
  const [node] = await resolveNodes(client, { names: [name], signal });
  const roles = nodeRoles(node);
  const pods = await listAll<KubeObject>(client, '/api/v1/pods', { fieldSelector: `spec.nodeName=${name},status.phase!=Succeeded,status.phase!=Failed`, signal });
  return {
    node,
    name,
    pods: pods.items.length,
    controlPlane: roles.includes('control-plane') || roles.includes('master'),
    address: (node.status?.addresses ?? []).find((a: any) => a?.type === 'InternalIP')?.address,
  };
}

export interface RemoveOptions {
  drain: DrainOptions;
  lock: LockedRunOptions;
  signal?: AbortSignal;
  onEvent?: (event: MaintainEvent) => void;
}

export interface RemoveResult {
  report: MaintenanceReport;
  /** what to run on the host, once the Node is deleted */
  cleanup?: HostCleanup;
}

export async function removeNode(client: KubeClient, candidate: RemovalCandidate, options: RemoveOptions): Promise<RemoveResult> {
  const started = Date.now();
  const { name } = candidate;
  const emit = options.onEvent ?? (() => undefined);
  const userSignal = options.signal ?? new AbortController().signal;
  const clock = new ServerClock(client);
  const outcome = await runLocked(client, clock, { ...options.lock, signal: userSignal, onEvent: emit }, async (lock, signal): Promise<NodeMaintenance> => {
    setMaxListeners(0, signal);
    emit({ type: 'step', stage: 'drain', nodes: [name] });
    const drained = await drainNodes(client, { names: [name], signal }, { ...options.drain, parallel: 1, signal, onEvent: (event) => emit({ type: 'drain', event }) });
    const cordoned = async (): Promise<boolean> => isCordoned(await client.request<KubeObject>('GET', nodePath(name)));
    if (drained.status !== 'drained') {
      const state = await cordoned().catch(() => true);
      if (drained.status === 'interrupted' || signal.aborted) return { node: name, outcome: 'stopped', stage: 'drain', reason: signal.reason instanceof Error ? signal.reason.message : 'interrupted', cordoned: state };
      return { node: name, outcome: 'failed', stage: 'drain', error: drained.error ?? 'the drain failed', cordoned: state };
    }
    try {
      await lock.confirm(signal);
      emit({ type: 'step', stage: 'delete', nodes: [name] });
      // the uid precondition: never delete a node of the same name that joined since it was looked up
      await client.request('DELETE', nodePath(name), { body: { apiVersion: 'v1', kind: 'DeleteOptions', preconditions: { uid: candidate.node.metadata.uid } }, signal });
    } catch (error) {
      if (!isNotFound(error)) {
        const state = await cordoned().catch(() => true);
        if (signal.aborted) return { node: name, outcome: 'stopped', stage: 'delete', reason: (error as Error).message, cordoned: state };
        return { node: name, outcome: 'failed', stage: 'delete', error: `unable to delete node "${name}": ${(error as Error).message}`, cordoned: state };
      }
    }
    emit({ type: 'node-deleted', node: name });
    return { node: name, outcome: 'done', rebooted: false, seconds: (Date.now() - started) / 1000 };
  });
  if (outcome.outcome === 'failed') emit({ type: 'node-failed', node: name, stage: outcome.stage, error: outcome.error, cordoned: outcome.cordoned });
  const report: MaintenanceReport = {
    nodes: [outcome],
    status: outcome.outcome === 'done' ? 'done' : userSignal.aborted ? 'interrupted' : 'failed',
    error: outcome.outcome === 'failed' ? outcome.error : outcome.outcome === 'stopped' ? outcome.reason : undefined,
    seconds: (Date.now() - started) / 1000,
  };
  emit({ type: 'done', report });
  return { report, cleanup: outcome.outcome === 'done' ? hostCleanup(name, { address: candidate.address, controlPlane: candidate.controlPlane }) : undefined };
}
