// `kmaint node drain`: kubectl drain's flags and defaults, the plan (--plan, or first as a preflight), and
// kmaint's own flags (--parallel, --wait-for-replacements, --force-terminating-after, --resume, -o json).

import type { Command } from 'commander';
import { colours } from '../render/colour.ts';
import { drainEventJson, drainEventLines } from '../render/drain-progress.ts';
import { formatGoDuration } from '../domain/duration.ts';
import { parseLabelSelector } from '../domain/selectors.ts';
import type { DrainPlanOptions } from '../domain/drain/plan.ts';
import type { KubeClient } from '../kube/client.ts';
import type { DrainOptions } from '../ops/node/drain.ts';
import type { DrainEvent, DrainResult } from '../ops/node/drain-events.ts';
import type { DrainJournal } from '../ops/node/drain-journal.ts';
import { CliError, EXIT_ERROR, EXIT_PARTIAL, UsageError } from './errors.ts';
import { outputFormat } from './context.ts';
import { duration, wholeNumber } from './flag-values.ts';
import { EXIT_INTERRUPTED, onInterrupt } from './interrupt.ts';
import type { NodeTarget } from '../ops/node/nodes.ts';

export interface DrainFlags {
  selector?: string;
  plan?: boolean;
  ignoreDaemonsets?: boolean;
  force?: boolean;
  deleteEmptydirData?: boolean;
  gracePeriod?: string;
  timeout?: string;
  podSelector?: string;
  disableEviction?: boolean;
  skipWaitForDeleteTimeout?: string;
  chunkSize?: string;
  dryRun?: string | boolean;
  parallel?: string;
  waitForReplacements?: boolean;
  forceTerminatingAfter?: string;
  preflight?: boolean;
  resume?: boolean;
  output?: string;
}

export function parseDryRun(value: string | boolean | undefined): 'none' | 'client' | 'server' {
  if (value === undefined || value === false) return 'none';
  if (value === true) return 'client';
  if (value === 'none' || value === 'client' || value === 'server') return value;
  throw new UsageError(`invalid --dry-run value "${value}": use none, client or server (--dry-run alone means client)`);
}

