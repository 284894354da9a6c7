// kmaint's entry point: global kubectl-style flags, the command groups, and error handling with exit codes.

import { Command, CommanderError } from 'commander';
import { CliError, EXIT_ERROR, EXIT_USAGE } from './errors.ts';
import { registerDemo } from './demo.ts';
import { registerSandbox } from './sandbox.ts';

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
  registerDemo(program);
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
    const debug = argv.includes('--debug');
    if (error instanceof CliError) {
      process.stderr.write(`error: ${error.message}\n`);
      if (debug && error.stack) process.stderr.write(error.stack + '\n');
      return error.exitCode;
    }
    process.stderr.write(`error: ${(error as Error).message ?? String(error)}\n`);
    if (debug && (error as Error).stack) process.stderr.write((error as Error).stack + '\n');
    return EXIT_ERROR;
  }
}

process.exitCode = await main(process.argv);
