// The sandbox's cluster services: disruption (PDB status), garbage collection, endpoints, HPA.

import type { ClusterContext } from './context.ts';
import { startDisruptionController } from './disruption.ts';
import { startEndpointsController } from './endpoints.ts';
import { startGarbageCollector } from './garbagecollector.ts';
import { startHorizontalPodAutoscaler } from './hpa.ts';
import type { Stop } from './index.ts';

export function startClusterServices(ctx: ClusterContext): Stop {
  const stops: Stop[] = [startGarbageCollector(ctx), startDisruptionController(ctx), startEndpointsController(ctx), startHorizontalPodAutoscaler(ctx)];
  return () => {
    for (const stop of stops.reverse()) stop();
  };
}
