// Which nodes a node command acts on: named ones (each must exist) or those a label selector matches.

import type { KubeClient } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import { listAll } from '../../kube/list.ts';
import type { KubeObject } from '../../domain/object.ts';

export class NodeNotFoundError extends Error {
  constructor(readonly names: string[]) {
    super(`${names.length === 1 ? `node "${names[0]}" not found` : `nodes ${names.map((n) => `"${n}"`).join(', ')} not found`}; see: kmaint node ls`);
  }
}

export class NoNodesMatchError extends Error {
  constructor(readonly selector: string) {
    super(`no nodes match the label selector "${selector}"; see: kubectl get nodes --show-labels`);
  }
}

/** Named nodes up to this many are looked up one by one; more are found in one list of all nodes. */
const MAX_NODE_GETS = 20;

export function nodePath(name: string): string {
  return `/api/v1/nodes/${encodeURIComponent(name)}`;
}

export interface NodeTarget {
  /** node names; every one must exist */
  names?: string[];
  /** a label selector; used when no names are given */
  selector?: string;
  signal?: AbortSignal;
}

/**
 * The nodes, in the order named (or by name for a selector). Every name is looked up before anything is done,
 * so an unknown one fails the whole command, as in kubectl.
 */
export async function resolveNodes(client: KubeClient, target: NodeTarget): Promise<KubeObject[]> {
  const names = [...new Set(target.names ?? [])];
  if (names.length > MAX_NODE_GETS) {
    // one list instead of hundreds of GETs at once (each on a connection of its own)
    const { items } = await listAll<KubeObject>(client, '/api/v1/nodes', { signal: target.signal });
    const byName = new Map(items.map((node) => [node.metadata.name, node]));
    const missing = names.filter((name) => !byName.has(name));
    if (missing.length > 0) throw new NodeNotFoundError(missing);
    return names.map((name) => byName.get(name) as KubeObject);
  }
  if (names.length > 0) {
    const found = await Promise.all(
      names.map(async (name) => {
        try {
          return await client.request<KubeObject>('GET', nodePath(name), { signal: target.signal });
        } catch (error) {
          if (isNotFound(error)) return undefined;
          throw error;
        }
      }),
    );
    const missing = names.filter((_, i) => !found[i]);
    if (missing.length > 0) throw new NodeNotFoundError(missing);
    return found as KubeObject[];
  }
  const { items } = await listAll<KubeObject>(client, '/api/v1/nodes', { labelSelector: target.selector, signal: target.signal });
  if (target.selector && items.length === 0) throw new NoNodesMatchError(target.selector);
  return items.sort((a, b) => ((a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1));
}
