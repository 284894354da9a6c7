// `kmaint sandbox node stop|start|reboot NAME`: rehearse node failures on a sandbox's simulated nodes. Each
// sets an annotation the simulated kubelet acts on, through the API, so it works on any running sandbox.

import type { Command } from 'commander';
import { existsSync } from 'node:fs';
import { isNotFound } from '../kube/errors.ts';
import { mergePatch } from '../kube/patch.ts';
import type { KubeObject } from '../domain/object.ts';
import { CLIENT_VERSION, debugLogger, globalOptions } from './context.ts';
import { CliError } from './errors.ts';
import { DEFAULT_SANDBOX_KUBECONFIG } from './sandbox.ts';

const SIMULATED = 'sandbox.kmaint.io/simulated';
const KUBELET_STATE = 'sandbox.kmaint.io/kubelet';
const REBOOT = 'sandbox.kmaint.io/reboot';

type Action = 'stop' | 'start' | 'reboot';

const DESCRIPTIONS: Record<Action, string> = {
  stop: "stop a simulated node's kubelet: no more Lease renewals or status; Unknown after 40s, pods evicted after their toleration (300s)",
  start: "start a simulated node's kubelet again: the node turns Ready and its taints go",
  reboot: 'reboot a simulated node: NotReady briefly, a new boot id, every container restarts',
};

/** The annotations each action sets, and what to print once it is done. */
export function actionPatch(action: Action, node: KubeObject, now: Date): { annotations: Record<string, string> | null; message: string } {
  const name = node.metadata.name as string;
  const state = node.metadata.annotations?.[KUBELET_STATE];
  switch (action) {
    case 'stop':
      if (state === 'stopped') return { annotations: null, message: `node/${name} kubelet already stopped\n` };
      return {
        annotations: { [KUBELET_STATE]: 'stopped' },
        message: `node/${name} kubelet stopped: no Lease renewals or status from now on\n` +
          `  the node goes Unknown after 40s and gets the unreachable taints; its pods are evicted after their tolerationSeconds (300s by default)\n` +
          `  bring it back with: kmaint sandbox node start ${name}\n`,
      };
    case 'start':
      if (state !== 'stopped') return { annotations: null, message: `node/${name} kubelet already running\n` };
      return { annotations: { [KUBELET_STATE]: 'running' }, message: `node/${name} kubelet started: the node reports Ready again and its lifecycle taints go\n` };
    case 'reboot':
      if (state === 'stopped') throw new CliError(`node/${name} cannot reboot while its kubelet is stopped; see: kmaint sandbox node start ${name}`);
      return {
        annotations: { [REBOOT]: now.toISOString() },
        message: `node/${name} rebooting: NotReady for a short while, then Ready with a new boot id; its containers restart\n`,
      };
  }
}

export function registerSandboxNode(sandboxCommand: Command): void {
  const group = sandboxCommand.command('node').description('rehearse node failures on simulated sandbox nodes (stop, start, reboot)');
  for (const action of ['stop', 'start', 'reboot'] as const) {
    group
      .command(`${action} <name>`)
      .description(DESCRIPTIONS[action])
      .action(async (name: string, _options: unknown, command: Command) => {
        const options = globalOptions(command);
        // without --kubeconfig or $KUBECONFIG, the sandbox's own kubeconfig (what `kmaint sandbox up` wrote)
        const kubeconfig = options.kubeconfig ?? (!process.env.KUBECONFIG && existsSync(DEFAULT_SANDBOX_KUBECONFIG) ? DEFAULT_SANDBOX_KUBECONFIG : undefined);
        const { loadKubeClient } = await import('../kube/client.ts');
        const client = loadKubeClient({
          kubeconfig,
          context: options.context,
          userAgent: `kmaint/v${CLIENT_VERSION} (${process.platform}/${process.arch}) node/${process.version}`,
          logger: await debugLogger(options.debug),
        });
        const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
        let node: KubeObject;
        try {
          node = await client.request<KubeObject>('GET', path);
        } catch (error) {
          if (isNotFound(error)) throw new CliError(`node "${name}" not found; see: kubectl get nodes`);
          throw error;
        }
        if (node.metadata.annotations?.[SIMULATED] !== 'true') {
          throw new CliError(`node "${name}" is not a simulated sandbox node (annotation ${SIMULATED} is not "true"): only those can be stopped, started or rebooted`);
        }
        const { annotations, message } = actionPatch(action, node, new Date());
        if (annotations) await mergePatch(client, path, { metadata: { annotations } }, { fieldManager: 'kmaint-sandbox' });
        process.stdout.write(message);
      });
  }
}

