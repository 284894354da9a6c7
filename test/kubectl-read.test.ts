// kubectl conformance, reading: the real kubectl v1.35 against the sandbox for version, api-resources,
// get (every served kind, -A, -o wide|yaml|json|name, label and field selectors, -w) and describe.

import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { kubectlFor, startKubectl } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { parseTable, parseTables, rowOf, type Table } from './support/table.ts';

const NODES = `
apiVersion: v1
kind: Node
metadata:
  name: n1
  labels: {kubernetes.io/hostname: n1, node-role.kubernetes.io/worker: ""}
spec: {podCIDR: 10.244.1.0/24}
status:
  conditions:
  - {type: Ready, status: "True", reason: KubeletReady, message: kubelet is posting ready status, lastHeartbeatTime: "2026-01-01T00:00:00Z", lastTransitionTime: "2026-01-01T00:00:00Z"}
  addresses: [{type: InternalIP, address: 10.0.0.11}, {type: Hostname, address: n1}]
  capacity: {cpu: "4", memory: 8Gi, pods: "110"}
  allocatable: {cpu: "4", memory: 8Gi, pods: "110"}
  nodeInfo: {kubeletVersion: v1.35.0, osImage: Debian GNU/Linux 12 (bookworm), kernelVersion: 6.1.0-18-amd64, containerRuntimeVersion: "containerd://1.7.24", operatingSystem: linux, architecture: amd64, kubeProxyVersion: "", machineID: m1, systemUUID: u1, bootID: b1}
---
apiVersion: v1
kind: Node
metadata:
  name: n2
  labels: {kubernetes.io/hostname: n2, node-role.kubernetes.io/control-plane: ""}
status:
  conditions:
  - {type: Ready, status: "False", reason: KubeletNotReady, message: container runtime network not ready, lastHeartbeatTime: "2026-01-01T00:00:00Z", lastTransitionTime: "2026-01-01T00:00:00Z"}
  addresses: [{type: InternalIP, address: 10.0.0.12}]
  capacity: {cpu: "2", memory: 4Gi, pods: "110"}
  allocatable: {cpu: "2", memory: 4Gi, pods: "110"}
  nodeInfo: {kubeletVersion: v1.34.2, osImage: Ubuntu 24.04, kernelVersion: 6.8.0, containerRuntimeVersion: "containerd://2.0.0", operatingSystem: linux, architecture: amd64, kubeProxyVersion: "", machineID: m2, systemUUID: u2, bootID: b2}
`;

// one object of every kind the sandbox stores, in dependency order
const OBJECTS = `
apiVersion: v1
kind: Namespace
metadata: {name: team-a}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web, tier: front}}
spec:
  nodeName: n1
  containers: [{name: main, image: "nginx:1.27", ports: [{containerPort: 8080}]}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-2, labels: {app: web, tier: back}}
spec:
  nodeName: n2
  containers: [{name: main, image: "nginx:1.27"}]
---
apiVersion: v1
kind: Pod
metadata: {name: batch-1, labels: {app: batch}}
spec:
  containers: [{name: main, image: busybox, resources: {requests: {cpu: 100m, memory: 64Mi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: api-0, namespace: team-a, labels: {app: api}}
spec:
  nodeName: n1
  containers: [{name: main, image: "api:2", resources: {requests: {cpu: 250m, memory: 128Mi}, limits: {cpu: 500m, memory: 256Mi}}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec:
  selector: {app: web}
  ports: [{port: 80, targetPort: 8080}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: web}
subsets: [{addresses: [{ip: 10.244.1.5}], ports: [{port: 8080}]}]
---
apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {a: "1", b: "2"}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: hunter2}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: robot}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv1}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  hostPath: {path: /tmp/pv1}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: LimitRange
metadata: {name: limits}
spec: {limits: [{type: Container, default: {cpu: 500m}}]}
---
apiVersion: v1
kind: ResourceQuota
metadata: {name: quota}
spec: {hard: {pods: "10"}}
---
apiVersion: v1
kind: ReplicationController
metadata: {name: rc1}
spec:
  replicas: 1
  selector: {app: rc1}
  template:
    metadata: {labels: {app: rc1}}
    spec: {containers: [{name: main, image: nginx}]}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: main, image: "nginx:1.27"}]}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: rs1}
spec:
  replicas: 3
  selector: {matchLabels: {app: rs1}}
  template:
    metadata: {labels: {app: rs1}}
    spec: {containers: [{name: main, image: nginx}]}
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: db}
spec:
  serviceName: db
  replicas: 1
  selector: {matchLabels: {app: db}}
  template:
    metadata: {labels: {app: db}}
    spec: {containers: [{name: main, image: "postgres:16"}]}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {kubernetes.io/os: linux}
      containers: [{name: main, image: busybox}]
---
apiVersion: apps/v1
kind: ControllerRevision
metadata: {name: db-1}
revision: 1
data: {}
---
apiVersion: batch/v1
kind: Job
metadata: {name: once}
spec:
  template:
    spec:
      restartPolicy: Never
      containers: [{name: main, image: busybox}]
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: nightly}
spec:
  schedule: "0 3 * * *"
  jobTemplate:
    spec:
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{name: main, image: busybox}]
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata: {name: web}
spec:
  minAvailable: 1
  selector: {matchLabels: {app: web}}
---
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: lock}
spec: {holderIdentity: me, leaseDurationSeconds: 15}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: web}
spec:
  rules:
  - host: web.example.com
    http:
      paths:
      - {path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: reader}
rules: [{apiGroups: [""], resources: [pods], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}
subjects: [{kind: ServiceAccount, name: robot, namespace: default}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRole
metadata: {name: node-reader}
rules: [{apiGroups: [""], resources: [nodes], verbs: [get, list]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: node-reader}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: node-reader}
subjects: [{kind: ServiceAccount, name: robot, namespace: default}]
---
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata: {name: web}
spec:
  scaleTargetRef: {apiVersion: apps/v1, kind: Deployment, name: web}
  minReplicas: 1
  maxReplicas: 5
  metrics: [{type: Resource, resource: {name: cpu, target: {type: Utilization, averageUtilization: 80}}}]
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata: {name: fast}
provisioner: kubernetes.io/no-provisioner
volumeBindingMode: WaitForFirstConsumer
---
apiVersion: scheduling.k8s.io/v1
kind: PriorityClass
metadata: {name: high}
value: 1000
description: important
---
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: web.scaled}
eventTime: "2026-01-01T00:00:00.000000Z"
reportingController: kmaint
reportingInstance: kmaint-1
action: Scaled
reason: ScalingReplicaSet
regarding: {kind: Deployment, name: web, namespace: default}
note: Scaled up replica set web-abc to 2
type: Normal
---
apiVersion: discovery.k8s.io/v1
kind: EndpointSlice
metadata: {name: web-abc, labels: {kubernetes.io/service-name: web}}
addressType: IPv4
endpoints: [{addresses: [10.244.1.5]}]
ports: [{port: 8080, name: http, protocol: TCP}]
`;

