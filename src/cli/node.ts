// `kmaint node ls|health|cordon|uncordon|drain|join-command`: flags in, ops called, output rendered.

import type { Command } from 'commander';
import { colours } from '../render/colour.ts';
import { cordonLine } from '../render/drain-progress.ts';
import { clockNote, renderNodeHealth, renderNodeHealthDocument, renderNodeList, type HealthView } from '../render/node-health.ts';
import { DurationError, parseGoDuration } from '../domain/duration.ts';
import { CliError, EXIT_ERROR, EXIT_PARTIAL, UsageError } from './errors.ts';
import { kubeClientFor, outputFormat } from './context.ts';
import type { KubeClient } from '../kube/client.ts';
import type { CordonAction, CordonEvent } from '../ops/node/cordon.ts';
import { NodeNotFoundError, NoNodesMatchError, type NodeTarget } from '../ops/node/nodes.ts';
import { parseDryRun, registerDrain } from './node-drain.ts';
import { registerMaintain } from './node-maintain.ts';

const EXIT_CODES_HELP = `
Exit codes:
  0  every node is healthy
  1  the command failed (unknown node, API server unreachable ...)
  2  usage error
  3  at least one node has a problem: NotReady or Unknown, a Lease not renewed for more than 40s (or none),
     MemoryPressure, DiskPressure, PIDPressure or NetworkUnavailable, or a kubelet outside the supported
     version skew (at most 3 minor versions older than the API server, never newer)`;

function target(names: string[], selector: string | undefined, verb: string, required: boolean): NodeTarget {
  if (names.length > 0 && selector) throw new UsageError(`cannot ${verb} by node name and by selector (-l) at once`);
  if (required && names.length === 0 && !selector) throw new UsageError(`name the nodes to ${verb}, or select them with -l SELECTOR; see: kmaint node ${verb} --help`);
  return { names, selector };
}

/** Operator-facing errors from resolving nodes keep their one line; the rest pass through. */
async function withClient<T>(command: Command, fn: (client: KubeClient) => Promise<T>): Promise<T> {
  const client = await kubeClientFor(command);
  try {
    return await fn(client);
  } catch (error) {
    if (error instanceof NodeNotFoundError || error instanceof NoNodesMatchError) throw new CliError(error.message, EXIT_ERROR);
    throw error;
  } finally {
    client.close();
  }
}

/** The nodes' health as the renderers take it (the server version as its gitVersion). */
export async function healthView(client: KubeClient, nodeTarget: NodeTarget): Promise<HealthView> {
  const { collectNodeHealth } = await import('../ops/node/health.ts');
  const health = await collectNodeHealth(client, nodeTarget);
  return { ...health, serverVersion: health.serverVersion?.gitVersion };
}

function summarizeProblems(view: HealthView): string {
  const sick = view.reports.filter((r) => !r.healthy);
  const list = sick.map((r) => `${r.name}: ${[...new Set(r.problems.map((p) => p.type))].join(', ')}`).join('; ');
  return `${sick.length} of ${view.reports.length} node${view.reports.length === 1 ? ' has' : 's have'} problems (${list})`;
}

const PAST: Record<CordonAction, string> = { cordon: 'cordoned', uncordon: 'uncordoned' };

/** kubectl's lines: node/X cordoned, node/X already cordoned, with " (dry run)" or " (server dry run)". */
export function cordonMessage(event: CordonEvent): string {
  return cordonLine(event.node, event.action, event.type, event.dryRun, event.type === 'failed' ? event.error : undefined).text + '\n';
}

function registerCordon(group: Command, action: CordonAction): void {
  const description = action === 'cordon'
    ? 'mark nodes unschedulable (the pods on them keep running); sends {"spec":{"unschedulable":true}} as kubectl does'
    : 'mark nodes schedulable again; sends {"spec":{"unschedulable":null}} as kubectl does';
  group
    .command(`${action} [nodes...]`)
    .description(description)
    .option('-l, --selector <selector>', 'the nodes whose labels match this selector (instead of names)')
    .option('--dry-run [strategy]', 'client (the default with no value): only print what would change; server: let the API server check the change without making it; none')
    .addHelpText('after', `
Exit codes:
  0  every node is ${PAST[action]} (or already was)
  1  nothing was done: an unknown node, no node matching -l, or every patch failed
  2  usage error
  3  some nodes were ${PAST[action]} and some were not; the output says which`)
    .action(async (names: string[], options: { selector?: string; dryRun?: string | boolean }, command: Command) => {
      const nodeTarget = target(names, options.selector, action, true);
      const dryRun = parseDryRun(options.dryRun);
      const { setSchedulable } = await import('../ops/node/cordon.ts');
      const result = await withClient(command, (client) =>
        setSchedulable(client, nodeTarget, action, {
          dryRun,
          onEvent: (event) => (event.type === 'failed' ? process.stderr : process.stdout).write(cordonMessage(event)),
        }),
      );
      if (result.failed.length === 0) return;
      const failed = result.failed.map((f) => f.node).join(', ');
      const done = [...result.changed, ...result.unchanged];
      if (done.length === 0) throw new CliError(`no node ${PAST[action]}: ${failed} failed`, EXIT_ERROR);
      throw new CliError(`${PAST[action]} ${done.length} of ${done.length + result.failed.length} nodes (${done.join(', ')}); not ${PAST[action]}: ${failed}`, EXIT_PARTIAL);
    });
}

