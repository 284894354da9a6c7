// Jobs (NonIndexed completion mode): up to `parallelism` pods at a time until `completions` succeed, failed pods
// retried with exponential backoff (10 s doubling, at most 6 min, simulated) until more than backoffLimit fail,
// activeDeadlineSeconds, suspend, status and the SuccessCriteriaMet/Complete or FailureTarget/Failed
// conditions, and ttlSecondsAfterFinished. Pods finish when their kubelet says so: the sandbox kubelet ends a
// pod whose template carries `sandbox.kmaint.io/run-seconds: "N"` after N simulated seconds of running, with the
// exit code of `sandbox.kmaint.io/exit-code` (default 0: Succeeded; anything else: Failed).

import type { KubeObject } from '../../domain/object.ts';
import { ApiError } from '../apiserver/status.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import { rankPodsForDeletion } from './replicaset.ts';
import { EventGate, isActivePod, podFromTemplate, requeueSoon, timestamp, writeStatus, type PodInfo, type WorkloadShared } from './workload-support.ts';

export const RUN_SECONDS_ANNOTATION = 'sandbox.kmaint.io/run-seconds';
export const EXIT_CODE_ANNOTATION = 'sandbox.kmaint.io/exit-code';

const BACKOFF_BASE_MS = 10_000;
const BACKOFF_MAX_MS = 360_000;

/** The delay before a Job creates pods again after its n-th failure (0 before any). */
export function jobBackoffMs(failures: number): number {
  if (failures <= 0) return 0;
  return Math.min(BACKOFF_BASE_MS * 2 ** (failures - 1), BACKOFF_MAX_MS);
}

export function isJobFinished(job: KubeObject): 'Complete' | 'Failed' | undefined {
  for (const c of job.status?.conditions ?? []) {
    if ((c.type === 'Complete' || c.type === 'Failed') && c.status === 'True') return c.type;
  }
  return undefined;
}

/** How many pods a Job wants running now (NonIndexed). */
export function wantedActive(parallelism: number, completions: number | undefined, succeeded: number): number {
  if (completions === undefined || completions === null) return succeeded > 0 ? 0 : parallelism;
  return Math.max(0, Math.min(parallelism, completions - succeeded));
}

