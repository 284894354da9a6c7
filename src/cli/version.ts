// `kmaint version`: the client's version and the server's (GET /version, which needs no credentials).

import type { Command } from 'commander';
import { toJson, toYaml } from '../render/output.ts';
import { errorMessage } from '../render/errors.ts';
import { CliError } from './errors.ts';
import { CLIENT_VERSION, kubeClientFor, outputFormat } from './context.ts';

export interface ServerVersion {
  major?: string;
  minor?: string;
  gitVersion?: string;
  platform?: string;
  [key: string]: unknown;
}

export function clientVersion(): Record<string, string> {
  const [major, minor] = CLIENT_VERSION.split('.');
  return { major, minor, gitVersion: `v${CLIENT_VERSION}`, nodeVersion: process.version, platform: `${process.platform}/${process.arch}` };
}

function render(format: string, client: Record<string, string>, server?: ServerVersion): string {
  if (format === 'json') return toJson(server ? { clientVersion: client, serverVersion: server } : { clientVersion: client });
  if (format === 'yaml') return toYaml(server ? { clientVersion: client, serverVersion: server } : { clientVersion: client });
  return `Client Version: ${client.gitVersion}\n` + (server ? `Server Version: ${server.gitVersion ?? `v${server.major}.${server.minor}`}\n` : '');
}

export function registerVersion(program: Command): void {
  program
    .command('version')
    .description('print the client and server versions')
    .option('-o, --output <format>', 'json or yaml (default: text)')
    .option('--client', 'print the client version only')
    .action(async (options: { output?: string; client?: boolean }, command: Command) => {
      const format = outputFormat(options.output, ['table', 'json', 'yaml']);
      const client = clientVersion();
      if (options.client) {
        process.stdout.write(render(format, client));
        return;
      }
      // a kubeconfig that cannot be used is the whole answer, as in kubectl
      const kube = await kubeClientFor(command);
      let server: ServerVersion;
      try {
        server = await kube.request<ServerVersion>('GET', '/version', { accept: 'application/json, */*', query: { timeout: '32s' }, timeoutMs: 32_000 });
      } catch (error) {
        process.stdout.write(render(format, client));
        throw new CliError(errorMessage(error));
      } finally {
        kube.close();
      }
      process.stdout.write(render(format, client, server));
    });
}
