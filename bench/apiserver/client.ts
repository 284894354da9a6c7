// The load generator, in a process of its own (pinned to another core than the server under test): closed-loop
// GET/POST load over keep-alive TLS connections, paged lists, a paced writer, and watch streams. Times are taken
// from the monotonic clock (process.hrtime), which is the same clock in every process of the machine, so a
// write's acknowledgement in the writer process and its event's receipt in the watcher process can be compared.

import { request as httpsRequest } from 'node:https';
import { benchPod } from './pod.ts';
import { serveCommands, type Command } from './ipc.ts';
import { RawConnection, requestBytes, type Target } from './raw-client.ts';

/** Milliseconds on the machine-wide monotonic clock. */
export function monotonicMs(): number {
  return Number(process.hrtime.bigint()) / 1e6;
}

export function percentile(values: number[], p: number): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index];
}

function cpuSince(start: NodeJS.CpuUsage, elapsedMs: number): { userMs: number; systemMs: number; utilization: number } {
  const used = process.cpuUsage(start);
  return { userMs: used.user / 1000, systemMs: used.system / 1000, utilization: (used.user + used.system) / 1000 / elapsedMs };
}

/** Deterministic pseudo-random numbers (mulberry32), so runs make the same choices. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface LoadResult {
  /** requests answered in the measured window */
  completed: number;
  /** requests answered in the whole call, warm-up included: what the server's CPU time of the call served */
  total: number;
  errors: number;
  statuses: Record<string, number>;
  elapsedMs: number;
  perSecond: number;
  latencyMs: { p50: number; p99: number };
  clientCpu: { userMs: number; systemMs: number; utilization: number };
}

/** Request bytes for POSTing pods with unique names: a template whose name digits are overwritten per request. */
function podPoster(target: Target, namespace: string, prefix: string): () => Buffer {
  const placeholder = `${prefix}-00000000`;
  const template = requestBytes(target, 'POST', `/api/v1/namespaces/${namespace}/pods`, JSON.stringify(benchPod({ namespace, name: placeholder })));
  const at = template.indexOf(placeholder) + prefix.length + 1;
  let counter = 0;
  return () => {
    const bytes = Buffer.from(template);
    bytes.write(String(counter++).padStart(8, '0'), at, 'latin1');
    return bytes;
  };
}

/** Closed-loop load: every connection sends its next request as soon as the previous one is answered. */
async function load(command: Command): Promise<LoadResult> {
  const target = command.target as Target;
  const connections = command.connections as number;
  const expect = command.expectStatus as number;
  const next: () => Buffer = command.method === 'POST'
    ? podPoster(target, command.namespace as string, command.namePrefix as string)
    : ((bytes: Buffer) => () => bytes)(requestBytes(target, 'GET', command.path as string));
  const conns = await Promise.all(Array.from({ length: connections }, () => RawConnection.open(target)));
  const warmupEnd = monotonicMs() + (command.warmupMs as number);
  let windowStart = 0;
  let windowEnd = 0;
  let cpuStart = process.cpuUsage();
  let completed = 0;
  let total = 0;
  let errors = 0;
  const statuses: Record<string, number> = {};
  const latencies: number[] = [];
  const measuring = new Promise<void>((resolve) => {
    setTimeout(() => {
      windowStart = monotonicMs();
      cpuStart = process.cpuUsage();
      windowEnd = windowStart + (command.durationMs as number);
      setTimeout(resolve, command.durationMs as number);
    }, Math.max(0, warmupEnd - monotonicMs()));
  });
  const loop = async (conn: RawConnection): Promise<void> => {
    while (windowEnd === 0 || monotonicMs() < windowEnd) {
      const sent = monotonicMs();
      const response = await conn.request(next());
      const done = monotonicMs();
      total++;
      if (windowStart > 0 && sent >= windowStart && done <= windowEnd) {
        completed++;
        latencies.push(done - sent);
        statuses[response.status] = (statuses[response.status] ?? 0) + 1;
        if (response.status !== expect) errors++;
      }
    }
  };
  const loops = Promise.all(conns.map(loop));
  await measuring;
  const elapsedMs = windowEnd - windowStart;
  const clientCpu = cpuSince(cpuStart, elapsedMs);
  await loops;
  for (const conn of conns) conn.close();
  return { completed, total, errors, statuses, elapsedMs, perSecond: (completed / elapsedMs) * 1000, latencyMs: { p50: percentile(latencies, 50), p99: percentile(latencies, 99) }, clientCpu };
}

export interface ListPass {
  ms: number;
  pages: number;
  items: number;
  /** time spent decoding and parsing pages in the client, part of ms */
  parseMs: number;
  /** slowest page, request to last byte */
  slowestPageMs: number;
  clientCpu: { userMs: number; systemMs: number; utilization: number };
}

