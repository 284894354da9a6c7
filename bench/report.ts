// What every benchmark hands back, how it is written to bench/results/<name>.json and printed.

import { spawnSync } from 'node:child_process';
import { cpus, loadavg, release, totalmem } from 'node:os';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface Goal {
  op: '>=' | '<=' | '==';
  value: number;
}

export interface Figure {
  id: string;
  label: string;
  /** the median over rounds where there are rounds */
  value: number;
  unit: string;
  goal?: Goal;
  pass?: boolean;
  /** the rounds, spreads and side figures behind the value */
  context?: Record<string, unknown>;
}

export interface Environment {
  /** the code measured: `git describe --always --dirty`, or $KMAINT_REVISION where there is no git checkout */
  revision: string;
  node: string;
  cpuModel: string;
  cpus: number;
  totalMemoryGiB: number;
  kernel: string;
  /** 1-minute load average before and after: how busy the (shared) machine was */
  loadAverage: { before: number; after?: number };
}

export interface BenchResult {
  name: string;
  command: string;
  startedAt: string;
  durationSeconds: number;
  environment: Environment;
  inputs: Record<string, unknown>;
  figures: Figure[];
  /** figures that compare two things measured side by side in the same run */
  ratios: Record<string, number>;
  details: Record<string, unknown>;
  pass: boolean;
}

export interface BenchOptions {
  /** flags after the benchmark names, e.g. --profile */
  flags: string[];
}

export interface Benchmark {
  run(options: BenchOptions): Promise<BenchResult>;
}

export const RESULTS_DIR = join(dirname(fileURLToPath(import.meta.url)), 'results');

function revision(): string {
  if (process.env.KMAINT_REVISION) return process.env.KMAINT_REVISION;
  const git = spawnSync('git', ['describe', '--always', '--dirty'], { cwd: dirname(fileURLToPath(import.meta.url)), encoding: 'utf8' });
  return git.status === 0 ? git.stdout.trim() : 'unknown';
}

export function environment(): Environment {
  return {
    revision: revision(),
    node: process.version,
    cpuModel: cpus()[0]?.model ?? 'unknown',
    cpus: cpus().length,
    totalMemoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    kernel: release(),
    loadAverage: { before: loadavg()[0] },
  };
}

export function median(values: number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function figure(id: string, label: string, value: number, unit: string, goal?: Goal, context?: Record<string, unknown>): Figure {
  const result: Figure = { id, label, value, unit };
  if (goal) {
    result.goal = goal;
    result.pass = Number.isFinite(value) && (goal.op === '>=' ? value >= goal.value : goal.op === '<=' ? value <= goal.value : value === goal.value);
  }
  if (context) result.context = context;
  return result;
}

export async function writeResult(result: BenchResult): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, `${result.name}.json`);
  await writeFile(path, JSON.stringify(result, null, 2) + '\n');
  return path;
}

function formatNumber(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Number.isInteger(value)) return value.toLocaleString('en-US');
  const digits = Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : Math.abs(value) >= 1 ? 2 : 3;
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** A short plain-text table: figure, value, goal, pass. */
export function formatTable(result: BenchResult): string {
  const rows = [['figure', 'value', 'goal', 'result']];
  for (const f of result.figures) {
    const unit = f.unit ? ` ${f.unit}` : '';
    rows.push([f.label, `${formatNumber(f.value)}${unit}`, f.goal ? `${f.goal.op} ${formatNumber(f.goal.value)}${unit}` : '', f.goal ? (f.pass ? 'pass' : 'FAIL') : '']);
  }
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  const line = (row: string[]): string => row.map((cell, column) => (column === 1 ? cell.padStart(widths[column]) : cell.padEnd(widths[column]))).join('  ').trimEnd();
  const env = result.environment;
  return [
    `${result.name}: ${result.pass ? 'all goals met' : 'GOALS MISSED'} in ${result.durationSeconds.toFixed(0)} s  (node ${env.node}, ${env.cpus} x ${env.cpuModel}, load ${env.loadAverage.before.toFixed(2)} -> ${env.loadAverage.after?.toFixed(2) ?? '?'})`,
    line(rows[0]),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.slice(1).map(line),
  ].join('\n');
}

/** `--some-input=N` flags as overrides of the benchmark's numeric inputs (camelCase keys); others are ignored. */
export function numericOverrides(flags: readonly string[], inputs: Record<string, unknown>): Record<string, number> {
  const overrides: Record<string, number> = {};
  for (const flag of flags) {
    const match = /^--([a-z-]+)=(\d+(?:\.\d+)?)$/.exec(flag);
    const key = match?.[1].replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    if (match && key && key in inputs) overrides[key] = Number(match[2]);
  }
  return overrides;
}
