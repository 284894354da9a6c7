// kmaint's entry point: global kubectl-style flags, the command groups, and error handling with exit codes.

import { Command, CommanderError } from 'commander';
import { formatError } from '../render/errors.ts';
import { CliError, EXIT_ERROR, EXIT_USAGE } from './errors.ts';
import { registerDemo } from './demo.ts';
import { registerSandbox } from './sandbox.ts';
import { registerVersion } from './version.ts';
import { registerApiResources } from './api-resources.ts';
import { registerNode } from './node.ts';

export function buildProgram(): Command {
  const program = new Command('kmaint')
    .description('Kubernetes cluster maintenance, planned before it acts')
    .version('0.1.0')
    .option('--kubeconfig <file>', 'path to the kubeconfig file (default: $KUBECONFIG or ~/.kube/config)')
    .option('--context <name>', 'the kubeconfig context to use')
    .option('-n, --namespace <ns>', 'namespace scope of the request')
    .option('--debug', 'print diagnostic logs and stack traces to stderr')
    .showHelpAfterError()
    .exitOverride();
  registerSandbox(program);
  registerVersion(program);
  registerApiResources(program);
  registerDemo(program);
  registerNode(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    process.stderr.write(formatError(error, { debug: argv.includes('--debug') }));
    return error instanceof CliError ? error.exitCode : EXIT_ERROR;
  }
}

process.exitCode = await main(process.argv);
