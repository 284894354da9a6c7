// The sandbox's cluster services: disruption (PDB status), garbage collection, endpoints, HPA.

import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';

export function startClusterServices(_ctx: ClusterContext): Stop {
  return () => {};
}
