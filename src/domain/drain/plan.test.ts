import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import type { KubeObject } from '../object.ts';
import { parseLabelSelector } from '../selectors.ts';
import { MULTIPLE_BUDGETS, planDrain, type ClusterSnapshot, type DrainPlan, type PlannedPod } from './plan.ts';
import { planSummary } from './summary.ts';

const NOW = new Date('2026-01-01T12:00:00Z');

function node(name: string, options: { cpu?: string; memory?: string; labels?: Record<string, string>; taints?: object[]; unschedulable?: boolean } = {}): KubeObject {
  const allocatable = { cpu: options.cpu ?? '4', memory: options.memory ?? '8Gi', pods: '110' };
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.io/hostname': name, ...options.labels } },
    spec: { ...(options.taints ? { taints: options.taints } : {}), ...(options.unschedulable ? { unschedulable: true } : {}) },
    status: { allocatable, capacity: allocatable },
  };
}

interface PodOptions {
  cpu?: string;
  labels?: Record<string, string>;
  owner?: { kind: string; name: string; uid?: string; apiVersion?: string };
  ready?: boolean;
  spec?: Record<string, unknown>;
  volumes?: object[];
  namespace?: string;
  mirror?: boolean;
  phase?: string;
}

function pod(name: string, nodeName: string, options: PodOptions = {}): KubeObject {
  const owner = options.owner;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: options.namespace ?? 'default',
      labels: options.labels ?? {},
      ...(owner ? { ownerReferences: [{ apiVersion: owner.apiVersion ?? 'apps/v1', kind: owner.kind, name: owner.name, uid: owner.uid ?? `uid-${owner.name}`, controller: true }] } : {}),
      ...(options.mirror ? { annotations: { 'kubernetes.io/config.mirror': 'x' } } : {}),
    },
    spec: {
      nodeName,
      containers: [{ name: 'c', resources: { requests: { cpu: options.cpu ?? '100m', memory: '64Mi' } } }],
      ...(options.volumes ? { volumes: options.volumes } : {}),
      ...options.spec,
    },
    status: { phase: options.phase ?? 'Running', conditions: [{ type: 'Ready', status: options.ready === false ? 'False' : 'True' }] },
  };
}

/** A Deployment, its ReplicaSet, and one pod per entry of `nodes`. */
function deployment(name: string, nodes: string[], options: Omit<PodOptions, 'owner'> & { replicas?: number; template?: Record<string, unknown>; readyPods?: boolean[] } = {}): { workloads: KubeObject[]; pods: KubeObject[] } {
  const labels = { app: name, ...options.labels };
  const dep: KubeObject = { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: 'default', uid: `uid-dep-${name}` }, spec: { replicas: options.replicas ?? nodes.length, template: { spec: options.template ?? {} } } };
  const rs: KubeObject = {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name: `${name}-rs`, namespace: 'default', uid: `uid-${name}-rs`, ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name, uid: `uid-dep-${name}`, controller: true }] },
    spec: { replicas: options.replicas ?? nodes.length, template: { spec: options.template ?? {} } },
  };
  const pods = nodes.map((nodeName, i) => pod(`${name}-${i}`, nodeName, { ...options, labels, owner: { kind: 'ReplicaSet', name: `${name}-rs` }, ready: options.readyPods?.[i] ?? options.ready }));
  return { workloads: [dep, rs], pods };
}

function pdb(name: string, app: string, spec: Record<string, unknown>): KubeObject {
  return { apiVersion: 'policy/v1', kind: 'PodDisruptionBudget', metadata: { name, namespace: 'default', generation: 1 }, spec: { selector: { matchLabels: { app } }, ...spec } };
}

function snapshot(parts: Partial<ClusterSnapshot> & { nodes: KubeObject[] }, ...sets: { workloads: KubeObject[]; pods: KubeObject[] }[]): ClusterSnapshot {
  return {
    ...parts,
    pods: [...(parts.pods ?? []), ...sets.flatMap((s) => s.pods)],
    workloads: [...(parts.workloads ?? []), ...sets.flatMap((s) => s.workloads)],
  };
}

function find(plan: DrainPlan, name: string): PlannedPod {
  const found = plan.pods.find((p) => p.name === name);
  assert.ok(found, `pod ${name} in the plan`);
  return found;
}

