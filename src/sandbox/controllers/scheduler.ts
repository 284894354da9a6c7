// The sandbox's the scheduler: binds pending pods to nodes with the shared placement logic (src/domain/placement.ts).

import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';

export function startScheduler(_ctx: ClusterContext): Stop {
  return () => {};
}