export function registerNode(program: Command): void {
  const group = program.command('node').description('node maintenance: list, health, cordon, uncordon, drain, maintain, rollout, remove, join');

  group
    .command('ls')
    .description('list nodes: status, roles, kubelet version, Lease heartbeat, requested cpu/memory, pods and problems')
    .option('-l, --selector <selector>', 'only nodes whose labels match this selector')
    .option('-o, --output <format>', 'wide, name, json or yaml (default: table)')
    .addHelpText('after', '\nExits 0 whenever the nodes could be listed; `kmaint node health` exits 3 when one has a problem.')
    .action(async (options: { selector?: string; output?: string }, command: Command) => {
      const format = outputFormat(options.output, ['table', 'wide', 'name', 'json', 'yaml']);
      const view = await withClient(command, (client) => healthView(client, { selector: options.selector }));
      if (format === 'json' || format === 'yaml') process.stdout.write(renderNodeHealthDocument(view, format));
      else if (format === 'name') process.stdout.write(view.reports.map((r) => `node/${r.name}\n`).join(''));
      else if (view.reports.length === 0) process.stderr.write('No resources found\n');
      else process.stdout.write(renderNodeList(view, format, colours(process.stdout)));
      process.stderr.write(clockNote(view));
    });

  group
    .command('health [nodes...]')
    .description('check nodes: Ready, Lease heartbeat (stale after 40s), pressure conditions, kubelet version skew, requests, addresses and OS')
    .option('-l, --selector <selector>', 'only nodes whose labels match this selector')
    .option('-o, --output <format>', 'wide, json or yaml (default: table); json/yaml give a structured report per node')
    .addHelpText('after', EXIT_CODES_HELP)
    .action(async (names: string[], options: { selector?: string; output?: string }, command: Command) => {
      const format = outputFormat(options.output, ['table', 'wide', 'json', 'yaml']);
      const nodeTarget = target(names, options.selector, 'check', false);
      const view = await withClient(command, (client) => healthView(client, nodeTarget));
      if (format === 'json' || format === 'yaml') process.stdout.write(renderNodeHealthDocument(view, format));
      else if (view.reports.length === 0) process.stderr.write('No resources found\n');
      else process.stdout.write(renderNodeHealth(view, format === 'wide' ? 'wide' : 'table', colours(process.stdout)));
      process.stderr.write(clockNote(view));
      if (!view.healthy) throw new CliError(summarizeProblems(view), EXIT_PARTIAL);
    });

  registerCordon(group, 'cordon');
  registerCordon(group, 'uncordon');
  registerDrain(group, withClient, target);
  registerMaintain(group, withClient, target);

  group
    .command('join-command')
    .description('create a bootstrap token and print the kubeadm join command for a new node (like kubeadm token create --print-join-command)')
    .option('--ttl <duration>', 'how long the token is valid, as a Go duration (24h, 90m, 1h30m); 0 never expires', '24h0m0s')
    .option('--description <text>', "the token's description (kept in its Secret)")
    .addHelpText('after', `
The token is a Secret bootstrap-token-<id> in kube-system (type bootstrap.kubernetes.io/token) in the group
system:bootstrappers:kubeadm:default-node-token; the API endpoint and CA come from ConfigMap
kube-public/cluster-info, which kubeadm init creates.`)
    .action(async (options: { ttl: string; description?: string }, command: Command) => {
      let ttlMs: number;
      try {
        ttlMs = parseGoDuration(options.ttl);
      } catch (error) {
        if (error instanceof DurationError) throw new UsageError(`--ttl: ${error.message}`);
        throw error;
      }
      const { createJoinCommand } = await import('../ops/node/join.ts');
      const result = await withClient(command, (client) => createJoinCommand(client, { ttlMs, description: options.description }));
      process.stdout.write(result.command + '\n');
    });
}
