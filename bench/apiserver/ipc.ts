// Request/reply over a child process's IPC channel, for the benchmark's server and client processes.

import { spawn, type ChildProcess } from 'node:child_process';

interface Reply {
  id: number;
  ok: boolean;
  result?: unknown;
  error?: string;
}

export interface Command {
  cmd: string;
  [key: string]: unknown;
}

/** The parent's handle on a benchmark child process. */
export class Child {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (value: any) => void; reject: (error: Error) => void }>();
  private exited = false;

  private constructor(readonly name: string, readonly process: ChildProcess) {
    process.on('message', (message: Reply) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if (message.ok) waiter.resolve(message.result);
      else waiter.reject(new Error(`${name}: ${message.error}`));
    });
    process.on('exit', (code, signal) => {
      this.exited = true;
      for (const waiter of this.waiting.values()) waiter.reject(new Error(`${name} exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  /**
   * Starts `node [--import tsx] <script> <args>`, pinned to one CPU with taskset when `cpu` is given, so the
   * server under test and the load generator each have a core of their own.
   */
  static start(name: string, script: string, args: string[], options: { cpu?: number; nodeFlags?: string[] } = {}): Child {
    // TypeScript runs through tsx; a bundled .mjs runs as it is
    const loader = script.endsWith('.ts') ? ['--import', 'tsx'] : [];
    const nodeArgs = [...(options.nodeFlags ?? []), ...loader, script, ...args];
    const [command, argv] = options.cpu === undefined
      ? [process.execPath, nodeArgs]
      : ['taskset', ['-c', String(options.cpu), process.execPath, ...nodeArgs]];
    const child = spawn(command, argv, { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    return new Child(name, child);
  }

  get pid(): number {
    return this.process.pid as number;
  }

  call<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    if (this.exited) return Promise.reject(new Error(`${this.name} has exited`));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.process.send({ id, cmd, ...args });
    });
  }

  async stop(): Promise<void> {
    if (this.exited) return;
    const exited = new Promise<void>((resolve) => this.process.once('exit', () => resolve()));
    try {
      await Promise.race([this.call('exit'), exited]);
    } catch {
      // it exits while answering
    }
    const timer = setTimeout(() => this.process.kill('SIGKILL'), 5000);
    await exited;
    clearTimeout(timer);
  }
}

/** The child's side: answers the parent's commands with the given handlers; "exit" ends the process. */
export function serveCommands(handlers: Record<string, (command: Command) => unknown>): void {
  process.on('message', (message: Command & { id: number }) => {
    if (message.cmd === 'exit') {
      process.send?.({ id: message.id, ok: true }, () => process.exit(0));
      return;
    }
    const handler = handlers[message.cmd];
    Promise.resolve()
      .then(() => {
        if (!handler) throw new Error(`unknown command ${message.cmd}`);
        return handler(message);
      })
      .then(
        (result) => process.send?.({ id: message.id, ok: true, result }),
        (error: Error) => process.send?.({ id: message.id, ok: false, error: error.stack ?? String(error) }),
      );
  });
  // the parent going away ends the child too
  process.on('disconnect', () => process.exit(0));
}

/** Resident set size of a process, from /proc/<pid>/status (Linux). */
export async function residentBytes(pid: number | 'self' = 'self'): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+) kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}
