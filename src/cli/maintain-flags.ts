// The flags of `kmaint node maintain|rollout|remove`: declared once for the three commands, checked (a bad
// value is a usage error before anything is read), turned into ops options, and written back as a command line
// for the "to continue" advice and the lock's holder.

import type { Command } from 'commander';
import { DEFAULT_LOCK_SECONDS } from '../domain/nodes/maintenance-lock.ts';
import { parseDailyWindow, WindowError, type DailyWindow } from '../domain/window.ts';
import type { DrainOptions } from '../ops/node/drain.ts';
import type { LockedRunOptions } from '../ops/node/maintenance-lock.ts';
import { localHolder } from '../ops/node/lock-identity.ts';
import type { Continuation } from '../render/maintain-report.ts';
import { globalOptions } from './context.ts';
import { UsageError } from './errors.ts';
import { duration, wholeNumber } from './flag-values.ts';
import { drainOptions, type DrainFlags } from './node-drain.ts';

export interface MaintainFlags extends DrainFlags {
  exec?: string;
  maxUnavailable?: string;
  window?: string;
  readyTimeout: string;
  expectReboot?: boolean;
  lockDuration: string;
  breakLock?: boolean;
  yes?: boolean;
  controlPlane?: boolean;
}

const DEFAULT_READY_TIMEOUT = '10m';
const DEFAULT_LOCK_DURATION = `${DEFAULT_LOCK_SECONDS / 60}m`;

export function addLockFlags(command: Command): Command {
  return command
    .option('--break-lock', 'take the cluster-wide maintenance lock even if another run holds it (that run stops at its next step)')
    .option('--lock-duration <duration>', 'how long the lock outlives this run if it dies without giving it back (renewed every third of it)', DEFAULT_LOCK_DURATION);
}

export function addMaintenanceFlags(command: Command): Command {
  return command
    .requiredOption('--exec <command>', 'the work to do, run through /bin/sh with KMAINT_NODE, NODE_NAME (and KMAINT_NODE_IP) set to the node')
    .option('--expect-reboot', 'the command reboots the node: wait for a new boot id as well (otherwise a Ready posted before it went down could be taken for it being back)')
    .option('--ready-timeout <duration>', "how long the node may take to be back after the command (the API server's time)", DEFAULT_READY_TIMEOUT);
}

export function maintenanceDrainOptions(flags: MaintainFlags): DrainOptions {
  const { dryRun: _dryRun, parallel: _parallel, ...rest } = flags;
  return { ...drainOptions(rest), dryRun: 'none' };
}

export function readyTimeoutMs(flags: MaintainFlags): number {
  const ms = duration('--ready-timeout', flags.readyTimeout);
  if (ms <= 0) throw new UsageError('--ready-timeout: must be more than 0');
  return ms;
}

export function maxUnavailable(flags: MaintainFlags): number {
  return wholeNumber('--max-unavailable', flags.maxUnavailable ?? '1', 1);
}

export function maintenanceWindow(flags: MaintainFlags): DailyWindow | undefined {
  if (flags.window === undefined) return undefined;
  try {
    return parseDailyWindow(flags.window);
  } catch (error) {
    if (error instanceof WindowError) throw new UsageError(`--window: ${error.message}`);
    throw error;
  }
}

/** Quotes a word for a POSIX shell, only when it needs it. */
export function shellQuote(word: string): string {
  return /^[\w@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The lock's holder: this user, host and pid, and the command line as typed. */
export function lockOptions(flags: MaintainFlags): LockedRunOptions {
  const seconds = Math.ceil(duration('--lock-duration', flags.lockDuration) / 1000);
  if (seconds < 3) throw new UsageError('--lock-duration: must be at least 3s');
  return { holder: localHolder(['kmaint', ...process.argv.slice(2)].map(shellQuote).join(' ')), durationSeconds: seconds, breakLock: !!flags.breakLock };
}

/** The operator's flags as arguments again (defaults left out), for the commands that continue a stopped run. */
function flagWords(flags: MaintainFlags, command: Command): string[] {
  const global = globalOptions(command);
  const words: string[] = [];
  if (global.kubeconfig) words.push('--kubeconfig', global.kubeconfig);
  if (global.context) words.push('--context', global.context);
  const booleans: Array<[keyof MaintainFlags, string]> = [
    ['ignoreDaemonsets', '--ignore-daemonsets'],
    ['force', '--force'],
    ['deleteEmptydirData', '--delete-emptydir-data'],
    ['disableEviction', '--disable-eviction'],
    ['waitForReplacements', '--wait-for-replacements'],
    ['expectReboot', '--expect-reboot'],
  ];
  for (const [key, flag] of booleans) if (flags[key]) words.push(flag);
  if (flags.preflight === false) words.push('--no-preflight');
  const valued: Array<[keyof MaintainFlags, string, string | undefined]> = [
    ['gracePeriod', '--grace-period', '-1'],
    ['timeout', '--timeout', '0s'],
    ['podSelector', '--pod-selector', undefined],
    ['forceTerminatingAfter', '--force-terminating-after', undefined],
    ['readyTimeout', '--ready-timeout', DEFAULT_READY_TIMEOUT],
    ['lockDuration', '--lock-duration', DEFAULT_LOCK_DURATION],
  ];
  for (const [key, flag, fallback] of valued) {
    const value = flags[key];
    if (typeof value === 'string' && value !== fallback) words.push(`${flag}=${value}`);
  }
  return words;
}

export function continuation(flags: MaintainFlags, command: Command): Continuation {
  const rest = flagWords(flags, command).map(shellQuote).join(' ');
  const exec = flags.exec !== undefined ? ` --exec ${shellQuote(flags.exec)}` : '';
  const line = (words: string): string => (rest ? `${words} ${rest}` : words);
  return {
    maintain: (node) => line(`kmaint node maintain ${shellQuote(node)}${exec}`),
    rollout: (nodes) => line(`kmaint node rollout ${nodes.map(shellQuote).join(' ')}${exec}${flags.maxUnavailable ? ` --max-unavailable ${flags.maxUnavailable}` : ''}${flags.window ? ` --window ${flags.window}` : ''}`),
    remove: (node) => line(`kmaint node remove ${shellQuote(node)}`),
  };
}
