// `npm run bench -- drain`: node drains, side by side in one run.
//
// (a) Twenty nodes drained: bench/drain/node-pool-migration.yaml, 20 old workers x 30 pods (40 of them under
//     maxUnavailable-1 budgets, 80 under maxUnavailable 25%, 240 under minAvailable 50%, 240 without a budget)
//     plus a DaemonSet pod each, 5 s (simulated) from a pod's creation to Ready, 10 s grace period used in
//     full; 20 new empty workers take the replacements. On identical fresh sandboxes (time-scale 1: kubectl's
//     1 s deletion poll and 5 s retry after a 429 are real time, so simulated time must be real time too):
//       - kmaint:  `kmaint node drain <20 nodes> --parallel 20 --ignore-daemonsets --delete-emptydir-data`
//       - kubectl: `kubectl cordon <20 nodes>`, then `kubectl drain <node> --ignore-daemonsets
//                  --delete-emptydir-data` for each node in turn: the node-pool migration runbook (GKE's
//                  "cordon the old pool, then drain its nodes one by one"), the best case for kubectl since
//                  no replacement lands on a node still to be drained;
//       - the lower bound that the budgets and timings impose on any tool (bench/drain/lower-bound.ts).
//     Timed from the command's start to its exit (every pod gone, as both tools wait for). Goals: kmaint >= 5x
//     faster than kubectl, and <= 1.2x the lower bound. Also checked from the sandbox's change feed: no budget
//     is ever broken (Ready pods never below what a budget keeps), every node is empty, every replacement Ready.
// (b) `kmaint node drain --plan` on the `large` scenario's shape (5,000 nodes, 150,000 pods): 1 node, and 500
//     nodes (spread: every tenth node; first: nodes 1-500). The planner over a snapshot in memory, in a fresh
//     process per case (bench/drain/plan-large.ts); reading the snapshot from an API server is not timed.
//     Goals: <= 2 s and <= 1.5 GiB peak RSS.
//
// The kmaint under test is bundled with esbuild as scripts/build.mjs bundles the CLI, and run as a process of
// its own, as kubectl is; the sandbox runs in this process.
// Flags: --rounds=N (kmaint drain rounds, default 3; kubectl runs once), --plan-rounds=N (default 2),
//        --skip-kubectl, --skip-drain, --skip-plan, --quick (1 round each, no kubectl: to try it out, not for
//        figures), --profile (CPU profile of each kmaint drain under .cache/bench-profiles/),
//        --plan-e2e (also `--plan` through the CLI against an API server holding the large snapshot, the
//        150,000-pod read included: context figures without a goal; about 2 minutes more).

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KubeObject } from '../src/domain/object.ts';
import { startSandbox, type Sandbox } from '../src/sandbox/sandbox.ts';
import { readScenario, scenarioObjects } from '../src/sandbox/scenarios/loader.ts';
import type { Scenario } from '../src/sandbox/scenarios/format.ts';
import { kubectlPath } from '../test/support/kubectl.ts';
import { summarizeProfileFile, type ProfileSummary } from './apiserver/profile.ts';
import { ClusterWatch } from './drain/cluster-watch.ts';
import { allowedAtOnce, drainLowerBound, type LowerBound } from './drain/lower-bound.ts';
import type { PlanCase, PlanCaseResult } from './drain/plan-large.ts';
import { largePlanServer, planThroughCli } from './drain/plan-e2e.ts';
import { environment, figure, median, numericOverrides, type BenchOptions, type BenchResult, type Figure } from './report.ts';

const here = dirname(fileURLToPath(import.meta.url));
const ROOT = join(here, '..');
const SCENARIO_FILE = join(here, 'drain', 'node-pool-migration.yaml');
const PLAN_SCRIPT = join(here, 'drain', 'plan-large.ts');
const PROFILE_DIR = join(ROOT, '.cache', 'bench-profiles');
const LOG_DIR = join(ROOT, '.cache', 'bench-drain');
const NAMESPACE = 'shop';
const DRAINED_POOL = 'a';

export const DRAIN_INPUTS = { timeScale: 1, rounds: 3, kubectlRounds: 1, planRounds: 2, drainTimeoutSeconds: 900 };

