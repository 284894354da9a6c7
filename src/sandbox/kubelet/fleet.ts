// Simulated kubelets: one per simulated node, renewing Leases, reporting node status and running pods.

import type { ClusterContext } from '../controllers/context.ts';
import type { Stop } from '../controllers/index.ts';

export function startKubelets(_ctx: ClusterContext): Stop {
  return () => {};
}