const CREATED = [
  'namespace/team-a', 'pod/web-1', 'pod/web-2', 'pod/batch-1', 'pod/api-0', 'service/web', 'endpoints/web', 'configmap/cfg', 'secret/sec',
  'serviceaccount/robot', 'persistentvolume/pv1', 'persistentvolumeclaim/data', 'limitrange/limits', 'resourcequota/quota',
  'replicationcontroller/rc1', 'deployment.apps/web', 'replicaset.apps/rs1', 'statefulset.apps/db', 'daemonset.apps/agent',
  'controllerrevision.apps/db-1', 'job.batch/once', 'cronjob.batch/nightly', 'poddisruptionbudget.policy/web', 'lease.coordination.k8s.io/lock',
  'networkpolicy.networking.k8s.io/deny', 'ingress.networking.k8s.io/web', 'role.rbac.authorization.k8s.io/reader',
  'rolebinding.rbac.authorization.k8s.io/reader', 'clusterrole.rbac.authorization.k8s.io/node-reader',
  'clusterrolebinding.rbac.authorization.k8s.io/node-reader', 'horizontalpodautoscaler.autoscaling/web', 'storageclass.storage.k8s.io/fast',
  'priorityclass.scheduling.k8s.io/high', 'event.events.k8s.io/web.scaled', 'endpointslice.discovery.k8s.io/web-abc',
];

const SERVICE_IP = /^10\.(9[6-9]|10\d|11[01])\.\d{1,3}\.\d{1,3}$/;
const AGE = /^\d+[smhdy]/;

let sandbox: TestSandbox;
let k: ReturnType<typeof kubectlFor>;

function manifest(name: string, text: string): string {
  const path = join(sandbox.dir, name);
  writeFileSync(path, text);
  return path;
}

function names(table: Table, column = 'NAME'): string[] {
  return table.rows.map((row) => row[column]);
}

async function table(args: string[]): Promise<Table> {
  return parseTable(await k.ok(['get', ...args]));
}

before(async () => {
  sandbox = await testSandbox({ apiOnly: true });
  k = kubectlFor(sandbox.kubeconfig);
});

after(async () => {
  await sandbox?.cleanup();
});