const GOALS = {
  speedup: { op: '>=', value: 5 },
  toLowerBound: { op: '<=', value: 1.2 },
  violations: { op: '==', value: 0 },
  planSeconds: { op: '<=', value: 2 },
  planRssGiB: { op: '<=', value: 1.5 },
} as const;

const KMAINT_FLAGS = ['--parallel', '20', '--ignore-daemonsets', '--delete-emptydir-data'];
const KUBECTL_FLAGS = ['--ignore-daemonsets', '--delete-emptydir-data'];

function log(message: string): void {
  process.stderr.write(`[drain bench ${new Date().toISOString().slice(11, 19)}] ${message}\n`);
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

/** Bundles the CLI as scripts/build.mjs does: the code as it ships. */
async function bundleCli(): Promise<string> {
  const { build } = await import('esbuild');
  // under node_modules so the bundle's external packages resolve from the project
  const outfile = join(ROOT, 'node_modules', '.cache', 'kmaint-bench', 'kmaint.mjs');
  await build({ entryPoints: [join(ROOT, 'src', 'cli', 'main.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', sourcemap: 'linked', logLevel: 'warning' });
  return outfile;
}

interface Exit {
  code: number;
  ms: number;
  output: string;
}

/** Runs a command to its end, its output (both streams) kept for the log. */
function runCommand(command: string, args: string[], env: Record<string, string>): Promise<Exit> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, ms: performance.now() - started, output }));
  });
}

/** The scenario's facts the runs are checked against. */
interface ScenarioFacts {
  scenario: Scenario;
  drained: string[];
  spare: string[];
  pods: number;
  daemonSetPods: number;
  /** app label -> Ready pods its budget must keep */
  mustKeep: Map<string, number>;
  /** budget name -> disruptions allowed at full health */
  allowed: Map<string, number>;
  gracePeriodSeconds: number;
}

function scenarioFacts(scenario: Scenario): ScenarioFacts {
  const objects = scenarioObjects(scenario);
  const nodes = objects.filter((o) => o.kind === 'Node');
  const inPool = (pool: string): string[] => nodes.filter((n) => n.metadata.labels?.pool === pool).map((n) => n.metadata.name as string);
  const deployments = objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === NAMESPACE);
  const replicas = new Map(deployments.map((d) => [d.spec.template.metadata.labels.app as string, Number(d.spec.replicas)]));
  const mustKeep = new Map<string, number>();
  const allowed = new Map<string, number>();
  for (const pdb of objects.filter((o) => o.kind === 'PodDisruptionBudget' && o.metadata.namespace === NAMESPACE)) {
    const app = pdb.spec.selector.matchLabels.app as string;
    const count = replicas.get(app) ?? 0;
    const allowedNow = allowedAtOnce(pdb, count);
    mustKeep.set(app, count - allowedNow);
    allowed.set(pdb.metadata.name as string, allowedNow);
  }
  const workers = nodes.filter((n) => !n.spec?.taints?.length).length;
  return {
    scenario,
    drained: inPool(DRAINED_POOL),
    spare: nodes.filter((n) => n.metadata.labels?.pool && n.metadata.labels.pool !== DRAINED_POOL).map((n) => n.metadata.name as string),
    pods: [...replicas.values()].reduce((a, b) => a + b, 0),
    daemonSetPods: workers,
    mustKeep,
    allowed,
    gracePeriodSeconds: Number(deployments[0]?.spec.template.spec.terminationGracePeriodSeconds ?? 30),
  };
}

interface Cluster {
  sandbox: Sandbox;
  watch: ClusterWatch;
  dir: string;
  kubeconfig: string;
  readySeconds: number;
}

/** A fresh sandbox with the scenario loaded, every pod Ready and every budget's status at full health. */
async function freshCluster(facts: ScenarioFacts, timeScale: number): Promise<Cluster> {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'kmaint-bench-drain-'));
  const kubeconfig = join(dir, 'kubeconfig');
  const sandbox = await startSandbox({ scenario: facts.scenario, timeScale, kubeconfigPath: kubeconfig });
  const watch = new ClusterWatch(sandbox, NAMESPACE, facts.mustKeep);
  const drained = new Set(facts.drained);
  const store = sandbox.service.store;
  const settled = (): boolean => {
    if (watch.count((node) => drained.has(node)).ready !== facts.pods) return false;
    for (const [name, allowed] of facts.allowed) {
      const status = store.getObject('policy/poddisruptionbudgets', NAMESPACE, name)?.status;
      if (status?.disruptionsAllowed !== allowed) return false;
    }
    const agents = store.list('core/pods', { namespace: 'kube-system', filter: (entry) => entry.fields['status.phase'] === 'Running' }).entries.length;
    return agents >= facts.daemonSetPods;
  };
  await watch.until(settled, 120_000, () => `the scenario's ${facts.pods} pods Ready on ${facts.drained.length} nodes and its budgets at full health (${watch.count((node) => drained.has(node)).ready} Ready)`);
  return { sandbox, watch, dir, kubeconfig, readySeconds: (performance.now() - started) / 1000 };
}

