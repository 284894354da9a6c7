// StatefulSets, DaemonSets, Jobs and CronJobs on the sandbox, checked with the real kubectl v1.35.
// Pods run on plain test nodes through test/support/workload-kubelet.ts (a stand-in kubelet).

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { kubectlFor } from './support/kubectl.ts';
import { addTestNode, startTestKubelet, type TestKubelet } from './support/workload-kubelet.ts';
import { eventually } from './support/scenario-wait.ts';

const until = <T>(what: string, probe: () => T | undefined | false, timeoutMs = 20_000): Promise<T> => eventually(probe, timeoutMs, () => what, 20);

function objects(sandbox: TestSandbox, type: keyof NonNullable<TestSandbox['cluster']>['types'], namespace = 'default'): any[] {
  return sandbox.service.list(sandbox.cluster!.types[type], namespace, {}).entries.map((e) => JSON.parse(e.json.toString('utf8')));
}

describe('workload controllers (kubectl v1.35)', () => {
  let sandbox: TestSandbox;
  let kubelet: TestKubelet;
  let k: ReturnType<typeof kubectlFor>;

  before(async () => {
    sandbox = await testSandbox({ timeScale: 1 });
    addTestNode(sandbox, 'n1', { labels: { disk: 'ssd' } });
    addTestNode(sandbox, 'n2', { labels: { disk: 'ssd' } });
    addTestNode(sandbox, 'n3', { labels: { disk: 'hdd' } });
    addTestNode(sandbox, 'tainted', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] });
    kubelet = startTestKubelet(sandbox, ['n1', 'n2', 'n3', 'tainted']);
    k = kubectlFor(sandbox.kubeconfig);
  });
  after(async () => {
    kubelet.stop();
    await sandbox.cleanup();
  });

  it('StatefulSet: ordinal pods created one at a time in order, each with its bound claim', async () => {
    const created: string[] = [];
    const watch = setInterval(() => {
      for (const pod of objects(sandbox, 'pods')) if (pod.metadata.name.startsWith('db-') && !created.includes(pod.metadata.name)) {
        // OrderedReady: when a pod appears, every lower ordinal is Running and Ready
        const ordinal = Number(pod.metadata.name.slice(3));
        for (const other of objects(sandbox, 'pods').filter((p) => p.metadata.name.startsWith('db-') && Number(p.metadata.name.slice(3)) < ordinal)) {
          if (!other.status?.conditions?.some((c: any) => c.type === 'Ready' && c.status === 'True')) created.push(`early:${pod.metadata.name}`);
        }
        created.push(pod.metadata.name);
      }
    }, 2);
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: apps/v1
kind: StatefulSet
metadata: { name: db, namespace: default }
spec:
  serviceName: db
  replicas: 3
  selector: { matchLabels: { app: db } }
  template:
    metadata: { labels: { app: db } }
    spec: { containers: [{ name: db, image: postgres:16 }] }
  volumeClaimTemplates:
  - metadata: { name: data }
    spec: { accessModes: [ReadWriteOnce], resources: { requests: { storage: 2Gi } } }
`,
    });
    const out = await k.ok(['rollout', 'status', 'statefulset/db', '--timeout=30s']);
    clearInterval(watch);
    // kubectl reports a defaulted partition (0) as a partitioned rollout, as on a real cluster
    assert.match(out, /partitioned roll out complete: 3 new pods have been updated/);
    assert.deepEqual(created, ['db-0', 'db-1', 'db-2']);
    const pod = sandbox.service.get(sandbox.cluster!.types.pods, 'default', 'db-1');
    assert.equal(pod.metadata.labels?.['statefulset.kubernetes.io/pod-name'], 'db-1');
    assert.equal(pod.metadata.labels?.['apps.kubernetes.io/pod-index'], '1');
    assert.match(pod.metadata.labels?.['controller-revision-hash'] ?? '', /^db-\w+$/);
    assert.equal(pod.spec.hostname, 'db-1');
    assert.equal(pod.spec.subdomain, 'db');
    assert.deepEqual(pod.spec.volumes.find((v: any) => v.name === 'data'), { name: 'data', persistentVolumeClaim: { claimName: 'data-db-1' } });
    const pvcs = JSON.parse(await k.ok(['get', 'pvc', '-o', 'json'])).items;
    assert.deepEqual(pvcs.map((c: any) => [c.metadata.name, c.status.phase, c.status.capacity.storage]), [['data-db-0', 'Bound', '2Gi'], ['data-db-1', 'Bound', '2Gi'], ['data-db-2', 'Bound', '2Gi']]);
    const pv = JSON.parse(await k.ok(['get', 'pv', pvcs[0].spec.volumeName, '-o', 'json']));
    assert.equal(pv.status.phase, 'Bound');
    assert.equal(pv.spec.claimRef.name, 'data-db-0');
    const sts = JSON.parse(await k.ok(['get', 'sts', 'db', '-o', 'json']));
    assert.equal(sts.status.readyReplicas, 3);
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
    assert.equal(JSON.parse(await k.ok(['get', 'controllerrevisions', '-o', 'json'])).items.length, 1);
  });

  it('StatefulSet: scaling down removes the highest ordinals first, rolling update goes from the top', async () => {
    await k.ok(['scale', 'sts/db', '--replicas=1']);
    await until('one pod', () => objects(sandbox, 'pods').filter((p) => p.metadata.name.startsWith('db-')).length === 1);
    assert.equal(objects(sandbox, 'pods').find((p) => p.metadata.name.startsWith('db-')).metadata.name, 'db-0');
    assert.equal(objects(sandbox, 'persistentVolumeClaims').length, 3, 'claims are retained by default');
    await k.ok(['scale', 'sts/db', '--replicas=2']);
    await k.ok(['rollout', 'status', 'statefulset/db', '--timeout=30s']);
    await k.ok(['set', 'image', 'sts/db', 'db=postgres:17']);
    await k.ok(['rollout', 'status', 'statefulset/db', '--timeout=30s']);
    const images = objects(sandbox, 'pods').filter((p) => p.metadata.name.startsWith('db-')).map((p) => p.spec.containers[0].image);
    assert.deepEqual(images, ['postgres:17', 'postgres:17']);
    const sts = JSON.parse(await k.ok(['get', 'sts', 'db', '-o', 'json']));
    assert.equal(sts.status.currentRevision, sts.status.updateRevision);
    assert.equal(sts.status.updatedReplicas, 2);
  });

  it('DaemonSet: one pod per eligible node, with upstream tolerations, unaffected by cordon', async () => {
    await k.ok(['cordon', 'n2']);
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: agent, namespace: default }
spec:
  selector: { matchLabels: { app: agent } }
  template:
    metadata: { labels: { app: agent } }
    spec:
      nodeSelector: { disk: ssd }
      containers: [{ name: agent, image: agent:1 }]
---
apiVersion: apps/v1
kind: DaemonSet
metadata: { name: everywhere, namespace: default }
spec:
  selector: { matchLabels: { app: everywhere } }
  template:
    metadata: { labels: { app: everywhere } }
    spec:
      hostNetwork: true
      containers: [{ name: c, image: agent:1 }]
`,
    });
    await k.ok(['rollout', 'status', 'daemonset/agent', '--timeout=30s']);
    await k.ok(['rollout', 'status', 'daemonset/everywhere', '--timeout=30s']);
    const agents = objects(sandbox, 'pods').filter((p) => p.metadata.labels?.app === 'agent');
    assert.deepEqual(agents.map((p) => p.spec.nodeName).sort(), ['n1', 'n2']);
    const everywhere = objects(sandbox, 'pods').filter((p) => p.metadata.labels?.app === 'everywhere');
    assert.deepEqual(everywhere.map((p) => p.spec.nodeName).sort(), ['n1', 'n2', 'n3'], 'the untolerated taint keeps it off "tainted"');
    const pod = agents[0];
    assert.deepEqual(pod.spec.affinity.nodeAffinity.requiredDuringSchedulingIgnoredDuringExecution.nodeSelectorTerms, [{ matchFields: [{ key: 'metadata.name', operator: 'In', values: [pod.spec.nodeName] }] }]);
    const keys = pod.spec.tolerations.map((t: any) => `${t.key}:${t.effect}:${t.tolerationSeconds ?? ''}`);
    assert.deepEqual(keys, ['node.kubernetes.io/not-ready:NoExecute:', 'node.kubernetes.io/unreachable:NoExecute:', 'node.kubernetes.io/disk-pressure:NoSchedule:', 'node.kubernetes.io/memory-pressure:NoSchedule:', 'node.kubernetes.io/pid-pressure:NoSchedule:', 'node.kubernetes.io/unschedulable:NoSchedule:']);
    assert.ok(everywhere[0].spec.tolerations.some((t: any) => t.key === 'node.kubernetes.io/network-unavailable'));
    const ds = JSON.parse(await k.ok(['get', 'ds', 'agent', '-o', 'json']));
    assert.deepEqual([ds.status.desiredNumberScheduled, ds.status.currentNumberScheduled, ds.status.numberReady, ds.status.numberAvailable, ds.status.updatedNumberScheduled, ds.status.numberMisscheduled], [2, 2, 2, 2, 2, 0]);
    // a deleted daemon pod comes back on its node; a node leaving the selection loses its daemon
    await k.ok(['delete', 'pod', agents.find((p) => p.spec.nodeName === 'n1').metadata.name]);
    await until('agent back on n1', () => objects(sandbox, 'pods').some((p) => p.metadata.labels?.app === 'agent' && p.spec.nodeName === 'n1' && p.status?.phase === 'Running'));
    await k.ok(['label', 'node', 'n2', 'disk=hdd', '--overwrite']);
    await until('agent gone from n2', () => !objects(sandbox, 'pods').some((p) => p.metadata.labels?.app === 'agent' && p.spec.nodeName === 'n2'));
    await k.ok(['uncordon', 'n2']);
  });

  it('Job: runs completions pods, parallelism at a time, and completes', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: batch/v1
kind: Job
metadata: { name: work, namespace: default }
spec:
  completions: 4
  parallelism: 2
  template:
    metadata:
      annotations: { sandbox.kmaint.io/run-seconds: "1" }
    spec:
      restartPolicy: Never
      containers: [{ name: w, image: busybox }]
`,
    });
    let maxActive = 0;
    const watch = setInterval(() => {
      maxActive = Math.max(maxActive, objects(sandbox, 'pods').filter((p) => p.metadata.labels?.['job-name'] === 'work' && ['Pending', 'Running'].includes(p.status?.phase)).length);
    }, 5);
    await k.ok(['wait', '--for=condition=complete', 'job/work', '--timeout=30s']);
    clearInterval(watch);
    const job = JSON.parse(await k.ok(['get', 'job', 'work', '-o', 'json']));
    assert.equal(job.status.succeeded, 4);
    assert.ok(job.status.completionTime);
    assert.ok(job.status.startTime);
    assert.equal(maxActive, 2);
    assert.equal(objects(sandbox, 'pods').filter((p) => p.metadata.labels?.['job-name'] === 'work').length, 4);
  });

  it('Job: fails once more than backoffLimit pods fail', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: batch/v1
kind: Job
metadata: { name: broken, namespace: default }
spec:
  backoffLimit: 0
  template:
    metadata:
      annotations: { sandbox.kmaint.io/run-seconds: "0", sandbox.kmaint.io/exit-code: "1" }
    spec:
      restartPolicy: Never
      containers: [{ name: w, image: busybox }]
`,
    });
    await k.ok(['wait', '--for=condition=failed', 'job/broken', '--timeout=30s']);
    const job = JSON.parse(await k.ok(['get', 'job', 'broken', '-o', 'json']));
    assert.equal(job.status.failed, 1);
    assert.equal(job.status.conditions.find((c: any) => c.type === 'Failed').reason, 'BackoffLimitExceeded');
  });
});