const THREE = [node('n1'), node('n2'), node('n3')];

describe('planDrain: actions and placement', () => {
  it('evicts managed pods to the other nodes, skips DaemonSet and mirror pods, and is safe', () => {
    const ds: KubeObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'proxy', namespace: 'kube-system', uid: 'uid-proxy' } };
    const web = deployment('web', ['n1', 'n1', 'n2']);
    const plan = planDrain(
      snapshot(
        {
          nodes: THREE,
          workloads: [ds],
          pods: [pod('proxy-a', 'n1', { namespace: 'kube-system', owner: { kind: 'DaemonSet', name: 'proxy' } }), pod('etcd-n1', 'n1', { namespace: 'kube-system', mirror: true, owner: { kind: 'Node', name: 'n1', apiVersion: 'v1' } })],
        },
        web,
      ),
      ['n1'],
      { ignoreDaemonSets: true },
      NOW,
    );
    assert.equal(plan.verdict, 'safe');
    assert.deepEqual(plan.pods.map((p) => [p.ref, p.action, p.kind, p.to]), [
      ['kube-system/proxy-a', 'skip', 'daemonset', undefined],
      ['kube-system/etcd-n1', 'skip', 'mirror', undefined],
      ['default/web-0', 'evict', 'managed', 'n3'],
      ['default/web-1', 'evict', 'managed', 'n2'],
    ]);
    assert.deepEqual(plan.nodes, [{ name: 'n1', found: true, wasCordoned: false, unselected: 0, warning: 'ignoring DaemonSet-managed Pods: kube-system/proxy-a' }]);
    assert.deepEqual(plan.risks, []);
  });

  it('reports the pod that fits nowhere with the scheduler message (Insufficient cpu)', () => {
    const big = deployment('big', ['n1'], { cpu: '3', replicas: 2 });
    const filler = deployment('filler', ['n2', 'n3'], { cpu: '2' });
    const plan = planDrain(snapshot({ nodes: THREE }, big, filler), ['n1'], {}, NOW);
    assert.equal(plan.verdict, 'unsafe');
    const p = find(plan, 'big-0');
    assert.equal(p.replacement, 'pending');
    assert.equal(p.pending, '0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.');
    assert.deepEqual(plan.pending, [{ ref: 'default/big-0', reason: p.pending }]);
    const summary = planSummary(plan);
    assert.equal(summary.rows[0].to, `Pending: ${p.pending}`);
    assert.equal(summary.totals.pending, 1);
  });

  it('places pods one after another: the second of two big pods no longer fits', () => {
    const big = deployment('big', ['n1', 'n1'], { cpu: '1500m' });
    const plan = planDrain(snapshot({ nodes: [node('n1'), node('n2', { cpu: '2' })] }, big), ['n1'], {}, NOW);
    assert.equal(find(plan, 'big-0').to, 'n2');
    assert.equal(find(plan, 'big-1').replacement, 'pending');
    assert.match(find(plan, 'big-1').pending!, /1 Insufficient cpu/);
  });

  it('anti-affinity keeps the replacement Pending', () => {
    const anti = { affinity: { podAntiAffinity: { requiredDuringSchedulingIgnoredDuringExecution: [{ topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { app: 'db' } } }] } } };
    const db = deployment('db', ['n1', 'n2'], { spec: anti });
    const plan = planDrain(snapshot({ nodes: [node('n1'), node('n2')] }, db), ['n1'], {}, NOW);
    assert.equal(plan.verdict, 'unsafe');
    assert.match(find(plan, 'db-0').pending!, /^0\/2 nodes are available: 1 node\(s\) didn't match pod anti-affinity rules, 1 node\(s\) were unschedulable\./);
  });

  it('taints: untolerated keeps Pending; a toleration lets it land there', () => {
    const taint = { key: 'dedicated', value: 'gpu', effect: 'NoSchedule' };
    const nodes = [node('n1'), node('n2', { taints: [taint] })];
    const plain = planDrain(snapshot({ nodes }, deployment('web', ['n1'])), ['n1'], {}, NOW);
    assert.match(find(plain, 'web-0').pending!, /1 node\(s\) had untolerated taint \{dedicated: gpu\}/);
    const tolerant = planDrain(snapshot({ nodes }, deployment('web', ['n1'], { spec: { tolerations: [{ key: 'dedicated', operator: 'Exists' }] } })), ['n1'], {}, NOW);
    assert.equal(find(tolerant, 'web-0').to, 'n2');
    assert.equal(tolerant.verdict, 'safe');
  });

  it('drains two nodes together: nothing lands on the other target', () => {
    const web = deployment('web', ['n1', 'n1', 'n2', 'n2']);
    const plan = planDrain(snapshot({ nodes: THREE }, web), ['n1', 'n2'], {}, NOW);
    assert.deepEqual(plan.pods.map((p) => p.to), ['n3', 'n3', 'n3', 'n3']);
    assert.deepEqual(plan.nodes.map((n) => n.name), ['n1', 'n2']);
    // the risk: every replica of web is on the drained nodes
    assert.ok(plan.pods.every((p) => p.risks.some((r) => r.kind === 'workload-down' && r.message === 'all 4 pods of Deployment web are on drained nodes: it is down until replacements are Ready')));
  });

  it('a budget that lets the pods go a few at a time keeps the workload up: no workload-down risk', () => {
    const web = deployment('web', ['n1', 'n1', 'n2', 'n2']);
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { maxUnavailable: 1 })] }, web), ['n1', 'n2'], {}, NOW);
    assert.equal(plan.pods.filter((p) => p.waitsForBudget).length, 3);
    assert.deepEqual(plan.pods.flatMap((p) => p.risks), []);
    // deleting bypasses the budget: all four go at once
    const deleting = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { maxUnavailable: 1 })] }, web), ['n1', 'n2'], { disableEviction: true }, NOW);
    assert.ok(deleting.pods.every((p) => p.risks.some((r) => r.kind === 'workload-down')));
  });

  it('says so when the only other node is drained too', () => {
    const plan = planDrain(snapshot({ nodes: [node('n1'), node('n2')] }, deployment('web', ['n1'])), ['n1', 'n2'], {}, NOW);
    assert.equal(find(plan, 'web-0').pending, '0/2 nodes are available: 2 node(s) were unschedulable. preemption: 0/2 nodes are available: 2 Preemption is not helpful for scheduling.');
  });

  it('a node that does not exist blocks with the API message', () => {
    const plan = planDrain(snapshot({ nodes: THREE }), ['nope'], {}, NOW);
    assert.deepEqual(plan.blocking, [{ ref: 'node/nope', reason: 'nodes "nope" not found' }]);
    assert.equal(plan.verdict, 'unsafe');
  });

  it("kubectl's refusal makes the node's plan unsafe, with the exact error", () => {
    const plan = planDrain(snapshot({ nodes: THREE, pods: [pod('lonely', 'n1')] }, deployment('web', ['n1'])), ['n1'], {}, NOW);
    assert.equal(plan.nodes[0].error, 'cannot delete cannot delete Pods that declare no controller (use --force to override): default/lonely');
    assert.equal(find(plan, 'lonely').action, 'blocked');
    assert.equal(plan.verdict, 'unsafe');
  });

  it('bare pods with --force are gone for good; emptyDir data is lost', () => {
    const scratch = [{ name: 'tmp', emptyDir: {} }];
    const plan = planDrain(snapshot({ nodes: THREE, pods: [pod('lonely', 'n1', { volumes: scratch })] }, deployment('web', ['n1', 'n2'], { volumes: scratch })), ['n1'], { force: true, deleteEmptyDirData: true }, NOW);
    const lonely = find(plan, 'lonely');
    assert.deepEqual([lonely.action, lonely.kind, lonely.replacement, lonely.warning], ['evict', 'bare', 'none', 'deleting Pods that declare no controller']);
    assert.deepEqual(lonely.risks.map((r) => r.kind).sort(), ['bare-pod-deleted', 'emptydir-data-lost']);
    const web = find(plan, 'web-0');
    assert.deepEqual([web.kind, web.replacement], ['emptydir', 'placed']);
    assert.deepEqual(web.risks.map((r) => r.kind), ['emptydir-data-lost']);
    assert.equal(plan.verdict, 'safe');
  });

  it('finished pods are removed and not replaced', () => {
    const plan = planDrain(snapshot({ nodes: THREE, pods: [pod('job-x', 'n1', { phase: 'Succeeded', owner: { kind: 'Job', name: 'job', apiVersion: 'batch/v1' } })] }), ['n1'], {}, NOW);
    assert.deepEqual([find(plan, 'job-x').action, find(plan, 'job-x').kind, find(plan, 'job-x').replacement], ['evict', 'finished', 'none']);
  });

  it('--pod-selector leaves other pods out', () => {
    const plan = planDrain(snapshot({ nodes: THREE }, deployment('web', ['n1']), deployment('api', ['n1'])), ['n1'], { podSelector: parseLabelSelector('app=web') }, NOW);
    assert.deepEqual(plan.pods.map((p) => p.name), ['web-0']);
    assert.equal(plan.nodes[0].unselected, 1);
  });
});

