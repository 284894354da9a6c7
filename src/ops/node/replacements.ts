// --wait-for-replacements: the pods of one workload leave one after another, each only once the replicas
// evicted before it are Ready again elsewhere (the workload's controller reports its Ready count back at its
// desired count). Pods of different workloads do not wait for each other.

import type { KubeClient } from '../../kube/client.ts';
import { sleep } from '../../kube/client.ts';
import { isNotFound } from '../../kube/errors.ts';
import type { KubeObject, OwnerReference } from '../../domain/object.ts';
import { controllerRef } from '../../domain/drain/filters.ts';
import { isPodReady } from '../../domain/disruption.ts';
import { labelSelectorFromSet, labelSelectorFromSpec, selectorToString } from '../../domain/selectors.ts';
import { listAll } from '../../kube/list.ts';
import type { DrainEvent } from './drain-events.ts';

const POLL_MS = 500;

/** The controllers that keep a Ready count: ReplicaSet (Deployments), StatefulSet, ReplicationController. */
function controllerPath(namespace: string, owner: OwnerReference): string | undefined {
  const ns = encodeURIComponent(namespace);
  const name = encodeURIComponent(owner.name);
  if (owner.kind === 'ReplicaSet' && owner.apiVersion === 'apps/v1') return `/apis/apps/v1/namespaces/${ns}/replicasets/${name}`;
  if (owner.kind === 'StatefulSet' && owner.apiVersion === 'apps/v1') return `/apis/apps/v1/namespaces/${ns}/statefulsets/${name}`;
  if (owner.kind === 'ReplicationController' && owner.apiVersion === 'v1') return `/api/v1/namespaces/${ns}/replicationcontrollers/${name}`;
  return undefined;
}

export class ReplacementGuard {
  /** per workload: resolves when the last of its evicted pods has been replaced */
  private readonly tails = new Map<string, Promise<void>>();
  /** replacement checks still running */
  private readonly checks = new Set<Promise<void>>();

  constructor(
    private readonly client: KubeClient,
    private readonly emit: (event: DrainEvent) => void,
  ) {}

  /**
   * Waits for this pod's turn in its workload; returns what to call once its eviction is sent (true: it was
   * accepted, so the next pod waits until the workload is Ready again).
   */
  async acquire(pod: KubeObject, settings: { node: string; deadline?: number }, signal: AbortSignal): Promise<(accepted: boolean) => void> {
    const owner = controllerRef(pod);
    const namespace = pod.metadata.namespace ?? '';
    const path = owner ? controllerPath(namespace, owner) : undefined;
    if (!owner || !path) return () => undefined;
    const key = `${namespace}/${owner.kind}/${owner.name}`;
    const previous = this.tails.get(key) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.tails.set(key, previous.then(() => mine));
    await previous;
    return (accepted) => {
      if (!accepted) return release();
      const check = this.readyAgain(path, pod, settings.deadline, signal)
        .then((ready) => {
          if (ready !== undefined) this.emit({ type: 'replacement-ready', node: settings.node, pod: `${namespace}/${pod.metadata.name}`, workload: `${owner.kind.toLowerCase()}/${owner.name}`, ready });
        })
        .catch(() => undefined)
        .finally(() => {
          release();
          this.checks.delete(check);
        });
      this.checks.add(check);
    };
  }

  /** Resolves once every evicted pod's workload is whole again (or its check gave up). */
  async settle(): Promise<void> {
    while (this.checks.size > 0) await Promise.all([...this.checks]);
  }

  /**
   * Polls until the workload has its desired count of Ready pods again, not counting the evicted one or any
   * pod being deleted; the Ready count, or undefined when the workload is gone or the deadline passes.
   */
  private async readyAgain(path: string, evicted: KubeObject, deadline: number | undefined, signal: AbortSignal): Promise<number | undefined> {
    const namespace = encodeURIComponent(evicted.metadata.namespace ?? '');
    const ownerUid = controllerRef(evicted)?.uid;
    while (deadline === undefined || Date.now() < deadline) {
      let controller: KubeObject;
      try {
        controller = await this.client.request<KubeObject>('GET', path, { signal });
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
      const desired = Number(controller.spec?.replicas ?? 1);
      // a ReplicationController's selector is a plain label map; the apps/v1 controllers' a LabelSelector
      const selector = controllerRef(evicted)?.kind === 'ReplicationController'
        ? labelSelectorFromSet(controller.spec?.selector ?? {})
        : labelSelectorFromSpec(controller.spec?.selector);
      const { items } = await listAll<KubeObject>(this.client, `/api/v1/namespaces/${namespace}/pods`, { labelSelector: selectorToString(selector), signal });
      const ready = items.filter((p) => controllerRef(p)?.uid === ownerUid && p.metadata.uid !== evicted.metadata.uid && !p.metadata.deletionTimestamp && isPodReady(p)).length;
      if (ready >= desired) return ready;
      await sleep(POLL_MS, signal);
    }
    return undefined;
  }
}
