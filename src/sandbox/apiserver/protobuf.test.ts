import { describe, it } from 'node:test';
import assert from 'node:assert/strict';

import { decodeBody, OBJECT_BODY_TYPES } from './http.ts';
import { decodeKubernetesProtobuf, decodeMessage, formatDuration, inspectKubernetesProtobuf, isProtobufContentType, ProtobufDecodeError } from './protobuf.ts';
import { fieldsOf, KINDS, MESSAGES, parseField, SCALAR_TYPES, SPECIAL_TYPES } from './protobuf-types.ts';
import { ApiError } from './status.ts';

// ---------------------------------------------------------------------------------------------------------
// A tiny protobuf encoder: by hand for odd bytes, and from the same descriptors for whole objects.

type Bytes = number[];

function varint(value: number | bigint): Bytes {
  let rest = BigInt.asUintN(64, BigInt(value));
  const bytes: Bytes = [];
  while (rest >= 0x80n) {
    bytes.push(Number(rest & 0x7fn) | 0x80);
    rest >>= 7n;
  }
  bytes.push(Number(rest));
  return bytes;
}

function bytesField(field: number, payload: Bytes | Uint8Array): Bytes {
  return [...varint(field * 8 + 2), ...varint(payload.length), ...payload];
}

function str(field: number, value: string): Bytes {
  return bytesField(field, [...Buffer.from(value, 'utf8')]);
}

function msg(field: number, ...fields: Bytes[]): Bytes {
  return bytesField(field, fields.flat());
}

function varintField(field: number, value: number | bigint): Bytes {
  return [...varint(field * 8), ...varint(value)];
}

function envelope(apiVersion: string, kind: string, raw: Bytes[], extra: Bytes[] = []): Buffer {
  const unknown = [msg(1, str(1, apiVersion), str(2, kind)), bytesField(2, raw.flat()), ...extra].flat();
  return Buffer.from([0x6b, 0x38, 0x73, 0x00, ...unknown]);
}

interface EncodeOptions {
  /** write zero values for absent non-pointer scalars, as Go does */
  zeros?: boolean;
}

function zeroOf(type: string): unknown {
  return type === 'string' || type === 'bytes' ? '' : type === 'bool' ? false : 0;
}

function encodeValue(field: number, type: string, value: any, options: EncodeOptions): Bytes {
  switch (type) {
    case 'string':
      return str(field, value);
    case 'bytes':
      return bytesField(field, [...Buffer.from(value, 'base64')]);
    case 'int32':
    case 'int64':
      return varintField(field, value);
    case 'bool':
      return varintField(field, value ? 1 : 0);
    case 'Time':
      return msg(field, varintField(1, Date.parse(value) / 1000), varintField(2, 0));
    case 'MicroTime': {
      const [, fraction = '0'] = /\.(\d+)Z$/.exec(value) ?? [];
      return msg(field, varintField(1, Math.floor(Date.parse(value) / 1000)), varintField(2, Number(fraction.padEnd(9, '0'))));
    }
    case 'Quantity':
      return msg(field, str(1, value));
    case 'IntOrString':
      return typeof value === 'number' ? msg(field, varintField(1, 0), varintField(2, value), str(3, '')) : msg(field, varintField(1, 1), varintField(2, 0), str(3, value));
    case 'RawExtension':
    case 'FieldsV1':
      return msg(field, str(1, JSON.stringify(value)));
    default:
      return bytesField(field, encodeMessage(value, type, options));
  }
}

function encodeMessage(value: Record<string, any>, message: string, options: EncodeOptions = {}): Bytes {
  const out: Bytes = [];
  for (const field of fieldsOf(message).values()) {
    if (field.shape === 'inline') {
      out.push(...bytesField(field.number, encodeMessage(value, field.type, options)));
      continue;
    }
    const v = value[field.name];
    if (v === undefined) {
      if (options.zeros && field.shape === 'single' && SCALAR_TYPES.has(field.type) && !field.keepZero) out.push(...encodeValue(field.number, field.type, zeroOf(field.type), options));
      continue;
    }
    if (field.shape === 'repeated') for (const element of v) out.push(...encodeValue(field.number, field.type, element, options));
    else if (field.shape === 'map') {
      for (const [key, element] of Object.entries(v)) out.push(...msg(field.number, str(1, key), encodeValue(2, field.type, element, options)));
    } else out.push(...encodeValue(field.number, field.type, v, options));
  }
  return out;
}

/** The protobuf body kubectl would send for a JSON object. */
function encodeObject(object: Record<string, any>, options: EncodeOptions = { zeros: true }): Buffer {
  const { apiVersion, kind, ...rest } = object;
  const message = KINDS[apiVersion]?.[kind];
  assert.ok(message, `no message for ${apiVersion} ${kind}`);
  return envelope(apiVersion, kind, [encodeMessage(rest, message, options)], [str(3, ''), str(4, '')]);
}

function roundTrip(object: Record<string, any>): void {
  assert.deepEqual(decodeKubernetesProtobuf(encodeObject(object)), object);
  assert.deepEqual(decodeKubernetesProtobuf(encodeObject(object, { zeros: false })), object);
}

