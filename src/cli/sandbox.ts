// `kmaint sandbox ...`: run the embedded cluster.

import type { Command } from 'commander';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { SCENARIOS, startSandbox } from '../sandbox/sandbox.ts';
import { FAULT_USAGE, FaultSpecError, parseFaultSpec } from '../sandbox/apiserver/faults.ts';
import type { Scenario } from '../sandbox/scenarios/format.ts';
import { readScenario, ScenarioError } from '../sandbox/scenarios/loader.ts';
import { UsageError } from './errors.ts';
import { registerSandboxNode } from './sandbox-node.ts';

export const DEFAULT_SANDBOX_KUBECONFIG = join(homedir(), '.kmaint', 'sandbox', 'kubeconfig');

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a number from 0 to 65535, got "${value}"`);
  return port;
}

function parseTimeScale(value: string): number {
  const scale = Number(value);
  if (!Number.isFinite(scale) || scale <= 0) throw new UsageError(`--time-scale must be a positive number, got "${value}"`);
  return scale;
}

function collectParam(value: string, params: Record<string, string>): Record<string, string> {
  const eq = value.indexOf('=');
  if (eq <= 0) throw new UsageError(`--param must be NAME=VALUE, got "${value}"`);
  return { ...params, [value.slice(0, eq)]: value.slice(eq + 1) };
}

interface UpOptions {
  scenario: string;
  param: Record<string, string>;
  poolNodes?: string;
  poolPodsPerNode?: string;
  timeScale: number;
  faults?: string;
  port: number;
  writeKubeconfig: string;
  data?: string;
  repairTornTail?: boolean;
}

export function registerSandbox(program: Command): void {
  const sandbox = program.command('sandbox').description('run the embedded sandbox cluster (a Kubernetes API server that kubectl accepts)');
  registerSandboxNode(sandbox);
  sandbox
    .command('up')
    .description('start the sandbox and serve until interrupted (Ctrl-C)')
    .option('--scenario <name|file>', `cluster to start with: ${SCENARIOS.join(', ')}, or a scenario YAML file`, 'empty')
    .option('--param <name=value>', "set a scenario parameter (repeatable), e.g. --param nodes=10", collectParam, {})
    .option('--pool-nodes <n>', 'pool scenario: number of workers (--param nodes=N)')
    .option('--pool-pods-per-node <n>', 'pool scenario: pods per worker (--param podsPerNode=N)')
    .option('--time-scale <factor>', 'simulated seconds per real second for controllers and kubelets', parseTimeScale, 1)
    .option('--faults <spec>', `inject API faults: ${FAULT_USAGE}`)
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', parsePort, 0)
    .option('--write-kubeconfig <file>', 'where to write the kubeconfig', DEFAULT_SANDBOX_KUBECONFIG)
    .option('--data <dir>', 'keep the cluster state in this directory across restarts')
    .option('--repair-torn-tail', "drop a data dir's torn final record (a write interrupted before it was acknowledged)")
    .action(async (options: UpOptions) => {
      const params = { ...options.param };
      if (options.poolNodes !== undefined) params.nodes = options.poolNodes;
      if (options.poolPodsPerNode !== undefined) params.podsPerNode = options.poolPodsPerNode;
      if ((options.poolNodes !== undefined || options.poolPodsPerNode !== undefined) && options.scenario !== 'pool') {
        throw new UsageError(`--pool-nodes and --pool-pods-per-node apply to --scenario pool, not "${options.scenario}"`);
      }
      let scenario: Scenario;
      try {
        scenario = readScenario(options.scenario, params);
      } catch (error) {
        if (error instanceof ScenarioError) throw new UsageError(error.message);
        throw error;
      }
      if (options.faults !== undefined) {
        try {
          parseFaultSpec(options.faults);
        } catch (error) {
          if (error instanceof FaultSpecError) throw new UsageError(`--faults: ${error.message}; expected ${FAULT_USAGE}`);
          throw error;
        }
      }
      const running = await startSandbox({
        port: options.port,
        dataDir: options.data,
        scenario,
        kubeconfigPath: options.writeKubeconfig,
        repairTornTail: options.repairTornTail,
        timeScale: options.timeScale,
        faults: options.faults,
      });
      const loaded = running.scenario;
      const what = loaded ? `scenario ${scenario.name}: ${scenario.description ?? ''}`.replace(/: $/, '') : `the cluster in ${options.data}`;
      process.stdout.write(
        `sandbox cluster serving at ${running.endpoint.server} (${what}${options.data && loaded ? `, data in ${options.data}` : ''})\n` +
          (options.timeScale !== 1 ? `time runs ${options.timeScale}x faster than real time\n` : '') +
          (options.faults ? `injecting faults: ${options.faults} (counts at ${running.endpoint.server}/debug/faults)\n` : '') +
          `kubeconfig: ${options.writeKubeconfig}\n` +
          `try:        kubectl --kubeconfig ${options.writeKubeconfig} get ${scenario.nodes?.length || scenario.generate?.length ? 'nodes' : 'namespaces'}\n` +
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
