// The sandbox's node lifecycle: Unknown after 40 s without a Lease renewal, taints, evictions after toleration seconds.

import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';

export function startNodeLifecycle(_ctx: ClusterContext): Stop {
  return () => {};
}