describe('planDrain: PodDisruptionBudgets', () => {
  it('maxUnavailable 0 blocks with the eviction API reason', () => {
    const web = deployment('web', ['n1', 'n2', 'n3']);
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { maxUnavailable: 0 })] }, web), ['n1'], {}, NOW);
    assert.equal(plan.verdict, 'unsafe');
    assert.equal(find(plan, 'web-0').action, 'blocked');
    assert.equal(find(plan, 'web-0').reason, 'The disruption budget web needs 3 healthy pods and has 3 currently');
    assert.equal(find(plan, 'web-0').replacement, 'none');
    assert.deepEqual(plan.budgets.map((b) => [b.ref, b.disruptionsAllowed, b.evictions, b.allowedNow, b.verdict]), [['default/web', 0, 1, 0, 'blocks']]);
  });

  it('minAvailable 100% blocks', () => {
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { minAvailable: '100%' })] }, deployment('web', ['n1', 'n2'])), ['n1'], {}, NOW);
    assert.equal(find(plan, 'web-0').reason, 'The disruption budget web needs 2 healthy pods and has 2 currently');
  });

  it('percentages: maxUnavailable 50% of 4 lets 2 go now; the third waits for replacements, which fit', () => {
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { maxUnavailable: '50%' })] }, deployment('web', ['n1', 'n1', 'n1', 'n2'])), ['n1'], {}, NOW);
    assert.equal(plan.verdict, 'safe');
    assert.deepEqual(plan.pods.map((p) => [p.action, p.waitsForBudget ?? false]), [['evict', false], ['evict', false], ['evict', true]]);
    const [budget] = plan.budgets;
    assert.deepEqual([budget.disruptionsAllowed, budget.desiredHealthy, budget.evictions, budget.allowedNow, budget.verdict], [2, 2, 3, 2, 'waits']);
    assert.equal(budget.reason, 'allows 2 eviction(s) at once; 1 wait for replacements to be Ready');
    assert.ok(planSummary(plan).rows[2].notes.includes('waits for PDB default/web'));
  });

  it('minAvailable as a percentage rounds up', () => {
    // 3 replicas, 50% -> 2 healthy needed, 1 disruption allowed
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { minAvailable: '50%' })] }, deployment('web', ['n1', 'n1', 'n2'])), ['n1'], {}, NOW);
    assert.deepEqual(plan.budgets.map((b) => [b.desiredHealthy, b.disruptionsAllowed, b.verdict]), [[2, 1, 'waits']]);
  });

  it('waiting evictions are blocked when the replacements of the first ones stay Pending', () => {
    const big = deployment('big', ['n1', 'n1', 'n2'], { cpu: '3' });
    const plan = planDrain(snapshot({ nodes: [node('n1'), node('n2')], pdbs: [pdb('big', 'big', { maxUnavailable: 1 })] }, big), ['n1'], {}, NOW);
    assert.equal(find(plan, 'big-0').replacement, 'pending');
    assert.equal(find(plan, 'big-1').action, 'blocked');
    assert.equal(find(plan, 'big-1').reason, "The disruption budget big needs 2 healthy pods and has 2 currently (the evicted pods' replacements stay Pending)");
    assert.equal(plan.budgets[0].verdict, 'blocks');
  });

  it('an unhealthy pod elsewhere leaves no disruption: blocks', () => {
    const web = deployment('web', ['n1', 'n2', 'n3'], { readyPods: [true, true, false] });
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { minAvailable: 2 })] }, web), ['n1'], {}, NOW);
    assert.equal(find(plan, 'web-0').reason, 'The disruption budget web needs 2 healthy pods and has 2 currently');
  });

  it('an unhealthy pod may go when the budget is healthy (IfHealthyBudget) or always (AlwaysAllow)', () => {
    const web = deployment('web', ['n1', 'n2', 'n3'], { readyPods: [false, true, true] });
    const healthy = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { minAvailable: 2 })] }, web), ['n1'], {}, NOW);
    assert.equal(find(healthy, 'web-0').action, 'evict');
    const strict = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { minAvailable: 3 })] }, web), ['n1'], {}, NOW);
    assert.equal(find(strict, 'web-0').action, 'blocked');
    const always = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { minAvailable: 3, unhealthyPodEvictionPolicy: 'AlwaysAllow' })] }, web), ['n1'], {}, NOW);
    assert.equal(find(always, 'web-0').action, 'evict');
  });

  it('two budgets over one pod: the eviction API refuses it', () => {
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('a', 'web', { maxUnavailable: 1 }), pdb('b', 'web', { maxUnavailable: 1 })] }, deployment('web', ['n1', 'n2'])), ['n1'], {}, NOW);
    assert.equal(find(plan, 'web-0').reason, MULTIPLE_BUDGETS);
  });

  it('--disable-eviction deletes, so budgets hold nothing up', () => {
    const plan = planDrain(snapshot({ nodes: THREE, pdbs: [pdb('web', 'web', { maxUnavailable: 0 })] }, deployment('web', ['n1', 'n2'])), ['n1'], { disableEviction: true }, NOW);
    assert.deepEqual([find(plan, 'web-0').action, plan.verdict, plan.budgets.length], ['delete', 'safe', 0]);
  });

  it('budgets are spent across nodes drained together', () => {
    const plan = planDrain(snapshot({ nodes: [...THREE, node('n4')], pdbs: [pdb('web', 'web', { maxUnavailable: 1 })] }, deployment('web', ['n1', 'n2', 'n3'])), ['n1', 'n2'], {}, NOW);
    assert.deepEqual(plan.pods.map((p) => p.waitsForBudget ?? false), [false, true]);
    assert.deepEqual([plan.budgets[0].evictions, plan.budgets[0].allowedNow], [2, 1]);
  });
});

