// `kmaint sandbox ...`: run the embedded cluster.

import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, startSandbox } from '../sandbox/sandbox.ts';
import { UsageError } from './errors.ts';

export const DEFAULT_SANDBOX_KUBECONFIG = join(homedir(), '.kmaint', 'sandbox', 'kubeconfig');

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${value}"`);
  return port;
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('run the embedded sandbox cluster (a Kubernetes API server that kubectl accepts)');
  sandbox
    .command('up')
    .description('start the sandbox and serve until interrupted (Ctrl-C)')
    .option('--scenario <name>', `cluster to start with (${SCENARIOS.join(', ')})`, 'empty')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', parsePort, 0)
    .option('--write-kubeconfig <file>', 'where to write the kubeconfig', DEFAULT_SANDBOX_KUBECONFIG)
    .option('--data <dir>', 'keep the cluster state in this directory across restarts')
    .option('--repair-torn-tail', "drop a data dir's torn final record (a write interrupted before it was acknowledged)")
    .action(async (options: { scenario: string; port: number; writeKubeconfig: string; data?: string; repairTornTail?: boolean }) => {
      if (!(SCENARIOS as readonly string[]).includes(options.scenario)) {
        throw new UsageError(`unknown scenario "${options.scenario}"; available: ${SCENARIOS.join(', ')}`);
      }
      const running = await startSandbox({
        port: options.port,
        dataDir: options.data,
        scenario: options.scenario,
        kubeconfigPath: options.writeKubeconfig,
        repairTornTail: options.repairTornTail,
      });
      process.stdout.write(
        `sandbox cluster serving at ${running.endpoint.server} (scenario ${options.scenario}${options.data ? `, data in ${options.data}` : ''})\n` +
          `kubeconfig: ${options.writeKubeconfig}\n` +
          `try:        kubectl --kubeconfig ${options.writeKubeconfig} get namespaces\n` +
          `stop with Ctrl-C\n`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      process.stdout.write('stopping sandbox...\n');
      await running.stop();
    });
}
