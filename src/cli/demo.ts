// `kmaint demo` (what `npm start` runs): start the sandbox with the seed runbooks' cluster and show what to try.

import type { Command } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/sandbox.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description("start the sandbox with the seed runbooks' two-node cluster and show what to try against it")
    .option('--exit', 'stop again right after starting (for scripted checks)')
    .action(async (options: { exit?: boolean }) => {
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kmaint-demo-')), 'kubeconfig');
      const sandbox = await startSandbox({ kubeconfigPath: kubeconfig, scenario: 'seed' });
      const nodes = sandbox.service.store.count('core/nodes');
      process.stdout.write(
        [
          `kmaint sandbox cluster is up at ${sandbox.endpoint.server}`,
          `(scenario seed: the drain transcript's cluster, ${nodes} nodes; its pods start within a few seconds)`,
          `kubeconfig: ${kubeconfig}`,
          '',
          'Try it with kubectl, in another terminal:',
          `  export KUBECONFIG=${kubeconfig}`,
          '  kubectl get nodes',
          '  kubectl get pods -A -o wide',
          '  kubectl drain k8s-node1 --ignore-daemonsets           # refuses: default/go-http has no controller',
          '  kubectl drain k8s-node1 --ignore-daemonsets --force   # evicts 4 pods; they come back on k8s-master',
          '  kubectl uncordon k8s-node1',
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
      await sandbox.stop();
    });
}
