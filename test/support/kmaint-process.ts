// A kmaint command left running in the background (a maintenance holding its lock while another one is tried),
// with what it has printed so far and a way to wait for a line.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Run } from './kmaint.ts';
import { sharedBundle } from './cli-bundle.ts';
import { childOutput } from './child-output.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));

export interface KmaintProcess {
  readonly pid: number;
  readonly stdout: string;
  readonly stderr: string;
  /** resolves once stdout + stderr match, or rejects after timeoutMs (or when it exits first) with what it printed */
  waitFor(pattern: RegExp, timeoutMs?: number): Promise<void>;
  readonly exited: Promise<Run>;
}

/** Like kmaint() in kmaint.ts (the same bundle, environment and kubeconfig), without waiting for it to end. */
export async function startKmaint(sandbox: { kubeconfig: string; dir: string }, ...args: string[]): Promise<KmaintProcess> {
  const child = spawn(process.execPath, [await sharedBundle(), ...args, '--kubeconfig', sandbox.kubeconfig], {
    cwd: root,
    env: { ...process.env, HOME: sandbox.dir, KUBECONFIG: '', NO_COLOR: '1', FORCE_COLOR: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = childOutput(child, `kmaint ${args.join(' ')}`);
  return {
    pid: child.pid as number,
    get stdout() {
      return output.stdout;
    },
    get stderr() {
      return output.stderr;
    },
    exited: output.closed.then(({ code }) => ({ code: code ?? 1, stdout: output.stdout, stderr: output.stderr })),
    waitFor: (pattern, timeoutMs = 30_000) => output.waitFor((stdout, stderr) => pattern.test(stdout + stderr), String(pattern), timeoutMs),
  };
}