interface DrainRun {
  tool: 'kmaint' | 'kubectl';
  round: number;
  /** command start to exit (kubectl: the cordon and every drain) */
  seconds: number;
  exitCode: number;
  /** drain start to every replacement Ready on the spare nodes */
  replacementsReadySeconds: number;
  /** kubectl: each node's drain */
  perNodeSeconds?: number[];
  /** pods still on the drained nodes when the command ended (DaemonSet pods aside) */
  podsLeftOnDrainedNodes: number;
  /** the lowest Ready-minus-kept over the budgets during the run (< 0: a budget was broken) */
  minBudgetHeadroom: number;
  budgetsBroken: string[];
  /** creation -> Ready of the replacements, simulated seconds */
  replacementStartup: { min: number; median: number; max: number; count: number };
  clusterReadySeconds: number;
  log: string;
  profile?: ProfileSummary;
}

async function drainOnce(tool: DrainRun['tool'], round: number, facts: ScenarioFacts, cli: string, inputs: typeof DRAIN_INPUTS, profile: boolean): Promise<DrainRun> {
  const cluster = await freshCluster(facts, inputs.timeScale);
  const { watch, kubeconfig, dir } = cluster;
  log(`${tool} round ${round}: cluster ready in ${cluster.readySeconds.toFixed(1)} s; draining ${facts.drained.length} nodes`);
  const drained = new Set(facts.drained);
  const output: string[] = [];
  const perNode: number[] = [];
  let exitCode: number;
  let profileSummary: ProfileSummary | undefined;
  const timeout = setTimeout(() => log(`${tool} round ${round}: still running after ${inputs.drainTimeoutSeconds} s`), inputs.drainTimeoutSeconds * 1000);
  watch.mark();
  const t0 = performance.now();
  try {
    if (tool === 'kmaint') {
      const profileArgs = profile ? ['--cpu-prof', `--cpu-prof-dir=${PROFILE_DIR}`, `--cpu-prof-name=drain-kmaint-${round}.cpuprofile`] : [];
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir, KUBECONFIG: '', NO_COLOR: '1' };
      const exit = await runCommand(process.execPath, [...profileArgs, cli, 'node', 'drain', ...facts.drained, ...KMAINT_FLAGS, '--kubeconfig', kubeconfig], env);
      exitCode = exit.code;
      output.push(exit.output);
    } else {
      const kubectl = kubectlPath();
      const env = { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dir };
      const common = ['--kubeconfig', kubeconfig, '--cache-dir', join(dir, 'kubectl-cache')];
      const cordon = await runCommand(kubectl, [...common, 'cordon', ...facts.drained], env);
      output.push(`$ kubectl cordon ${facts.drained.join(' ')}\n${cordon.output}`);
      exitCode = cordon.code;
      for (const node of facts.drained) {
        if (exitCode !== 0) break;
        const exit = await runCommand(kubectl, [...common, 'drain', node, ...KUBECTL_FLAGS], env);
        output.push(`$ kubectl drain ${node} ${KUBECTL_FLAGS.join(' ')}   # ${(exit.ms / 1000).toFixed(2)} s\n${exit.output}`);
        perNode.push(round2(exit.ms / 1000));
        exitCode = exit.code;
        log(`  kubectl drain ${node}: ${(exit.ms / 1000).toFixed(2)} s`);
      }
    }
  } finally {
    clearTimeout(timeout);
  }
  const seconds = (performance.now() - t0) / 1000;
  const left = watch.count((node) => !drained.has(node)).elsewhere;
  log(`${tool} round ${round}: exit ${exitCode} after ${seconds.toFixed(2)} s; ${left} pods left on drained nodes`);
  let replacementsReadySeconds = NaN;
  try {
    await watch.until(() => watch.count((node) => node !== '' && !drained.has(node)).ready === facts.pods, 120_000, () => `${facts.pods} replacements Ready`);
    replacementsReadySeconds = (performance.now() - t0) / 1000;
  } catch (error) {
    log((error as Error).message);
  }
  const headrooms = [...watch.minHeadroom.entries()];
  const startups = [...watch.startups].sort((a, b) => a - b);
  const logFile = join(LOG_DIR, `${tool}-${round}.log`);
  mkdirSync(LOG_DIR, { recursive: true });
  writeFileSync(logFile, output.join('\n'));
  if (profile && tool === 'kmaint') profileSummary = await summarizeProfileFile(join(PROFILE_DIR, `drain-kmaint-${round}.cpuprofile`), 25);
  watch.close();
  await cluster.sandbox.stop();
  rmSync(dir, { recursive: true, force: true });
  return {
    tool,
    round,
    seconds: round2(seconds),
    exitCode,
    replacementsReadySeconds: round2(replacementsReadySeconds),
    perNodeSeconds: tool === 'kubectl' ? perNode : undefined,
    podsLeftOnDrainedNodes: left,
    minBudgetHeadroom: Math.min(...headrooms.map(([, h]) => h)),
    budgetsBroken: headrooms.filter(([, h]) => h < 0).map(([app]) => app),
    replacementStartup: { min: round2(startups[0] ?? NaN), median: round2(median(startups)), max: round2(startups.at(-1) ?? NaN), count: startups.length },
    clusterReadySeconds: round2(cluster.readySeconds),
    log: logFile,
    profile: profileSummary,
  };
}

