import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import type { KubeObject } from '../../domain/object.ts';
import { ResourceRegistry, type ResourceType } from './resources.ts';
import { evaluateJsonPath, humanDuration, renderTable } from './tables.ts';

const registry = new ResourceRegistry();
const NOW = new Date('2025-06-01T12:00:00Z');

function type(group: string, version: string, resource: string): ResourceType {
  const found = registry.get(group, version, resource);
  assert.ok(found, `${group}/${version}/${resource} is registered`);
  return found;
}

/** An ISO timestamp `ms` before NOW. */
function ago(ms: number): string {
  return new Date(NOW.getTime() - ms).toISOString();
}

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;

function meta(name: string, extra: Record<string, unknown> = {}): KubeObject['metadata'] {
  return { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '7', creationTimestamp: ago(5 * M), ...extra };
}

/** Column name -> cell of the first row. */
function cellsByName(group: string, version: string, resource: string, object: KubeObject): Record<string, unknown> {
  const table = renderTable(type(group, version, resource), [object], NOW);
  const columns = table.columnDefinitions ?? [];
  assert.equal(table.rows[0].cells.length, columns.length, 'one cell per column');
  return Object.fromEntries(columns.map((c, i) => [c.name, table.rows[0].cells[i]]));
}

describe('humanDuration', () => {
  const cases: Array<[number, string]> = [
    [-3 * S, '<invalid>'],
    [-1500, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [2 * M, '2m'],
    [3 * M + 20 * S, '3m20s'],
    [10 * M + 59 * S, '10m'],
    [179 * M, '179m'],
    [3 * H, '3h'],
    [3 * H + 5 * M, '3h5m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H + 30 * M, '8h'],
    [47 * H, '47h'],
    [2 * D, '2d'],
    [2 * D + 3 * H, '2d3h'],
    [8 * D, '8d'],
    [45 * D, '45d'],
    [729 * D, '729d'],
    [2 * 365 * D + 30 * D, '2y30d'],
    [3 * 365 * D, '3y'],
    [9 * 365 * D + 100 * D, '9y'],
  ];
  for (const [ms, expected] of cases) {
    it(`${ms} ms -> ${expected}`, () => assert.equal(humanDuration(ms), expected));
  }
});

describe('renderTable envelope', () => {
  const pod: KubeObject = { apiVersion: 'v1', kind: 'Pod', metadata: meta('web-1'), spec: { containers: [{ name: 'c' }] }, status: { phase: 'Running' } };

  it('is a meta.k8s.io/v1 Table with PartialObjectMetadata rows by default', () => {
    const table = renderTable(type('', 'v1', 'pods'), [pod], NOW, { resourceVersion: '42', continue: 'abc' });
    assert.equal(table.kind, 'Table');
    assert.equal(table.apiVersion, 'meta.k8s.io/v1');
    assert.deepEqual(table.metadata, { resourceVersion: '42', continue: 'abc' });
    assert.deepEqual(Object.keys(table), ['kind', 'apiVersion', 'metadata', 'columnDefinitions', 'rows']);
    assert.deepEqual(table.rows[0].object, { kind: 'PartialObjectMetadata', apiVersion: 'meta.k8s.io/v1', metadata: pod.metadata });
    for (const column of table.columnDefinitions ?? []) {
      assert.deepEqual(Object.keys(column).sort(), ['description', 'format', 'name', 'priority', 'type']);
    }
  });

  it('honours includeObject None and Object, and noHeaders', () => {
    assert.equal(renderTable(type('', 'v1', 'pods'), [pod], NOW, { includeObject: 'None' }).rows[0].object, undefined);
    assert.equal(renderTable(type('', 'v1', 'pods'), [pod], NOW, { includeObject: 'Object' }).rows[0].object, pod);
    const headless = renderTable(type('', 'v1', 'pods'), [pod], NOW, { noHeaders: true });
    assert.equal('columnDefinitions' in headless, false);
    assert.equal(headless.rows.length, 1);
  });

  it('returns an empty rows array for no objects', () => {
    assert.deepEqual(renderTable(type('', 'v1', 'pods'), [], NOW).rows, []);
  });
});

describe('pods', () => {
  const columns = renderTable(type('', 'v1', 'pods'), [], NOW).columnDefinitions ?? [];

  it('has upstream column names and priorities', () => {
    assert.deepEqual(
      columns.map((c) => [c.name, c.priority]),
      [
        ['Name', 0],
        ['Ready', 0],
        ['Status', 0],
        ['Restarts', 0],
        ['Age', 0],
        ['IP', 1],
        ['Node', 1],
        ['Nominated Node', 1],
        ['Readiness Gates', 1],
      ],
    );
    assert.equal(columns[0].format, 'name');
  });

  it('prints a running pod with restarts and wide columns', () => {
    const cells = cellsByName('', 'v1', 'pods', {
      metadata: meta('web-1'),
      spec: { nodeName: 'n1', containers: [{ name: 'a' }, { name: 'b' }], readinessGates: [{ conditionType: 'example.com/ok' }] },
      status: {
        phase: 'Running',
        podIP: '10.0.0.9',
        podIPs: [{ ip: '10.0.0.7' }],
        conditions: [{ type: 'Ready', status: 'False' }, { type: 'example.com/ok', status: 'True' }],
        containerStatuses: [
          { name: 'a', ready: true, restartCount: 5, state: { running: { startedAt: ago(5 * M) } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(5 * M) } } },
          { name: 'b', ready: false, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    assert.deepEqual(cells, {
      Name: 'web-1',
      Ready: '1/2',
      Status: 'Running',
      Restarts: '5 (5m ago)',
      Age: '5m',
      IP: '10.0.0.7',
      Node: 'n1',
      'Nominated Node': '<none>',
      'Readiness Gates': '1/1',
    });
  });

  it('prints <none> for an unscheduled pod and falls back to podIP', () => {
    const cells = cellsByName('', 'v1', 'pods', { metadata: meta('p'), spec: { containers: [{ name: 'a' }] }, status: { phase: 'Pending' } });
    assert.equal(cells.Status, 'Pending');
    assert.equal(cells.Ready, '0/1');
    assert.equal(cells.Restarts, '0');
    assert.equal(cells.IP, '<none>');
    assert.equal(cells.Node, '<none>');
    assert.equal(cells['Readiness Gates'], '<none>');
    const withIP = cellsByName('', 'v1', 'pods', { metadata: meta('p'), spec: { containers: [] }, status: { phase: 'Running', podIP: '10.1.1.1' } });
    assert.equal(withIP.IP, '10.1.1.1');
  });

  it('shows waiting reasons such as ContainerCreating and CrashLoopBackOff', () => {
    const waiting = (reason: string) =>
      cellsByName('', 'v1', 'pods', {
        metadata: meta('p'),
        spec: { containers: [{ name: 'a' }] },
        status: { phase: 'Pending', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason } } }] },
      }).Status;
    assert.equal(waiting('ContainerCreating'), 'ContainerCreating');
    assert.equal(waiting('CrashLoopBackOff'), 'CrashLoopBackOff');
  });

  it('shows init progress, init failures and init waiting reasons', () => {
    const pod = (initStatuses: unknown[], conditions: unknown[] = []): KubeObject => ({
      metadata: meta('p'),
      spec: { initContainers: [{ name: 'i1' }, { name: 'i2' }], containers: [{ name: 'a' }] },
      status: {
        phase: 'Pending',
        conditions,
        initContainerStatuses: initStatuses,
        containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { waiting: { reason: 'PodInitializing' } } }],
      },
    });
    const status = (object: KubeObject) => cellsByName('', 'v1', 'pods', object).Status;
    assert.equal(
      status(pod([{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { running: {} } }])),
      'Init:1/2',
    );
    assert.equal(status(pod([{ name: 'i1', state: { terminated: { exitCode: 2, reason: 'Error' } } }])), 'Init:Error');
    assert.equal(status(pod([{ name: 'i1', state: { terminated: { exitCode: 3 } } }])), 'Init:ExitCode:3');
    assert.equal(status(pod([{ name: 'i1', state: { terminated: { exitCode: 137, signal: 9 } } }])), 'Init:Signal:9');
    assert.equal(status(pod([{ name: 'i1', restartCount: 4, state: { waiting: { reason: 'CrashLoopBackOff' } } }])), 'Init:CrashLoopBackOff');
    assert.equal(status(pod([{ name: 'i1', state: { waiting: { reason: 'PodInitializing' } } }])), 'Init:0/2');
    // Once initialized, the app containers decide.
    const done = pod(
      [{ name: 'i1', state: { terminated: { exitCode: 0 } } }, { name: 'i2', state: { terminated: { exitCode: 0 } } }],
      [{ type: 'Initialized', status: 'True' }],
    );
    assert.equal(status(done), 'PodInitializing');
  });

  it('counts restarts of init containers while initializing', () => {
    const cells = cellsByName('', 'v1', 'pods', {
      metadata: meta('p'),
      spec: { initContainers: [{ name: 'i1' }], containers: [{ name: 'a' }] },
      status: {
        phase: 'Pending',
        initContainerStatuses: [
          { name: 'i1', restartCount: 3, state: { waiting: { reason: 'CrashLoopBackOff' } }, lastState: { terminated: { exitCode: 1, finishedAt: ago(2 * H + 5 * M) } } },
        ],
      },
    });
    assert.equal(cells.Restarts, '3 (125m ago)');
  });

  it('counts sidecars (restartable init containers) in READY', () => {
    const cells = cellsByName('', 'v1', 'pods', {
      metadata: meta('p'),
      spec: { initContainers: [{ name: 'proxy', restartPolicy: 'Always' }], containers: [{ name: 'a' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Initialized', status: 'True' }, { type: 'Ready', status: 'True' }],
        initContainerStatuses: [{ name: 'proxy', started: true, ready: true, restartCount: 1, state: { running: {} } }],
        containerStatuses: [{ name: 'a', ready: true, restartCount: 0, state: { running: {} } }],
      },
    });
    assert.equal(cells.Ready, '2/2');
    assert.equal(cells.Status, 'Running');
    assert.equal(cells.Restarts, '1');
  });

  it('prints Completed, and marks finished pods with a row condition', () => {
    const table = renderTable(
      type('', 'v1', 'pods'),
      [
        {
          metadata: meta('job-x'),
          spec: { containers: [{ name: 'a' }] },
          status: { phase: 'Succeeded', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } }] },
        },
      ],
      NOW,
    );
    assert.equal(table.rows[0].cells[2], 'Completed');
    assert.deepEqual(table.rows[0].conditions, [{ type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' }]);
  });

  it('turns Completed back into Running/NotReady while another container runs', () => {
    const pod = (ready: boolean): KubeObject => ({
      metadata: meta('p'),
      spec: { containers: [{ name: 'a' }, { name: 'b' }] },
      status: {
        phase: 'Running',
        conditions: [{ type: 'Ready', status: ready ? 'True' : 'False' }],
        containerStatuses: [
          { name: 'a', ready: false, restartCount: 0, state: { terminated: { exitCode: 0, reason: 'Completed' } } },
          { name: 'b', ready: true, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    assert.equal(cellsByName('', 'v1', 'pods', pod(true)).Status, 'Running');
    assert.equal(cellsByName('', 'v1', 'pods', pod(false)).Status, 'NotReady');
  });

  it('prints ExitCode and Signal for reasonless terminations', () => {
    const pod = (terminated: unknown): KubeObject => ({
      metadata: meta('p'),
      spec: { containers: [{ name: 'a' }] },
      status: { phase: 'Failed', containerStatuses: [{ name: 'a', ready: false, restartCount: 0, state: { terminated } }] },
    });
    assert.equal(cellsByName('', 'v1', 'pods', pod({ exitCode: 2 })).Status, 'ExitCode:2');
    assert.equal(cellsByName('', 'v1', 'pods', pod({ exitCode: 137, signal: 9 })).Status, 'Signal:9');
  });

  it('prints Terminating, Unknown for a deleted NodeLost pod, NodeLost, SchedulingGated and Evicted', () => {
    const base = { spec: { containers: [{ name: 'a' }] } };
    const deleting = meta('p', { deletionTimestamp: ago(1 * S) });
    assert.equal(cellsByName('', 'v1', 'pods', { ...base, metadata: deleting, status: { phase: 'Running' } }).Status, 'Terminating');
    assert.equal(cellsByName('', 'v1', 'pods', { ...base, metadata: deleting, status: { phase: 'Succeeded' } }).Status, 'Succeeded');
    assert.equal(cellsByName('', 'v1', 'pods', { ...base, metadata: deleting, status: { phase: 'Running', reason: 'NodeLost' } }).Status, 'Unknown');
    assert.equal(cellsByName('', 'v1', 'pods', { ...base, metadata: meta('p'), status: { phase: 'Running', reason: 'NodeLost' } }).Status, 'NodeLost');
    assert.equal(cellsByName('', 'v1', 'pods', { ...base, metadata: meta('p'), status: { phase: 'Failed', reason: 'Evicted' } }).Status, 'Evicted');
    assert.equal(
      cellsByName('', 'v1', 'pods', {
        ...base,
        metadata: meta('p'),
        status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] },
      }).Status,
      'SchedulingGated',
    );
  });
});

describe('nodes', () => {
  const node = (conditions: unknown[], extra: Record<string, unknown> = {}): KubeObject => ({
    metadata: meta('n1', { namespace: undefined, creationTimestamp: ago(45 * D), labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/worker': '', 'kubernetes.io/role': 'infra' } }),
    spec: extra,
    status: {
      conditions,
      addresses: [{ type: 'Hostname', address: 'n1' }, { type: 'InternalIP', address: '10.0.0.1' }],
      nodeInfo: { kubeletVersion: 'v1.35.0', osImage: 'Debian GNU/Linux 12', kernelVersion: '6.1.0', containerRuntimeVersion: 'containerd://1.7.0' },
    },
  });

  it('prints status, roles, age, version and wide columns', () => {
    assert.deepEqual(cellsByName('', 'v1', 'nodes', node([{ type: 'Ready', status: 'True' }], { unschedulable: true })), {
      Name: 'n1',
      Status: 'Ready,SchedulingDisabled',
      Roles: 'control-plane,infra,worker',
      Age: '45d',
      Version: 'v1.35.0',
      'Internal-IP': '10.0.0.1',
      'External-IP': '<none>',
      'OS-Image': 'Debian GNU/Linux 12',
      'Kernel-Version': '6.1.0',
      'Container-Runtime': 'containerd://1.7.0',
    });
  });

  it('prints NotReady, Unknown and <none> roles', () => {
    assert.equal(cellsByName('', 'v1', 'nodes', node([{ type: 'Ready', status: 'Unknown' }])).Status, 'NotReady');
    assert.equal(cellsByName('', 'v1', 'nodes', node([{ type: 'MemoryPressure', status: 'False' }])).Status, 'Unknown');
    const bare = cellsByName('', 'v1', 'nodes', { metadata: { name: 'n2', creationTimestamp: ago(S) }, status: {} });
    assert.equal(bare.Roles, '<none>');
    assert.equal(bare['OS-Image'], '<unknown>');
    assert.equal(bare.Age, '1s');
  });
});

describe('workloads', () => {
  const template = { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'web', image: 'nginx:1.27' }, { name: 'log', image: 'busybox' }] } };

  it('deployments', () => {
    assert.deepEqual(
      cellsByName('apps', 'v1', 'deployments', {
        metadata: meta('web'),
        spec: {
          replicas: 3,
          selector: { matchLabels: { app: 'web', tier: 'fe' }, matchExpressions: [{ key: 'env', operator: 'In', values: ['prod', 'dev'] }, { key: 'zz', operator: 'DoesNotExist' }] },
          template,
        },
        status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
      }),
      {
        Name: 'web',
        Ready: '2/3',
        'Up-to-date': 3,
        Available: 2,
        Age: '5m',
        Containers: 'web,log',
        Images: 'nginx:1.27,busybox',
        Selector: 'app=web,env in (dev,prod),tier=fe,!zz',
      },
    );
    const bare = cellsByName('apps', 'v1', 'deployments', { metadata: meta('d'), spec: {} });
    assert.equal(bare.Ready, '0/1');
    assert.equal(bare.Selector, '');
  });

  it('replicasets and replication controllers', () => {
    assert.deepEqual(
      cellsByName('apps', 'v1', 'replicasets', { metadata: meta('web-abc'), spec: { replicas: 2, selector: { matchLabels: { app: 'web' } }, template }, status: { replicas: 2, readyReplicas: 1 } }),
      { Name: 'web-abc', Desired: 2, Current: 2, Ready: 1, Age: '5m', Containers: 'web,log', Images: 'nginx:1.27,busybox', Selector: 'app=web' },
    );
    assert.equal(cellsByName('apps', 'v1', 'replicasets', { metadata: meta('r'), spec: { template } }).Selector, '<none>');
    assert.equal(cellsByName('', 'v1', 'replicationcontrollers', { metadata: meta('rc'), spec: { replicas: 1, selector: { b: '2', a: '1' }, template } }).Selector, 'a=1,b=2');
  });

  it('statefulsets', () => {
    assert.deepEqual(cellsByName('apps', 'v1', 'statefulsets', { metadata: meta('db'), spec: { replicas: 3, template }, status: { readyReplicas: 3 } }), {
      Name: 'db',
      Ready: '3/3',
      Age: '5m',
      Containers: 'web,log',
      Images: 'nginx:1.27,busybox',
    });
  });

  it('daemonsets', () => {
    const cells = cellsByName('apps', 'v1', 'daemonsets', {
      metadata: meta('agent'),
      spec: { selector: { matchLabels: { app: 'agent' } }, template: { spec: { nodeSelector: { 'kubernetes.io/os': 'linux' }, containers: [{ name: 'a', image: 'agent:1' }] } } },
      status: { desiredNumberScheduled: 3, currentNumberScheduled: 3, numberReady: 2, updatedNumberScheduled: 3, numberAvailable: 2 },
    });
    assert.deepEqual(cells, {
      Name: 'agent',
      Desired: 3,
      Current: 3,
      Ready: 2,
      'Up-to-date': 3,
      Available: 2,
      'Node Selector': 'kubernetes.io/os=linux',
      Age: '5m',
      Containers: 'a',
      Images: 'agent:1',
      Selector: 'app=agent',
    });
    assert.equal(cellsByName('apps', 'v1', 'daemonsets', { metadata: meta('x'), spec: {} })['Node Selector'], '<none>');
  });

  it('jobs', () => {
    const job = (spec: Record<string, unknown>, status: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
      cellsByName('batch', 'v1', 'jobs', { metadata: meta('j', extra), spec: { template, ...spec }, status });
    const complete = job({ completions: 1 }, { succeeded: 1, startTime: ago(5 * M), completionTime: ago(4 * M + 50 * S), conditions: [{ type: 'Complete', status: 'True' }] });
    assert.equal(complete.Status, 'Complete');
    assert.equal(complete.Completions, '1/1');
    assert.equal(complete.Duration, '10s');
    const running = job({ parallelism: 3 }, { startTime: ago(3 * M) });
    assert.equal(running.Status, 'Running');
    assert.equal(running.Completions, '0/1 of 3');
    assert.equal(running.Duration, '3m');
    assert.equal(job({}, {}).Completions, '0/1');
    assert.equal(job({}, {}).Duration, '');
    assert.equal(job({}, { conditions: [{ type: 'Failed', status: 'True' }] }).Status, 'Failed');
    assert.equal(job({}, { conditions: [{ type: 'Suspended', status: 'True' }] }).Status, 'Suspended');
    assert.equal(job({}, {}, { deletionTimestamp: ago(S) }).Status, 'Terminating');
    assert.equal(job({}, { conditions: [{ type: 'Complete', status: 'False' }] }).Status, 'Running');
  });

  it('cronjobs', () => {
    assert.deepEqual(
      cellsByName('batch', 'v1', 'cronjobs', {
        metadata: meta('nightly'),
        spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template } } },
        status: { active: [{ name: 'nightly-1' }], lastScheduleTime: ago(10 * H) },
      }),
      {
        Name: 'nightly',
        Schedule: '0 2 * * *',
        Timezone: '<none>',
        Suspend: 'False',
        Active: 1,
        'Last Schedule': '10h',
        Age: '5m',
        Containers: 'web,log',
        Images: 'nginx:1.27,busybox',
        Selector: '<none>',
      },
    );
  });
});

describe('services and networking', () => {
  it('prints ClusterIP, NodePort and LoadBalancer services', () => {
    const svc = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) => cellsByName('', 'v1', 'services', { metadata: meta('web'), spec, status });
    assert.deepEqual(svc({ type: 'ClusterIP', clusterIP: '10.96.0.10', clusterIPs: ['10.96.0.10'], ports: [{ port: 80, protocol: 'TCP' }], selector: { app: 'web' } }), {
      Name: 'web',
      Type: 'ClusterIP',
      'Cluster-IP': '10.96.0.10',
      'External-IP': '<none>',
      'Port(s)': '80/TCP',
      Age: '5m',
      Selector: 'app=web',
    });
    assert.equal(svc({ type: 'NodePort', clusterIP: '10.96.0.11', ports: [{ port: 80, nodePort: 30080, protocol: 'TCP' }, { port: 53, protocol: 'UDP' }] })['Port(s)'], '80:30080/TCP,53/UDP');
    assert.equal(svc({ type: 'LoadBalancer', ports: [] })['External-IP'], '<pending>');
    assert.equal(svc({ type: 'LoadBalancer', ports: [] })['Port(s)'], '<none>');
    assert.equal(svc({ type: 'LoadBalancer' }, { loadBalancer: { ingress: [{ ip: '1.2.3.4' }, { hostname: 'lb.example.com' }] } })['External-IP'], '1.2.3.4,lb.example.com');
    assert.equal(svc({ type: 'ExternalName', externalName: 'db.example.com' })['External-IP'], 'db.example.com');
    assert.equal(svc({ clusterIP: 'None' })['Cluster-IP'], 'None');
    assert.equal(svc({}).Selector, '<none>');
  });

  it('prints endpoints with at most three addresses', () => {
    const ep = (subsets: unknown[]) => cellsByName('', 'v1', 'endpoints', { metadata: meta('web'), subsets } as KubeObject).Endpoints;
    assert.equal(ep([]), '<none>');
    assert.equal(ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: 'fd00::1' }], ports: [{ port: 8080 }] }]), '10.0.0.1:8080,[fd00::1]:8080');
    assert.equal(
      ep([{ addresses: [{ ip: '10.0.0.1' }, { ip: '10.0.0.2' }, { ip: '10.0.0.3' }, { ip: '10.0.0.4' }], ports: [{ port: 80 }, { port: 443 }] }]),
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 5 more...',
    );
  });

  it('prints ingresses', () => {
    assert.deepEqual(
      cellsByName('networking.k8s.io', 'v1', 'ingresses', {
        metadata: meta('web'),
        spec: { ingressClassName: 'nginx', rules: [{ host: 'a.example.com' }, {}], tls: [{ hosts: ['a.example.com'] }] },
        status: { loadBalancer: { ingress: [{ ip: '5.6.7.8' }] } },
      }),
      { Name: 'web', Class: 'nginx', Hosts: 'a.example.com', Address: '5.6.7.8', Ports: '80, 443', Age: '5m' },
    );
    assert.equal(cellsByName('networking.k8s.io', 'v1', 'ingresses', { metadata: meta('x'), spec: {} }).Hosts, '*');
  });
});