describe('planDrain: risks', () => {
  it('single-replica workloads will be down', () => {
    const plan = planDrain(snapshot({ nodes: THREE }, deployment('solo', ['n1'], { replicas: 1 })), ['n1'], {}, NOW);
    assert.deepEqual(find(plan, 'solo-0').risks, [{ kind: 'workload-down', message: 'Deployment solo has a single replica: it is down until the replacement is Ready' }]);
    assert.equal(plan.verdict, 'safe');
  });

  it('a StatefulSet pod on a local PersistentVolume of the node stays Pending', () => {
    const sts: KubeObject = { apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: { name: 'db', namespace: 'default', uid: 'uid-db' }, spec: { replicas: 2 } };
    const pods = ['n1', 'n2'].map((n, i) => pod(`db-${i}`, n, { labels: { app: 'db' }, owner: { kind: 'StatefulSet', name: 'db' }, volumes: [{ name: 'data', persistentVolumeClaim: { claimName: `data-db-${i}` } }] }));
    const pvcs = [0, 1].map((i) => ({ apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: `data-db-${i}`, namespace: 'default' }, spec: { volumeName: `pv-${i}` } }));
    const pvs = ['n1', 'n2'].map((n, i) => ({
      apiVersion: 'v1',
      kind: 'PersistentVolume',
      metadata: { name: `pv-${i}` },
      spec: { local: { path: '/mnt/disk' }, nodeAffinity: { required: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'kubernetes.io/hostname', operator: 'In', values: [n] }] }] } } },
    }));
    const plan = planDrain({ nodes: THREE, pods, workloads: [sts], pvcs, pvs }, ['n1'], {}, NOW);
    const db0 = find(plan, 'db-0');
    assert.equal(db0.replacement, 'pending');
    assert.match(db0.pending!, /^0\/3 nodes are available: 1 node\(s\) were unschedulable, 2 node\(s\) didn't match Pod's node affinity\/selector\./);
    assert.deepEqual(db0.risks, [{ kind: 'local-volume', message: 'StatefulSet pod uses local PersistentVolume pv-0 (claim data-db-0) on n1: its replacement can only run where the volume is' }]);
  });

  it('hostPath volumes leave their data behind', () => {
    const plan = planDrain(snapshot({ nodes: THREE }, deployment('logs', ['n1', 'n2'], { volumes: [{ name: 'var', hostPath: { path: '/var/log' } }] })), ['n1'], {}, NOW);
    assert.deepEqual(find(plan, 'logs-0').risks, [{ kind: 'local-volume', message: 'pod uses hostPath /var/log (volume var): its data stays on n1' }]);
  });

  it('pods that tolerate the unschedulable taint come back', () => {
    const tolerations = [{ key: 'node.kubernetes.io/unschedulable', operator: 'Exists', effect: 'NoSchedule' }];
    const plan = planDrain(snapshot({ nodes: [node('n1', { cpu: '8' }), node('n2', { cpu: '1' })] }, deployment('agent', ['n1', 'n2'], { spec: { tolerations } })), ['n1'], {}, NOW);
    const agent = find(plan, 'agent-0');
    assert.equal(agent.to, 'n1');
    assert.deepEqual(agent.risks.map((r) => r.message), ['tolerates node.kubernetes.io/unschedulable: the replacement lands back on n1']);
  });

  it('a node selector matching only the drained node pins the pod there', () => {
    const nodes = [node('n1', { labels: { disk: 'ssd' } }), node('n2')];
    const plan = planDrain(snapshot({ nodes }, deployment('fast', ['n1'], { spec: { nodeSelector: { disk: 'ssd' } } })), ['n1'], {}, NOW);
    const fast = find(plan, 'fast-0');
    assert.equal(fast.replacement, 'pending');
    assert.ok(fast.risks.some((r) => r.kind === 'pinned-to-node' && r.message === 'its node selector/affinity matches only drained nodes'));
  });

  it("spec.nodeName in the workload's template binds the replacement straight back", () => {
    const plan = planDrain(snapshot({ nodes: THREE }, deployment('pinned', ['n1', 'n2'], { template: { nodeName: 'n1' } })), ['n1'], {}, NOW);
    const pinned = find(plan, 'pinned-0');
    assert.equal(pinned.to, 'n1');
    assert.deepEqual(pinned.risks, [{ kind: 'pinned-to-node', message: 'its template sets spec.nodeName n1: the replacement comes straight back to the drained node' }]);
  });
});