/** One planner case in a fresh process, so that its peak RSS is its own. */
async function planOnce(planCase: PlanCase): Promise<PlanCaseResult> {
  const exit = await runCommand(process.execPath, ['--import', 'tsx', PLAN_SCRIPT, planCase], { ...process.env } as Record<string, string>);
  const line = exit.output.trim().split('\n').at(-1) ?? '';
  if (exit.code !== 0) throw new Error(`plan case ${planCase} exited ${exit.code}: ${exit.output}`);
  return JSON.parse(line) as PlanCaseResult;
}

function planFigures(results: Record<PlanCase, PlanCaseResult[]>): Figure[] {
  const seconds = (runs: PlanCaseResult[]): number => round2(median(runs.map((r) => r.planMs)) / 1000);
  const rss = (runs: PlanCaseResult[]): number => round2(Math.max(...runs.map((r) => r.peakRssBytes)) / 2 ** 30);
  const context = (runs: PlanCaseResult[]): Record<string, unknown> => ({
    roundsMs: runs.map((r) => r.planMs),
    peakRssMiB: runs.map((r) => Math.round(r.peakRssBytes / 2 ** 20)),
    snapshot: { nodes: runs[0].nodes, pods: runs[0].pods, generateMs: runs.map((r) => r.generateMs) },
    plan: { targets: runs[0].targets, pods: runs[0].plannedPods, placed: runs[0].placed, pending: runs[0].pending, budgets: runs[0].budgets, verdict: runs[0].verdict },
  });
  // the slower of the two 500-node cases is the figure
  const worst = seconds(results.spread) >= seconds(results.first) ? 'spread' : 'first';
  return [
    figure('planOneNodeSeconds', 'kmaint node drain --plan, 1 node of 5,000 (150,000 pods)', seconds(results.one), 's', GOALS.planSeconds, context(results.one)),
    figure('planOneNodeRssGiB', '  peak RSS', rss(results.one), 'GiB', GOALS.planRssGiB),
    figure('plan500NodesSeconds', `kmaint node drain --plan, 500 nodes (${worst === 'spread' ? 'every tenth node' : 'nodes 1-500'}; the slower case)`, seconds(results[worst]), 's', GOALS.planSeconds, {
      spread: { seconds: seconds(results.spread), ...context(results.spread) },
      first: { seconds: seconds(results.first), ...context(results.first) },
    }),
    figure('plan500NodesRssGiB', '  peak RSS', Math.max(rss(results.spread), rss(results.first)), 'GiB', GOALS.planRssGiB),
  ];
}

