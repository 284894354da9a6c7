// Flag values checked before anything is read: a bad one is a usage error (exit 2) naming the flag.

import { DurationError, parseGoDuration } from '../domain/duration.ts';
import { UsageError } from './errors.ts';

export function wholeNumber(flag: string, value: string, min: number): number {
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < min) throw new UsageError(`${flag}: "${value}" is not a whole number${min > 0 ? ` of at least ${min}` : min === 0 ? ' (0 or more)' : ''}`);
  return parsed;
}

/** A Go duration (90s, 5m, 1h30m) in milliseconds. */
export function duration(flag: string, value: string): number {
  try {
    return parseGoDuration(value);
  } catch (error) {
    if (error instanceof DurationError) throw new UsageError(`${flag}: ${error.message}`);
    throw error;
  }
}