export function drainPlanOptions(flags: DrainFlags): DrainPlanOptions {
  const options: DrainPlanOptions = {
    force: !!flags.force,
    ignoreDaemonSets: !!flags.ignoreDaemonsets,
    deleteEmptyDirData: !!flags.deleteEmptydirData,
    disableEviction: !!flags.disableEviction,
  };
  if (flags.podSelector) {
    try {
      options.podSelector = parseLabelSelector(flags.podSelector);
    } catch (error) {
      throw new UsageError(`--pod-selector: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
  if (flags.skipWaitForDeleteTimeout !== undefined) options.skipWaitForDeleteTimeoutSeconds = wholeNumber('--skip-wait-for-delete-timeout', flags.skipWaitForDeleteTimeout, 0);
  return options;
}

export function drainOptions(flags: DrainFlags): DrainOptions {
  const plan = drainPlanOptions(flags);
  const options: DrainOptions = {
    force: plan.force,
    ignoreDaemonSets: plan.ignoreDaemonSets,
    deleteEmptyDirData: plan.deleteEmptyDirData,
    disableEviction: plan.disableEviction,
    skipWaitForDeleteTimeoutSeconds: plan.skipWaitForDeleteTimeoutSeconds,
    podSelector: flags.podSelector || undefined,
    gracePeriodSeconds: flags.gracePeriod === undefined ? -1 : wholeNumber('--grace-period', flags.gracePeriod, -1),
    chunkSize: flags.chunkSize === undefined ? 500 : wholeNumber('--chunk-size', flags.chunkSize, 0),
    dryRun: parseDryRun(flags.dryRun),
    parallel: flags.parallel === undefined ? 1 : wholeNumber('--parallel', flags.parallel, 1),
    waitForReplacements: !!flags.waitForReplacements,
    preflight: flags.preflight !== false,
  };
  if (flags.timeout !== undefined) {
    options.timeoutMs = duration('--timeout', flags.timeout);
    // kubectl prints the timeout as Go formats a duration (2500ms -> 2.5s, 90s -> 1m30s)
    options.timeoutText = formatGoDuration(options.timeoutMs);
  }
  if (flags.forceTerminatingAfter !== undefined) options.forceTerminatingAfterMs = duration('--force-terminating-after', flags.forceTerminatingAfter);
  return options;
}

/** The flags worth keeping for --resume (everything but the ones that say how to run this time). */
function journalFlags(flags: DrainFlags): Record<string, unknown> {
  const { resume: _resume, plan: _plan, selector: _selector, ...kept } = flags;
  return kept;
}

function printer(format: 'table' | 'json'): (event: DrainEvent) => void {
  if (format === 'json') return (event) => process.stdout.write(drainEventJson(event));
  const c = colours(process.stderr);
  return (event) => {
    for (const line of drainEventLines(event, c)) (line.stream === 'out' ? process.stdout : process.stderr).write(line.text + '\n');
  };
}

function resumeHint(journal: DrainJournal): string {
  const undone = Object.entries(journal.nodes).filter(([, outcome]) => outcome !== 'drained').map(([node]) => node);
  return `continue with: kmaint node drain --resume (nodes not drained yet: ${undone.join(', ')})`;
}

/** `going`: pods whose eviction (or deletion) was accepted and that had not gone yet when the drain stopped */
function finalError(result: DrainResult, journal: DrainJournal, going: ReadonlySet<string>, verb: string): CliError | undefined {
  if (result.status === 'drained') return undefined;
  if (result.status === 'interrupted') {
    const drained = result.nodes.filter((n) => n.outcome === 'drained').map((n) => n.node);
    const left = result.nodes.flatMap((n) => n.remaining);
    const terminating = left.filter((pod) => going.has(pod)).length;
    return new CliError(`drain interrupted: ${drained.length} of ${result.nodes.length} node(s) drained${drained.length ? ` (${drained.join(', ')})` : ''}, ${left.length} pod(s) not yet removed${terminating ? ` (${terminating} of them ${verb} and still terminating)` : ''}; ${resumeHint(journal)}`, EXIT_INTERRUPTED);
  }
  return new CliError(result.error ?? 'the drain failed', EXIT_ERROR);
}

export async function runDrain(client: KubeClient, nodeTarget: NodeTarget, flags: DrainFlags, format: 'table' | 'json'): Promise<void> {
  const { drainNodes } = await import('../ops/node/drain.ts');
  const { journalPath, readJournal, writeJournal } = await import('../ops/node/drain-journal.ts');
  const path = journalPath(client.server, client.contextName);
  let target = nodeTarget;
  let runFlags = flags;
  if (flags.resume) {
    const previous = readJournal(path);
    if (!previous) throw new CliError(`no drain to resume on context "${client.contextName}": none was started from this machine`, EXIT_ERROR);
    if (previous.status === 'drained') {
      process.stderr.write(`the last drain (${previous.names.join(', ') || `-l ${previous.selector}`}) finished at ${previous.updatedAt}; nothing to resume\n`);
      return;
    }
    target = { names: previous.names, selector: previous.selector };
    runFlags = { ...(previous.flags as DrainFlags), output: flags.output };
    process.stderr.write(`resuming the drain of ${previous.names.join(', ') || `-l ${previous.selector}`} started ${previous.startedAt} (${previous.status})\n`);
  }
  const options = drainOptions(runFlags);
  const journal: DrainJournal = {
    version: 1,
    server: client.server,
    context: client.contextName,
    startedAt: new Date().toISOString(),
    updatedAt: '',
    status: 'running',
    names: target.names ?? [],
    selector: target.selector,
    flags: journalFlags(runFlags),
    nodes: {},
  };
  const record = options.dryRun === 'none';
  // written before anything changes, so that --resume after a crash at any point finds this drain, not an older one
  if (record) writeJournal(path, journal);
  const print = printer(format);
  const going = new Set<string>();
  const { signal, dispose } = onInterrupt('stopping the drain; no new evictions are sent', 'evictions already accepted go on in the cluster');
  let result: DrainResult;
  try {
    result = await drainNodes(client, { ...target, signal }, {
      ...options,
      signal,
      onEvent(event) {
        if (event.type === 'terminating') going.add(event.pod);
        else if (event.type === 'gone' || event.type === 'skip-deleted') going.delete(event.pod);
        if (record) {
          if (event.type === 'cordon') {
            journal.nodes[event.node] ??= 'not-started';
            writeJournal(path, journal);
          } else if (event.type === 'node-drained' || event.type === 'node-failed') {
            journal.nodes[event.node] = event.type === 'node-drained' ? 'drained' : 'failed';
            writeJournal(path, journal);
          } else if (event.type === 'done') {
            journal.status = event.result.status;
            for (const node of event.result.nodes) journal.nodes[node.node] = node.outcome;
            writeJournal(path, journal);
          }
        }
        print(event);
      },
    });
  } catch (error) {
    // stopped before it could report (a node not found, the plan unreadable): --resume may run it again
    if (record) {
      journal.status = 'failed';
      writeJournal(path, journal);
    }
    throw error;
  } finally {
    dispose();
  }
  const error = finalError(result, journal, going, options.disableEviction ? 'deleted' : 'evicted');
  if (error) throw error;
}

/** The kubectl drain flags that matter wherever kmaint drains (drain, maintain, rollout, remove), with kubectl's defaults. */
export function addDrainFlags(command: Command): Command {
  return command
    .option('--ignore-daemonsets', 'ignore DaemonSet-managed pods')
    .option('--force', 'also delete pods that declare no controller (they are gone for good) and orphaned DaemonSet pods')
    .option('--delete-emptydir-data', 'also remove pods with emptyDir volumes (their data is lost)')
    .option('--grace-period <seconds>', 'seconds each pod gets to terminate; -1: its own terminationGracePeriodSeconds', '-1')
    .option('--timeout <duration>', 'give up draining a node after this long (Go duration: 90s, 5m); 0: wait for ever', '0s')
    .option('--pod-selector <selector>', 'only the pods that match this label selector')
    .option('--disable-eviction', 'delete pods instead of evicting them: PodDisruptionBudgets are not asked')
    .option('--wait-for-replacements', "evict a workload's next pod only once the replacements of its evicted pods are Ready")
    .option('--force-terminating-after <duration>', 'force-delete (grace period 0) pods still Terminating this long after their grace period ended')
    .option('--no-preflight', 'do not print the drain plan before draining');
}

export function registerDrain(group: Command, withClient: <T>(command: Command, fn: (client: KubeClient) => Promise<T>) => Promise<T>, target: (names: string[], selector: string | undefined, verb: string, required: boolean) => NodeTarget): void {
  addDrainFlags(
    group
      .command('drain [nodes...]')
      .description('drain nodes as kubectl drain does, after a plan of what happens to each pod; --parallel drains several at once without breaking any PodDisruptionBudget')
      .option('-l, --selector <selector>', 'the nodes whose labels match this selector (instead of names)')
      .option('--plan', 'only print the plan (each pod, where it lands, which budgets hold it up); changes nothing'),
  )
    .option('--skip-wait-for-delete-timeout <seconds>', 'do not wait for pods whose deletion began more than this many seconds ago', '0')
    .option('--chunk-size <n>', 'list pods in pages of this many; 0: all at once', '500')
    .option('--dry-run [strategy]', 'client (the default with no value): print what would happen; server: let the API server check every change without making it; none')
    .option('--parallel <n>', 'drain up to N nodes at once (every target is cordoned first; budgets are spent as one account)', '1')
    .option('--resume', 'continue the last drain started from this machine on this context, with its nodes and flags')
    .option('-o, --output <format>', 'plan: wide, json or yaml; drain: json (one JSON object per event)')
    .addHelpText('after', `
Exit codes:
  0  every node is drained (with --plan: the plan is safe)
  1  a node could not be drained (kubectl's error names the pods), or the command failed
  2  usage error
  3  with --plan: unsafe - kubectl would refuse a node, pods would stay Pending, or a budget blocks
  130 interrupted (Ctrl-C): re-run the command or use --resume to continue`)
    .action(async (names: string[], flags: DrainFlags, command: Command) => {
      if (flags.plan) {
        const format = outputFormat(flags.output, ['table', 'wide', 'json', 'yaml']);
        const nodeTarget = target(names, flags.selector, 'drain', true);
        const options = drainPlanOptions(flags);
        const { planNodeDrain } = await import('../ops/node/drain-plan.ts');
        const { renderDrainPlan, renderDrainPlanDocument } = await import('../render/drain-plan.ts');
        const plan = await withClient(command, (client) => planNodeDrain(client, nodeTarget, options));
        if (format === 'json' || format === 'yaml') process.stdout.write(renderDrainPlanDocument(plan, format));
        else process.stdout.write(renderDrainPlan(plan, format === 'wide' ? 'wide' : 'table', colours(process.stdout)));
        if (plan.verdict === 'unsafe') throw new CliError('the drain plan is unsafe; see its verdict', EXIT_PARTIAL);
        return;
      }
      const format = outputFormat(flags.output, ['table', 'json']) === 'json' ? 'json' : 'table';
      const nodeTarget = flags.resume ? { names: [] } : target(names, flags.selector, 'drain', true);
      drainOptions(flags); // bad flags are usage errors before anything is read
      await withClient(command, (client) => runDrain(client, nodeTarget, flags, format));
    });
}