describe('kubectl version and discovery', () => {
  test('version reports the v1.35.2 client and the sandbox server', async () => {
    const text = await k.ok(['version']);
    assert.match(text, /^Client Version: v1\.35\.2$/m);
    assert.match(text, /^Server Version: v1\.35\.0-kmaint$/m);
    const json = JSON.parse(await k.ok(['version', '-o', 'json']));
    assert.equal(json.clientVersion.gitVersion, 'v1.35.2');
    assert.equal(json.serverVersion.major, '1');
    assert.equal(json.serverVersion.minor, '35');
    assert.equal(json.serverVersion.platform, 'linux/amd64');
  });

  test('api-resources lists names, short names, API versions, scope and kinds', async () => {
    const resources = parseTable(await k.ok(['api-resources']));
    assert.deepEqual(resources.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND']);
    const expected: Array<[string, string, string, string, string]> = [
      ['pods', 'po', 'v1', 'true', 'Pod'],
      ['nodes', 'no', 'v1', 'false', 'Node'],
      ['namespaces', 'ns', 'v1', 'false', 'Namespace'],
      ['services', 'svc', 'v1', 'true', 'Service'],
      ['secrets', '', 'v1', 'true', 'Secret'],
      ['persistentvolumes', 'pv', 'v1', 'false', 'PersistentVolume'],
      ['deployments', 'deploy', 'apps/v1', 'true', 'Deployment'],
      ['statefulsets', 'sts', 'apps/v1', 'true', 'StatefulSet'],
      ['daemonsets', 'ds', 'apps/v1', 'true', 'DaemonSet'],
      ['cronjobs', 'cj', 'batch/v1', 'true', 'CronJob'],
      ['jobs', '', 'batch/v1', 'true', 'Job'],
      ['poddisruptionbudgets', 'pdb', 'policy/v1', 'true', 'PodDisruptionBudget'],
      ['horizontalpodautoscalers', 'hpa', 'autoscaling/v2', 'true', 'HorizontalPodAutoscaler'],
      ['customresourcedefinitions', 'crd,crds', 'apiextensions.k8s.io/v1', 'false', 'CustomResourceDefinition'],
      ['clusterroles', '', 'rbac.authorization.k8s.io/v1', 'false', 'ClusterRole'],
      ['leases', '', 'coordination.k8s.io/v1', 'true', 'Lease'],
    ];
    for (const [name, short, apiVersion, namespaced, kind] of expected) {
      const row = resources.rows.find((r) => r.NAME === name && r.APIVERSION === apiVersion);
      assert.ok(row, `api-resources has no ${name} in ${apiVersion}`);
      assert.deepEqual(row, { NAME: name, SHORTNAMES: short, APIVERSION: apiVersion, NAMESPACED: namespaced, KIND: kind });
    }

    const clusterScoped = (await k.ok(['api-resources', '--namespaced=false', '-o', 'name'])).trim().split('\n');
    for (const name of ['namespaces', 'nodes', 'persistentvolumes', 'customresourcedefinitions.apiextensions.k8s.io', 'storageclasses.storage.k8s.io']) {
      assert.ok(clusterScoped.includes(name), `${name} is cluster-scoped`);
    }
    assert.ok(!clusterScoped.includes('pods'));

    const apps = parseTable(await k.ok(['api-resources', '--api-group=apps']));
    assert.deepEqual(names(apps), ['controllerrevisions', 'daemonsets', 'deployments', 'replicasets', 'statefulsets']);

    const wide = parseTable(await k.ok(['api-resources', '-o', 'wide']));
    assert.deepEqual(wide.header, ['NAME', 'SHORTNAMES', 'APIVERSION', 'NAMESPACED', 'KIND', 'VERBS', 'CATEGORIES']);
    assert.deepEqual(rowOf(wide, 'pods'), {
      NAME: 'pods', SHORTNAMES: 'po', APIVERSION: 'v1', NAMESPACED: 'true', KIND: 'Pod',
      VERBS: 'create,delete,deletecollection,get,list,patch,update,watch', CATEGORIES: 'all',
    });

    const all = parseTable(await k.ok(['api-resources', '--categories=all']));
    assert.deepEqual(names(all), ['pods', 'replicationcontrollers', 'services', 'daemonsets', 'deployments', 'replicasets', 'statefulsets', 'horizontalpodautoscalers', 'cronjobs', 'jobs']);
  });
});

describe('kubectl create -f and get for every kind', () => {
  before(async () => {
    const nodes = await k.ok(['create', '-f', manifest('nodes.yaml', NODES)]);
    assert.deepEqual(nodes.trim().split('\n'), ['node/n1 created', 'node/n2 created']);
    const created = await k.ok(['create', '-f', manifest('objects.yaml', OBJECTS)]);
    assert.deepEqual(created.trim().split('\n'), CREATED.map((name) => `${name} created`));
    // web-1 runs: what its kubelet would report
    const status = {
      status: {
        phase: 'Running', hostIP: '10.0.0.11', podIP: '10.244.1.5', podIPs: [{ ip: '10.244.1.5' }], startTime: '2026-01-01T00:00:00Z',
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: '2026-01-01T00:00:00Z' }],
        containerStatuses: [{ name: 'main', image: 'nginx:1.27', imageID: '', ready: true, started: true, restartCount: 2, state: { running: { startedAt: '2026-01-01T00:00:00Z' } } }],
      },
    };
    assert.equal(await k.ok(['patch', 'pod', 'web-1', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]), 'pod/web-1 patched\n');
    const uid = (await k.ok(['get', 'pod', 'web-1', '-o', 'jsonpath={.metadata.uid}'])).trim();
    const event = `apiVersion: v1
kind: Event
metadata: {name: web-1.started}
involvedObject: {apiVersion: v1, kind: Pod, name: web-1, namespace: default, uid: ${uid}}
reason: Started
message: Started container main
type: Normal
source: {component: kubelet, host: n1}
firstTimestamp: "2026-01-01T00:00:00Z"
lastTimestamp: "2026-01-01T00:00:00Z"
count: 1
`;
    assert.equal(await k.ok(['create', '-f', manifest('event.yaml', event)]), 'event/web-1.started created\n');
  });

  // kind -> header columns and the cells of one row (undefined: any value; a RegExp: matched)
  const KINDS: Array<[string, string[], Record<string, string | RegExp>]> = [
    ['nodes', ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION'], { NAME: 'n1', STATUS: 'Ready', ROLES: 'worker', AGE: AGE, VERSION: 'v1.35.0' }],
    ['namespaces', ['NAME', 'STATUS', 'AGE'], { NAME: 'team-a', STATUS: 'Active', AGE: AGE }],
    ['pods', ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE'], { NAME: 'web-1', READY: '1/1', STATUS: 'Running', RESTARTS: '2', AGE: AGE }],
    ['services', ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE'], { NAME: 'web', TYPE: 'ClusterIP', 'CLUSTER-IP': SERVICE_IP, 'EXTERNAL-IP': '<none>', 'PORT(S)': '80/TCP' }],
    ['endpoints', ['NAME', 'ENDPOINTS', 'AGE'], { NAME: 'web', ENDPOINTS: '10.244.1.5:8080' }],
    ['configmaps', ['NAME', 'DATA', 'AGE'], { NAME: 'cfg', DATA: '2' }],
    ['secrets', ['NAME', 'TYPE', 'DATA', 'AGE'], { NAME: 'sec', TYPE: 'Opaque', DATA: '1' }],
    ['serviceaccounts', ['NAME', 'SECRETS', 'AGE'], { NAME: 'robot', SECRETS: '0' }],
    ['events', ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], { TYPE: 'Normal', REASON: 'Started', OBJECT: 'pod/web-1', MESSAGE: 'Started container main' }],
    ['persistentvolumes', ['NAME', 'CAPACITY', 'ACCESS MODES', 'RECLAIM POLICY', 'STATUS', 'CLAIM', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'REASON', 'AGE'],
      { NAME: 'pv1', CAPACITY: '1Gi', 'ACCESS MODES': 'RWO', 'RECLAIM POLICY': 'Retain', STATUS: 'Available', CLAIM: '', VOLUMEATTRIBUTESCLASS: '<unset>' }],
    ['persistentvolumeclaims', ['NAME', 'STATUS', 'VOLUME', 'CAPACITY', 'ACCESS MODES', 'STORAGECLASS', 'VOLUMEATTRIBUTESCLASS', 'AGE'], { NAME: 'data', STATUS: 'Pending', VOLUME: '' }],
    ['limitranges', ['NAME', 'CREATED AT'], { NAME: 'limits', 'CREATED AT': /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/ }],
    ['resourcequotas', ['NAME', 'REQUEST', 'LIMIT', 'AGE'], { NAME: 'quota' }],
    ['replicationcontrollers', ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], { NAME: 'rc1', DESIRED: '1', CURRENT: '0', READY: '0' }],
    ['deployments', ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE'], { NAME: 'web', READY: '0/2', 'UP-TO-DATE': '0', AVAILABLE: '0' }],
    ['replicasets', ['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE'], { NAME: 'rs1', DESIRED: '3', CURRENT: '0', READY: '0' }],
    ['statefulsets', ['NAME', 'READY', 'AGE'], { NAME: 'db', READY: '0/1' }],
    ['daemonsets', ['NAME', 'DESIRED', 'CURRENT', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'NODE SELECTOR', 'AGE'], { NAME: 'agent', DESIRED: '0', 'NODE SELECTOR': 'kubernetes.io/os=linux' }],
    ['controllerrevisions', ['NAME', 'CONTROLLER', 'REVISION', 'AGE'], { NAME: 'db-1', CONTROLLER: '<none>', REVISION: '1' }],
    ['jobs', ['NAME', 'STATUS', 'COMPLETIONS', 'DURATION', 'AGE'], { NAME: 'once', COMPLETIONS: '0/1' }],
    ['cronjobs', ['NAME', 'SCHEDULE', 'TIMEZONE', 'SUSPEND', 'ACTIVE', 'LAST SCHEDULE', 'AGE'], { NAME: 'nightly', SCHEDULE: '0 3 * * *', TIMEZONE: '<none>', SUSPEND: 'False', ACTIVE: '0', 'LAST SCHEDULE': '<none>' }],
    ['pdb', ['NAME', 'MIN AVAILABLE', 'MAX UNAVAILABLE', 'ALLOWED DISRUPTIONS', 'AGE'], { NAME: 'web', 'MIN AVAILABLE': '1', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '0' }],
    ['leases', ['NAME', 'HOLDER', 'AGE'], { NAME: 'lock', HOLDER: 'me' }],
    ['networkpolicies', ['NAME', 'POD-SELECTOR', 'AGE'], { NAME: 'deny', 'POD-SELECTOR': 'app=web' }],
    ['ingresses', ['NAME', 'CLASS', 'HOSTS', 'ADDRESS', 'PORTS', 'AGE'], { NAME: 'web', CLASS: '<none>', HOSTS: 'web.example.com', PORTS: '80' }],
    ['roles', ['NAME', 'CREATED AT'], { NAME: 'reader' }],
    ['rolebindings', ['NAME', 'ROLE', 'AGE'], { NAME: 'reader', ROLE: 'Role/reader' }],
    ['clusterroles', ['NAME', 'CREATED AT'], { NAME: 'node-reader' }],
    ['clusterrolebindings', ['NAME', 'ROLE', 'AGE'], { NAME: 'node-reader', ROLE: 'ClusterRole/node-reader' }],
    ['hpa', ['NAME', 'REFERENCE', 'TARGETS', 'MINPODS', 'MAXPODS', 'REPLICAS', 'AGE'], { NAME: 'web', REFERENCE: 'Deployment/web', TARGETS: 'cpu: <unknown>/80%', MINPODS: '1', MAXPODS: '5', REPLICAS: '0' }],
    ['storageclasses', ['NAME', 'PROVISIONER', 'RECLAIMPOLICY', 'VOLUMEBINDINGMODE', 'ALLOWVOLUMEEXPANSION', 'AGE'], { NAME: 'fast', PROVISIONER: 'kubernetes.io/no-provisioner', RECLAIMPOLICY: 'Delete', VOLUMEBINDINGMODE: 'WaitForFirstConsumer', ALLOWVOLUMEEXPANSION: 'false' }],
    ['priorityclasses', ['NAME', 'VALUE', 'GLOBAL-DEFAULT', 'AGE', 'PREEMPTIONPOLICY'], { NAME: 'high', VALUE: '1000', 'GLOBAL-DEFAULT': 'false', PREEMPTIONPOLICY: 'PreemptLowerPriority' }],
    ['events.events.k8s.io', ['LAST SEEN', 'TYPE', 'REASON', 'OBJECT', 'MESSAGE'], { REASON: 'ScalingReplicaSet', OBJECT: 'deployment/web', MESSAGE: 'Scaled up replica set web-abc to 2' }],
    ['endpointslices', ['NAME', 'ADDRESSTYPE', 'PORTS', 'ENDPOINTS', 'AGE'], { NAME: 'web-abc', ADDRESSTYPE: 'IPv4', PORTS: '8080', ENDPOINTS: '10.244.1.5' }],
  ];

  for (const [kind, header, expected] of KINDS) {
    test(`get ${kind}`, async () => {
      const result = await table([kind]);
      assert.deepEqual(result.header, header);
      const key = expected.NAME !== undefined ? 'NAME' : 'REASON';
      const row = rowOf(result, expected[key] as string, key);
      for (const [column, value] of Object.entries(expected)) {
        if (value instanceof RegExp) assert.match(row[column], value, `${kind} ${column}`);
        else assert.equal(row[column], value, `${kind} ${column}`);
      }
    });
  }

  test('get pdb shows the status a disruption controller writes through the status subresource', async () => {
    const status = { status: { observedGeneration: 1, disruptionsAllowed: 1, currentHealthy: 2, desiredHealthy: 1, expectedPods: 2 } };
    assert.equal(await k.ok(['patch', 'pdb', 'web', '--subresource=status', '--type=merge', '-p', JSON.stringify(status)]), 'poddisruptionbudget.policy/web patched\n');
    const pdbs = await table(['pdb']);
    assert.deepEqual({ ...rowOf(pdbs, 'web'), AGE: '' }, { NAME: 'web', 'MIN AVAILABLE': '1', 'MAX UNAVAILABLE': 'N/A', 'ALLOWED DISRUPTIONS': '1', AGE: '' });
    // a status written through the main resource is ignored
    assert.equal(await k.ok(['patch', 'pdb', 'web', '--type=merge', '-p', '{"status":{"disruptionsAllowed":5}}']), 'poddisruptionbudget.policy/web patched (no change)\n');
    assert.equal(await k.ok(['get', 'pdb', 'web', '-o', 'jsonpath={.status.disruptionsAllowed} {.metadata.generation}']), '1 1');
  });

  test('get all expands the "all" category, kind by kind in discovery order', async () => {
    const tables = parseTables(await k.ok(['get', 'all']));
    assert.deepEqual(
      tables.map((t) => names(t)),
      [
        ['pod/batch-1', 'pod/web-1', 'pod/web-2'],
        ['replicationcontroller/rc1'],
        ['service/kubernetes', 'service/web'],
        ['daemonset.apps/agent'],
        ['deployment.apps/web'],
        ['replicaset.apps/rs1'],
        ['statefulset.apps/db'],
        ['horizontalpodautoscaler.autoscaling/web'],
        ['cronjob.batch/nightly'],
        ['job.batch/once'],
      ],
    );
    assert.deepEqual(tables[0].header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(tables[2].header, ['NAME', 'TYPE', 'CLUSTER-IP', 'EXTERNAL-IP', 'PORT(S)', 'AGE']);
  });

  test('get -A adds the NAMESPACE column from every namespace', async () => {
    const pods = await table(['pods', '-A']);
    assert.deepEqual(pods.header, ['NAMESPACE', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
    assert.deepEqual(pods.rows.map((r) => `${r.NAMESPACE}/${r.NAME}`), ['default/batch-1', 'default/web-1', 'default/web-2', 'team-a/api-0']);
    const scoped = await table(['pods', '-n', 'team-a']);
    assert.deepEqual(names(scoped), ['api-0']);
    const sa = await table(['serviceaccounts', '-A']);
    assert.ok(sa.rows.some((r) => r.NAMESPACE === 'team-a' && r.NAME === 'default'), 'each namespace has its default service account');
  });

  test('get -o wide adds the priority-1 columns', async () => {
    const pods = await table(['pods', '-o', 'wide']);
    assert.deepEqual(pods.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE', 'IP', 'NODE', 'NOMINATED NODE', 'READINESS GATES']);
    assert.deepEqual({ ...rowOf(pods, 'web-1'), AGE: '' }, { NAME: 'web-1', READY: '1/1', STATUS: 'Running', RESTARTS: '2', AGE: '', IP: '10.244.1.5', NODE: 'n1', 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>' });
    assert.deepEqual({ ...rowOf(pods, 'batch-1'), AGE: '' }, { NAME: 'batch-1', READY: '0/1', STATUS: 'Pending', RESTARTS: '0', AGE: '', IP: '<none>', NODE: '<none>', 'NOMINATED NODE': '<none>', 'READINESS GATES': '<none>' });

    const nodes = await table(['nodes', '-o', 'wide']);
    assert.deepEqual(nodes.header, ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME']);
    assert.deepEqual({ ...rowOf(nodes, 'n1'), AGE: '' }, {
      NAME: 'n1', STATUS: 'Ready', ROLES: 'worker', AGE: '', VERSION: 'v1.35.0', 'INTERNAL-IP': '10.0.0.11', 'EXTERNAL-IP': '<none>',
      'OS-IMAGE': 'Debian GNU/Linux 12 (bookworm)', 'KERNEL-VERSION': '6.1.0-18-amd64', 'CONTAINER-RUNTIME': 'containerd://1.7.24',
    });
    assert.deepEqual([rowOf(nodes, 'n2').STATUS, rowOf(nodes, 'n2').ROLES, rowOf(nodes, 'n2').VERSION], ['NotReady', 'control-plane', 'v1.34.2']);

    const deployments = await table(['deployments', '-o', 'wide']);
    assert.deepEqual(deployments.header, ['NAME', 'READY', 'UP-TO-DATE', 'AVAILABLE', 'AGE', 'CONTAINERS', 'IMAGES', 'SELECTOR']);
    assert.deepEqual([rowOf(deployments, 'web').CONTAINERS, rowOf(deployments, 'web').IMAGES, rowOf(deployments, 'web').SELECTOR], ['main', 'nginx:1.27', 'app=web']);

    const services = await table(['services', '-o', 'wide']);
    assert.equal(rowOf(services, 'web').SELECTOR, 'app=web');

    const jobs = await table(['jobs', '-o', 'wide']);
    const uid = (await k.ok(['get', 'job', 'once', '-o', 'jsonpath={.metadata.uid}'])).trim();
    assert.equal(rowOf(jobs, 'once').SELECTOR, `batch.kubernetes.io/controller-uid=${uid}`);
  });

  test('get -o yaml prints a List of the stored objects with server defaults', async () => {
    const list = parseYaml(await k.ok(['get', 'pods', '-o', 'yaml']));
    assert.equal(list.kind, 'List');
    assert.equal(list.apiVersion, 'v1');
    assert.deepEqual(list.items.map((p: any) => p.metadata.name), ['batch-1', 'web-1', 'web-2']);
    const pod = parseYaml(await k.ok(['get', 'pod', 'batch-1', '-o', 'yaml']));
    assert.equal(pod.kind, 'Pod');
    assert.equal(pod.metadata.namespace, 'default');
    assert.match(pod.metadata.uid, /^[0-9a-f-]{36}$/);
    assert.match(pod.metadata.resourceVersion, /^\d+$/);
    assert.equal(pod.spec.restartPolicy, 'Always');
    assert.equal(pod.spec.terminationGracePeriodSeconds, 30);
    assert.equal(pod.spec.serviceAccountName, 'default');
    assert.equal(pod.spec.containers[0].imagePullPolicy, 'Always');
    assert.deepEqual(pod.status, { phase: 'Pending', qosClass: 'Burstable' });

    const secret = parseYaml(await k.ok(['get', 'secret', 'sec', '-o', 'yaml']));
    assert.deepEqual(secret.data, { password: Buffer.from('hunter2').toString('base64') });
    assert.equal(secret.stringData, undefined, 'stringData is write-only');
    assert.equal(secret.type, 'Opaque');

    const service = parseYaml(await k.ok(['get', 'service', 'web', '-o', 'yaml']));
    assert.match(service.spec.clusterIP, SERVICE_IP);
    assert.deepEqual(service.spec.clusterIPs, [service.spec.clusterIP]);
    assert.deepEqual(service.spec.ports, [{ port: 80, protocol: 'TCP', targetPort: 8080 }]);
    assert.equal(service.metadata.generation, undefined);
  });

  test('get -o json prints the objects as JSON', async () => {
    const list = JSON.parse(await k.ok(['get', 'nodes', '-o', 'json']));
    assert.equal(list.kind, 'List');
    assert.deepEqual(list.items.map((n: any) => n.metadata.name), ['n1', 'n2']);
    const node = JSON.parse(await k.ok(['get', 'node', 'n1', '-o', 'json']));
    assert.equal(node.kind, 'Node');
    assert.equal(node.apiVersion, 'v1');
    assert.equal(node.status.nodeInfo.kubeletVersion, 'v1.35.0');
    assert.deepEqual(node.status.addresses, [{ type: 'InternalIP', address: '10.0.0.11' }, { type: 'Hostname', address: 'n1' }]);
    const deployment = JSON.parse(await k.ok(['get', 'deployment', 'web', '-o', 'json']));
    assert.equal(deployment.metadata.generation, 1);
    assert.deepEqual(deployment.spec.strategy, { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } });
  });

  test('get -o name and -o jsonpath', async () => {
    assert.equal(await k.ok(['get', 'pods,services,deployments', '-o', 'name']), 'pod/batch-1\npod/web-1\npod/web-2\nservice/kubernetes\nservice/web\ndeployment.apps/web\n');
    assert.equal(await k.ok(['get', 'nodes', '-o', 'name']), 'node/n1\nnode/n2\n');
    assert.equal(await k.ok(['get', 'pods', '-o', 'jsonpath={range .items[*]}{.metadata.name}={.status.phase}{"\\n"}{end}']), 'batch-1=Pending\nweb-1=Running\nweb-2=Pending\n');
  });

  test('get -l filters by label, equality- and set-based', async () => {
    const cases: Array<[string, string[]]> = [
      ['app=web', ['web-1', 'web-2']],
      ['app==web,tier=front', ['web-1']],
      ['app!=web', ['batch-1']],
      ['app in (web,batch),tier notin (back)', ['batch-1', 'web-1']],
      ['tier', ['web-1', 'web-2']],
      ['!tier', ['batch-1']],
    ];
    for (const [selector, expected] of cases) {
      assert.deepEqual(names(await table(['pods', '-l', selector])), expected, `-l ${selector}`);
    }
    const none = await k.run(['get', 'pods', '-l', 'app=nothing']);
    assert.equal(none.code, 0);
    assert.equal(none.stdout, '');
    assert.equal(none.stderr, 'No resources found in default namespace.\n');
    const bad = await k.fails(['get', 'pods', '-l', 'app in (web']);
    assert.match(bad.stderr, /^Error from server \(BadRequest\): Unable to find "\/v1, Resource=pods" that match label selector "app in \(web", field selector "": unable to parse requirement/);
  });

  test('get --field-selector on metadata.name, spec.nodeName and status.phase, with = and !=', async () => {
    const cases: Array<[string[], string[]]> = [
      [['--field-selector', 'metadata.name=web-2'], ['web-2']],
      [['--field-selector', 'spec.nodeName=n1', '-A'], ['web-1', 'api-0']],
      [['--field-selector', 'spec.nodeName='], ['batch-1']],
      [['--field-selector', 'spec.nodeName!=n1'], ['batch-1', 'web-2']],
      [['--field-selector', 'status.phase=Running'], ['web-1']],
      [['--field-selector', 'status.phase!=Running'], ['batch-1', 'web-2']],
      [['--field-selector', 'spec.nodeName=n1,status.phase!=Running', '-A'], ['api-0']],
      [['--field-selector', 'status.phase=Running', '-l', 'tier=back'], []],
    ];
    for (const [args, expected] of cases) {
      const result = await k.run(['get', 'pods', ...args]);
      assert.equal(result.code, 0, result.stderr);
      assert.deepEqual(names(parseTable(result.stdout)), expected, args.join(' '));
    }
    assert.deepEqual(names(await table(['nodes', '--field-selector', 'metadata.name!=n1'])), ['n2']);
    const bad = await k.fails(['get', 'pods', '--field-selector', 'spec.foo=x']);
    assert.equal(bad.stderr, 'Error from server (BadRequest): Unable to find "/v1, Resource=pods" that match label selector "", field selector "spec.foo=x": field label not supported: spec.foo\n');
  });

  test('get -w prints the list, then a row per change as it happens', async () => {
    const watch = startKubectl(sandbox.kubeconfig, ['get', 'pods', '-w']);
    try {
      await watch.waitFor(/web-2 .*\n/);
      const first = parseTable(watch.stdout);
      assert.deepEqual(first.header, ['NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      assert.deepEqual(names(first), ['batch-1', 'web-1', 'web-2']);

      const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: watched}\nspec: {nodeName: n1, containers: [{name: main, image: nginx}]}\n';
      await k.ok(['create', '-f', manifest('watched.yaml', pod)]);
      await watch.waitFor(/^watched\s+0\/1\s+Pending\s+0\s+\S+$/m);
      await k.ok(['patch', 'pod', 'watched', '--subresource=status', '--type=merge', '-p', '{"status":{"phase":"Running"}}']);
      await watch.waitFor(/^watched\s+0\/1\s+Running\s+0\s+\S+$/m);
      await k.ok(['delete', 'pod', 'watched', '--wait=false']);
      await watch.waitFor(/^watched\s+0\/1\s+Terminating\s+0\s+\S+$/m);
      await k.ok(['delete', 'pod', 'watched', '--grace-period=0', '--force']);
      await watch.waitFor((out) => out.split('\n').filter((line) => /^watched\s+0\/1\s+Terminating/.test(line)).length === 2);
      // the list header is printed once; watch rows follow without one
      assert.equal(watch.stdout.match(/^NAME\s+READY/gm)?.length, 1);
    } finally {
      await watch.stop();
    }

    // the list is printed as ADDED events; the watch resumes from the list's resourceVersion, so nothing is missed
    const pod = 'apiVersion: v1\nkind: Pod\nmetadata: {name: probe, labels: {app: probe}}\nspec: {containers: [{name: main, image: nginx}]}\n';
    await k.ok(['create', '-f', manifest('probe.yaml', pod)]);
    const events = startKubectl(sandbox.kubeconfig, ['get', 'pods', '-w', '--output-watch-events', '-l', 'app=probe']);
    try {
      await events.waitFor(/^ADDED\s+probe\s/m);
      assert.deepEqual(parseTable(events.stdout).header, ['EVENT', 'NAME', 'READY', 'STATUS', 'RESTARTS', 'AGE']);
      await k.ok(['label', 'pod', 'probe', 'seen=yes']);
      await k.ok(['delete', 'pod', 'probe']);
      await events.waitFor(/^DELETED\s+probe\s/m);
      const kinds = events.stdout.split('\n').filter((line) => /\sprobe\s/.test(line)).map((line) => line.split(/\s+/)[0]);
      assert.deepEqual(kinds, ['ADDED', 'MODIFIED', 'DELETED']);
    } finally {
      await events.stop();
    }
  });

  test('describe node shows conditions, addresses, capacity and the non-terminated pods', async () => {
    const text = await k.ok(['describe', 'node', 'n1']);
    assert.match(text, /^Name:\s+n1$/m);
    assert.match(text, /^Roles:\s+worker$/m);
    assert.match(text, /^Unschedulable:\s+false$/m);
    assert.match(text, /^Conditions:\n\s+Type\s+Status\s+LastHeartbeatTime\s+LastTransitionTime\s+Reason\s+Message\n\s+----.*\n\s+Ready\s+True\s+Thu, 01 Jan 2026 00:00:00 \+0000\s+Thu, 01 Jan 2026 00:00:00 \+0000\s+KubeletReady\s+kubelet is posting ready status$/m);
    assert.match(text, /^Addresses:\n\s+InternalIP:\s+10\.0\.0\.11\n\s+Hostname:\s+n1$/m);
    assert.match(text, /^Capacity:\n\s+cpu:\s+4\n\s+memory:\s+8Gi\n\s+pods:\s+110$/m);
    assert.match(text, /^\s+Kubelet Version:\s+v1\.35\.0$/m);
    assert.match(text, /^\s+Container Runtime Version:\s+containerd:\/\/1\.7\.24$/m);
    assert.match(text, /^PodCIDR:\s+10\.244\.1\.0\/24$/m);
    assert.match(text, /^Non-terminated Pods:\s+\(2 in total\)$/m);
    assert.match(text, /^\s+default\s+web-1\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+0 \(0%\)\s+\S+$/m);
    assert.match(text, /^\s+team-a\s+api-0\s+250m \(6%\)\s+500m \(12%\)\s+128Mi \(1%\)\s+256Mi \(3%\)\s+\S+$/m);
    assert.match(text, /^\s+cpu\s+250m \(6%\)\s+500m \(12%\)$/m);
  });

  test('describe pod shows status, node, containers and events', async () => {
    const text = await k.ok(['describe', 'pod', 'web-1']);
    assert.match(text, /^Name:\s+web-1$/m);
    assert.match(text, /^Namespace:\s+default$/m);
    assert.match(text, /^Node:\s+n1\/10\.0\.0\.11$/m);
    assert.match(text, /^Labels:\s+app=web\n\s+tier=front$/m);
    assert.match(text, /^Status:\s+Running$/m);
    assert.match(text, /^IP:\s+10\.244\.1\.5$/m);
    assert.match(text, /^Containers:\n\s+main:\n/m);
    assert.match(text, /^\s+Image:\s+nginx:1\.27$/m);
    assert.match(text, /^\s+Port:\s+8080\/TCP$/m);
    assert.match(text, /^\s+State:\s+Running$/m);
    assert.match(text, /^\s+Ready:\s+True$/m);
    assert.match(text, /^\s+Restart Count:\s+2$/m);
    assert.match(text, /^QoS Class:\s+BestEffort$/m);
    assert.match(text, /^Events:\n\s+Type\s+Reason\s+Age\s+From\s+Message\n\s+----.*\n\s+Normal\s+Started\s+\S+\s+kubelet\s+Started container main$/m);

    const pending = await k.ok(['describe', 'pod', 'batch-1']);
    assert.match(pending, /^Node:\s+<none>$/m);
    assert.match(pending, /^Status:\s+Pending$/m);
    assert.match(pending, /^\s+Requests:\n\s+cpu:\s+100m\n\s+memory:\s+64Mi$/m);
    assert.match(pending, /^Events:\s+<none>$/m);
  });

  test('get of a missing object is NotFound, named as upstream names it', async () => {
    const cases: Array<[string[], string]> = [
      [['get', 'pod', 'nope'], 'Error from server (NotFound): pods "nope" not found\n'],
      [['get', 'node', 'nope'], 'Error from server (NotFound): nodes "nope" not found\n'],
      [['get', 'deployment', 'nope'], 'Error from server (NotFound): deployments.apps "nope" not found\n'],
      [['get', 'pdb', 'nope', '-n', 'team-a'], 'Error from server (NotFound): poddisruptionbudgets.policy "nope" not found\n'],
      [['describe', 'pod', 'nope'], 'Error from server (NotFound): pods "nope" not found\n'],
    ];
    for (const [args, stderr] of cases) {
      const result = await k.fails(args);
      assert.equal(result.code, 1);
      assert.equal(result.stderr, stderr, args.join(' '));
    }
    const unknown = await k.fails(['get', 'widgets']);
    assert.equal(unknown.stderr, 'error: the server doesn\'t have a resource type "widgets"\n');
  });
});
