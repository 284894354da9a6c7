// What a drain has done so far, in ~/.kmaint/drains/: the command (nodes and flags) and each node's outcome,
// written as it goes. `kmaint node drain --resume` re-runs an interrupted drain from it; re-running the same
// command works too, since a drain is idempotent: drained nodes are found empty, evicted pods are gone.

import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { NodeOutcome } from './drain-events.ts';

export interface DrainJournal {
  version: 1;
  server: string;
  context: string;
  startedAt: string;
  updatedAt: string;
  status: 'running' | 'drained' | 'failed' | 'interrupted';
  /** the nodes as named, or the selector */
  names: string[];
  selector?: string;
  /** the command's flags, to run it again */
  flags: Record<string, unknown>;
  nodes: Record<string, NodeOutcome>;
}

export class JournalError extends Error {}

/** One journal per cluster and context: the last drain there. */
export function journalPath(server: string, context: string, home: string = homedir()): string {
  const key = createHash('sha256').update(`${server}\0${context}`).digest('hex').slice(0, 16);
  return join(home, '.kmaint', 'drains', `${key}.json`);
}

export function readJournal(path: string): DrainJournal | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new JournalError(`cannot read the drain journal ${path}: ${(error as Error).message}`);
  }
  try {
    const journal = JSON.parse(text) as DrainJournal;
    if (journal.version !== 1 || !Array.isArray(journal.names) || typeof journal.nodes !== 'object') throw new Error('not a kmaint drain journal');
    return journal;
  } catch (error) {
    throw new JournalError(`the drain journal ${path} is damaged (${(error as Error).message}); delete it and run the drain command again`);
  }
}

/** Written to a temporary file and renamed, so a crash never leaves half a journal. */
export function writeJournal(path: string, journal: DrainJournal): void {
  mkdirSync(join(path, '..'), { recursive: true });
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, JSON.stringify({ ...journal, updatedAt: new Date().toISOString() }, null, 2) + '\n');
  renameSync(temporary, path);
}
