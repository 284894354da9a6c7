// What a child process has printed so far, and a way to wait until it prints something: shared by the
// background kubectl and kmaint processes of the end-to-end tests.

import type { ChildProcess } from 'node:child_process';

export interface ChildOutput {
  readonly stdout: string;
  readonly stderr: string;
  /** resolves at the child's exit, with its code or signal */
  readonly closed: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /**
   * Resolves once `test` holds for the output so far; rejects when the child exits first or after timeoutMs,
   * with `what` it waited for and everything it printed.
   */
  waitFor(test: (stdout: string, stderr: string) => boolean, what: string, timeoutMs: number): Promise<void>;
}

/** Collects the output of a child started with piped stdout and stderr; `label` names it in errors. */
export function childOutput(child: ChildProcess, label: string): ChildOutput {
  let stdout = '';
  let stderr = '';
  let done = false;
  const listeners = new Set<() => void>();
  const changed = (): void => {
    for (const listener of listeners) listener();
  };
  child.stdout!.on('data', (chunk) => {
    stdout += chunk;
    changed();
  });
  child.stderr!.on('data', (chunk) => {
    stderr += chunk;
    changed();
  });
  const closed = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.on('close', (code, signal) => {
      done = true;
      changed();
      resolve({ code, signal });
    });
  });
  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    closed,
    waitFor(test, what, timeoutMs) {
      const printed = (): string => `\n--- stdout\n${stdout}--- stderr\n${stderr}`;
      return new Promise((resolve, reject) => {
        const finish = (error?: Error): void => {
          clearTimeout(timer);
          listeners.delete(check);
          if (error) reject(error);
          else resolve();
        };
        const check = (): void => {
          if (test(stdout, stderr)) finish();
          else if (done) finish(new Error(`${label} exited before printing ${what}${printed()}`));
        };
        const timer = setTimeout(() => finish(new Error(`timed out waiting for ${what} from ${label}${printed()}`)), timeoutMs);
        listeners.add(check);
        check();
      });
    },
  };
}
