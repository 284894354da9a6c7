// `kmaint demo` (what `npm start` runs): the seed runbooks' cluster on the sandbox, and a full maintenance of
// its worker k8s-node1 the way kmaint does it (check, plan, drain with progress, verify, work on the node,
// uncordon), each step explained. The sandbox keeps running afterwards for the operator to try things.

import type { Command } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { colours, type Colours } from '../render/colour.ts';
import { drainEventLines } from '../render/drain-progress.ts';
import { renderDrainPlan } from '../render/drain-plan.ts';
import { renderNodeHealth, renderNodeList } from '../render/node-health.ts';
import { formatTable } from '../render/table.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../domain/object.ts';
import { CliError } from './errors.ts';
import { healthView } from './node.ts';

const NODE = 'k8s-node1';
/** simulated seconds per real second: grace periods and heartbeats pass quickly */
const TIME_SCALE = 10;
const SETTLE_MS = 60_000;
const DRAIN_FLAGS = { ignoreDaemonSets: true, force: true } as const;

function write(text: string): void {
  process.stdout.write(text);
}

function step(c: Colours, n: number, title: string, why: string): void {
  write(`\n${c.bold(`Step ${n}. ${title}`)}\n${c.dim(why)}\n\n`);
}

async function podsTable(client: KubeClient): Promise<string> {
  const { listAll } = await import('../kube/list.ts');
  const { items } = await listAll<KubeObject>(client, '/api/v1/pods');
  const rows = items
    .filter((pod) => pod.metadata.namespace === 'default' || /^coredns-/.test(pod.metadata.name ?? ''))
    .map((pod) => [pod.metadata.namespace ?? '', pod.metadata.name ?? '', pod.spec?.nodeName ?? '<none>', pod.metadata.deletionTimestamp ? 'Terminating' : (pod.status?.phase ?? '')]);
  return formatTable(['NAMESPACE', 'NAME', 'NODE', 'STATUS'], rows);
}

export async function runSeedMaintenance(client: KubeClient, c: Colours): Promise<void> {
  const { waitForWorkloadsReady, rehearseReboot } = await import('../ops/node/rehearse.ts');
  const { planNodeDrain } = await import('../ops/node/drain-plan.ts');
  const { drainNodes } = await import('../ops/node/drain.ts');
  const { setSchedulable } = await import('../ops/node/cordon.ts');

  step(c, 1, 'Check the nodes', 'kmaint node health: Ready, Lease heartbeats, pressure, kubelet version skew. (The transcript\'s kubelets are v1.27 and the sandbox API server v1.35: kmaint flags that skew as outside the supported range.)');
  write(renderNodeHealth(await healthView(client, {}), 'table', c));

  step(c, 2, `Plan the drain of ${NODE}`, `kmaint node drain ${NODE} --ignore-daemonsets --force --plan: what happens to each pod and where its replacement lands, computed with the scheduler's own placement before anything changes. default/go-http has no controller: --force deletes it for good.`);
  write(renderDrainPlan(await planNodeDrain(client, { names: [NODE] }, DRAIN_FLAGS), 'table', c));

  step(c, 3, `Drain ${NODE}`, "cordon, then evict every pod through the eviction API (budgets are respected), with kubectl drain's own messages; progress lines show each pod terminating.");
  const result = await drainNodes(client, { names: [NODE] }, {
    ...DRAIN_FLAGS,
    onEvent: (event) => {
      if (event.type === 'plan') return; // shown in step 2
      for (const line of drainEventLines(event, c)) write(line.text + '\n');
    },
  });
  if (result.status !== 'drained') throw new CliError(`the drain of ${NODE} did not finish: ${result.error ?? result.status}`);

  step(c, 4, 'Verify the replacements', 'The Deployment, StatefulSet and coredns replicas come back on k8s-master; wait until every workload is Ready again.');
  await waitForWorkloadsReady(client, SETTLE_MS);
  write(await podsTable(client));

  step(c, 5, `Work on ${NODE}`, 'Here the operator patches the host, upgrades the kubelet or reboots it. The sandbox rehearses a reboot: NotReady for a moment, then Ready with a new boot id.');
  const boot = await rehearseReboot(client, NODE, SETTLE_MS);
  write(`node/${NODE} rebooted (boot id ${boot.before.slice(0, 8)}... -> ${boot.after.slice(0, 8)}...) and is Ready\n`);

  step(c, 6, `Uncordon ${NODE}`, 'The node takes new pods again; the DaemonSet pods have restarted on it. The maintenance is done.');
  const uncordon = await setSchedulable(client, { names: [NODE] }, 'uncordon', { fieldManager: 'kmaint-demo' });
  write(uncordon.changed.length > 0 ? `node/${NODE} uncordoned\n\n` : `node/${NODE} already uncordoned\n\n`);
  await waitForWorkloadsReady(client, SETTLE_MS);
  write(renderNodeList(await healthView(client, {}), 'table', c));
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description("start the sandbox with the seed runbooks' cluster and run a full maintenance of k8s-node1, explaining each step")
    .option('--exit', 'stop the sandbox right after the maintenance (for scripted checks)')
    .action(async (options: { exit?: boolean }) => {
      // loaded only now: every other command starts without the sandbox and the Kubernetes client
      const { startSandbox } = await import('../sandbox/sandbox.ts');
      const { loadKubeClient } = await import('../kube/client.ts');
      const c = colours(process.stdout);
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kmaint-demo-')), 'kubeconfig');
      const sandbox = await startSandbox({ kubeconfigPath: kubeconfig, scenario: 'seed', timeScale: TIME_SCALE });
      const client = loadKubeClient({ kubeconfig });
      try {
        write(`kmaint sandbox cluster is up at ${sandbox.endpoint.server} (scenario seed: the runbooks' two-node cluster; time runs ${TIME_SCALE}x)\n`);
        write(c.dim('waiting for its pods to start...\n'));
        const { waitForWorkloadsReady } = await import('../ops/node/rehearse.ts');
        await waitForWorkloadsReady(client, SETTLE_MS);
        await runSeedMaintenance(client, c);
        write(
          [
            '',
            `The sandbox keeps running. kubeconfig: ${kubeconfig}`,
            'Try, in another terminal:',
            `  export KUBECONFIG=${kubeconfig}`,
            `  kmaint node drain ${NODE} --ignore-daemonsets --plan          # refused: go-http has no controller`,
            `  kubectl drain ${NODE} --ignore-daemonsets --force             # the same drain with kubectl`,
            '  kmaint node ls',
            '',
            options.exit ? 'stopping (--exit)' : 'Press Ctrl-C to stop.',
            '',
          ].join('\n'),
        );
        if (!options.exit) {
          await new Promise<void>((resolve) => {
            process.once('SIGINT', () => resolve());
            process.once('SIGTERM', () => resolve());
          });
        }
      } finally {
        client.close();
        await sandbox.stop();
      }
    });
}
