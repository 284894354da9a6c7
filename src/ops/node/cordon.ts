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
  // the nodes are patched together (a drain of many nodes cordons them all first) and reported in order
  const outcomes = await Promise.all(
    nodes.map(async (node): Promise<{ name: string; type: CordonEvent['type']; error?: string }> => {
      const name = node.metadata.name as string;
      if (isCordoned(node) === (action === 'cordon')) return { name, type: 'unchanged' };
      if (dryRun === 'client') return { name, type: 'changed' };
      try {
        // the patch sets one field whatever the node's version: a conflict or server error of a moment is tried again
        await withRetries(() => strategicMergePatch(client, nodePath(name), cordonPatch(action), { dryRun: dryRun === 'server', fieldManager: options.fieldManager ?? 'kmaint-cordon', signal: target.signal }), { conflicts: true, signal: target.signal });
        return { name, type: 'changed' };
      } catch (error) {
        return { name, type: 'failed', error: error instanceof Error ? error.message : String(error) };
      }
    }),
  );
  for (const { name, type, error } of outcomes) {
    if (type === 'failed') {
      result.failed.push({ node: name, error: error as string });
      emit({ type, node: name, action, dryRun, error: error as string });
    } else {
      (type === 'changed' ? result.changed : result.unchanged).push(name);
      emit({ type, node: name, action, dryRun });
    }
  }
  return result;
}
