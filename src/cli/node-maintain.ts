// `kmaint node maintain|rollout|remove`: whole maintenances under the cluster-wide lock. Flags in (maintain-flags.ts),
// ops called (ops/node/maintain.ts, remove.ts), progress and the final report rendered.

import type { Command } from 'commander';
import { createInterface } from 'node:readline/promises';
import { changedAnything } from '../domain/nodes/rollout.ts';
import type { KubeClient } from '../kube/client.ts';
import type { MaintainEvent, MaintenanceReport } from '../ops/node/maintain-events.ts';
import { LockHeldError } from '../ops/node/lock-identity.ts';
import type { NodeTarget } from '../ops/node/nodes.ts';
import { colours } from '../render/colour.ts';
import { renderHostCleanup } from '../render/host-cleanup.ts';
import { maintainEventJson, maintainEventLines } from '../render/maintain-progress.ts';
import { failureLine, lockHeldLine, unfinishedLines, type Continuation, type MaintenanceKind } from '../render/maintain-report.ts';
import { outputFormat } from './context.ts';
import { addDrainFlags } from './node-drain.ts';
import { CliError, EXIT_ERROR, EXIT_PARTIAL, UsageError } from './errors.ts';
import { EXIT_INTERRUPTED, onInterrupt } from './interrupt.ts';
import {
  addLockFlags,
  addMaintenanceFlags,
  continuation,
  lockOptions,
  maintenanceDrainOptions,
  maintenanceWindow,
  maxUnavailable,
  readyTimeoutMs,
  type MaintainFlags,
} from './maintain-flags.ts';

type WithClient = <T>(command: Command, fn: (client: KubeClient) => Promise<T>) => Promise<T>;
type Target = (names: string[], selector: string | undefined, verb: string, required: boolean) => NodeTarget;

const LOCK_HELP = `
The lock: a Lease kube-system/kmaint-maintenance (coordination.k8s.io/v1) names the run holding it (user@host,
pid, command); it is renewed while the maintenance runs and given back at the end. While another run holds it,
maintain, rollout and remove fail at once, naming the holder and when the lock expires.`;

const EXIT_HELP = `
Exit codes:
  0  done: every node maintained and back in service
  1  nothing was changed: the lock is held, a node is unknown, or the first drain failed and was undone
  2  usage error
  3  stopped part-way: the report says which nodes are done, which failed (and stay cordoned), which were not touched
  130 interrupted (Ctrl-C)`;

function printer(format: 'table' | 'json'): (event: MaintainEvent) => void {
  if (format === 'json') return (event) => process.stdout.write(maintainEventJson(event));
  const c = colours(process.stderr);
  return (event) => {
    for (const line of maintainEventLines(event, c)) (line.stream === 'out' ? process.stdout : process.stderr).write(line.text + '\n');
  };
}

/** Turns an unfinished report into the lines that explain it and the error (exit 1, 3 or 130). */
function finish(report: MaintenanceReport, kind: MaintenanceKind, next: Continuation, format: 'table' | 'json'): void {
  if (report.status === 'done') return;
  if (format === 'table') for (const line of unfinishedLines(report, kind, next)) process.stderr.write(line + '\n');
  const code = report.status === 'interrupted' ? EXIT_INTERRUPTED : changedAnything(report.nodes) ? EXIT_PARTIAL : EXIT_ERROR;
  throw new CliError(failureLine(report, kind), code);
}

/** The lock held by another run is the operator's one line, not a stack. */
async function underLock<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof LockHeldError) throw new CliError(lockHeldLine(error.status, error.nowMs), EXIT_ERROR);
    throw error;
  }
}

async function runMaintenance(command: Command, withClient: WithClient, nodeTarget: NodeTarget, flags: MaintainFlags, kind: 'maintain' | 'rollout'): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json']) === 'json' ? 'json' : 'table';
  // every flag is checked before the cluster is touched
  const options = {
    command: flags.exec as string,
    maxUnavailable: kind === 'rollout' ? maxUnavailable(flags) : 1,
    window: kind === 'rollout' ? maintenanceWindow(flags) : undefined,
    drain: maintenanceDrainOptions(flags),
    readyTimeoutMs: readyTimeoutMs(flags),
    expectReboot: !!flags.expectReboot,
    lock: lockOptions(flags),
  };
  const { maintainNodes } = await import('../ops/node/maintain.ts');
  const interrupt = onInterrupt('stopping the maintenance at its next step; the command already running is not killed', 'the lock then expires by itself');
  try {
    const report = await withClient(command, (client) => underLock(() => maintainNodes(client, nodeTarget, { ...options, signal: interrupt.signal, onEvent: printer(format) })));
    finish(report, kind, continuation(flags, command), format);
  } finally {
    interrupt.dispose();
  }
}

/** Asks on the terminal; anything but y/yes, end of input or Ctrl-C is a no. */
async function confirmed(question: string): Promise<boolean> {
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  const cancel = new AbortController();
  prompt.on('SIGINT', () => cancel.abort());
  prompt.on('close', () => cancel.abort());
  try {
    return /^y(es)?$/i.test((await prompt.question(question, { signal: cancel.signal })).trim());
  } catch {
    process.stderr.write('\n');
    return false;
  } finally {
    prompt.close();
  }
}