// Real request bodies of kubectl v1.35.
const KUBECTL_BODIES = {
  'create configmap cm --from-literal=a=b': '6b3873000a0f0a0276311209436f6e6669674d6170121c0a120a02636d12001a0022002a0032003800420012060a01611201621a002200',
  'create pdb pdb --selector=app=x --min-available=1':
    '6b3873000a200a09706f6c6963792f76311213506f6444697372757074696f6e42756467657412370a130a0370646212001a0022002a0032003800420012140a06080010011a00120a0a080a036170701201781a0a080018002000280030001a002200',
  'create deployment web --image=nginx:1.27 --replicas=3 --port=80':
    '6b3873000a150a07617070732f7631120a4465706c6f796d656e7412bd010a1f0a0377656212001a0022002a003200380042005a0a0a036170701203776562128b010803120c0a0a0a0361707012037765621a710a1c0a0012001a0022002a003200380042005a0a0a036170701203776562125112330a056e67696e78120a6e67696e783a312e32372a00320a0a001000185022002a0042006a007200800100880100900100a201001a00320042004a0052005800600068008201008a01009a0100c2010022020a00280038001a0c0800100018002000280038001a002200',
  'auth can-i delete pods -n kube-system':
    '6b3873000a320a17617574686f72697a6174696f6e2e6b38732e696f2f7631121753656c665375626a65637441636365737352657669657712430a100a0012001a0022002a0032003800420012250a230a0b6b7562652d73797374656d120664656c6574651a0022002a04706f647332003a001a08080012001a0020001a002200',
  'drain n1 --force --disable-eviction --grace-period=7': '6b3873000a130a027631120d44656c6574654f7074696f6e73120208071a002200',
  'create token default --audience=api --duration=1h':
    '6b3873000a280a1861757468656e7469636174696f6e2e6b38732e696f2f7631120c546f6b656e5265717565737412220a100a0012001a0022002a0032003800420012080a0361706920901c1a040a0012001a002200',
};

function kubectlBody(command: keyof typeof KUBECTL_BODIES): Buffer {
  return Buffer.from(KUBECTL_BODIES[command], 'hex');
}

// ---------------------------------------------------------------------------------------------------------

describe('isProtobufContentType', () => {
  it('matches the Kubernetes protobuf media type with or without parameters', () => {
    assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf'), true);
    assert.equal(isProtobufContentType('Application/Vnd.Kubernetes.Protobuf; charset=utf-8'), true);
    assert.equal(isProtobufContentType('application/json'), false);
    assert.equal(isProtobufContentType('application/vnd.kubernetes.protobuf+json'), false);
    assert.equal(isProtobufContentType(undefined), false);
    assert.equal(isProtobufContentType(''), false);
  });
});

describe('protobuf descriptors', () => {
  it('refer only to messages, scalars and special types they define', () => {
    for (const message of Object.keys(MESSAGES)) {
      for (const field of fieldsOf(message).values()) {
        const known = SCALAR_TYPES.has(field.type) || SPECIAL_TYPES.has(field.type) || field.type in MESSAGES;
        assert.ok(known, `${message} field ${field.number} refers to unknown type ${field.type}`);
        if (field.shape === 'inline') assert.ok(field.type in MESSAGES, `${message} inlines a non-message`);
      }
    }
    for (const [apiVersion, kinds] of Object.entries(KINDS)) {
      for (const [kind, message] of Object.entries(kinds)) assert.ok(message in MESSAGES, `${apiVersion} ${kind} -> ${message}`);
    }
  });

  it('parse the field notation', () => {
    assert.deepEqual(parseField(1, 'name'), { number: 1, name: 'name', type: 'string', shape: 'single', keepZero: false });
    assert.deepEqual(parseField(2, 'replicas *int32'), { number: 2, name: 'replicas', type: 'int32', shape: 'single', keepZero: true });
    assert.deepEqual(parseField(3, 'port int32!'), { number: 3, name: 'port', type: 'int32', shape: 'single', keepZero: true });
    assert.deepEqual(parseField(4, 'ports []ServicePort'), { number: 4, name: 'ports', type: 'ServicePort', shape: 'repeated', keepZero: false });
    assert.deepEqual(parseField(5, 'hard map<Quantity>'), { number: 5, name: 'hard', type: 'Quantity', shape: 'map', keepZero: false });
    assert.deepEqual(parseField(6, '...VolumeSource'), { number: 6, name: '', type: 'VolumeSource', shape: 'inline', keepZero: false });
    assert.throws(() => parseField(7, 'bad spec here'), /bad protobuf field descriptor/);
    assert.throws(() => parseField(8, 'x map<string'), /bad protobuf field descriptor/);
  });
});

