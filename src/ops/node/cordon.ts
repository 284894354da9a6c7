// cordon/uncordon as kubectl does it: look every node up first, skip those already in the wanted state, send
// the strategic merge patch kubectl sends ({"spec":{"unschedulable":true}}, or null to uncordon), and report
// each node as an event; a failure on one node does not stop the others.

import type { KubeClient } from '../../kube/client.ts';
import { strategicMergePatch } from '../../kube/patch.ts';
import { withRetries } from '../../kube/retry.ts';
import type { KubeObject } from '../../domain/object.ts';
import { nodePath, resolveNodes, type NodeTarget } from './nodes.ts';

export type CordonAction = 'cordon' | 'uncordon';
/** none: change the node; client: change nothing, say what would change; server: send it with dryRun=All */
export type DryRun = 'none' | 'client' | 'server';

export type CordonEvent =
  | { type: 'changed'; node: string; action: CordonAction; dryRun: DryRun }
  | { type: 'unchanged'; node: string; action: CordonAction; dryRun: DryRun }
  | { type: 'failed'; node: string; action: CordonAction; dryRun: DryRun; error: string };

export interface CordonResult {
  events: CordonEvent[];
  changed: string[];
  unchanged: string[];
  failed: Array<{ node: string; error: string }>;
}

/** The patch kubectl's CordonHelper computes: unschedulable true, or removed (null) to uncordon. */
export function cordonPatch(action: CordonAction): { spec: { unschedulable: true | null } } {
  return { spec: { unschedulable: action === 'cordon' ? true : null } };
}

export function isCordoned(node: KubeObject): boolean {
  return node.spec?.unschedulable === true;
}

export async function setSchedulable(
  client: KubeClient,
  target: NodeTarget,
  action: CordonAction,
  options: { dryRun?: DryRun; onEvent?: (event: CordonEvent) => void; fieldManager?: string } = {},
): Promise<CordonResult> {
  const dryRun = options.dryRun ?? 'none';
  const nodes = await resolveNodes(client, target);
  const result: CordonResult = { events: [], changed: [], unchanged: [], failed: [] };
  const emit = (event: CordonEvent): void => {
    result.events.push(event);
    options.onEvent?.(event);
  };
  for (const node of nodes) {
    const name = node.metadata.name as string;
    if (isCordoned(node) === (action === 'cordon')) {
      result.unchanged.push(name);
      emit({ type: 'unchanged', node: name, action, dryRun });
      continue;
    }
    if (dryRun !== 'client') {
      try {
        // the patch sets one field whatever the node's version: a conflict or server error of a moment is tried again
        await withRetries(() => strategicMergePatch(client, nodePath(name), cordonPatch(action), { dryRun: dryRun === 'server', fieldManager: options.fieldManager ?? 'kmaint-cordon', signal: target.signal }), { conflicts: true, signal: target.signal });
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        result.failed.push({ node: name, error: message });
        emit({ type: 'failed', node: name, action, dryRun, error: message });
        continue;
      }
    }
    result.changed.push(name);
    emit({ type: 'changed', node: name, action, dryRun });
  }
  return result;
}