function drainFigures(bound: LowerBound, kmaint: DrainRun[], kubectl: DrainRun[], facts: ScenarioFacts): { figures: Figure[]; ratios: Record<string, number> } {
  const ok = (runs: DrainRun[]): DrainRun[] => runs.filter((r) => r.exitCode === 0 && r.podsLeftOnDrainedNodes === 0);
  const kmaintSeconds = ok(kmaint).length === kmaint.length ? median(kmaint.map((r) => r.seconds)) : NaN;
  const kubectlSeconds = kubectl.length > 0 && ok(kubectl).length === kubectl.length ? median(kubectl.map((r) => r.seconds)) : NaN;
  const speedup = round2(kubectlSeconds / kmaintSeconds);
  const toBound = round2(kmaintSeconds / bound.seconds);
  const describe = (runs: DrainRun[]): Record<string, unknown> => ({
    roundsSeconds: runs.map((r) => r.seconds),
    exitCodes: runs.map((r) => r.exitCode),
    replacementsReadySeconds: runs.map((r) => r.replacementsReadySeconds),
    replacementStartup: runs.map((r) => r.replacementStartup),
    podsLeftOnDrainedNodes: runs.map((r) => r.podsLeftOnDrainedNodes),
    minBudgetHeadroom: runs.map((r) => r.minBudgetHeadroom),
    ...(runs.some((r) => r.perNodeSeconds) ? { perNodeSeconds: runs.map((r) => r.perNodeSeconds) } : {}),
    logs: runs.map((r) => r.log),
  });
  const broken = [...kmaint, ...kubectl].flatMap((r) => r.budgetsBroken.map((app) => `${r.tool} round ${r.round}: ${app}`));
  const what = `${facts.drained.length} nodes, ${facts.pods} pods`;
  const figures = [
    figure('kmaintDrainSeconds', `kmaint node drain --parallel 20 (${what})`, kmaintSeconds, 's', undefined, describe(kmaint)),
    figure('kubectlDrainSeconds', 'kubectl cordon + drain node by node', kubectlSeconds, 's', undefined, kubectl.length ? describe(kubectl) : { skipped: true }),
    figure('lowerBoundSeconds', 'lower bound from budgets and timings', bound.seconds, 's', undefined, { formula: bound.formula, critical: bound.critical }),
    figure('speedupVsKubectl', 'kmaint speed-up over kubectl', speedup, 'x', GOALS.speedup),
    figure('kmaintToLowerBound', 'kmaint / lower bound', toBound, 'x', GOALS.toLowerBound),
    figure('budgetViolations', 'budgets broken during the drains (checked independently)', broken.length, '', GOALS.violations, broken.length ? { broken } : undefined),
  ];
  return { figures, ratios: { kubectlOverKmaint: speedup, kmaintOverLowerBound: toBound } };
}