async function runRemove(command: Command, withClient: WithClient, name: string, flags: MaintainFlags): Promise<void> {
  const format = outputFormat(flags.output, ['table', 'json']) === 'json' ? 'json' : 'table';
  const drain = maintenanceDrainOptions(flags);
  const lock = lockOptions(flags);
  // no one to ask: refuse before anything is read or changed
  if (!flags.yes && !process.stdin.isTTY) {
    throw new UsageError(`refusing to remove node "${name}" without confirmation: standard input is not a terminal to ask on; add --yes to confirm (nothing was changed)`);
  }
  const { removalCandidate, removeNode } = await import('../ops/node/remove.ts');
  const print = printer(format);
  await withClient(command, async (client) => {
    const candidate = await removalCandidate(client, name);
    if (candidate.controlPlane && !flags.controlPlane) {
      throw new CliError(`node "${name}" is a control-plane node (API server, etcd member): removing it needs its etcd member removed too; if that is what you want, add --control-plane`, EXIT_ERROR);
    }
    if (!flags.yes) {
      const what = `node ${name}${candidate.address ? ` (${candidate.address})` : ''} with ${candidate.pods} pod(s)`;
      const ok = await confirmed(`Remove ${what} from the cluster? It is cordoned and drained, then its Node object is deleted; the host needs the clean-up printed at the end. [y/N] `);
      if (!ok) throw new CliError(`node "${name}" was not removed: not confirmed (nothing was changed)`, EXIT_ERROR);
    }
    const interrupt = onInterrupt('stopping the removal at its next step', 'the lock then expires by itself');
    try {
      const result = await underLock(() => removeNode(client, candidate, { drain, lock, signal: interrupt.signal, onEvent: print }));
      if (result.cleanup) {
        if (format === 'json') process.stdout.write(JSON.stringify({ time: new Date().toISOString(), type: 'host-cleanup', cleanup: result.cleanup }) + '\n');
        else process.stdout.write(renderHostCleanup(result.cleanup, colours(process.stdout)));
      }
      finish(result.report, 'remove', continuation(flags, command), format);
    } finally {
      interrupt.dispose();
    }
  });
}

export function registerMaintain(group: Command, withClient: WithClient, target: Target): void {
  addLockFlags(addDrainFlags(addMaintenanceFlags(group.command('maintain <node>'))))
    .description('maintain a node end to end: take the maintenance lock, cordon, drain, run --exec CMD, wait until it is back (Ready, fresh heartbeat), uncordon, verify')
    .option('-o, --output <format>', 'json: one JSON object per event')
    .addHelpText('after', `
Example: kmaint node maintain k8s-node1 --ignore-daemonsets --exec 'ssh "$KMAINT_NODE" sudo apt-get -y upgrade kubelet'
When the command fails, or the node is not back in time, the node stays cordoned (drained) and the output says
how to continue; a failed drain is undone (the node is uncordoned: the command never ran).
${LOCK_HELP}
${EXIT_HELP}`)
    .action(async (node: string, flags: MaintainFlags, command: Command) => {
      await runMaintenance(command, withClient, target([node], undefined, 'maintain', true), flags, 'maintain');
    });

  addLockFlags(addDrainFlags(addMaintenanceFlags(group.command('rollout [nodes...]'))))
    .description('maintain many nodes in batches of --max-unavailable (drain a batch together, run the command per node, wait, uncordon), stopping at the first failure')
    .option('-l, --selector <selector>', 'the nodes whose labels match this selector (instead of names)')
    .option('--max-unavailable <n>', 'nodes out of service at once: the batch size', '1')
    .option('--window <HH:MM-HH:MM>', "start a batch only inside this daily window, in local time on the API server's clock (22:00-06:00 wraps midnight); a batch started inside may end after it; the lock is taken when the window first opens")
    .option('-o, --output <format>', 'json: one JSON object per event')
    .addHelpText('after', `
Nodes go in name order. A failure stops the rollout after its batch: the report lists the nodes done, the
ones that failed (left cordoned) and the ones not touched, with the commands that continue.
${LOCK_HELP}
${EXIT_HELP}`)
    .action(async (names: string[], flags: MaintainFlags, command: Command) => {
      await runMaintenance(command, withClient, target(names, flags.selector, 'rollout', true), flags, 'rollout');
    });

  addLockFlags(addDrainFlags(group.command('remove <node>')))
    .description('remove a node for good: drain it, delete its Node object, then print the clean-up to run on its host (kubeadm reset, kubelet/CNI/config directories, logs, iptables)')
    .option('-y, --yes', 'do not ask for confirmation (required when standard input is not a terminal)')
    .option('--control-plane', 'allow removing a control-plane node')
    .option('-o, --output <format>', 'json: one JSON object per event, the clean-up steps last')
    .addHelpText('after', `
Without --yes it asks first, on the terminal; with no terminal to ask on it refuses (exit 2) and changes nothing.
${LOCK_HELP}
${EXIT_HELP.replace('every node maintained and back in service', 'the node is drained and deleted; clean up its host as printed')}`)
    .action(async (node: string, flags: MaintainFlags, command: Command) => {
      await runRemove(command, withClient, node, flags);
    });
}
