// Loads a scenario into a running sandbox: through the object service (the same checks and defaults as the
// HTTP API, none of its cost), after the controllers have started, so that they build the cluster from the
// workloads as a real one would.

import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import type { KubeObject } from '../../domain/object.ts';
import type { ObjectService } from '../apiserver/objects.ts';
import { storageKeyOf } from '../apiserver/resources.ts';
import { parseEntry } from '../apiserver/store.ts';
import { bindPod } from '../apiserver/subresources.ts';
import type { EventRecorder } from '../controllers/events.ts';
import { parseScenario, ScenarioError, type Scenario } from './format.ts';
import { generatedDeployments, generatedNodes, nodeObject } from './generators.ts';

export { ScenarioError } from './format.ts';

/**
 * Where the built-in scenarios live: beside this file when it runs from the source tree; from a bundle (the CLI
 * in dist/, a benchmark's build) in the source tree of the kmaint package the bundle sits in.
 */
function builtInDir(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  if (existsSync(join(here, 'empty.yaml'))) return here;
  for (let dir = here; dirname(dir) !== dir; dir = dirname(dir)) {
    const candidate = join(dir, 'src', 'sandbox', 'scenarios');
    if (existsSync(join(candidate, 'empty.yaml'))) return candidate;
  }
  return here;
}

/** Names of the built-in scenarios (the .yaml files beside this module). */
export function builtInScenarios(): string[] {
  const names = readdirSync(builtInDir()).filter((f) => f.endsWith('.yaml')).map((f) => f.slice(0, -5));
  const order = ['empty', 'seed', 'pool', 'large'];
  return names.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || a.localeCompare(b));
}

