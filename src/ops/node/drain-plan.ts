// `node drain --plan`: resolve the target nodes (unknown ones fail the command), read the snapshot, plan.
// Reads only: nothing in the cluster changes.

import type { KubeClient } from '../../kube/client.ts';
import { planDrain, type DrainPlan, type DrainPlanOptions } from '../../domain/drain/plan.ts';
import { resolveNodes, type NodeTarget } from './nodes.ts';
import { readDrainSnapshot } from './snapshot.ts';

export async function planNodeDrain(client: KubeClient, target: NodeTarget, options: DrainPlanOptions, now: Date = new Date()): Promise<DrainPlan> {
  const nodes = await resolveNodes(client, target);
  const snapshot = await readDrainSnapshot(client, { signal: target.signal });
  return planDrain(snapshot, nodes.map((node) => node.metadata.name as string), options, now);
}
