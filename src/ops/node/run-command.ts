// The operator's maintenance command (--exec CMD), run through the shell as system(3) would, with the node it
// is for in its environment, its output passed on line by line (so a rollout can tell nodes apart and -o json
// stays JSON). It is never killed by kmaint: a half-done upgrade is worse than a late one; Ctrl-C reaches it
// through the terminal as it reaches kmaint.

import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

export interface CommandResult {
  /** the exit code; null when a signal ended it or it could not start */
  code: number | null;
  signal: NodeJS.Signals | null;
  seconds: number;
  /** why it could not start (no shell, say) */
  error?: string;
}

export interface CommandOptions {
  /** added to kmaint's own environment */
  env: Record<string, string>;
  onLine?: (stream: 'out' | 'err', line: string) => void;
}

export function commandSucceeded(result: CommandResult): boolean {
  return result.code === 0 && !result.error;
}

/** "exited with code 3", "was killed by SIGKILL", "could not start: ..." */
export function describeCommandResult(result: CommandResult): string {
  if (result.error) return `could not start: ${result.error}`;
  if (result.signal) return `was killed by ${result.signal}`;
  return `exited with code ${result.code}`;
}

/** Environment for the command on one node: KMAINT_NODE and NODE_NAME, and KMAINT_NODE_IP when the node has an InternalIP. */
export function nodeEnvironment(node: string, internalIp?: string): Record<string, string> {
  return { KMAINT_NODE: node, NODE_NAME: node, ...(internalIp ? { KMAINT_NODE_IP: internalIp } : {}) };
}

export function runShellCommand(command: string, options: CommandOptions): Promise<CommandResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const child = spawn('/bin/sh', ['-c', command], { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let startError: string | undefined;
    const streams = [
      ['out', child.stdout],
      ['err', child.stderr],
    ] as const;
    const closed = streams.map(
      ([name, stream]) =>
        new Promise<void>((done) => {
          const lines = createInterface({ input: stream, crlfDelay: Infinity });
          lines.on('line', (line) => options.onLine?.(name, line));
          lines.on('close', done);
        }),
    );
    child.on('error', (error) => (startError = error.message));
    child.on('close', (code, signal) => {
      void Promise.all(closed).then(() => resolve({ code: startError ? null : code, signal, seconds: (Date.now() - started) / 1000, error: startError }));
    });
  });
}
