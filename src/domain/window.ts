// A daily maintenance window such as "22:00-06:00": when a rollout may start its next batch. Times are wall-clock
// times in the local time zone of the Date values passed in; a window whose end is earlier than its start wraps
// past midnight. A batch only has to start inside the window (as kured's and system-upgrade-controller's
// windows): one that started at 05:59 in "22:00-06:00" is allowed to finish after 06:00.

export class WindowError extends Error {}

export interface DailyWindow {
  /** minutes after local midnight when the window opens (inclusive) */
  startMinute: number;
  /** minutes after local midnight when it closes (exclusive) */
  endMinute: number;
  /** as the operator wrote it, normalised to HH:MM-HH:MM */
  text: string;
}

const MINUTES_PER_DAY = 24 * 60;

function clockMinute(part: string, whole: string): number {
  const match = /^(\d{1,2}):(\d{2})$/.exec(part.trim());
  const hours = match ? Number(match[1]) : NaN;
  const minutes = match ? Number(match[2]) : NaN;
  // 24:00 is accepted as an end ("20:00-24:00"), which is midnight
  if (!match || minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) {
    throw new WindowError(`invalid window "${whole}": use HH:MM-HH:MM in local time, e.g. 22:00-06:00`);
  }
  return (hours * 60 + minutes) % MINUTES_PER_DAY;
}

function hhmm(minute: number): string {
  return `${String(Math.floor(minute / 60)).padStart(2, '0')}:${String(minute % 60).padStart(2, '0')}`;
}

export function parseDailyWindow(text: string): DailyWindow {
  const parts = text.split('-');
  if (parts.length !== 2) throw new WindowError(`invalid window "${text}": use HH:MM-HH:MM in local time, e.g. 22:00-06:00`);
  const startMinute = clockMinute(parts[0], text);
  const endMinute = clockMinute(parts[1], text);
  // an empty window would never open; a whole-day one is no window at all: both are mistakes worth naming
  if (startMinute === endMinute) throw new WindowError(`invalid window "${text}": it opens and closes at the same time; leave --window out to start batches at any time`);
  return { startMinute, endMinute, text: `${hhmm(startMinute)}-${hhmm(endMinute)}` };
}

function minuteOfDay(at: Date): number {
  return at.getHours() * 60 + at.getMinutes();
}

export function isInWindow(window: DailyWindow, at: Date): boolean {
  const minute = minuteOfDay(at);
  if (window.startMinute < window.endMinute) return minute >= window.startMinute && minute < window.endMinute;
  return minute >= window.startMinute || minute < window.endMinute;
}

/** The local time `minute` after midnight on the day of `day`, `plusDays` later (the Date constructor handles DST). */
function atMinute(day: Date, minute: number, plusDays: number): Date {
  return new Date(day.getFullYear(), day.getMonth(), day.getDate() + plusDays, Math.floor(minute / 60), minute % 60, 0, 0);
}

/** When the window next opens: `at` itself when it is open now, else its next start. */
export function nextWindowOpening(window: DailyWindow, at: Date): Date {
  if (isInWindow(window, at)) return at;
  const today = atMinute(at, window.startMinute, 0);
  return today.getTime() > at.getTime() ? today : atMinute(at, window.startMinute, 1);
}

/** When the window that is open at `at` closes (undefined when it is closed). */
export function windowClosing(window: DailyWindow, at: Date): Date | undefined {
  if (!isInWindow(window, at)) return undefined;
  const today = atMinute(at, window.endMinute, 0);
  return today.getTime() > at.getTime() ? today : atMinute(at, window.endMinute, 1);
}

/** "14:05" for a local time, as windows are written. */
export function localClock(at: Date): string {
  return hhmm(minuteOfDay(at));
}
