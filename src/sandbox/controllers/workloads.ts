// The sandbox's workload controllers: Deployment, ReplicaSet, ReplicationController, StatefulSet, DaemonSet, Job, CronJob.
// They share one index of pods by controller uid (kept from store events) and one budget of pod writes per turn.

import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { startReplicaSetControllers } from './replicaset.ts';
import { startDeploymentController } from './deployment.ts';
import { startStatefulSetController } from './statefulset.ts';
import { startDaemonSetController } from './daemonset.ts';
import { startJobController } from './job.ts';
import { startCronJobController } from './cronjob.ts';
import { createWorkloadShared } from './workload-support.ts';

export function startWorkloadControllers(ctx: ClusterContext): Stop {
  const shared = createWorkloadShared(ctx);
  const stops: Stop[] = [
    startReplicaSetControllers(ctx, shared),
    startDeploymentController(ctx, shared),
    startStatefulSetController(ctx, shared),
    startDaemonSetController(ctx, shared),
    startJobController(ctx, shared),
    startCronJobController(ctx, shared),
  ];
  return () => {
    for (const stop of stops.reverse()) stop();
    shared.pods.close();
  };
}