describe('CronJob controller on a fast clock', () => {
  let sandbox: TestSandbox;
  let kubelet: TestKubelet;
  let k: ReturnType<typeof kubectlFor>;

  before(async () => {
    sandbox = await testSandbox({ timeScale: 120 });
    addTestNode(sandbox, 'c1');
    kubelet = startTestKubelet(sandbox, ['c1'], { bindAfterMs: 100 });
    k = kubectlFor(sandbox.kubeconfig);
  });
  after(async () => {
    kubelet.stop();
    await sandbox.cleanup();
  });

  it('creates a Job every scheduled minute and keeps successfulJobsHistoryLimit of them', async () => {
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: tick, namespace: default }
spec:
  schedule: "* * * * *"
  successfulJobsHistoryLimit: 2
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: { sandbox.kmaint.io/run-seconds: "5" }
        spec:
          restartPolicy: OnFailure
          containers: [{ name: t, image: busybox }]
`,
    });
    const names = new Set<string>();
    await until('four jobs seen', () => {
      for (const job of objects(sandbox, 'jobs')) names.add(job.metadata.name);
      return names.size >= 4;
    }, 15_000);
    for (const name of names) assert.match(name, /^tick-\d+$/);
    const minutes = [...names].map((n) => Number(n.slice(5))).sort();
    for (let i = 1; i < minutes.length; i++) assert.equal(minutes[i] - minutes[i - 1], 1);
    await until('history trimmed', () => objects(sandbox, 'jobs').filter((j) => j.status?.conditions?.some((c: any) => c.type === 'Complete')).length <= 2 && objects(sandbox, 'jobs').length <= 3);
    const cj = JSON.parse(await k.ok(['get', 'cronjob', 'tick', '-o', 'json']));
    assert.ok(cj.status.lastScheduleTime);
    assert.ok(cj.status.lastSuccessfulTime);
    const job = objects(sandbox, 'jobs')[0];
    assert.equal(job.metadata.ownerReferences[0].kind, 'CronJob');
    assert.ok(job.metadata.annotations['batch.kubernetes.io/cronjob-scheduled-timestamp']);
  });

  it('Forbid does not start a Job while one is running', async () => {
    await k.ok(['delete', 'cronjob', 'tick']);
    await k.ok(['apply', '-f', '-'], {
      input: `
apiVersion: batch/v1
kind: CronJob
metadata: { name: slow, namespace: default }
spec:
  schedule: "* * * * *"
  concurrencyPolicy: Forbid
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: { sandbox.kmaint.io/run-seconds: "150" }
        spec:
          restartPolicy: OnFailure
          containers: [{ name: t, image: busybox }]
`,
    });
    await until('a slow job', () => objects(sandbox, 'jobs').some((j) => j.metadata.name.startsWith('slow-')), 10_000);
    // two more simulated minutes: still one Job, as the first runs for 150 s
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const running = objects(sandbox, 'jobs').filter((j) => j.metadata.name.startsWith('slow-') && !j.status?.conditions?.some((c: any) => c.type === 'Complete'));
    assert.equal(running.length, 1);
  });
});
