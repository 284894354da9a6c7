// `npm run bench -- cluster`: the sandbox cluster at scale, each figure against its goal.
//
//   1. The `large` scenario (5,000 nodes, 1,000 Deployments x 150 replicas) from start to all 150,000 pods
//      Running and Ready: goal <= 180 s. Timed from before startSandbox (scenario load included); the phases
//      (scenario loaded, all pods created, bound, Running) are reported beside it.
//   2. The scheduler's throughput at 5,000 nodes: once the large cluster is at rest (every Deployment reports
//      all its replicas available, so its controllers are idle, as on a running cluster), 10,000 more pods are
//      created at once (synchronously, so none is scheduled while they are being written) and timed until the
//      last is bound: goal >= 1,000 pods/s. The bind rate during phase 1 is reported beside it, where the
//      scheduler also waits for the ReplicaSet controller.
//
// Everything runs in this process: progress is read from the store's change feed (the spec.nodeName and
// status.phase every pod entry carries for field selectors), which costs no parsing. Beside each figure, the CPU
// seconds the process used (all threads): other processes on a shared machine stretch elapsed time far more.
// Flags: --quick (500 nodes, 15,000 pods: to try it out, not for figures), --profile (CPU profiles per phase
// under .cache/bench-profiles/, summaries in the JSON), --time-scale=N (default 1), and --nodes=N,
// --deployments=N, --replicas=N, --burst-pods=N, --timeout-seconds=N for other sizes.

