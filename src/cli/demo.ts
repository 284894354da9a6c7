// `kmaint demo` (what `npm start` runs): start the sandbox and show how to reach it with kubectl.

import type { Command } from 'commander';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSandbox } from '../sandbox/sandbox.ts';

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start the sandbox cluster and show what to try against it')
    .option('--exit', 'stop again right after starting (for scripted checks)')
    .action(async (options: { exit?: boolean }) => {
      const kubeconfig = join(mkdtempSync(join(tmpdir(), 'kmaint-demo-')), 'kubeconfig');
      const sandbox = await startSandbox({ kubeconfigPath: kubeconfig });
      const namespaces = sandbox.service.store.count('core/namespaces');
      process.stdout.write(
        [
          `kmaint sandbox cluster is up at ${sandbox.endpoint.server} (${namespaces} namespaces)`,
          `kubeconfig: ${kubeconfig}`,
          '',
          'Try it with kubectl, in another terminal:',
          `  export KUBECONFIG=${kubeconfig}`,
          '  kubectl get namespaces',
          '  kubectl create deployment web --image=nginx:1.27 --replicas=2',
          '  kubectl get deployments -o wide',
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
