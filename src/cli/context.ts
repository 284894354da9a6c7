// The global kubectl-style flags (--kubeconfig, --context, -n, --debug) turned into what commands need:
// an API client, a diagnostic logger, the -o format.

import type { Command } from 'commander';
import pkg from '../../package.json' with { type: 'json' };
import type { DebugLogger, KubeClient } from '../kube/client.ts';
import { OutputFormatError, parseOutputFormat, type OutputFormat } from '../render/output.ts';
import { UsageError } from './errors.ts';

export const CLIENT_VERSION: string = pkg.version;

export interface GlobalOptions {
  kubeconfig?: string;
  context?: string;
  namespace?: string;
  debug?: boolean;
}

export function globalOptions(command: Command): GlobalOptions {
  return command.optsWithGlobals() as GlobalOptions;
}

/** pino on stderr with --debug; nothing otherwise. */
export async function debugLogger(debug: boolean | undefined): Promise<DebugLogger | undefined> {
  if (!debug) return undefined;
  const { pino } = await import('pino');
  const logger = pino({ level: 'debug', base: undefined }, pino.destination({ dest: 2, sync: true }));
  return { debug: (fields, message) => logger.debug(fields, message) };
}

/** The client for the global flags; client-node is loaded only now, so commands that need no server start fast. */
export async function kubeClientFor(command: Command): Promise<KubeClient> {
  const options = globalOptions(command);
  const { loadKubeClient } = await import('../kube/client.ts');
  return loadKubeClient({
    kubeconfig: options.kubeconfig,
    context: options.context,
    namespace: options.namespace,
    userAgent: `kmaint/v${CLIENT_VERSION} (${process.platform}/${process.arch}) node/${process.version}`,
    logger: await debugLogger(options.debug),
  });
}

/** The -o value checked against what the command supports; a wrong one is a usage error (exit 2). */
export function outputFormat(value: string | undefined, allowed: readonly OutputFormat[]): OutputFormat {
  try {
    return parseOutputFormat(value, allowed);
  } catch (error) {
    if (error instanceof OutputFormatError) throw new UsageError(error.message);
    throw error;
  }
}