describe('decodeKubernetesProtobuf: bodies kubectl sends', () => {
  it('create configmap', () => {
    assert.deepEqual(decodeKubernetesProtobuf(kubectlBody('create configmap cm --from-literal=a=b')), {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'cm' },
      data: { a: 'b' },
    });
  });

  it('create deployment: empty structs stay {}, zero strings and the zero creationTimestamp go', () => {
    assert.deepEqual(decodeKubernetesProtobuf(kubectlBody('create deployment web --image=nginx:1.27 --replicas=3 --port=80')), {
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: { name: 'web', labels: { app: 'web' } },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'nginx', image: 'nginx:1.27', ports: [{ containerPort: 80 }], resources: {} }] },
        },
        strategy: {},
      },
      status: {},
    });
  });

  it('create pdb: IntOrString and the status counters Go always prints', () => {
    assert.deepEqual(decodeKubernetesProtobuf(kubectlBody('create pdb pdb --selector=app=x --min-available=1')), {
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'pdb' },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'x' } } },
      status: { disruptionsAllowed: 0, currentHealthy: 0, desiredHealthy: 0, expectedPods: 0 },
    });
  });

  it('auth can-i (SelfSubjectAccessReview)', () => {
    assert.deepEqual(decodeKubernetesProtobuf(kubectlBody('auth can-i delete pods -n kube-system')), {
      kind: 'SelfSubjectAccessReview',
      apiVersion: 'authorization.k8s.io/v1',
      metadata: {},
      spec: { resourceAttributes: { namespace: 'kube-system', verb: 'delete', resource: 'pods' } },
      status: { allowed: false },
    });
  });

  it('create token (TokenRequest)', () => {
    assert.deepEqual(decodeKubernetesProtobuf(kubectlBody('create token default --audience=api --duration=1h')), {
      kind: 'TokenRequest',
      apiVersion: 'authentication.k8s.io/v1',
      metadata: {},
      spec: { audiences: ['api'], expirationSeconds: 3600 },
      status: { token: '' },
    });
  });

  it('drain --disable-eviction (DeleteOptions, which has no metadata)', () => {
    assert.deepEqual(decodeKubernetesProtobuf(kubectlBody('drain n1 --force --disable-eviction --grace-period=7')), { kind: 'DeleteOptions', apiVersion: 'v1', gracePeriodSeconds: 7 });
    // an object always has metadata, as Go prints it, even when the body leaves it out
    assert.deepEqual(decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', [])), { kind: 'Deployment', apiVersion: 'apps/v1', metadata: {} });
  });

  it('rejects every truncation of a real body', () => {
    const body = kubectlBody('create deployment web --image=nginx:1.27 --replicas=3 --port=80');
    for (let length = 5; length < body.length - 4; length++) {
      assert.throws(
        () => decodeKubernetesProtobuf(body.subarray(0, length)),
        (error: Error) => error instanceof ProtobufDecodeError,
        `truncated to ${length} of ${body.length} bytes`,
      );
    }
  });
});

