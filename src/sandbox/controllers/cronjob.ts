// CronJobs on the simulated clock: the schedule (parsed by croner; CRON_TZ=/TZ= prefixes and spec.timeZone,
// UTC otherwise) makes Jobs named <cronjob>-<scheduled time in minutes>, concurrencyPolicy Allow/Forbid/Replace,
// suspend, startingDeadlineSeconds, successful/failedJobsHistoryLimit, status active/lastScheduleTime/
// lastSuccessfulTime, as upstream's cronjob controller v2.

import { Cron } from 'croner';
import type { KubeObject } from '../../domain/object.ts';
import { ApiError } from '../apiserver/status.ts';
import type { ClusterContext } from './context.ts';
import type { Stop } from './index.ts';
import { isJobFinished } from './job.ts';
import { keyOf, onChange, splitKey, WorkQueue } from './runtime.ts';
import { EventGate, ownerReference, OwnedIndex, summarizeObject, timestamp, writeStatus, type ObjectInfo, type WorkloadShared } from './workload-support.ts';

const MAX_MISSED = 100;

/** Parses a CronJob schedule as Kubernetes accepts it (five fields or a @descriptor). Throws on a bad one. */
export function parseSchedule(schedule: string, timeZone?: string): Cron {
  let text = schedule.trim();
  let zone = timeZone || 'UTC';
  const prefixed = /^(?:CRON_TZ|TZ)=(\S+)\s+(.*)$/.exec(text);
  if (prefixed) {
    zone = prefixed[1];
    text = prefixed[2].trim();
  }
  if (text === '@midnight') text = '@daily';
  if (!text.startsWith('@') && text.split(/\s+/).length !== 5) throw new Error(`expected exactly 5 fields, found ${text.split(/\s+/).length}: ${text}`);
  return new Cron(text, { timezone: zone, paused: true, legacyMode: true });
}

/** The newest schedule time in (since, now] and the next one after now; `missed` counts the times skipped over. */
export function mostRecentScheduleTime(cron: Cron, sinceMs: number, nowMs: number): { scheduled?: number; next?: number; missed: number } {
  let scheduled: number | undefined;
  let missed = 0;
  let next = cron.nextRun(new Date(sinceMs))?.getTime();
  while (next !== undefined && next <= nowMs) {
    scheduled = next;
    missed++;
    if (missed > MAX_MISSED) {
      // too many to walk: look back from now over a widening window for the latest time
      for (let span = 60_000; span < 400 * 86_400_000; span *= 2) {
        let at = cron.nextRun(new Date(nowMs - span))?.getTime();
        if (at === undefined || at > nowMs) continue;
        while (at !== undefined && at <= nowMs) {
          scheduled = at;
          at = cron.nextRun(new Date(at))?.getTime();
        }
        break;
      }
      next = cron.nextRun(new Date(nowMs))?.getTime();
      break;
    }
    next = cron.nextRun(new Date(next))?.getTime();
  }
  return { scheduled, next, missed };
}

/** getJobName: "<cronjob>-<scheduled time in minutes since the epoch>". */
export function jobNameFor(cronJobName: string, scheduledMs: number): string {
  return `${cronJobName}-${Math.floor(scheduledMs / 60_000)}`;
}