/** A scenario given as a built-in name or a path to a YAML file (anything with a slash or a .yaml/.yml suffix). */
export function readScenario(nameOrPath: string, parameters: Record<string, string> = {}): Scenario {
  const isPath = nameOrPath.includes('/') || /\.ya?ml$/.test(nameOrPath);
  if (!isPath) {
    const known = builtInScenarios();
    if (!known.includes(nameOrPath)) throw new ScenarioError(`unknown scenario "${nameOrPath}"; built in: ${known.join(', ')}, or give a path to a YAML file`);
    const file = join(builtInDir(), `${nameOrPath}.yaml`);
    return parseScenario(readFileSync(file, 'utf8'), `scenario ${nameOrPath}`, parameters);
  }
  const file = resolve(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ScenarioError(`cannot read scenario file ${nameOrPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  return parseScenario(text, nameOrPath, parameters);
}

export interface LoadContext {
  service: ObjectService;
  /** Scheduled events for placed pods, when the cluster runs */
  events?: EventRecorder;
  now: () => Date;
  /** the API server as clients reach it, for kube-public/cluster-info */
  endpoint: { server: string; caCert: string };
}

export interface LoadedScenario {
  scenario: Scenario;
  /** objects created (nodes and manifests, generated ones included) */
  created: number;
  /** resolves when every pod named by the scenario's placement has been bound */
  placed: Promise<void>;
  /** stops placing pods (the sandbox is stopping) */
  stop(): void;
}

const MIRROR_ANNOTATION = 'kubernetes.io/config.mirror';

/** Every object the scenario creates, in order: nodes, generated objects, then its manifests. */
export function scenarioObjects(scenario: Scenario): KubeObject[] {
  const objects: KubeObject[] = [];
  for (const node of scenario.nodes ?? []) objects.push(nodeObject(node, scenario.nodeDefaults));
  for (const generator of scenario.generate ?? []) {
    if (generator.kind === 'nodes') objects.push(...generatedNodes(generator, scenario.nodeDefaults));
    else objects.push(...generatedDeployments(generator));
  }
  objects.push(...((scenario.objects ?? []) as KubeObject[]));
  return objects;
}

/** The ConfigMap kubeadm init writes: a kubeconfig with the cluster's CA and server, read by `kubeadm join`. */
export function clusterInfoConfigMap(endpoint: { server: string; caCert: string }): KubeObject {
  const kubeconfig = {
    apiVersion: 'v1',
    clusters: [{ cluster: { 'certificate-authority-data': Buffer.from(endpoint.caCert).toString('base64'), server: endpoint.server }, name: '' }],
    contexts: null,
    'current-context': '',
    kind: 'Config',
    preferences: {},
    users: null,
  };
  return { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cluster-info', namespace: 'kube-public' }, data: { kubeconfig: stringify(kubeconfig) } };
}

export function loadScenario(scenario: Scenario, ctx: LoadContext): LoadedScenario {
  const { service } = ctx;
  const registry = service.registry;
  const namespaces = registry.get('', 'v1', 'namespaces')!;
  const nodes = registry.get('', 'v1', 'nodes')!;
  const placement = startPlacement(scenario, ctx);
  let created = 0;

  const ensureNamespace = (name: string): void => {
    if (!service.find(namespaces, '', name)) service.create(namespaces, '', { metadata: { name } });
  };
  const objects = scenarioObjects(scenario);
  if (scenario.clusterInfo) objects.push(clusterInfoConfigMap(ctx.endpoint));
  try {
    for (const [i, object] of objects.entries()) {
      const type = registry.byKind(object.apiVersion as string, object.kind as string);
      const what = `${object.kind} ${object.metadata?.namespace ? object.metadata.namespace + '/' : ''}${object.metadata?.name}`;
      if (!type) throw new ScenarioError(`scenario ${scenario.name}: object ${i} (${what}): the sandbox serves no ${object.apiVersion} ${object.kind}`);
      const namespace = type.namespaced ? ((object.metadata.namespace as string | undefined) ?? 'default') : '';
      if (type.namespaced) ensureNamespace(namespace);
      if (storageKeyOf(type) === 'core/namespaces' && service.find(namespaces, '', object.metadata.name as string)) continue;
      let body = object;
      if (storageKeyOf(type) === 'core/pods' && body.metadata.annotations?.[MIRROR_ANNOTATION] && body.spec?.nodeName && !body.metadata.ownerReferences) {
        // a mirror pod is owned by its node, as the kubelet creates it
        const node = service.find(nodes, '', body.spec.nodeName);
        if (node) {
          body = { ...body, metadata: { ...body.metadata, ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name: node.metadata.name as string, uid: node.metadata.uid as string, controller: true }] } };
        }
      }
      try {
        service.create(type, namespace, body);
      } catch (error) {
        throw new ScenarioError(`scenario ${scenario.name}: cannot create ${what}: ${(error as Error).message}`);
      }
      created++;
    }
  } catch (error) {
    placement.stop();
    throw error;
  }
  return { scenario, created, placed: placement.done, stop: placement.stop };
}

/** The keys a pod's placement may be given under: the pod itself, its controller, and the Deployment above a ReplicaSet. */
function placementKeys(service: ObjectService, pod: KubeObject): string[] {
  const namespace = pod.metadata.namespace as string;
  const keys = [`Pod/${namespace}/${pod.metadata.name}`];
  const owner = (pod.metadata.ownerReferences ?? []).find((ref: any) => ref.controller);
  if (!owner) return keys;
  keys.push(`${owner.kind}/${namespace}/${owner.name}`);
  if (owner.kind === 'ReplicaSet') {
    const replicaSets = service.registry.get('apps', 'v1', 'replicasets');
    const rs = replicaSets && service.find(replicaSets, namespace, owner.name);
    const deployment = (rs?.metadata.ownerReferences ?? []).find((ref: any) => ref.controller && ref.kind === 'Deployment');
    if (deployment) keys.push(`Deployment/${namespace}/${deployment.name}`);
  }
  return keys;
}

/**
 * Binds the pods named by the scenario's placement as they are created, before the scheduler's turn comes
 * (it reconciles on a later turn of the event loop, and leaves bound pods alone). Each placement's nodes are
 * used in the order its pods appear; once all are used, placement ends and the scheduler places everything.
 */
function startPlacement(scenario: Scenario, ctx: LoadContext): { done: Promise<void>; stop(): void } {
  const remaining = new Map<string, string[]>();
  for (const p of scenario.placement ?? []) remaining.set(`${p.kind}/${p.kind === 'Node' ? '' : (p.namespace ?? 'default')}/${p.name}`, [...p.nodes]);
  let left = [...remaining.values()].reduce((sum, nodes) => sum + nodes.length, 0);
  if (left === 0) return { done: Promise.resolve(), stop: () => {} };
  const { service } = ctx;
  const pods = service.registry.get('', 'v1', 'pods')!;
  let finish = (): void => {};
  const done = new Promise<void>((resolve) => (finish = resolve));
  const unsubscribe = service.store.watch('core/pods', (event) => {
    if (event.type !== 'ADDED') return;
    const pod = parseEntry(event.entry);
    if (pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    const key = placementKeys(service, pod).find((k) => (remaining.get(k)?.length ?? 0) > 0);
    if (!key) return;
    const node = remaining.get(key)!.shift()!;
    const namespace = pod.metadata.namespace as string;
    const name = pod.metadata.name as string;
    // a write may not happen inside the write that announced the pod: bind right after it
    queueMicrotask(() => {
      try {
        const current = service.find(pods, namespace, name);
        if (current && !current.spec?.nodeName) {
          bindPod(service, namespace, name, { target: { kind: 'Node', name: node } }, ctx.now());
          ctx.events?.record(current, 'Normal', 'Scheduled', `Successfully assigned ${namespace}/${name} to ${node}`, { component: 'default-scheduler' });
        }
      } catch (error) {
        process.emitWarning(`scenario ${scenario.name}: could not place pod ${namespace}/${name} on ${node}: ${(error as Error).message}`);
      }
      if (--left === 0) stop();
    });
  });
  const stop = (): void => {
    unsubscribe();
    finish();
  };
  return { done, stop };
}