/** Lists every pod in pages, following each continue token, as a paging client (kubectl, informers) does. */
async function list(command: Command): Promise<ListPass> {
  const target = command.target as Target;
  const limit = command.pageSize as number;
  /** stop after this many pages whatever the token says (the trivial server serves one page forever) */
  const maxPages = (command.pages as number | undefined) ?? Infinity;
  const listPath = (command.path as string | undefined) ?? '/api/v1/pods';
  const conn = await RawConnection.open(target);
  const cpuStart = process.cpuUsage();
  const started = monotonicMs();
  let token: string | undefined;
  let pages = 0;
  let items = 0;
  let parseMs = 0;
  let slowestPageMs = 0;
  do {
    const path = `${listPath}?limit=${limit}${token ? `&continue=${encodeURIComponent(token)}` : ''}`;
    const sent = monotonicMs();
    const response = await conn.request(requestBytes(target, 'GET', path), true);
    const received = monotonicMs();
    if (response.status !== 200) throw new Error(`list page ${pages + 1}: HTTP ${response.status}: ${response.body?.toString().slice(0, 300)}`);
    const page = JSON.parse((response.body as Buffer).toString('utf8'));
    parseMs += monotonicMs() - received;
    slowestPageMs = Math.max(slowestPageMs, received - sent);
    pages++;
    items += page.items.length;
    token = page.metadata.continue || undefined;
  } while (token && pages < maxPages);
  const ms = monotonicMs() - started;
  conn.close();
  return { ms, pages, items, parseMs, slowestPageMs, clientCpu: cpuSince(cpuStart, ms) };
}

export interface WriteOp {
  /** what a watcher must see for this write: "ADDED/<seq>", "MODIFIED/<seq>" or "DELETED/<name>" */
  key: string;
  sentMs: number;
  ackMs: number;
  status: number;
  /** the resourceVersion the write was acknowledged with (creates and patches) */
  rv?: number;
}

export interface WriteResult {
  ops: WriteOp[];
  scheduled: number;
  elapsedMs: number;
  /** most writes waiting for a free connection at once: the server fell behind the pace when this grows */
  maxBacklog: number;
  clientCpu: { userMs: number; systemMs: number; utilization: number };
}

/**
 * Writes pods at a fixed pace, open loop: 60% creates, 30% merge patches of an existing pod, 10% deletes.
 * Every write carries a sequence number in the annotation "bench/seq" so watchers can match events to writes.
 */
async function write(command: Command): Promise<WriteResult> {
  const target = command.target as Target;
  const namespace = command.namespace as string;
  const rate = command.rate as number;
  const durationMs = command.durationMs as number;
  const conns = await Promise.all(Array.from({ length: command.connections as number }, () => RawConnection.open(target)));
  const free = [...conns];
  const rand = random(42);
  const idle: string[] = []; // created pods with no write in flight
  const ops: WriteOp[] = [];
  let seq = 0;
  let scheduled = 0;
  let maxBacklog = 0;
  let inFlight = 0;
  const podsPath = `/api/v1/namespaces/${namespace}/pods`;

  const choose = (): { bytes: () => Buffer; key: string; after: (ok: boolean) => void } => {
    const n = ++seq;
    const r = rand();
    if (r < 0.6 || idle.length < 20) {
      const name = `w-${n}`;
      const body = JSON.stringify(benchPod({ namespace, name, annotations: { 'bench/seq': String(n) } }));
      return { bytes: () => requestBytes(target, 'POST', podsPath, body), key: `ADDED/${n}`, after: (ok) => ok && idle.push(name) };
    }
    const at = Math.floor(rand() * idle.length);
    const name = idle[at];
    idle[at] = idle[idle.length - 1];
    idle.pop();
    if (r < 0.9) {
      const patch = JSON.stringify({ metadata: { annotations: { 'bench/seq': String(n) } } });
      return { bytes: () => requestBytes(target, 'PATCH', `${podsPath}/${name}`, patch, 'application/merge-patch+json'), key: `MODIFIED/${n}`, after: () => idle.push(name) };
    }
    return { bytes: () => requestBytes(target, 'DELETE', `${podsPath}/${name}`), key: `DELETED/${name}`, after: (ok) => !ok && idle.push(name) };
  };

  let finished: () => void = () => {};
  const allDone = new Promise<void>((resolve) => (finished = resolve));
  let pacing = true;
  // writes that are due but wait for a free connection; each is chosen only when it is sent, so patches and
  // deletes pick pods whose earlier writes are acknowledged
  let queued = 0;
  const settle = (conn: RawConnection): void => {
    inFlight--;
    free.push(conn);
    pump();
    if (!pacing && inFlight === 0 && queued === 0) finished();
  };
  const run = (conn: RawConnection, op: ReturnType<typeof choose>): void => {
    inFlight++;
    const sentMs = monotonicMs();
    const expected = op.key.startsWith('ADDED') ? 201 : 200;
    conn.request(op.bytes(), true).then(
      (response) => {
        const record: WriteOp = { key: op.key, sentMs, ackMs: monotonicMs(), status: response.status };
        if (response.status === expected && !op.key.startsWith('DELETED')) {
          record.rv = Number(JSON.parse((response.body as Buffer).toString('utf8')).metadata.resourceVersion);
        }
        ops.push(record);
        op.after(response.status === expected);
        settle(conn);
      },
      (error: Error) => {
        ops.push({ key: op.key, sentMs, ackMs: monotonicMs(), status: -1 });
        console.error(`writer: ${error.message}`);
        inFlight--;
        if (!pacing && inFlight === 0 && queued === 0) finished();
      },
    );
  };
  const pump = (): void => {
    while (queued > 0 && free.length > 0) {
      queued--;
      run(free.pop() as RawConnection, choose());
    }
  };

  const cpuStart = process.cpuUsage();
  const started = monotonicMs();
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const elapsed = monotonicMs() - started;
      const due = Math.min(Math.floor((elapsed * rate) / 1000), Math.floor((durationMs * rate) / 1000));
      queued += due - scheduled;
      scheduled = due;
      maxBacklog = Math.max(maxBacklog, queued - free.length);
      pump();
      if (elapsed >= durationMs) {
        clearInterval(timer);
        resolve();
      }
    }, 1);
  });
  pacing = false;
  if (inFlight === 0 && queued === 0) finished();
  await allDone;
  const elapsedMs = monotonicMs() - started;
  for (const conn of conns) conn.close();
  return { ops, scheduled, elapsedMs, maxBacklog, clientCpu: cpuSince(cpuStart, elapsedMs) };
}

