// Starts the embedded sandbox cluster: storage (optionally durable), the API server over HTTPS, the
// lifecycle loops, and the kubeconfig that kubectl and kmaint use to reach it.

import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fieldExtractorFor } from './apiserver/fields.ts';
import { LogBook } from './apiserver/logs.ts';
import { ObjectService } from './apiserver/objects.ts';
import { DurableLog } from './apiserver/persistence.ts';
import { ResourceRegistry } from './apiserver/resources.ts';
import { ApiServer } from './apiserver/server.ts';
import { Store } from './apiserver/store.ts';
import { serveCustomResources } from './apiserver/crd.ts';
import { runNamespaceLifecycle } from './controllers/namespaces.ts';
import { writeKubeconfig, type SandboxEndpoint } from './kubeconfig.ts';
import { sandboxTls } from './tls.ts';
import { SimClock } from './clock.ts';
import { createClusterContext, type ClusterContext } from './controllers/context.ts';
import { startCluster } from './controllers/index.ts';
import { MetricsBoard } from './controllers/metrics.ts';
import { FaultInjector } from './apiserver/faults.ts';
import { builtInScenarios, loadScenario, readScenario, type LoadedScenario } from './scenarios/loader.ts';
import type { Scenario } from './scenarios/format.ts';

/** The built-in scenarios (src/sandbox/scenarios/*.yaml); `scenario` may also be a path to a YAML file. */
export const SCENARIOS: readonly string[] = builtInScenarios();

export interface SandboxOptions {
  port?: number;
  dataDir?: string;
  /** a built-in scenario's name or a scenario file's path (default "empty"); or a scenario already read */
  scenario?: string | Scenario;
  /** values for the scenario's parameters (e.g. pool: nodes, podsPerNode) */
  scenarioParams?: Record<string, string>;
  /** faults the API server injects into clients' requests (see apiserver/faults.ts for the grammar) */
  faults?: string;
  kubeconfigPath?: string;
  /** drop a torn final record of the data dir's log (a write that was never acknowledged) instead of refusing to start */
  repairTornTail?: boolean;
  /** how many recent events a watch can resume from (older resourceVersions get 410 Gone) */
  watchHistorySize?: number;
  /** simulated seconds per real second for every controller and kubelet (default 1) */
  timeScale?: number;
  /** serve the API only: no scheduler, controllers or kubelets (objects stay as written) */
  apiOnly?: boolean;
}

export interface Sandbox {
  endpoint: SandboxEndpoint;
  port: number;
  service: ObjectService;
  server: ApiServer;
  logs: LogBook;
  clock: SimClock;
  /** the scheduler, controllers and kubelets see the cluster through this (absent with apiOnly) */
  cluster?: ClusterContext;
  /** the scenario loaded at start (absent when a data dir already held a cluster) */
  scenario?: LoadedScenario;
  /** the API server's fault injector: reconfigure it, read its counts (also at GET /debug/faults) */
  faults: FaultInjector;
  stop(): Promise<void>;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

function sandboxToken(dataDir?: string): string {
  const path = dataDir ? join(dataDir, 'token') : '';
  if (path && existsSync(path)) return readFileSync(path, 'utf8').trim();
  const token = randomBytes(24).toString('hex');
  if (path) {
    mkdirSync(dataDir as string, { recursive: true });
    writeFileSync(path, token + '\n', { mode: 0o600 });
  }
  return token;
}

/** storage keys are "<group>/<resource>/<namespace>/<name>", group "core" for the core API */
function splitStorageKey(key: string): { resource: string } {
  const [group, resource] = key.split('/', 2);
  return { resource: `${group}/${resource}` };
}

export async function startSandbox(options: SandboxOptions = {}): Promise<Sandbox> {
  // read first, so that a bad scenario or fault spec fails before anything starts
  const scenario = typeof options.scenario === 'object' ? options.scenario : readScenario(options.scenario ?? 'empty', options.scenarioParams);
  const faults = new FaultInjector(options.faults ?? '');
  const clock = new SimClock(options.timeScale ?? 1);
  const now = (): Date => clock.now();
  const registry = new ResourceRegistry();
  const store = new Store(fieldExtractorFor, { historySize: options.watchHistorySize });
  let log: DurableLog | undefined;
  let restored = false;
  if (options.dataDir) {
    const opened = await DurableLog.open(options.dataDir, { repairTornTail: options.repairTornTail, repairHint: 'rerun with --repair-torn-tail to drop it' });
    log = opened.log;
    for (const [key, json] of opened.state.objects) store.restore(splitStorageKey(key).resource, json);
    restored = opened.state.objects.size > 0;
    store.setResourceVersion(opened.state.rv);
    log.setSnapshotProvider(() => {
      const objects = new Map<string, string>();
      for (const [resource, key, entry] of store.allObjects()) objects.set(`${resource}/${key}`, entry.json.toString('utf8'));
      return { rv: store.resourceVersion, objects };
    });
    store.attachSink(log);
  }
  const service = new ObjectService(store, registry, now);
  serveCustomResources(service, now);
  runNamespaceLifecycle(service);
  const namespaces = registry.get('', 'v1', 'namespaces')!;
  for (const name of SYSTEM_NAMESPACES) {
    if (!service.find(namespaces, '', name)) service.create(namespaces, '', { metadata: { name } });
  }
  // the API server's own Service, which every real cluster has
  const services = registry.get('', 'v1', 'services')!;
  if (!service.find(services, 'default', 'kubernetes')) {
    service.create(services, 'default', {
      metadata: { name: 'kubernetes', labels: { component: 'apiserver', provider: 'kubernetes' } },
      spec: { clusterIP: '10.96.0.1', ports: [{ name: 'https', port: 443, protocol: 'TCP', targetPort: 6443 }] },
    });
  }
  await store.durable();

  const tls = sandboxTls(options.dataDir);
  const token = sandboxToken(options.dataDir);
  const logs = new LogBook();
  const metrics = new MetricsBoard();
  // a deleted pod's logs go with it, and `kubectl logs -f` on it ends
  service.onWrite('core/pods', (_type, pod, deleted) => {
    if (deleted) logs.forget(pod.metadata.namespace as string, pod.metadata.name as string);
  });
  const server = new ApiServer({ service, token, tls, now, logs, metrics, faults });
  let cluster: ClusterContext | undefined;
  let stopCluster = (): void => {};
  if (!options.apiOnly) {
    cluster = createClusterContext(service, clock, { logs, metrics });
    stopCluster = startCluster(cluster);
  }
  const port = await server.listen(options.port ?? 0);
  const endpoint: SandboxEndpoint = { server: `https://127.0.0.1:${port}`, caCert: tls.caCert, token };
  // a data dir that already holds a cluster is started as it was left, not loaded again
  let loaded: LoadedScenario | undefined;
  if (!restored) {
    try {
      loaded = loadScenario(scenario, { service, events: cluster?.events, now, endpoint });
      await store.durable();
    } catch (error) {
      stopCluster();
      clock.stop();
      await server.close();
      await log?.close();
      throw error;
    }
  }
  // written last: whoever waits for the kubeconfig finds the server answering with its scenario loaded
  if (options.kubeconfigPath) writeKubeconfig(options.kubeconfigPath, endpoint);

  return {
    endpoint,
    port,
    service,
    server,
    logs,
    clock,
    cluster,
    scenario: loaded,
    faults,
    async stop() {
      loaded?.stop();
      stopCluster();
      clock.stop();
      await server.close();
      await store.durable();
      await log?.close();
    },
  };
}
