// The sandbox's workload controllers: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job, CronJob.

import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';

export function startWorkloadControllers(_ctx: ClusterContext): Stop {
  return () => {};
}