describe('decodeKubernetesProtobuf: objects round-trip through the descriptors', () => {
  it('a Deployment using most of PodSpec, Container and the common volume sources', () => {
    roundTrip({
      kind: 'Deployment',
      apiVersion: 'apps/v1',
      metadata: {
        name: 'web',
        namespace: 'shop',
        uid: '6f1c4c1e-0000-4000-8000-000000000001',
        resourceVersion: '42',
        generation: 4,
        creationTimestamp: '2025-03-01T10:20:30Z',
        labels: { app: 'web' },
        annotations: { 'deployment.kubernetes.io/revision': '3', empty: '' },
        ownerReferences: [{ apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u-1', controller: true, blockOwnerDeletion: false }],
        finalizers: ['example.com/keep'],
        managedFields: [{ manager: 'kubectl', operation: 'Update', apiVersion: 'apps/v1', time: '2025-03-01T10:20:30Z', fieldsType: 'FieldsV1', fieldsV1: { 'f:spec': { 'f:replicas': {} } } }],
      },
      spec: {
        replicas: 0,
        selector: {
          matchLabels: { app: 'web' },
          matchExpressions: [
            { key: 'tier', operator: 'In', values: ['a', 'b'] },
            { key: 'canary', operator: 'DoesNotExist' },
          ],
        },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            volumes: [
              { name: 'cfg', configMap: { name: 'settings', items: [{ key: 'a', path: 'a.txt', mode: 0o600 }], defaultMode: 420, optional: false } },
              { name: 'sec', secret: { secretName: 'creds' } },
              { name: 'scratch', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
              { name: 'cache', emptyDir: {} },
              { name: 'data', persistentVolumeClaim: { claimName: 'data', readOnly: true } },
              { name: 'logs', hostPath: { path: '/var/log', type: 'Directory' } },
              {
                name: 'projected',
                projected: {
                  sources: [
                    { serviceAccountToken: { audience: 'api', expirationSeconds: 3600, path: 'token' } },
                    { downwardAPI: { items: [{ path: 'labels', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.labels' } }] } },
                    { configMap: { name: 'ca', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                  ],
                  defaultMode: 420,
                },
              },
              { name: 'share', nfs: { server: 'nfs.local', path: '/exports', readOnly: true } },
              { name: 'csi', csi: { driver: 'csi.example.com', readOnly: true, volumeAttributes: { size: '1' }, nodePublishSecretRef: { name: 'csi-creds' } } },
              {
                name: 'eph',
                ephemeral: {
                  volumeClaimTemplate: {
                    metadata: { labels: { type: 'scratch' } },
                    spec: { accessModes: ['ReadWriteOnce'], storageClassName: '', resources: { requests: { storage: '1Gi' } } },
                  },
                },
              },
            ],
            initContainers: [{ name: 'init', image: 'busybox:1.36', command: ['sh', '-c', 'true'], resources: {}, restartPolicy: 'Always' }],
            containers: [
              {
                name: 'nginx',
                image: 'nginx:1.27',
                args: ['-g', 'daemon off;', ''],
                workingDir: '/srv',
                ports: [
                  { name: 'http', containerPort: 80, protocol: 'TCP' },
                  { containerPort: 8443, hostPort: 443, hostIP: '0.0.0.0', protocol: 'UDP' },
                ],
                envFrom: [{ prefix: 'CFG_', configMapRef: { name: 'settings', optional: true } }, { secretRef: { name: 'creds' } }],
                env: [
                  { name: 'PLAIN', value: 'x' },
                  { name: 'EMPTY' },
                  { name: 'POD', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } },
                  { name: 'PASS', valueFrom: { secretKeyRef: { name: 'creds', key: 'pass', optional: false } } },
                  { name: 'MODE', valueFrom: { configMapKeyRef: { name: 'settings', key: 'mode' } } },
                  { name: 'CPU', valueFrom: { resourceFieldRef: { containerName: 'nginx', resource: 'limits.cpu', divisor: '1m' } } },
                ],
                resources: { limits: { cpu: '500m', memory: '256Mi' }, requests: { cpu: '100m', memory: '0' }, claims: [{ name: 'gpu' }] },
                volumeMounts: [
                  { name: 'cfg', readOnly: true, mountPath: '/etc/cfg', subPath: 'a.txt' },
                  { name: 'logs', mountPath: '/var/log/nginx', mountPropagation: 'HostToContainer' },
                ],
                livenessProbe: { httpGet: { path: '/healthz', port: 'http', scheme: 'HTTP', httpHeaders: [{ name: 'X-Probe', value: '' }] }, initialDelaySeconds: 5, periodSeconds: 10 },
                readinessProbe: { tcpSocket: { port: 80 }, failureThreshold: 3 },
                startupProbe: { exec: { command: ['cat', '/ready'] }, terminationGracePeriodSeconds: 0 },
                lifecycle: { postStart: { httpGet: { path: '/warm', port: 8080 } }, preStop: { sleep: { seconds: 5 } }, stopSignal: 'SIGQUIT' },
                terminationMessagePath: '/dev/termination-log',
                terminationMessagePolicy: 'File',
                imagePullPolicy: 'IfNotPresent',
                securityContext: {
                  capabilities: { add: ['NET_BIND_SERVICE'], drop: ['ALL'] },
                  privileged: false,
                  runAsUser: 1000,
                  runAsNonRoot: true,
                  readOnlyRootFilesystem: true,
                  allowPrivilegeEscalation: false,
                  seccompProfile: { type: 'RuntimeDefault' },
                },
                stdin: true,
                tty: true,
              },
            ],
            restartPolicy: 'Always',
            terminationGracePeriodSeconds: 30,
            activeDeadlineSeconds: 600,
            dnsPolicy: 'ClusterFirst',
            nodeSelector: { 'kubernetes.io/os': 'linux' },
            serviceAccountName: 'robot',
            automountServiceAccountToken: false,
            hostNetwork: true,
            securityContext: { runAsUser: 0, runAsGroup: 3000, fsGroup: 2000, supplementalGroups: [4000, 5000], sysctls: [{ name: 'net.core.somaxconn', value: '1024' }] },
            imagePullSecrets: [{ name: 'regcred' }],
            hostname: 'web-0',
            subdomain: 'web',
            affinity: {
              nodeAffinity: {
                requiredDuringSchedulingIgnoredDuringExecution: { nodeSelectorTerms: [{ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a'] }] }] },
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 1, preference: { matchFields: [{ key: 'metadata.name', operator: 'NotIn', values: ['n9'] }] } }],
              },
              podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { labelSelector: { matchLabels: { app: 'web' } }, topologyKey: 'kubernetes.io/hostname' } }],
              },
            },
            schedulerName: 'default-scheduler',
            tolerations: [{ key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }, { operator: 'Exists' }],
            hostAliases: [{ ip: '10.0.0.1', hostnames: ['db', 'db.local'] }],
            priorityClassName: 'high',
            priority: -5,
            dnsConfig: { nameservers: ['1.1.1.1'], options: [{ name: 'ndots', value: '2' }, { name: 'edns0' }] },
            readinessGates: [{ conditionType: 'example.com/ready' }],
            enableServiceLinks: false,
            topologySpreadConstraints: [{ maxSkew: 1, topologyKey: 'zone', whenUnsatisfiable: 'DoNotSchedule', labelSelector: { matchLabels: { app: 'web' } }, minDomains: 2 }],
            os: { name: 'linux' },
            schedulingGates: [{ name: 'example.com/wait' }],
          },
        },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: 0, maxSurge: '25%' } },
        minReadySeconds: 10,
        revisionHistoryLimit: 0,
        progressDeadlineSeconds: 600,
      },
      status: {
        observedGeneration: 4,
        replicas: 2,
        readyReplicas: 2,
        conditions: [
          {
            type: 'Available',
            status: 'True',
            lastUpdateTime: '2025-03-01T10:20:30Z',
            lastTransitionTime: '2025-03-01T10:20:30Z',
            reason: 'MinimumReplicasAvailable',
            message: 'Deployment has minimum availability.',
          },
        ],
      },
    });
  });

  it('Service, ConfigMap, Secret, Namespace, ServiceAccount, ResourceQuota, LimitRange', () => {
    roundTrip({
      kind: 'Service',
      apiVersion: 'v1',
      metadata: { name: 'api' },
      spec: {
        ports: [
          { name: 'http', protocol: 'TCP', port: 80, targetPort: 8080, nodePort: 30080 },
          { name: 'grpc', protocol: 'TCP', appProtocol: 'kubernetes.io/h2c', port: 9090, targetPort: 'grpc' },
          { port: 53, targetPort: 0 },
        ],
        selector: { app: 'api' },
        clusterIP: 'None',
        clusterIPs: ['None'],
        type: 'NodePort',
        externalIPs: ['192.0.2.10'],
        sessionAffinity: 'ClientIP',
        sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
        externalTrafficPolicy: 'Local',
        ipFamilies: ['IPv4'],
        ipFamilyPolicy: 'SingleStack',
        allocateLoadBalancerNodePorts: false,
        internalTrafficPolicy: 'Cluster',
      },
      status: { loadBalancer: { ingress: [{ ip: '192.0.2.1', ipMode: 'VIP', ports: [{ port: 80, protocol: 'TCP' }] }] } },
    });
    roundTrip({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'c' }, immutable: true, data: { a: '1', b: '' }, binaryData: { blob: Buffer.from([0, 1, 254, 255]).toString('base64') } });
    roundTrip({ kind: 'Secret', apiVersion: 'v1', metadata: { name: 's' }, immutable: false, data: { key: Buffer.from('\u0000secret').toString('base64'), empty: '' }, stringData: { plain: 'x' }, type: 'Opaque' });
    roundTrip({ kind: 'Namespace', apiVersion: 'v1', metadata: { name: 'team' }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } });
    roundTrip({ kind: 'ServiceAccount', apiVersion: 'v1', metadata: { name: 'robot' }, secrets: [{ name: 'robot-token' }], imagePullSecrets: [{ name: 'regcred' }], automountServiceAccountToken: false });
    roundTrip({
      kind: 'ResourceQuota',
      apiVersion: 'v1',
      metadata: { name: 'q' },
      spec: { hard: { cpu: '2', memory: '1Gi', pods: '10' }, scopes: ['NotBestEffort'], scopeSelector: { matchExpressions: [{ scopeName: 'PriorityClass', operator: 'In', values: ['high'] }] } },
      status: { hard: { pods: '10' }, used: { pods: '0' } },
    });
    roundTrip({ kind: 'LimitRange', apiVersion: 'v1', metadata: { name: 'l' }, spec: { limits: [{ type: 'Container', default: { cpu: '500m' }, defaultRequest: { cpu: '100m' } }] } });
  });

  it('Job, CronJob and PodDisruptionBudget', () => {
    const template = { metadata: {}, spec: { containers: [{ name: 'c', image: 'busybox', resources: {} }], restartPolicy: 'Never' } };
    const jobSpec = {
      parallelism: 2,
      completions: 4,
      backoffLimit: 0,
      podFailurePolicy: { rules: [{ action: 'FailJob', onExitCodes: { containerName: 'c', operator: 'In', values: [42, 43] } }, { action: 'Ignore', onPodConditions: [{ type: 'DisruptionTarget', status: 'True' }] }] },
      successPolicy: { rules: [{ succeededIndexes: '0-1', succeededCount: 1 }] },
      template,
      ttlSecondsAfterFinished: 0,
      completionMode: 'Indexed',
      suspend: false,
    };
    roundTrip({ kind: 'Job', apiVersion: 'batch/v1', metadata: { name: 'j' }, spec: jobSpec, status: { active: 1, startTime: '2025-01-02T03:04:05Z', uncountedTerminatedPods: { succeeded: ['u1'] } } });
    roundTrip({
      kind: 'CronJob',
      apiVersion: 'batch/v1',
      metadata: { name: 'cj' },
      spec: {
        schedule: '*/5 * * * *',
        timeZone: 'Etc/UTC',
        startingDeadlineSeconds: 60,
        concurrencyPolicy: 'Forbid',
        suspend: true,
        jobTemplate: { metadata: { name: 'cj' }, spec: { template } },
        successfulJobsHistoryLimit: 0,
        failedJobsHistoryLimit: 1,
      },
      status: { active: [{ kind: 'Job', namespace: 'default', name: 'cj-1', apiVersion: 'batch/v1' }], lastScheduleTime: '2025-01-02T03:04:05Z' },
    });
    roundTrip({
      kind: 'PodDisruptionBudget',
      apiVersion: 'policy/v1',
      metadata: { name: 'pdb' },
      spec: { maxUnavailable: '25%', selector: { matchLabels: { app: 'web' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      status: {
        observedGeneration: 1,
        disruptedPods: { 'web-1': '2025-01-02T03:04:05Z' },
        disruptionsAllowed: 0,
        currentHealthy: 3,
        desiredHealthy: 2,
        expectedPods: 3,
        conditions: [{ type: 'DisruptionAllowed', status: 'False', observedGeneration: 1, lastTransitionTime: '2025-01-02T03:04:05Z', reason: 'InsufficientPods', message: '' }],
      },
    });
  });

  it('RBAC, PriorityClass, Ingress, NetworkPolicy', () => {
    const rules = [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'], resourceNames: ['p1'] },
      { verbs: ['get'], nonResourceURLs: ['/healthz'] },
    ];
    roundTrip({ kind: 'Role', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'r', namespace: 'default' }, rules });
    roundTrip({ kind: 'ClusterRole', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'cr' }, aggregationRule: { clusterRoleSelectors: [{ matchLabels: { agg: 'true' } }] } });
    const subjects = [
      { kind: 'User', apiGroup: 'rbac.authorization.k8s.io', name: 'alice' },
      { kind: 'ServiceAccount', name: 'robot', namespace: 'team' },
    ];
    roundTrip({ kind: 'RoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'rb' }, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'r' } });
    roundTrip({ kind: 'ClusterRoleBinding', apiVersion: 'rbac.authorization.k8s.io/v1', metadata: { name: 'crb' }, subjects, roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cr' } });
    roundTrip({ kind: 'PriorityClass', apiVersion: 'scheduling.k8s.io/v1', metadata: { name: 'zero' }, value: 0, globalDefault: true, description: 'd', preemptionPolicy: 'Never' });
    roundTrip({
      kind: 'Ingress',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'site' },
      spec: {
        ingressClassName: 'nginx',
        defaultBackend: { resource: { apiGroup: 'example.com', kind: 'Bucket', name: 'static' } },
        tls: [{ hosts: ['secure.com'], secretName: 'tls' }],
        rules: [
          { host: 'foo.com', http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } }] } },
          { http: { paths: [{ pathType: 'ImplementationSpecific', backend: { service: { name: 'web', port: { name: 'https' } } } }] } },
        ],
      },
      status: { loadBalancer: { ingress: [{ hostname: 'lb.example.com', ports: [{ port: 443, protocol: 'TCP', error: 'Pending' }] }] } },
    });
    roundTrip({
      kind: 'NetworkPolicy',
      apiVersion: 'networking.k8s.io/v1',
      metadata: { name: 'np' },
      spec: {
        podSelector: {},
        ingress: [{ from: [{ ipBlock: { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] } }, { namespaceSelector: { matchLabels: { team: 'a' } } }], ports: [{ protocol: 'TCP', port: 80, endPort: 90 }] }],
        egress: [{ to: [{ podSelector: { matchLabels: { app: 'db' } } }] }],
        policyTypes: ['Ingress', 'Egress'],
      },
    });
  });

  it('HorizontalPodAutoscaler v2 and v1', () => {
    roundTrip({
      kind: 'HorizontalPodAutoscaler',
      apiVersion: 'autoscaling/v2',
      metadata: { name: 'web' },
      spec: {
        scaleTargetRef: { kind: 'Deployment', name: 'web', apiVersion: 'apps/v1' },
        minReplicas: 2,
        maxReplicas: 5,
        metrics: [
          { type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } },
          { type: 'Pods', pods: { metric: { name: 'qps' }, target: { type: 'AverageValue', averageValue: '10' } } },
          { type: 'External', external: { metric: { name: 'queue', selector: { matchLabels: { q: 'jobs' } } }, target: { type: 'Value', value: '30' } } },
        ],
        behavior: { scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }], tolerance: '50m' } },
      },
      status: { desiredReplicas: 0, currentMetrics: [{ type: 'Resource', resource: { name: 'cpu', current: { averageUtilization: 10, averageValue: '5m' } } }] },
    });
    roundTrip({
      kind: 'HorizontalPodAutoscaler',
      apiVersion: 'autoscaling/v1',
      metadata: { name: 'web' },
      spec: { scaleTargetRef: { kind: 'Deployment', name: 'web' }, maxReplicas: 3, targetCPUUtilizationPercentage: 50 },
      status: { currentReplicas: 0, desiredReplicas: 0 },
    });
  });
});

