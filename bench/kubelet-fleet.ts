// The simulated kubelet fleet's idle cost: 5,000 simulated nodes with no pods, their Lease renewals and status
// reports plus the node lifecycle controller watching them. Prints writes per second and CPU share, per time scale.
// node --import tsx bench/kubelet-fleet.ts [nodes] [seconds]

import { startSandbox } from '../src/sandbox/sandbox.ts';
import { createClusterContext, type ClusterContext } from '../src/sandbox/controllers/context.ts';
import { KubeletFleet } from '../src/sandbox/kubelet/fleet.ts';
import { startNodeLifecycle } from '../src/sandbox/controllers/nodelifecycle.ts';

const nodes = Number(process.argv[2] ?? 5000);
const seconds = Number(process.argv[3] ?? 20);

async function measure(timeScale: number): Promise<Record<string, number>> {
  const sandbox = await startSandbox({ apiOnly: true, timeScale });
  const { service, clock, logs } = sandbox;
  const ctx: ClusterContext = createClusterContext(service, clock, { logs });
  const fleet = new KubeletFleet(ctx);
  const stops = [fleet.start(), startNodeLifecycle(ctx)];
  const writes = { leases: 0, nodes: 0, events: 0 };
  service.store.watch('coordination.k8s.io/leases', () => writes.leases++);
  service.store.watch('core/nodes', () => writes.nodes++);
  service.store.watch('core/events', () => writes.events++);

  const createStart = performance.now();
  for (let i = 0; i < nodes; i++) service.create(ctx.types.nodes, '', { metadata: { name: `node-${i}`, annotations: { 'sandbox.kmaint.io/simulated': 'true' } } });
  const ready = (): number => service.store.list('core/nodes').entries.filter((e) => e.json.includes('"KubeletReady"')).length;
  while (ready() < nodes) await new Promise((r) => setTimeout(r, 100));
  const readyMs = performance.now() - createStart;
  // settle past the first round of heartbeats, then measure an idle window
  await new Promise((r) => setTimeout(r, 12_000 / timeScale + 1000));
  writes.leases = writes.nodes = writes.events = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const sim0 = clock.nowMs();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  const elapsed = (performance.now() - t0) / 1000;
  const simElapsed = (clock.nowMs() - sim0) / 1000;
  const result = {
    timeScale,
    nodes,
    allReadyMs: Math.round(readyMs),
    realSeconds: Math.round(elapsed * 10) / 10,
    leaseWritesPerRealSecond: Math.round(writes.leases / elapsed),
    leaseWritesPerSimSecond: Math.round(writes.leases / simElapsed),
    nodeWritesPerRealSecond: Math.round((writes.nodes / elapsed) * 10) / 10,
    eventWritesPerRealSecond: Math.round((writes.events / elapsed) * 10) / 10,
    cpuPercentOfOneCore: Math.round(((cpu.user + cpu.system) / 1e6 / elapsed) * 1000) / 10,
    heapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
  };
  for (const stop of stops) stop();
  await sandbox.stop();
  return result;
}

for (const scale of [1, 10]) console.log(JSON.stringify(await measure(scale)));