export function startCronJobController(ctx: ClusterContext, _shared: WorkloadShared): Stop {
  const types = ctx.types;
  const events = new EventGate(ctx, 'cronjob-controller');
  const queue = new WorkQueue(ctx, 'cronjob-controller', (key) => reconcile(key));
  const jobs = new OwnedIndex<ObjectInfo>(ctx, types.jobs, summarizeObject, true);
  const enqueue = (namespace: string, name: string): void => queue.add(keyOf(namespace, name));

  const reconcile = (key: string): void => {
    const { namespace, name } = splitKey(key);
    const cj = ctx.service.find(types.cronJobs, namespace, name);
    if (!cj) return;
    const nowMs = ctx.clock.nowMs();
    const status: any = structuredClone(cj.status ?? {});
    const owned = [...jobs.owned(cj.metadata.uid as string)].map((info) => info.object);
    const wasActive = new Set<string>((status.active ?? []).map((ref: any) => ref.uid));
    const active: KubeObject[] = [];
    for (const job of owned) {
      const finished = isJobFinished(job);
      if (!finished) {
        if (!job.metadata.deletionTimestamp) active.push(job);
        continue;
      }
      if (wasActive.has(job.metadata.uid as string)) events.record(cj, 'Normal', 'SawCompletedJob', `Saw completed job: ${job.metadata.name}, condition: ${finished}`);
      if (finished === 'Complete' && job.status?.completionTime && (!status.lastSuccessfulTime || Date.parse(job.status.completionTime) > Date.parse(status.lastSuccessfulTime))) {
        status.lastSuccessfulTime = job.status.completionTime;
      }
    }
    cleanupHistory(cj, owned);
    const finish = (): void => {
      status.active = active.length > 0 ? active.map(jobReference) : undefined;
      writeStatus(ctx, types.cronJobs, cj, status);
    };
    if (cj.metadata.deletionTimestamp) return finish();
    let cron: Cron;
    try {
      cron = parseSchedule(cj.spec?.schedule ?? '', cj.spec?.timeZone);
    } catch (error) {
      events.record(cj, 'Warning', 'UnparseableSchedule', `unparseable schedule: ${JSON.stringify(cj.spec?.schedule)} : ${(error as Error).message}`);
      return finish();
    }
    const since = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp ?? '') || nowMs;
    const { scheduled, next, missed } = mostRecentScheduleTime(cron, since, nowMs);
    if (missed > MAX_MISSED) events.record(cj, 'Warning', 'TooManyMissedTimes', 'too many missed start times. Set or decrease .spec.startingDeadlineSeconds or check clock skew');
    const wakeAtNext = (): void => {
      if (next !== undefined) queue.addAfter(key, Math.max(1, next - ctx.clock.nowMs() + 1));
    };
    if (scheduled === undefined || cj.spec?.suspend) {
      wakeAtNext();
      return finish();
    }
    const deadline: number | undefined = cj.spec?.startingDeadlineSeconds ?? undefined;
    if (deadline !== undefined && scheduled + deadline * 1000 < nowMs) {
      events.record(cj, 'Warning', 'MissSchedule', `Missed scheduled time to start a job: ${new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z')}`);
      wakeAtNext();
      return finish();
    }
    const jobName = jobNameFor(name, scheduled);
    if (active.some((job) => job.metadata.name === jobName) || owned.some((job) => job.metadata.name === jobName)) {
      status.lastScheduleTime = timestamp(scheduled);
      wakeAtNext();
      return finish();
    }
    const policy = cj.spec?.concurrencyPolicy ?? 'Allow';
    if (policy === 'Forbid' && active.length > 0) {
      events.record(cj, 'Normal', 'JobAlreadyActive', 'Not starting job because prior execution is running and concurrency policy is Forbid');
      wakeAtNext();
      return finish();
    }
    if (policy === 'Replace') {
      for (const job of active.splice(0)) {
        try {
          ctx.service.delete(types.jobs, namespace, job.metadata.name as string, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
          events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
        } catch (error) {
          if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
        }
      }
    }
    const template = cj.spec?.jobTemplate ?? {};
    try {
      const created = ctx.service.create(types.jobs, namespace, {
        metadata: {
          name: jobName,
          namespace,
          labels: { ...(template.metadata?.labels ?? {}) },
          annotations: { ...(template.metadata?.annotations ?? {}), 'batch.kubernetes.io/cronjob-scheduled-timestamp': new Date(scheduled).toISOString().replace(/\.\d{3}Z$/, 'Z') },
          ownerReferences: [ownerReference(cj)],
        },
        spec: structuredClone(template.spec ?? {}),
      });
      active.push(created);
      events.record(cj, 'Normal', 'SuccessfulCreate', `Created job ${jobName}`);
    } catch (error) {
      if (!(error instanceof ApiError && error.reason === 'AlreadyExists')) {
        events.record(cj, 'Warning', 'FailedCreate', `Error creating job: ${(error as Error).message}`);
        throw error;
      }
    }
    status.lastScheduleTime = timestamp(scheduled);
    wakeAtNext();
    finish();
  };

  const cleanupHistory = (cj: KubeObject, owned: KubeObject[]): void => {
    const prune = (kind: 'Complete' | 'Failed', limit: number | undefined): void => {
      if (limit === undefined || limit === null) return;
      const finished = owned.filter((job) => isJobFinished(job) === kind && !job.metadata.deletionTimestamp);
      finished.sort((a, b) => (Date.parse(a.status?.startTime ?? a.metadata.creationTimestamp ?? '') || 0) - (Date.parse(b.status?.startTime ?? b.metadata.creationTimestamp ?? '') || 0));
      for (const job of finished.slice(0, Math.max(0, finished.length - limit))) {
        try {
          ctx.service.delete(types.jobs, job.metadata.namespace ?? '', job.metadata.name as string, { propagationPolicy: 'Background', preconditions: { uid: job.metadata.uid } });
          events.record(cj, 'Normal', 'SuccessfulDelete', `Deleted job ${job.metadata.name}`);
        } catch (error) {
          if (!(error instanceof ApiError && (error.code === 404 || error.code === 409))) throw error;
        }
      }
    };
    prune('Complete', cj.spec?.successfulJobsHistoryLimit ?? 3);
    prune('Failed', cj.spec?.failedJobsHistoryLimit ?? 1);
  };

  jobs.listen((current, previous) => {
    for (const job of [current, previous]) if (job?.owner?.kind === 'CronJob') enqueue(job.namespace, job.owner.name);
  });
  const unsubscribe = onChange(ctx, types.cronJobs, (event) => {
    if (event.type !== 'DELETED') enqueue(event.entry.namespace, event.entry.name);
  });
  for (const entry of ctx.service.list(types.cronJobs, '', {}).entries) enqueue(entry.namespace, entry.name);
  return () => {
    unsubscribe();
    jobs.close();
    queue.stop();
  };
}

function jobReference(job: KubeObject): object {
  return { kind: 'Job', namespace: job.metadata.namespace, name: job.metadata.name, uid: job.metadata.uid, apiVersion: 'batch/v1', resourceVersion: job.metadata.resourceVersion };
}
