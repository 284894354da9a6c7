// Container logs: a bounded buffer of timestamped lines per container that the simulated kubelets append to,
// served through pods/log with kubectl's parameters (follow, tailLines, sinceSeconds, sinceTime, timestamps,
// limitBytes, previous).

import type { ServerResponse } from 'node:http';
import type { KubeObject } from '../../domain/object.ts';
import { badRequest } from './status.ts';

interface LogLine {
  time: Date;
  text: string;
}

interface ContainerLog {
  lines: LogLine[];
  followers: Set<(line: LogLine) => void>;
}

const MAX_LINES_PER_CONTAINER = 10_000;

function key(namespace: string, pod: string, container: string, previous = false): string {
  return `${namespace}/${pod}/${container}${previous ? '#previous' : ''}`;
}

export class LogBook {
  private readonly logs = new Map<string, ContainerLog>();

  private log(id: string): ContainerLog {
    let log = this.logs.get(id);
    if (!log) this.logs.set(id, (log = { lines: [], followers: new Set() }));
    return log;
  }

  append(namespace: string, pod: string, container: string, text: string, time: Date): void {
    const log = this.log(key(namespace, pod, container));
    const line = { time, text };
    log.lines.push(line);
    if (log.lines.length > MAX_LINES_PER_CONTAINER) log.lines.splice(0, log.lines.length - MAX_LINES_PER_CONTAINER);
    for (const follower of log.followers) follower(line);
  }

  /** A container restarted: its current log becomes the previous one. */
  rotate(namespace: string, pod: string, container: string): void {
    const current = this.logs.get(key(namespace, pod, container));
    if (!current) return;
    this.logs.set(key(namespace, pod, container, true), { lines: current.lines, followers: new Set() });
    current.lines = [];
  }

  /** The pod is gone: end followers and drop its logs. */
  forget(namespace: string, pod: string): void {
    const prefix = `${namespace}/${pod}/`;
    for (const [id, log] of this.logs) {
      if (!id.startsWith(prefix)) continue;
      for (const follower of log.followers) follower({ time: new Date(0), text: '\0end' });
      this.logs.delete(id);
    }
  }

  lines(namespace: string, pod: string, container: string, previous: boolean): LogLine[] {
    return this.logs.get(key(namespace, pod, container, previous))?.lines ?? [];
  }

  follow(namespace: string, pod: string, container: string, onLine: (line: LogLine) => void): () => void {
    const log = this.log(key(namespace, pod, container));
    log.followers.add(onLine);
    return () => log.followers.delete(onLine);
  }
}

function containerNames(pod: KubeObject): string[] {
  return [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? []), ...(pod.spec?.ephemeralContainers ?? [])].map((c: any) => c.name);
}

/** Picks the container as upstream does: the one named, or the only one; otherwise a clear error. */
export function chooseContainer(pod: KubeObject, requested: string | null): string {
  const name = pod.metadata.name;
  const all = containerNames(pod);
  if (requested) {
    if (!all.includes(requested)) throw badRequest(`container ${requested} is not valid for pod ${name}`);
    return requested;
  }
  const main = (pod.spec?.containers ?? []).map((c: any) => c.name);
  if (main.length === 1) return main[0];
  throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`);
}

function formatLine(line: LogLine, timestamps: boolean): string {
  // kubelet prints RFC 3339 with nanoseconds
  return timestamps ? `${line.time.toISOString().replace('Z', '000000Z')} ${line.text}\n` : `${line.text}\n`;
}

export function serveLogs(book: LogBook, res: ServerResponse, pod: KubeObject, query: URLSearchParams, now: Date): void {
  const namespace = pod.metadata.namespace as string;
  const name = pod.metadata.name as string;
  const container = chooseContainer(pod, query.get('container'));
  const previous = query.get('previous') === 'true';
  const follow = query.get('follow') === 'true' && !previous;
  const timestamps = query.get('timestamps') === 'true';
  const parseNumber = (param: string): number | undefined => {
    const raw = query.get(param);
    if (raw === null) return undefined;
    const value = Number(raw);
    if (!Number.isInteger(value) || value < 0) throw badRequest(`${param}: Invalid value: "${raw}": must be a non-negative integer`);
    return value;
  };
  const tailLines = parseNumber('tailLines');
  const sinceSeconds = parseNumber('sinceSeconds');
  const limitBytes = parseNumber('limitBytes');
  const sinceTimeRaw = query.get('sinceTime');
  const sinceTime = sinceTimeRaw ? new Date(sinceTimeRaw) : undefined;
  if (sinceTime && Number.isNaN(sinceTime.getTime())) throw badRequest(`sinceTime: Invalid value: "${sinceTimeRaw}": must be an RFC 3339 time`);
  if (sinceTime && sinceSeconds !== undefined) throw badRequest('at most one of sinceTime or sinceSeconds may be specified');

  let lines = book.lines(namespace, name, container, previous);
  if (previous && lines.length === 0) throw badRequest(`previous terminated container "${container}" in pod "${name}" not found`);
  const status = [...(pod.status?.containerStatuses ?? []), ...(pod.status?.initContainerStatuses ?? [])].find((s: any) => s.name === container);
  if (!previous && lines.length === 0 && status?.state?.waiting) {
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ${status.state.waiting.reason ?? 'ContainerCreating'}`);
  }
  if (!previous && lines.length === 0 && !status && (pod.status?.phase ?? 'Pending') === 'Pending') {
    throw badRequest(`container "${container}" in pod "${name}" is waiting to start: ContainerCreating`);
  }
  const since = sinceTime ?? (sinceSeconds !== undefined ? new Date(now.getTime() - sinceSeconds * 1000) : undefined);
  if (since) lines = lines.filter((line) => line.time >= since);
  if (tailLines !== undefined) lines = tailLines === 0 ? [] : lines.slice(-tailLines);

  res.writeHead(200, { 'Content-Type': 'text/plain', 'Transfer-Encoding': 'chunked', 'Cache-Control': 'no-cache, private' });
  let sent = 0;
  let unfollow = (): void => {};
  const write = (text: string): boolean => {
    if (limitBytes !== undefined && sent + Buffer.byteLength(text) > limitBytes) {
      res.write(Buffer.from(text).subarray(0, limitBytes - sent));
      unfollow();
      res.end();
      return false;
    }
    sent += Buffer.byteLength(text);
    res.write(text);
    return true;
  };
  for (const line of lines) if (!write(formatLine(line, timestamps))) return;
  if (!follow) {
    res.end();
    return;
  }
  unfollow = book.follow(namespace, name, container, (line) => {
    if (line.text === '\0end') {
      unfollow();
      res.end();
      return;
    }
    write(formatLine(line, timestamps));
  });
  res.on('close', () => unfollow());
}
