// Starts the cluster's behaviour on top of the API server: scheduler, controllers and simulated kubelets.

import type { ClusterContext } from './context.ts';
import { startScheduler } from './scheduler.ts';
import { startWorkloadControllers } from './workloads.ts';
import { startClusterServices } from './services.ts';
import { startNodeLifecycle } from './nodelifecycle.ts';
import { startKubelets } from '../kubelet/fleet.ts';

/** Something running that can be stopped. */
export type Stop = () => void;

export function startCluster(ctx: ClusterContext): Stop {
  const stops: Stop[] = [startScheduler(ctx), startWorkloadControllers(ctx), startClusterServices(ctx), startNodeLifecycle(ctx), startKubelets(ctx)];
  return () => {
    for (const stop of stops.reverse()) stop();
  };
}