describe('decodeKubernetesProtobuf: special types and zero values', () => {
  it('Time drops nanos like its JSON form and a zero time is omitted', () => {
    const seconds = Date.parse('2025-06-07T08:09:10Z') / 1000;
    const time = (s: number, n: number) => [varintField(1, s), varintField(2, n)];
    const { value } = decodeMessage(new Uint8Array([...msg(8, ...time(seconds, 999_999_999)), ...msg(9, ...time(0, 0))]), 'ObjectMeta');
    assert.deepEqual(value, { creationTimestamp: '2025-06-07T08:09:10Z' });
    assert.deepEqual(decodeMessage(new Uint8Array(msg(8, ...time(0, 1))), 'ObjectMeta').value, { creationTimestamp: '1970-01-01T00:00:00Z' });
    assert.deepEqual(decodeMessage(new Uint8Array(msg(8)), 'ObjectMeta').value, {});
    assert.throws(() => decodeMessage(new Uint8Array(msg(8, varintField(1, 400_000_000_000))), 'ObjectMeta'), /not a valid time/);
  });

  it('MicroTime, Duration and RawExtension, in a message made for the test', () => {
    MESSAGES.TestSpecials = { 1: 'at MicroTime', 2: 'timeout Duration', 3: 'object RawExtension', 4: 'times []Time' };
    try {
      const seconds = Date.parse('2025-06-07T08:09:10Z') / 1000;
      const body = [
        ...msg(1, varintField(1, seconds), varintField(2, 123_456_789)),
        ...msg(2, varintField(1, 90_000_000_000)),
        ...msg(3, str(1, '{"kind":"Pod","spec":{}}')),
        ...msg(4, varintField(1, seconds)),
        ...msg(4),
      ];
      assert.deepEqual(decodeMessage(new Uint8Array(body), 'TestSpecials').value, {
        at: '2025-06-07T08:09:10.123456Z',
        timeout: '1m30s',
        object: { kind: 'Pod', spec: {} },
        times: ['2025-06-07T08:09:10Z', null],
      });
      assert.deepEqual(decodeMessage(new Uint8Array([...msg(2), ...msg(3)]), 'TestSpecials').value, { timeout: '0s' });
    } finally {
      delete MESSAGES.TestSpecials;
    }
  });

  it('Duration prints as Go does', () => {
    assert.equal(formatDuration(0n), '0s');
    assert.equal(formatDuration(1n), '1ns');
    assert.equal(formatDuration(1_500n), '1.5µs');
    assert.equal(formatDuration(250_000_000n), '250ms');
    assert.equal(formatDuration(1_500_000_000n), '1.5s');
    assert.equal(formatDuration(90_000_000_000n), '1m30s');
    assert.equal(formatDuration(3_600_000_000_000n), '1h0m0s');
    assert.equal(formatDuration(-3_723_000_000_000n), '-1h2m3s');
  });

  it('IntOrString, Quantity, negative numbers and packed repeated numbers', () => {
    // ServicePort: targetPort as a zero IntOrString (Go always writes it), then as a string
    assert.deepEqual(decodeMessage(new Uint8Array([...varintField(3, 80), ...msg(4)]), 'ServicePort').value, { port: 80, targetPort: 0 });
    assert.deepEqual(decodeMessage(new Uint8Array([...varintField(3, 80), ...msg(4, varintField(1, 1), str(3, 'http'))]), 'ServicePort').value, { port: 80, targetPort: 'http' });
    // ResourceFieldSelector: a zero Quantity prints as "0"
    assert.deepEqual(decodeMessage(new Uint8Array([...str(2, 'limits.cpu'), ...msg(3)]), 'ResourceFieldSelector').value, { resource: 'limits.cpu', divisor: '0' });
    // PodSpec.priority int32 and terminationGracePeriodSeconds int64, negative (10-byte varints)
    assert.deepEqual(decodeMessage(new Uint8Array([...varintField(25, -7), ...varintField(4, -1)]), 'PodSpec').value, { priority: -7, terminationGracePeriodSeconds: -1 });
    // PodSecurityContext.supplementalGroups packed, then unpacked
    const packed = bytesField(4, [...varint(1), ...varint(300), ...varint(70000)]);
    assert.deepEqual(decodeMessage(new Uint8Array([...packed, ...varintField(4, 2)]), 'PodSecurityContext').value, { supplementalGroups: [1, 300, 70000, 2] });
  });

  it('keeps present pointer zeros and non-omitempty zeros, drops omitempty zeros', () => {
    // DeploymentSpec: replicas *int32 = 0 kept; minReadySeconds int32 = 0 dropped; paused bool = false dropped
    assert.deepEqual(decodeMessage(new Uint8Array([...varintField(1, 0), ...varintField(5, 0), ...varintField(7, 0)]), 'DeploymentSpec').value, { replicas: 0 });
    // ConfigMapKeySelector: the inline LocalObjectReference, key (no omitempty) and optional *bool = false
    assert.deepEqual(decodeMessage(new Uint8Array([...msg(1, str(1, '')), ...str(2, ''), ...varintField(3, 0)]), 'ConfigMapKeySelector').value, { key: '', optional: false });
    // Container: name has no omitempty, image has
    assert.deepEqual(decodeMessage(new Uint8Array([...str(1, ''), ...str(2, '')]), 'Container').value, { name: '' });
  });

  it('merges a message field seen twice and lets the last scalar win', () => {
    const podTemplate = [...msg(1, str(1, 'a')), ...msg(1, str(3, 'ns'))];
    assert.deepEqual(decodeMessage(new Uint8Array(podTemplate), 'PodTemplateSpec').value, { metadata: { name: 'a', namespace: 'ns' } });
    assert.deepEqual(decodeMessage(new Uint8Array([...varintField(4, 1), ...varintField(4, 3)]), 'ReplicaSetSpec').value, { minReadySeconds: 3 });
  });

  it('rejects invalid UTF-8 and an embedded object that is not JSON', () => {
    assert.throws(() => decodeMessage(new Uint8Array(bytesField(1, [0xff, 0xfe])), 'ObjectMeta'), /not valid UTF-8/);
    const entry = msg(17, msg(7, str(1, 'not json')));
    assert.throws(() => decodeMessage(new Uint8Array(entry), 'ObjectMeta'), /not JSON/);
  });
});