export function startJobController(ctx: ClusterContext, shared: WorkloadShared): Stop {
  const types = ctx.types;
  const events = new EventGate(ctx, 'job-controller');
  const queue = new WorkQueue(ctx, 'job-controller', (key) => reconcile(key));
  const enqueue = (namespace: string, name: string): void => queue.add(keyOf(namespace, name));
  /** active pods that went away without finishing count as failures (upstream tracks them with a finalizer) */
  const lost = new Map<string, number>();
  const ownDeletions = new Set<string>();
  const lastFailure = new Map<string, { failed: number; at: number }>();

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const job = ctx.service.find(types.jobs, namespace, name);
    if (!job) return;
    const uid = job.metadata.uid as string;
    const nowMs = ctx.clock.nowMs();
    const now = timestamp(nowMs);
    if (isJobFinished(job)) {
      expireFinished(job, key);
      return;
    }
    const pods = [...shared.pods.owned(uid)];
    const active = pods.filter(isActivePod);
    const succeeded = Math.max(job.status?.succeeded ?? 0, pods.filter((p) => p.phase === 'Succeeded').length);
    const failed = Math.max(job.status?.failed ?? 0, pods.filter((p) => p.phase === 'Failed').length + (lost.get(uid) ?? 0));
    const completions: number | undefined = job.spec?.completions ?? undefined;
    const parallelism: number = job.spec?.parallelism ?? 1;
    const backoffLimit: number = job.spec?.backoffLimit ?? 6;
    const suspended = job.spec?.suspend === true;
    const status: any = { ...structuredClone(job.status ?? {}) };
    let conditions: any[] = status.conditions ?? [];
    const setCondition = (type: string, reason: string, message: string, state = 'True'): void => {
      const current = conditions.find((c) => c.type === type);
      if (current?.status === state && current.reason === reason) return;
      conditions = [...conditions.filter((c) => c.type !== type), { type, status: state, lastProbeTime: now, lastTransitionTime: now, reason, message }];
    };
    if (!suspended && !status.startTime) status.startTime = now;
    const deadline: number | undefined = job.spec?.activeDeadlineSeconds ?? undefined;
    const started = Date.parse(status.startTime ?? '');

    let finish: { type: 'Complete' | 'Failed'; reason: string; message: string } | undefined;
    if (failed > backoffLimit) finish = { type: 'Failed', reason: 'BackoffLimitExceeded', message: 'Job has reached the specified backoff limit' };
    else if (deadline !== undefined && !suspended && Number.isFinite(started) && nowMs - started >= deadline * 1000) finish = { type: 'Failed', reason: 'DeadlineExceeded', message: 'Job was active longer than specified deadline' };
    else if (completions !== undefined ? succeeded >= completions : succeeded > 0 && active.length === 0) finish = { type: 'Complete', reason: 'CompletionsReached', message: 'Reached expected number of succeeded pods' };

    let activeLeft = active;
    if (finish || suspended) {
      deletePods(job, active);
      activeLeft = [];
    } else {
      const want = wantedActive(parallelism, completions, succeeded);
      const diff = want - active.length;
      if (diff > 0) {
        const previous = lastFailure.get(uid);
        if (!previous || previous.failed !== failed) lastFailure.set(uid, { failed, at: previous ? nowMs : nowMs - jobBackoffMs(failed) });
        const wait = (lastFailure.get(uid)!.at + jobBackoffMs(failed)) - nowMs;
        if (failed > 0 && wait > 0) {
          queue.addAfter(key, wait + 1);
        } else {
          const granted = shared.budget.take(diff);
          for (let i = 0; i < granted; i++) {
            const created = ctx.service.create(types.pods, namespace, podFromTemplate(job.spec?.template, job), { bodyOwned: true });
            events.record(job, 'Normal', 'SuccessfulCreate', `Created pod: ${created.metadata.name}`);
          }
          if (granted < diff) requeueSoon(queue, key);
        }
      } else if (diff < 0) {
        const extra = rankPodsForDeletion(active, nowMs).slice(0, -diff);
        deletePods(job, extra);
        activeLeft = active.filter((p) => !extra.includes(p));
      }
      if (deadline !== undefined && Number.isFinite(started)) queue.addAfter(key, Math.max(1, started + deadline * 1000 - nowMs));
    }
    if (suspended && !finish) setCondition('Suspended', 'JobSuspended', 'Job suspended');
    else if (conditions.some((c) => c.type === 'Suspended' && c.status === 'True')) setCondition('Suspended', 'JobResumed', 'Job resumed', 'False');
    if (finish?.type === 'Complete') {
      setCondition('SuccessCriteriaMet', finish.reason, finish.message);
      setCondition('Complete', finish.reason, finish.message);
      status.completionTime = now;
      events.record(job, 'Normal', 'Completed', 'Job completed');
    } else if (finish) {
      setCondition('FailureTarget', finish.reason, finish.message);
      setCondition('Failed', finish.reason, finish.message);
      events.record(job, 'Warning', finish.reason, finish.message);
    }
    status.conditions = conditions.length > 0 ? conditions : undefined;
    status.active = activeLeft.length || undefined;
    status.ready = activeLeft.filter((p) => p.ready).length;
    status.succeeded = succeeded || undefined;
    status.failed = failed || undefined;
    status.terminating = pods.filter((p) => p.deleting).length;
    status.uncountedTerminatedPods = {};
    const stored = writeStatus(ctx, types.jobs, job, status);
    if (finish) expireFinished(stored, key);
  };

  const deletePods = (job: KubeObject, pods: PodInfo[]): void => {
    for (const pod of pods) {
      try {
        ownDeletions.add(pod.uid);
        ctx.service.delete(types.pods, pod.namespace, pod.name, { preconditions: { uid: pod.uid } });
        events.record(job, 'Normal', 'SuccessfulDelete', `Deleted pod: ${pod.name}`);
      } catch (error) {
        if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
      }
    }
  };

  /** ttlSecondsAfterFinished: the finished Job goes (background propagation: its pods follow through the garbage collector). */
  const expireFinished = (job: KubeObject, key: string): void => {
    const ttl: number | undefined = job.spec?.ttlSecondsAfterFinished ?? undefined;
    if (ttl === undefined || job.metadata.deletionTimestamp) return;
    const finished = (job.status?.conditions ?? []).find((c: any) => (c.type === 'Complete' || c.type === 'Failed') && c.status === 'True');
    const at = Date.parse(job.status?.completionTime ?? finished?.lastTransitionTime ?? '');
    if (!Number.isFinite(at)) return;
    const wait = at + ttl * 1000 - ctx.clock.nowMs();
    if (wait > 0) {
      queue.addAfter(key, wait + 1);
      return;
    }
    try {
      ctx.service.delete(types.jobs, job.metadata.namespace ?? '', job.metadata.name as string, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
    } catch (error) {
      if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
    }
  };

  shared.podOwners.set('Job', enqueue);
  shared.pods.listen((current, previous, type) => {
    if (type !== 'DELETED' || previous?.owner?.kind !== 'Job') return;
    if (ownDeletions.delete(previous.uid)) return;
    if (previous.phase !== 'Succeeded' && previous.phase !== 'Failed') lost.set(previous.owner.uid, (lost.get(previous.owner.uid) ?? 0) + 1);
  });
  const unsubscribe = onChange(ctx, types.jobs, (event) => {
    if (event.type !== 'DELETED') enqueue(event.entry.namespace, event.entry.name);
    else {
      const uid = JSON.parse(event.entry.json.toString('utf8')).metadata?.uid;
      lost.delete(uid);
      lastFailure.delete(uid);
    }
  });
  for (const entry of ctx.service.list(types.jobs, '', {}).entries) enqueue(entry.namespace, entry.name);
  return () => {
    unsubscribe();
    shared.podOwners.delete('Job');
    queue.stop();
  };
}