describe('config, storage, policy and other printers', () => {
  it('namespaces, configmaps, secrets, serviceaccounts, leases', () => {
    assert.deepEqual(cellsByName('', 'v1', 'namespaces', { metadata: meta('team'), status: { phase: 'Active' } }), { Name: 'team', Status: 'Active', Age: '5m' });
    assert.equal(cellsByName('', 'v1', 'namespaces', { metadata: meta('t', { deletionTimestamp: ago(S) }) }).Status, 'Terminating');
    assert.equal(cellsByName('', 'v1', 'configmaps', { metadata: meta('cm'), data: { a: '1', b: '2' }, binaryData: { c: 'AA==' } }).Data, 3);
    assert.deepEqual(cellsByName('', 'v1', 'secrets', { metadata: meta('s'), type: 'kubernetes.io/tls', data: { 'tls.crt': '', 'tls.key': '' } }), {
      Name: 's',
      Type: 'kubernetes.io/tls',
      Data: 2,
      Age: '5m',
    });
    assert.equal(cellsByName('', 'v1', 'serviceaccounts', { metadata: meta('default') }).Secrets, 0);
    assert.deepEqual(cellsByName('coordination.k8s.io', 'v1', 'leases', { metadata: meta('n1'), spec: { holderIdentity: 'n1' } }), { Name: 'n1', Holder: 'n1', Age: '5m' });
  });

  it('poddisruptionbudgets', () => {
    assert.deepEqual(
      cellsByName('policy', 'v1', 'poddisruptionbudgets', { metadata: meta('web'), spec: { minAvailable: 2 }, status: { disruptionsAllowed: 1 } }),
      { Name: 'web', 'Min Available': '2', 'Max Unavailable': 'N/A', 'Allowed Disruptions': 1, Age: '5m' },
    );
    assert.equal(cellsByName('policy', 'v1', 'poddisruptionbudgets', { metadata: meta('web'), spec: { maxUnavailable: '25%' } })['Max Unavailable'], '25%');
  });

  it('core/v1 and events.k8s.io/v1 events', () => {
    const core = cellsByName('', 'v1', 'events', {
      metadata: meta('web-1.17f'),
      involvedObject: { kind: 'Pod', name: 'web-1', fieldPath: 'spec.containers{web}' },
      reason: 'Pulled',
      type: 'Normal',
      message: 'Container image pulled\n',
      source: { component: 'kubelet', host: 'n1' },
      firstTimestamp: ago(10 * M),
      lastTimestamp: ago(30 * S),
      count: 4,
    } as KubeObject);
    assert.deepEqual(core, {
      'Last Seen': '30s',
      Type: 'Normal',
      Reason: 'Pulled',
      Object: 'pod/web-1',
      Subobject: 'spec.containers{web}',
      Source: 'kubelet, n1',
      Message: 'Container image pulled',
      'First Seen': '10m',
      Count: 4,
      Name: 'web-1.17f',
    });
    const modern = cellsByName('events.k8s.io', 'v1', 'events', {
      apiVersion: 'events.k8s.io/v1',
      metadata: meta('n1.abc'),
      eventTime: ago(2 * M),
      regarding: { kind: 'Node', name: 'n1' },
      reason: 'NodeNotReady',
      type: 'Warning',
      note: 'Node is not ready',
      reportingController: 'node-controller',
    } as KubeObject);
    assert.equal(modern['Last Seen'], '2m');
    assert.equal(modern['First Seen'], '2m');
    assert.equal(modern.Object, 'node/n1');
    assert.equal(modern.Message, 'Node is not ready');
    assert.equal(modern.Source, 'node-controller');
    assert.equal(modern.Count, 1);
    const columns = renderTable(type('', 'v1', 'events'), [], NOW).columnDefinitions ?? [];
    assert.deepEqual(
      columns.filter((c) => c.priority === 0).map((c) => c.name),
      ['Last Seen', 'Type', 'Reason', 'Object', 'Message'],
    );
  });

  it('persistent volumes and claims, storage and priority classes', () => {
    assert.deepEqual(
      cellsByName('', 'v1', 'persistentvolumes', {
        metadata: meta('pv1'),
        spec: { capacity: { storage: '10Gi' }, accessModes: ['ReadWriteMany', 'ReadWriteOnce'], persistentVolumeReclaimPolicy: 'Retain', claimRef: { namespace: 'default', name: 'data' }, storageClassName: 'fast' },
        status: { phase: 'Bound' },
      }),
      {
        Name: 'pv1',
        Capacity: '10Gi',
        'Access Modes': 'RWO,RWX',
        'Reclaim Policy': 'Retain',
        Status: 'Bound',
        Claim: 'default/data',
        StorageClass: 'fast',
        VolumeAttributesClass: '<unset>',
        Reason: '',
        Age: '5m',
        VolumeMode: '<unset>',
      },
    );
    const pending = cellsByName('', 'v1', 'persistentvolumeclaims', { metadata: meta('data'), spec: { storageClassName: 'fast', resources: { requests: { storage: '1Gi' } } }, status: { phase: 'Pending' } });
    assert.deepEqual([pending.Status, pending.Volume, pending.Capacity, pending['Access Modes'], pending.StorageClass], ['Pending', '', '', '', 'fast']);
    const bound = cellsByName('', 'v1', 'persistentvolumeclaims', {
      metadata: meta('data'),
      spec: { volumeName: 'pv1', volumeMode: 'Filesystem' },
      status: { phase: 'Bound', capacity: { storage: '10Gi' }, accessModes: ['ReadWriteOnce'] },
    });
    assert.deepEqual([bound.Volume, bound.Capacity, bound['Access Modes'], bound.VolumeMode], ['pv1', '10Gi', 'RWO', 'Filesystem']);
    assert.deepEqual(
      cellsByName('storage.k8s.io', 'v1', 'storageclasses', {
        metadata: meta('standard', { annotations: { 'storageclass.kubernetes.io/is-default-class': 'true' } }),
        provisioner: 'rancher.io/local-path',
        volumeBindingMode: 'WaitForFirstConsumer',
      } as KubeObject),
      { Name: 'standard (default)', Provisioner: 'rancher.io/local-path', ReclaimPolicy: 'Delete', VolumeBindingMode: 'WaitForFirstConsumer', AllowVolumeExpansion: false, Age: '5m' },
    );
    assert.deepEqual(cellsByName('scheduling.k8s.io', 'v1', 'priorityclasses', { metadata: meta('high'), value: 1000, globalDefault: false } as KubeObject), {
      Name: 'high',
      Value: 1000,
      'Global-Default': false,
      Age: '5m',
      PreemptionPolicy: 'PreemptLowerPriority',
    });
  });

  it('horizontal pod autoscalers', () => {
    const hpa = (spec: Record<string, unknown>, status: Record<string, unknown> = {}) =>
      cellsByName('autoscaling', 'v2', 'horizontalpodautoscalers', { metadata: meta('web'), spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 10, ...spec }, status });
    const cells = hpa(
      { minReplicas: 2, metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 50 } } }] },
      { currentReplicas: 3, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 42 } } }] },
    );
    assert.deepEqual(cells, { Name: 'web', Reference: 'Deployment/web', Targets: 'cpu: 42%/50%', MinPods: '2', MaxPods: 10, Replicas: 3, Age: '5m' });
    assert.equal(hpa({}).Targets, 'cpu: <unknown>/80%');
    assert.equal(
      hpa({
        metrics: [
          { type: 'Resource', resource: { name: 'memory', target: { type: 'AverageValue', averageValue: '500Mi' } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'External', external: { metric: { name: 'queue' }, target: { type: 'Value', value: '30' } } },
        ],
      }).Targets,
      'memory: <unknown>/500Mi, <unknown>/10 + 1 more...',
    );
  });

  it('role bindings', () => {
    assert.deepEqual(
      cellsByName('rbac.authorization.k8s.io', 'v1', 'rolebindings', {
        metadata: meta('rb'),
        roleRef: { kind: 'ClusterRole', name: 'view' },
        subjects: [{ kind: 'User', name: 'alice' }, { kind: 'ServiceAccount', namespace: 'ci', name: 'bot' }, { kind: 'Group', name: 'devs' }],
      } as KubeObject),
      { Name: 'rb', Role: 'ClusterRole/view', Age: '5m', Users: 'alice', Groups: 'devs', ServiceAccounts: 'ci/bot' },
    );
  });
});