describe('planSummary', () => {
  it('rows and totals', () => {
    const ds: KubeObject = { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'proxy', namespace: 'default', uid: 'u' } };
    const plan = planDrain(
      snapshot({ nodes: THREE, workloads: [ds], pods: [pod('proxy-a', 'n1', { owner: { kind: 'DaemonSet', name: 'proxy' } }), pod('lonely', 'n1')], pdbs: [pdb('web', 'web', { maxUnavailable: 0 })] }, deployment('web', ['n1', 'n2']), deployment('api', ['n1', 'n3'])),
      ['n1'],
      { ignoreDaemonSets: true, force: true },
      NOW,
    );
    const summary = planSummary(plan);
    assert.deepEqual(
      summary.rows.map((r) => [r.pod, r.actionText, r.from, r.to]),
      [
        ['proxy-a', 'skip (DaemonSet)', 'n1', ''],
        ['lonely', 'evict', 'n1', ''],
        ['web-0', 'blocked', 'n1', ''],
        ['api-0', 'evict', 'n1', 'n2'],
      ],
    );
    assert.deepEqual(summary.rows[1].notes, ['warning: deleting Pods that declare no controller', 'no controller: the pod is gone for good']);
    assert.deepEqual(summary.totals, { pods: 4, evict: 2, delete: 0, skip: 1, blocked: 1, placed: 1, pending: 0, risks: 1, budgetsBlocking: 1, budgetsWaiting: 0 });
    assert.equal(summary.verdict, 'unsafe');
    assert.deepEqual(summary.problems, ['default/web-0: The disruption budget web needs 2 healthy pods and has 2 currently']);
  });
});
