// The server under test, in a process of its own: `host.ts sandbox` runs the kmaint sandbox API server,
// `host.ts trivial` a trivial Node HTTPS server that answers every request with a fixed JSON body, on the same
// kind of TLS (RSA-2048 serving certificate signed by a CA, keep-alive). The parent drives it over IPC.

import { createServer, type Server } from 'node:https';
import { writeFile } from 'node:fs/promises';
import { Session } from 'node:inspector/promises';
import type { AddressInfo } from 'node:net';
import { startSandbox, type Sandbox } from '../../src/sandbox/sandbox.ts';
import { sandboxTls } from '../../src/sandbox/tls.ts';
import { residentBytes, serveCommands, type Command } from './ipc.ts';
import { benchPod } from './pod.ts';

export interface MemoryReport {
  rss: number;
  vmRss?: number;
  heapUsed: number;
  heapTotal: number;
  external: number;
  arrayBuffers: number;
  gcExposed: boolean;
}

async function memory(): Promise<MemoryReport> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (gc) {
    gc();
    await new Promise((resolve) => setImmediate(resolve));
    gc();
  }
  const usage = process.memoryUsage();
  return { rss: usage.rss, vmRss: await residentBytes(), heapUsed: usage.heapUsed, heapTotal: usage.heapTotal, external: usage.external, arrayBuffers: usage.arrayBuffers, gcExposed: !!gc };
}

let profiler: Session | undefined;

async function startProfile(): Promise<void> {
  profiler = new Session();
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  await profiler.post('Profiler.start');
}

async function stopProfile(path: string): Promise<string> {
  if (!profiler) throw new Error('no profile running');
  const { profile } = await profiler.post('Profiler.stop');
  profiler.disconnect();
  profiler = undefined;
  await writeFile(path, JSON.stringify(profile));
  return path;
}

function cpu(): { userMs: number; systemMs: number } {
  const usage = process.cpuUsage();
  return { userMs: usage.user / 1000, systemMs: usage.system / 1000 };
}

const common = {
  memory,
  cpu,
  profileStart: () => startProfile(),
  profileStop: (command: Command) => stopProfile(command.path as string),
};

function sandboxHost(): void {
  let sandbox: Sandbox | undefined;
  const types = () => {
    const registry = sandbox!.service.registry;
    return { pods: registry.get('', 'v1', 'pods')!, namespaces: registry.get('', 'v1', 'namespaces')!, configmaps: registry.get('', 'v1', 'configmaps')! };
  };
  serveCommands({
    ...common,
    async start() {
      // the API server alone: no scheduler chasing the benchmark's node-less pods
      sandbox = await startSandbox({ apiOnly: true });
      return { port: sandbox.port, caCert: sandbox.endpoint.caCert, token: sandbox.endpoint.token, pid: process.pid };
    },
    /** creates the object the GET benchmark reads and returns it exactly as the API serves it */
    configMap(command: Command) {
      const { configmaps } = types();
      const data: Record<string, string> = {};
      for (let i = 0; i < 8; i++) data[`key-${i}`] = `value-${i}-${'x'.repeat(24)}`;
      sandbox!.service.create(configmaps, 'default', { metadata: { name: command.name as string, labels: { app: 'bench' } }, data });
      return JSON.stringify(sandbox!.service.get(configmaps, 'default', command.name as string));
    },
    namespaces(command: Command) {
      const { namespaces } = types();
      for (const name of command.names as string[]) sandbox!.service.create(namespaces, '', { metadata: { name } });
      return sandbox!.service.store.resourceVersion;
    },
    /** loads pods in process through the object service (defaults, validation, storage, events), as POST would */
    loadPods(command: Command) {
      const { pods } = types();
      const count = command.count as number;
      const namespaces = command.namespaces as string[];
      const started = performance.now();
      for (let i = 0; i < count; i++) {
        const namespace = namespaces[i % namespaces.length];
        const name = `web-${(i % 7)}-7d9f8b6c5d-${i.toString(36).padStart(5, '0')}`;
        sandbox!.service.create(pods, namespace, benchPod({ namespace, name, nodeName: `node-${String(i % 200).padStart(3, '0')}` }));
      }
      return { ms: performance.now() - started, count: sandbox!.service.store.count('core/pods') };
    },
    /** creates one bench pod and returns it as served: the body the trivial server answers POSTs with */
    samplePod(command: Command) {
      const { pods } = types();
      const namespace = command.namespace as string;
      sandbox!.service.create(pods, namespace, benchPod({ namespace, name: 'sample' }));
      return JSON.stringify(sandbox!.service.get(pods, namespace, 'sample'));
    },
    count: (command: Command) => sandbox!.service.store.count(command.resource as string),
    resourceVersion: () => sandbox!.service.store.resourceVersion,
  });
}

function trivialHost(): void {
  let server: Server | undefined;
  let listPage: Buffer | undefined;
  serveCommands({
    ...common,
    /** a page of a pod list, served for every list request: the lower bound of a paged list */
    listPage(command: Command) {
      listPage = Buffer.from(command.body as string);
      return listPage.length;
    },
    async start(command: Command) {
      const tls = sandboxTls();
      const getBody = command.getBody as string;
      const postBody = command.postBody as string;
      server = createServer({ cert: tls.cert, key: tls.key, keepAlive: true }, (req, res) => {
        if (req.method === 'GET' && listPage && req.url?.startsWith('/api/v1/pods?')) {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': listPage.length, 'Cache-Control': 'no-cache, private' });
          res.end(listPage);
          return;
        }
        if (req.method === 'GET') {
          res.writeHead(200, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(getBody), 'Cache-Control': 'no-cache, private' });
          res.end(getBody);
          return;
        }
        // read the body as any server must, then answer with a fixed created object
        req.on('data', () => {});
        req.on('end', () => {
          res.writeHead(201, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(postBody), 'Cache-Control': 'no-cache, private' });
          res.end(postBody);
        });
      });
      server.keepAliveTimeout = 60_000;
      await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', () => resolve()));
      return { port: (server.address() as AddressInfo).port, caCert: tls.caCert, token: 'unused', pid: process.pid };
    },
  });
}

const role = process.argv[2];
if (role === 'sandbox') sandboxHost();
else if (role === 'trivial') trivialHost();
else {
  console.error(`usage: host.ts sandbox|trivial (got ${role})`);
  process.exit(2);
}
