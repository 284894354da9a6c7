// A kmaint command left running in the background (a maintenance holding its lock while another one is tried),
// with what it has printed so far and a way to wait for a line.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { Run } from './kmaint.ts';
import { sharedBundle } from './cli-bundle.ts';

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
  let stdout = '';
  let stderr = '';
  let done = false;
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    changed();
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    changed();
  });
  const exited = new Promise<Run>((resolve) => {
    child.on('close', (code) => {
      done = true;
      changed();
      resolve({ code: code ?? 1, stdout, stderr });
    });
  });
  return {
    pid: child.pid as number,
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitFor(pattern, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (pattern.test(stdout + stderr)) finish();
          else if (done) finish(new Error(`kmaint ${args.join(' ')} exited before printing ${pattern}\n--- stdout\n${stdout}--- stderr\n${stderr}`));
        };
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${pattern} from kmaint ${args.join(' ')}\n--- stdout\n${stdout}--- stderr\n${stderr}`)), timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
