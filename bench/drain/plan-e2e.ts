// `kmaint node drain --plan` end to end, as an operator runs it: the CLI against an API server that holds the
// `large` scenario's shape (the snapshot of plan-large.ts, written straight into an API-only sandbox: bound,
// Running pods, no controllers or kubelets to move them), timed from the command's start to its exit, with
// its peak RSS. Reading the snapshot (150,000 pods over HTTPS) is included, which the planner figures leave
// out. Used by bench/drain.ts with --plan-e2e.

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject } from '../../src/domain/object.ts';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { largeSnapshot } from './plan-large.ts';

export interface PlanRun {
  targets: number;
  exitCode: number;
  seconds: number;
  peakRssBytes: number;
  verdict: string;
}

export interface PlanServer {
  sandbox: Sandbox;
  kubeconfig: string;
  nodeNames: string[];
  loadSeconds: number;
  close(): Promise<void>;
}

/** An API-only sandbox holding the large snapshot; owner references point at the uids the server gave. */
export async function largePlanServer(): Promise<PlanServer> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'kmaint-bench-plan-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ apiOnly: true, kubeconfigPath: kubeconfig });
  const snapshot = largeSnapshot();
  const { service } = sandbox;
  const registry = service.registry;
  const create = (object: KubeObject): KubeObject => {
    const type = registry.byKind(object.apiVersion as string, object.kind as string);
    if (!type) throw new Error(`no ${object.kind} in the sandbox`);
    return service.create(type, type.namespaced ? (object.metadata.namespace as string) : '', object, { bodyOwned: true });
  };
  const namespaces = new Set(snapshot.pods.map((pod) => pod.metadata.namespace as string));
  for (const name of namespaces) create({ apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
  for (const node of snapshot.nodes) create(node);
  const uids = new Map<string, string>();
  const remap = (object: KubeObject): void => {
    for (const ref of object.metadata.ownerReferences ?? []) ref.uid = uids.get(ref.uid) ?? ref.uid;
  };
  for (const workload of snapshot.workloads ?? []) {
    const labels = workload.spec.selector.matchLabels;
    workload.spec.template ??= { metadata: { labels }, spec: { containers: [{ name: 'app', image: 'registry.k8s.io/pause:3.10' }] } };
    const generated = workload.metadata.uid as string;
    delete workload.metadata.uid;
    remap(workload);
    uids.set(generated, create(workload).metadata.uid as string);
  }
  for (const pdb of snapshot.pdbs ?? []) create(pdb);
  let written = 0;
  for (const pod of snapshot.pods) {
    delete pod.metadata.uid;
    remap(pod);
    create(pod);
    // let the server's event loop breathe
    if (++written % 10_000 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
  return {
    sandbox,
    kubeconfig,
    nodeNames: snapshot.nodes.map((node) => node.metadata.name as string),
    loadSeconds: (performance.now() - started) / 1000,
    async close() {
      await sandbox.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Runs the CLI's --plan for these nodes under /usr/bin/time (peak RSS), to its exit. */
export function planThroughCli(cli: string, server: PlanServer, targets: string[]): Promise<PlanRun> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn('/usr/bin/time', ['-f', 'peak-rss-kib %M', process.execPath, cli, 'node', 'drain', ...targets, '--plan', '--ignore-daemonsets', '--kubeconfig', server.kubeconfig, '-o', 'json'], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: tmpdir(), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => {
      const seconds = (performance.now() - started) / 1000;
      const rss = /peak-rss-kib (\d+)/.exec(stderr);
      let verdict = 'unknown';
      try {
        verdict = JSON.parse(stdout).verdict ?? verdict;
      } catch {
        verdict = `no plan (${stderr.trim().split('\n')[0] ?? ''})`;
      }
      resolve({ targets: targets.length, exitCode: code ?? 1, seconds, peakRssBytes: rss ? Number(rss[1]) * 1024 : NaN, verdict });
    });
  });
}