describe('decodeKubernetesProtobuf: fields the descriptors do not know', () => {
  const configMap = (extra: Bytes[], metaExtra: Bytes[] = []) => envelope('v1', 'ConfigMap', [msg(1, str(1, 'cm'), ...metaExtra), msg(2, str(1, 'a'), str(2, 'b')), ...extra]);

  it('skips unknown fields that hold zero values, of every wire type', () => {
    const zeros: Bytes[] = [varintField(90, 0), [...varint(91 * 8 + 1), 0, 0, 0, 0, 0, 0, 0, 0], [...varint(92 * 8 + 5), 0, 0, 0, 0], str(93, ''), msg(94, varintField(1, 0), str(2, ''), msg(3))];
    const body = configMap(zeros, zeros);
    assert.deepEqual(inspectKubernetesProtobuf(body), { object: { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' }, data: { a: 'b' } }, unknownFields: [] });
    assert.deepEqual(decodeKubernetesProtobuf(body), { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' }, data: { a: 'b' } });
  });

  it('ignores extra fields of the envelope', () => {
    const extra: Bytes[] = [varintField(90, 123456789012), str(93, 'ignored')];
    assert.deepEqual(decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [msg(1, str(1, 'cm'))], extra)), {
      kind: 'ConfigMap',
      apiVersion: 'v1',
      metadata: { name: 'cm' },
    });
  });

  it('lists unknown fields that carry data, with their paths, and refuses the body', () => {
    const container = msg(2, str(1, 'c'), varintField(99, 1));
    const body = envelope('apps/v1', 'Deployment', [msg(1, str(1, 'web'), str(40, 'x')), msg(2, msg(3, msg(2, container))), [...varint(77 * 8 + 5), 1, 0, 0, 0]]);
    const { object, unknownFields } = inspectKubernetesProtobuf(body);
    assert.deepEqual(unknownFields, ['metadata field 40', 'spec.template.spec.containers[0] field 99', 'Deployment field 77']);
    assert.deepEqual(object.spec.template.spec.containers, [{ name: 'c' }]);
    assert.throws(
      () => decodeKubernetesProtobuf(body),
      (error: Error) => {
        assert.ok(error instanceof ProtobufDecodeError);
        assert.match(error.message, /apps\/v1 Deployment sets fields the sandbox cannot decode/);
        assert.match(error.message, /spec\.template\.spec\.containers\[0\] field 99/);
        return true;
      },
    );
  });

  it('counts a non-empty string or nested data in an unknown field as data', () => {
    assert.deepEqual(inspectKubernetesProtobuf(configMap([str(95, 'x')])).unknownFields, ['ConfigMap field 95']);
    assert.deepEqual(inspectKubernetesProtobuf(configMap([msg(95, msg(1, varintField(2, 7)))])).unknownFields, ['ConfigMap field 95']);
    assert.deepEqual(inspectKubernetesProtobuf(configMap([msg(2, str(1, 'k'), str(2, 'v'), str(3, 'extra'))])).unknownFields, ['data entry field 3']);
  });
});

describe('decodeKubernetesProtobuf: malformed bodies', () => {
  it('rejects bodies without the magic prefix', () => {
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from('{"kind":"SelfSubjectAccessReview"}')), ProtobufDecodeError);
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38])), /magic/);
  });

  it('rejects other kinds with a clear message', () => {
    const body = envelope('apps/v1', 'StatefulSet', [msg(1, str(1, 'x'))]);
    assert.throws(() => decodeKubernetesProtobuf(body), (error: Error) => {
      assert.ok(error instanceof ProtobufDecodeError);
      assert.match(error.message, /apps\/v1 StatefulSet/);
      assert.match(error.message, /apps\/v1 Deployment, ReplicaSet/);
      assert.match(error.message, /send JSON instead/);
      return true;
    });
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00])), /without a kind/);
  });

  it('rejects a body cut off right after typeMeta (well-formed, but without the object)', () => {
    const typeMetaOnly = Buffer.from([0x6b, 0x38, 0x73, 0x00, ...msg(1, str(1, 'authorization.k8s.io/v1'), str(2, 'SelfSubjectAccessReview'))]);
    assert.throws(() => decodeKubernetesProtobuf(typeMetaOnly), /carries no object/);
  });

  it('rejects wrong wire types, bad varints and field number 0', () => {
    // typeMeta sent as a varint
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, ...varintField(1, 5)])), /wire type/);
    // an 11-byte varint
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, ...new Array(11).fill(0xff)])), /varint/);
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 0x00, 0x00])), /field number 0/);
    // a group (wire type 3)
    assert.throws(() => decodeKubernetesProtobuf(Buffer.from([0x6b, 0x38, 0x73, 0x00, 7 * 8 + 3])), /wire type 3/);
    // a known string field sent as a varint, a known int field sent as a string
    assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', [msg(1, varintField(1, 5))])), /metadata\.name has wire type 0/);
    assert.throws(() => decodeKubernetesProtobuf(envelope('apps/v1', 'Deployment', [msg(2, str(1, 'three'))])), /spec\.replicas has wire type 2/);
  });

  it('rejects an encoded or non-protobuf inner content type', () => {
    const raw = [msg(1, str(1, 'cm'))];
    assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw, [str(3, 'gzip')])), /contentEncoding/);
    assert.throws(() => decodeKubernetesProtobuf(envelope('v1', 'ConfigMap', raw, [str(4, 'application/json')])), /contentType/);
  });
});

describe('decodeBody with protobuf', () => {
  const protobuf = 'application/vnd.kubernetes.protobuf';

  it('decodes protobuf where it is allowed and answers 415 where it is not', () => {
    const body = kubectlBody('create configmap cm --from-literal=a=b');
    assert.deepEqual(decodeBody(body, protobuf, OBJECT_BODY_TYPES), { kind: 'ConfigMap', apiVersion: 'v1', metadata: { name: 'cm' }, data: { a: 'b' } });
    assert.throws(
      () => decodeBody(body, protobuf),
      (error: unknown) => error instanceof ApiError && error.code === 415,
    );
  });

  it('answers 400 naming a field it cannot decode', () => {
    const body = envelope('v1', 'ConfigMap', [msg(1, str(1, 'cm')), str(42, 'x')]);
    assert.throws(
      () => decodeBody(body, protobuf, OBJECT_BODY_TYPES),
      (error: unknown) => error instanceof ApiError && error.code === 400 && error.reason === 'BadRequest' && /ConfigMap field 42/.test(error.message),
    );
  });
});