export async function run(options: BenchOptions): Promise<BenchResult> {
  const flags = options.flags;
  const overrides = numericOverrides(flags, DRAIN_INPUTS);
  const quick = flags.includes('--quick');
  const inputs = { ...DRAIN_INPUTS, ...(quick ? { rounds: 1, kubectlRounds: 0, planRounds: 1 } : {}), ...overrides };
  if (flags.includes('--skip-kubectl')) inputs.kubectlRounds = 0;
  const skipDrain = flags.includes('--skip-drain');
  const skipPlan = flags.includes('--skip-plan');
  const planE2e = flags.includes('--plan-e2e');
  const profile = flags.includes('--profile');
  const env = environment();
  const startedAt = new Date();
  const t0 = performance.now();

  const scenario = readScenario(SCENARIO_FILE);
  const facts = scenarioFacts(scenario);
  const bound = drainLowerBound(scenario, new Set(facts.drained));
  const figures: Figure[] = [];
  let ratios: Record<string, number> = {};
  const details: Record<string, unknown> = { lowerBound: bound };

  if (!skipDrain) {
    const cli = await bundleCli();
    log(`lower bound ${bound.seconds} s: ${bound.formula}`);
    const kmaint: DrainRun[] = [];
    const kubectl: DrainRun[] = [];
    // kubectl's run sits between kmaint's first and second, so a slow phase of the machine hits both
    for (let round = 1; round <= inputs.rounds; round++) {
      kmaint.push(await drainOnce('kmaint', round, facts, cli, inputs, profile));
      if (round === 1) for (let k = 1; k <= inputs.kubectlRounds; k++) kubectl.push(await drainOnce('kubectl', k, facts, cli, inputs, false));
    }
    const drain = drainFigures(bound, kmaint, kubectl, facts);
    figures.push(...drain.figures);
    ratios = { ...ratios, ...drain.ratios };
    if (profile) details.kmaintProfiles = kmaint.map((r) => r.profile);
  }

  if (!skipPlan) {
    const results = { one: [], spread: [], first: [] } as Record<PlanCase, PlanCaseResult[]>;
    for (let round = 1; round <= inputs.planRounds; round++) {
      for (const planCase of ['one', 'spread', 'first'] as const) {
        const result = await planOnce(planCase);
        results[planCase].push(result);
        log(`plan ${planCase} round ${round}: ${result.planMs} ms, peak RSS ${Math.round(result.peakRssBytes / 2 ** 20)} MiB`);
      }
    }
    const plan = planFigures(results);
    figures.push(...plan);
    ratios.plan500NodesToGoal = round2(plan[2].value / GOALS.planSeconds.value);
  }

  if (planE2e) {
    // the same plans through the CLI against an API server: the snapshot read included (no goal: context)
    const cli = await bundleCli();
    const server = await largePlanServer();
    log(`plan end to end: the large snapshot written into an API-only sandbox in ${server.loadSeconds.toFixed(1)} s`);
    try {
      const spread = server.nodeNames.filter((_, i) => i % 10 === 0).slice(0, 500);
      for (const [id, label, targets] of [['planOneNodeCliSeconds', 'kmaint node drain --plan, 1 node, end to end through the API (context)', server.nodeNames.slice(0, 1)], ['plan500NodesCliSeconds', 'kmaint node drain --plan, 500 nodes, end to end through the API (context)', spread]] as const) {
        const cliRun = await planThroughCli(cli, server, [...targets]);
        log(`plan end to end, ${cliRun.targets} node(s): ${cliRun.seconds.toFixed(2)} s, peak RSS ${Math.round(cliRun.peakRssBytes / 2 ** 20)} MiB, exit ${cliRun.exitCode}, ${cliRun.verdict}`);
        figures.push(figure(id, label, round2(cliRun.seconds), 's', undefined, { ...cliRun, peakRssGiB: round2(cliRun.peakRssBytes / 2 ** 30), snapshotLoadSeconds: round2(server.loadSeconds) }));
      }
    } finally {
      await server.close();
    }
  }

  env.loadAverage.after = loadavg()[0];
  return {
    name: 'drain',
    command: `npm run bench -- drain${flags.length ? ' ' + flags.join(' ') : ''}`,
    startedAt: startedAt.toISOString(),
    durationSeconds: (performance.now() - t0) / 1000,
    environment: env,
    inputs: {
      ...inputs,
      scenario: 'bench/drain/node-pool-migration.yaml',
      drainedNodes: facts.drained.length,
      spareNodes: facts.spare.length,
      pods: facts.pods,
      daemonSetPodsPerNode: 1,
      podStartupSeconds: bound.workloads[0]?.startSeconds,
      gracePeriodSeconds: facts.gracePeriodSeconds,
      kmaint: `kmaint node drain <${facts.drained.length} nodes> ${KMAINT_FLAGS.join(' ')}`,
      kubectl: `kubectl cordon <${facts.drained.length} nodes>; for each: kubectl drain <node> ${KUBECTL_FLAGS.join(' ')}`,
      plan: 'planDrain over the large scenario shape (bench/drain/plan-large.ts), 1 node and 500 nodes',
    },
    figures,
    ratios,
    details,
    pass: figures.every((f) => f.pass !== false),
  };
}

// for a quick look at the objects: node --import tsx bench/drain.ts
if (process.argv[1]?.endsWith('drain.ts')) {
  const facts = scenarioFacts(readScenario(SCENARIO_FILE));
  const objects: KubeObject[] = scenarioObjects(facts.scenario);
  console.log(JSON.stringify({ drained: facts.drained.length, spare: facts.spare.length, pods: facts.pods, objects: objects.length, mustKeep: Object.fromEntries(facts.mustKeep) }));
}