export interface WatcherLog {
  /** per event: key (as WriteOp.key), resourceVersion, receipt time */
  keys: string[];
  rvs: number[];
  receivedMs: number[];
  errors: string[];
  /** the stream ended before the watcher was stopped */
  endedEarly: boolean;
}

interface Watcher {
  log: WatcherLog;
  stop(): void;
}

let watchers: Watcher[] = [];
let watchCpu = process.cpuUsage();
let watchStarted = 0;

function openWatch(target: Target, path: string): Promise<Watcher> {
  return new Promise((resolve, reject) => {
    const log: WatcherLog = { keys: [], rvs: [], receivedMs: [], errors: [], endedEarly: false };
    let stopped = false;
    const req = httpsRequest(
      { host: target.host, port: target.port, path, ca: target.ca, agent: false, headers: { Authorization: `Bearer ${target.token}`, Accept: 'application/json' } },
      (res) => {
        if (res.statusCode !== 200) {
          reject(new Error(`watch: HTTP ${res.statusCode}`));
          res.resume();
          return;
        }
        res.setEncoding('utf8');
        let buffered = '';
        res.on('data', (text: string) => {
          const at = monotonicMs();
          buffered += text;
          let start = 0;
          let newline: number;
          while ((newline = buffered.indexOf('\n', start)) >= 0) {
            const line = buffered.slice(start, newline);
            start = newline + 1;
            if (!line) continue;
            try {
              const event = JSON.parse(line);
              const meta = event.object?.metadata ?? {};
              if (event.type === 'ERROR' || event.type === 'BOOKMARK') {
                log.errors.push(line.slice(0, 300));
                continue;
              }
              log.keys.push(event.type === 'DELETED' ? `DELETED/${meta.name}` : `${event.type}/${meta.annotations?.['bench/seq']}`);
              log.rvs.push(Number(meta.resourceVersion));
              log.receivedMs.push(at);
            } catch (error) {
              log.errors.push(`unparsable event: ${(error as Error).message}`);
            }
          }
          buffered = buffered.slice(start);
        });
        res.on('end', () => {
          if (!stopped) log.endedEarly = true;
        });
        res.on('error', (error) => log.errors.push(error.message));
        resolve({ log, stop: () => { stopped = true; req.destroy(); } });
      },
    );
    req.on('error', (error) => {
      if (!stopped) log.errors.push(error.message);
      reject(error);
    });
    req.end();
  });
}

async function watchStart(command: Command): Promise<number> {
  const target = command.target as Target;
  const path = `/api/v1/pods?watch=true&resourceVersion=${command.resourceVersion}`;
  watchers = await Promise.all(Array.from({ length: command.count as number }, () => openWatch(target, path)));
  watchCpu = process.cpuUsage();
  watchStarted = monotonicMs();
  return watchers.length;
}

async function watchStop(command: Command): Promise<{ logs: WatcherLog[]; clientCpu: ReturnType<typeof cpuSince> }> {
  // let the last events arrive
  await new Promise((resolve) => setTimeout(resolve, (command.drainMs as number) ?? 1000));
  const clientCpu = cpuSince(watchCpu, monotonicMs() - watchStarted);
  const logs = watchers.map((w) => {
    w.stop();
    return w.log;
  });
  watchers = [];
  return { logs, clientCpu };
}

async function get(command: Command): Promise<{ status: number; body: string }> {
  const target = command.target as Target;
  const conn = await RawConnection.open(target);
  const response = await conn.request(requestBytes(target, 'GET', command.path as string), true);
  conn.close();
  return { status: response.status, body: response.body?.toString('utf8') ?? '' };
}

if (process.send) serveCommands({ load, list, write, watchStart, watchStop, get });