describe('types without a printer', () => {
  it('print Name and Created At like upstream default table convertor', () => {
    const table = renderTable(type('rbac.authorization.k8s.io', 'v1', 'clusterroles'), [{ metadata: { name: 'admin', creationTimestamp: '2025-01-02T03:04:05Z' } }], NOW);
    assert.deepEqual(
      table.columnDefinitions?.map((c) => [c.name, c.type, c.format]),
      [
        ['Name', 'string', 'name'],
        ['Created At', 'date', ''],
      ],
    );
    assert.deepEqual(table.rows[0].cells, ['admin', '2025-01-02T03:04:05Z']);
    const crds = renderTable(type('apiextensions.k8s.io', 'v1', 'customresourcedefinitions'), [{ metadata: { name: 'widgets.example.com', creationTimestamp: '2025-01-02T03:04:05.123Z' } }], NOW);
    assert.deepEqual(crds.rows[0].cells, ['widgets.example.com', '2025-01-02T03:04:05Z']);
    assert.deepEqual(renderTable(type('', 'v1', 'limitranges'), [{ metadata: { name: 'l' } }], NOW).rows[0].cells, ['l', '0001-01-01T00:00:00Z']);
  });
});

describe('custom resources', () => {
  const crType = (printerColumns: ResourceType['custom'] extends infer C ? (C extends { printerColumns: infer P } ? P : never) : never): ResourceType => ({
    group: 'example.com',
    version: 'v1',
    resource: 'widgets',
    kind: 'Widget',
    singular: 'widget',
    namespaced: true,
    verbs: ['get', 'list'],
    shortNames: [],
    categories: [],
    subresources: [],
    custom: { crdName: 'widgets.example.com', printerColumns },
  });
  const widget: KubeObject = {
    apiVersion: 'example.com/v1',
    kind: 'Widget',
    metadata: meta('w1', { annotations: { 'example.com/owner.team': 'blue' } }),
    spec: { size: 3, ratio: 1.5, enabled: true, tags: ['a', 'b'], nested: { z: 1, a: '<x>' } },
    status: { conditions: [{ type: 'Synced', status: 'False' }, { type: 'Ready', status: 'True', lastTransitionTime: ago(2 * H) }] },
  };

  it('adds a single Age column when the CRD declares no columns', () => {
    const table = renderTable(crType([]), [widget], NOW);
    assert.deepEqual(table.columnDefinitions?.map((c) => [c.name, c.type]), [
      ['Name', 'string'],
      ['Age', 'date'],
    ]);
    assert.deepEqual(table.rows[0].cells, ['w1', '5m']);
  });

  it('evaluates additionalPrinterColumns of every type', () => {
    const table = renderTable(
      crType([
        { name: 'Size', type: 'integer', jsonPath: '.spec.size' },
        { name: 'Ratio', type: 'number', jsonPath: '.spec.ratio', priority: 1 },
        { name: 'Enabled', type: 'boolean', jsonPath: '.spec.enabled' },
        { name: 'Ready', type: 'string', jsonPath: '.status.conditions[?(@.type=="Ready")].status', description: 'Readiness' },
        { name: 'Since', type: 'date', jsonPath: '.status.conditions[?(@.type=="Ready")].lastTransitionTime' },
        { name: 'First Tag', type: 'string', jsonPath: '.spec.tags[0]' },
        { name: 'Last Tag', type: 'string', jsonPath: '.spec.tags[-1]' },
        { name: 'Tags', type: 'string', jsonPath: '.spec.tags' },
        { name: 'Nested', type: 'string', jsonPath: '.spec.nested' },
        { name: 'Team', type: 'string', jsonPath: ".metadata.annotations['example.com/owner.team']" },
        { name: 'Team2', type: 'string', jsonPath: '.metadata.annotations.example\\.com/owner\\.team' },
        { name: 'Missing', type: 'string', jsonPath: '.spec.nothing' },
        { name: 'Wrong type', type: 'integer', jsonPath: '.spec.tags' },
        { name: 'Size as text', type: 'string', jsonPath: '.spec.size' },
        { name: 'Created', type: 'date', jsonPath: '.metadata.creationTimestamp' },
      ]),
      [widget],
      NOW,
    );
    const columns = table.columnDefinitions ?? [];
    assert.equal(columns[0].name, 'Name');
    assert.equal(columns.at(-1)?.name, 'Created', 'no Age column is added when columns are declared');
    assert.equal(columns.find((c) => c.name === 'Ratio')?.priority, 1);
    assert.equal(columns.find((c) => c.name === 'Ready')?.description, 'Readiness');
    assert.equal(columns.find((c) => c.name === 'Size')?.description, 'Custom resource definition column (in JSONPath format): .spec.size');
    assert.deepEqual(table.rows[0].cells, ['w1', 3, 1.5, true, 'True', '120m', 'a', 'b', '["a","b"]', '{"a":"\\u003cx\\u003e","z":1}', 'blue', 'blue', null, null, '3', '5m']);
  });

  it('returns the object itself with includeObject=Object', () => {
    assert.equal(renderTable(crType([]), [widget], NOW, { includeObject: 'Object' }).rows[0].object, widget);
  });
});

describe('evaluateJsonPath', () => {
  const data = { items: [{ n: 1, k: 'a' }, { n: 2, k: 'b' }, { n: 3, k: 'a' }], m: { 'x.y': 1 } };
  it('handles fields, indexes, slices, wildcards and filters', () => {
    assert.deepEqual(evaluateJsonPath('.items[1].n', data), [2]);
    assert.deepEqual(evaluateJsonPath('{.items[*].n}', data), [1, 2, 3]);
    assert.deepEqual(evaluateJsonPath('.items[0:2].k', data), ['a', 'b']);
    assert.deepEqual(evaluateJsonPath('.items[?(@.k=="a")].n', data), [1, 3]);
    assert.deepEqual(evaluateJsonPath(".items[?(@.k!='a')].n", data), [2]);
    assert.deepEqual(evaluateJsonPath('.items[?(@.n>1)].n', data), [2, 3]);
    assert.deepEqual(evaluateJsonPath("['m']['x.y']", data), [1]);
    assert.deepEqual(evaluateJsonPath('.items[7]', data), []);
    assert.deepEqual(evaluateJsonPath('..n', data), []);
  });
});