import { Session } from 'node:inspector/promises';
import { mkdir, writeFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.ts';
import { readScenario } from '../src/sandbox/scenarios/loader.ts';
import { parseEntry } from '../src/sandbox/apiserver/store.ts';
import { summarizeProfile, type ProfileSummary } from './apiserver/profile.ts';
import { environment, figure, numericOverrides, type BenchOptions, type BenchResult } from './report.ts';

export const CLUSTER_INPUTS = { nodes: 5000, deployments: 1000, replicas: 150, namespaces: 20, burstPods: 10_000, timeScale: 1, timeoutSeconds: 600 };
const QUICK_INPUTS: Partial<typeof CLUSTER_INPUTS> = { nodes: 500, deployments: 100, namespaces: 5, burstPods: 2000 };

const GOALS = {
  largeSeconds: { op: '<=', value: 180 },
  schedulerPodsPerSecond: { op: '>=', value: 1000 },
} as const;

const here = dirname(fileURLToPath(import.meta.url));
const PROFILE_DIR = join(here, '..', '.cache', 'bench-profiles');

/** Counts pods created, bound and running from the store's change feed. */
class PodTally {
  created = 0;
  bound = 0;
  running = 0;
  firstBindAt = 0;
  lastBindAt = 0;
  createdAllAt = 0;
  boundAllAt = 0;
  runningAllAt = 0;
  private readonly waiters: Array<{ test: () => boolean; resolve: () => void }> = [];

  constructor(
    sandbox: Sandbox,
    private readonly namespacePrefix: string,
    private readonly target: number,
    private readonly t0: number,
  ) {
    for (const [resource, , entry] of sandbox.service.store.allObjects()) {
      if (resource === 'core/pods' && entry.namespace.startsWith(namespacePrefix)) this.count(undefined, entry.fields);
    }
    sandbox.service.store.watch('core/pods', (event) => {
      if (!event.entry.namespace.startsWith(this.namespacePrefix)) return;
      if (event.type === 'DELETED') return;
      this.count(event.type === 'ADDED' ? undefined : event.previous?.fields, event.entry.fields);
    });
  }

  private count(before: Record<string, string> | undefined, after: Record<string, string>): void {
    const now = performance.now() - this.t0;
    if (!before) {
      this.created++;
      if (this.created === this.target) this.createdAllAt = now;
    }
    if (!before?.['spec.nodeName'] && after['spec.nodeName']) {
      this.bound++;
      if (!this.firstBindAt) this.firstBindAt = now;
      this.lastBindAt = now;
      if (this.bound === this.target) this.boundAllAt = now;
    }
    if (before?.['status.phase'] !== 'Running' && after['status.phase'] === 'Running') {
      this.running++;
      if (this.running === this.target) this.runningAllAt = now;
    }
    if (this.waiters.length > 0) {
      for (const waiter of [...this.waiters]) {
        if (waiter.test()) {
          this.waiters.splice(this.waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    }
  }

  until(test: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what()}`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(timer), resolve()) });
    });
  }
}

/** Until every Deployment reports all its replicas available and up to date: the cluster at rest. */
async function untilDeploymentsAvailable(sandbox: Sandbox, timeoutMs: number): Promise<number> {
  const started = performance.now();
  for (;;) {
    const deployments = sandbox.service.store.list('apps/deployments').entries.map(parseEntry);
    const waiting = deployments.filter((d) => (d.status?.availableReplicas ?? 0) !== d.spec?.replicas || (d.status?.updatedReplicas ?? 0) !== d.spec?.replicas);
    if (waiting.length === 0) return performance.now() - started;
    if (performance.now() - started > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${waiting.length} Deployments to be available`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/**
 * CPU time of this process (every thread) since `start`: on a shared machine, a steadier figure to compare two
 * versions by than elapsed time, which other processes stretch.
 */
function cpuSecondsSince(start: NodeJS.CpuUsage): number {
  const used = process.cpuUsage(start);
  return Math.round((used.user + used.system) / 1000) / 1000;
}

async function profiled<T>(enabled: boolean, name: string, summaries: Record<string, ProfileSummary>, work: () => Promise<T>): Promise<T> {
  if (!enabled) return work();
  const session = new Session();
  session.connect();
  await session.post('Profiler.enable');
  await session.post('Profiler.setSamplingInterval', { interval: 1000 });
  await session.post('Profiler.start');
  try {
    return await work();
  } finally {
    const { profile } = (await session.post('Profiler.stop')) as { profile: any };
    session.disconnect();
    await mkdir(PROFILE_DIR, { recursive: true });
    const file = join(PROFILE_DIR, `cluster-${name}.cpuprofile`);
    await writeFile(file, JSON.stringify(profile));
    summaries[name] = summarizeProfile(profile, 20);
    console.error(`  profile: ${file}`);
  }
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const flags = options.flags;
  // --nodes=N --deployments=N --replicas=N --burst-pods=N --time-scale=N --timeout-seconds=N override one input each
  const overrides = numericOverrides(flags, CLUSTER_INPUTS);
  const inputs = { ...CLUSTER_INPUTS, ...(flags.includes('--quick') ? QUICK_INPUTS : {}), ...overrides };
  const profile = flags.includes('--profile');
  const profiles: Record<string, ProfileSummary> = {};
  const env = environment();
  const startedAt = new Date();
  const target = inputs.deployments * inputs.replicas;
  const scenario = readScenario('large', { nodes: String(inputs.nodes), deployments: String(inputs.deployments), replicas: String(inputs.replicas), namespaces: String(inputs.namespaces) });
  const log = (message: string): void => console.error(`[cluster ${((performance.now() - t0) / 1000).toFixed(1)} s] ${message}`);

  // 1. the large scenario, start to all pods Running
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  let largeCpuSeconds = NaN;
  let sandbox: Sandbox | undefined;
  let tally: PodTally | undefined;
  let loadedAt = 0;
  const progress = setInterval(() => {
    if (tally) log(`created ${tally.created}, bound ${tally.bound}, running ${tally.running} of ${target}; rss ${(process.memoryUsage().rss / 2 ** 30).toFixed(2)} GiB`);
  }, 5000);
  let largeError: string | undefined;
  let settleMs = NaN;
  let burst: { created: number; createMs: number; bindSeconds: number; podsPerSecond: number; cpuSeconds: number } | undefined;
  try {
    await profiled(profile, 'large', profiles, async () => {
      sandbox = await startSandbox({ scenario, timeScale: inputs.timeScale });
      loadedAt = performance.now() - t0;
      tally = new PodTally(sandbox, 'team-', target, t0);
      log(`scenario loaded: ${sandbox.scenario?.created} objects`);
      await tally.until(() => tally!.running >= target, inputs.timeoutSeconds * 1000, () => `${target} pods Running (${tally!.running} are)`);
    });
    largeCpuSeconds = cpuSecondsSince(cpu0);
    log(`all ${target} pods Running; ${largeCpuSeconds.toFixed(1)} s of CPU`);
    settleMs = await untilDeploymentsAvailable(sandbox!, inputs.timeoutSeconds * 1000);
    log(`all ${inputs.deployments} Deployments available ${(settleMs / 1000).toFixed(1)} s later`);

    // 2. the scheduler alone: a burst of pending pods on the running cluster
    await profiled(profile, 'scheduler', profiles, async () => {
      const service = sandbox!.service;
      const pods = service.registry.get('', 'v1', 'pods')!;
      const namespaces = service.registry.get('', 'v1', 'namespaces')!;
      service.create(namespaces, '', { metadata: { name: 'burst' } });
      const tb = performance.now();
      const cpuBurst = process.cpuUsage();
      const burstTally = new PodTally(sandbox!, 'burst', inputs.burstPods, tb);
      for (let i = 0; i < inputs.burstPods; i++) {
        service.create(pods, 'burst', {
          metadata: { name: `burst-${i}`, labels: { app: 'burst' } },
          spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.9', resources: { requests: { cpu: '10m', memory: '16Mi' } } }] },
        }, { bodyOwned: true });
      }
      const createMs = performance.now() - tb;
      await burstTally.until(() => burstTally.bound >= inputs.burstPods, inputs.timeoutSeconds * 1000, () => `${inputs.burstPods} burst pods bound (${burstTally.bound} are)`);
      const bindSeconds = (burstTally.lastBindAt - createMs) / 1000;
      burst = { created: inputs.burstPods, createMs, bindSeconds, podsPerSecond: inputs.burstPods / bindSeconds, cpuSeconds: cpuSecondsSince(cpuBurst) };
      log(`scheduler: ${inputs.burstPods} pods bound in ${bindSeconds.toFixed(2)} s after their creation (${burst.podsPerSecond.toFixed(0)} pods/s)`);
    });
  } catch (error) {
    largeError = (error as Error).message;
    log(largeError);
  } finally {
    clearInterval(progress);
  }
  const rssGiB = process.memoryUsage().rss / 2 ** 30;
  await sandbox?.stop();

  const t = tally;
  const seconds = (ms: number): number => Math.round(ms) / 1000;
  const largeSeconds = t?.runningAllAt ? t.runningAllAt / 1000 : NaN;
  const phase1Rate = t && t.lastBindAt > t.firstBindAt ? t.bound / ((t.lastBindAt - t.firstBindAt) / 1000) : NaN;
  const figures = [
    figure('largeSeconds', `large scenario (${inputs.nodes} nodes) to ${target.toLocaleString('en-US')} pods Running`, largeSeconds, 's', GOALS.largeSeconds, {
      scenarioLoadedSeconds: seconds(loadedAt),
      allCreatedSeconds: seconds(t?.createdAllAt ?? NaN),
      allBoundSeconds: seconds(t?.boundAllAt ?? NaN),
      allRunningSeconds: seconds(t?.runningAllAt ?? NaN),
      cpuSeconds: largeCpuSeconds,
      reached: t ? { created: t.created, bound: t.bound, running: t.running } : undefined,
      error: largeError,
    }),
    figure('schedulerPodsPerSecond', `scheduler throughput at ${inputs.nodes} nodes (${inputs.burstPods.toLocaleString('en-US')} pending pods)`, burst?.podsPerSecond ?? NaN, 'pods/s', GOALS.schedulerPodsPerSecond, {
      ...burst,
      deploymentsAvailableSecondsAfterRunning: seconds(settleMs),
      bindRateDuringLargeScenario: Math.round(phase1Rate),
    }),
  ];
  env.loadAverage.after = loadavg()[0];
  return {
    name: 'cluster',
    command: `npm run bench -- cluster${flags.length ? ' ' + flags.join(' ') : ''}`,
    startedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - t0) / 1000,
    environment: env,
    inputs,
    figures,
    ratios: { largeSecondsToGoal: largeSeconds / GOALS.largeSeconds.value, schedulerRateToGoal: (burst?.podsPerSecond ?? NaN) / GOALS.schedulerPodsPerSecond.value },
    details: { rssGiBAtEnd: Math.round(rssGiB * 100) / 100, ...(profile ? { profiles } : {}) },
    pass: figures.every((f) => f.pass),
  };
}
