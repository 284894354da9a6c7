// The real kubectl v1.35 generator commands against the sandbox. They send their objects as Kubernetes protobuf
// (and never retry a 415 as JSON), so each must be decoded into exactly the JSON that kubectl prints for the
// same command with --dry-run=client -o json, which is what a JSON client would have sent.

import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { kubectl } from './support/kubectl.ts';
import { testSandbox, type TestSandbox } from './support/sandbox.ts';
import { sandboxTls } from '../src/sandbox/tls.ts';

let sandbox: TestSandbox;
/** bodies the API server handed to create, by "Kind/name", after decoding */
const received = new Map<string, unknown>();

before(async () => {
  sandbox = await testSandbox({ apiOnly: true });
  const service = sandbox.service;
  const create = service.create.bind(service);
  service.create = (type, namespace, input, options) => {
    const object = input as { kind?: string; metadata?: { name?: string } };
    received.set(`${object.kind}/${object.metadata?.name}`, structuredClone(input));
    return create(type, namespace, input, options);
  };
});

after(async () => {
  await sandbox.cleanup();
});

async function run(args: string[]): Promise<string> {
  const result = await kubectl(sandbox.kubeconfig, args);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}

async function getJson(args: string[]): Promise<any> {
  return JSON.parse(await run(['get', ...args, '-o', 'json']));
}

/** Go prints a nil list without omitempty as null; to an API server that is the same as absent. */
function withoutNulls(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutNulls);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== null).map(([k, v]) => [k, withoutNulls(v)]));
  }
  return value;
}

/**
 * Runs a generator command for real and checks that it went out as protobuf and that the server decoded
 * exactly the object kubectl prints for --dry-run=client.
 */
async function generate(args: string[], key: string): Promise<void> {
  const separator = args.indexOf('--');
  const flags = separator < 0 ? args.length : separator;
  const expected = JSON.parse(await run([...args.slice(0, flags), '--dry-run=client', '-o', 'json', ...args.slice(flags)]));
  const result = await kubectl(sandbox.kubeconfig, ['-v=7', ...args]);
  assert.equal(result.code, 0, `kubectl ${args.join(' ')} failed: ${result.stderr.split('\n').filter((l) => /error/i.test(l)).join('\n')}`);
  assert.match(result.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/, `kubectl ${args.join(' ')} did not send protobuf`);
  assert.deepEqual(received.get(key), withoutNulls(expected), `decoded body of kubectl ${args.join(' ')}`);
}

describe('kubectl generator commands (protobuf bodies)', () => {
  it('create deployment', async () => {
    await generate(['create', 'deployment', 'web', '--image=nginx:1.27', '--replicas=3', '--port=80'], 'Deployment/web');
    const deployment = await getJson(['deployment', 'web']);
    assert.equal(deployment.spec.replicas, 3);
    assert.deepEqual(deployment.spec.selector, { matchLabels: { app: 'web' } });
    assert.equal(deployment.spec.template.spec.containers[0].image, 'nginx:1.27');
    assert.equal(deployment.spec.template.spec.containers[0].ports[0].containerPort, 80);
  });

  it('create deployment with zero replicas and a command keeps the explicit zero', async () => {
    await generate(['create', 'deployment', 'idle', '--image=busybox:1.36', '--replicas=0', '--', 'sleep', '3600'], 'Deployment/idle');
    const deployment = await getJson(['deployment', 'idle']);
    assert.equal(deployment.spec.replicas, 0);
    assert.deepEqual(deployment.spec.template.spec.containers[0].command, ['sleep', '3600']);
  });

  it('create configmap', async () => {
    await generate(['create', 'configmap', 'settings', '--from-literal=mode=fast', '--from-literal=level=3', '--from-literal=empty='], 'ConfigMap/settings');
    const configMap = await getJson(['configmap', 'settings']);
    assert.deepEqual(configMap.data, { mode: 'fast', level: '3', empty: '' });
  });

  it('create secret generic', async () => {
    await generate(['create', 'secret', 'generic', 'creds', '--from-literal=user=admin', '--from-literal=pass=s3cr3t'], 'Secret/creds');
    const secret = await getJson(['secret', 'creds']);
    assert.equal(secret.type, 'Opaque');
    assert.deepEqual(secret.data, { user: Buffer.from('admin').toString('base64'), pass: Buffer.from('s3cr3t').toString('base64') });
  });

  it('create secret docker-registry', async () => {
    await generate(
      ['create', 'secret', 'docker-registry', 'regcred', '--docker-server=reg.example.com', '--docker-username=u', '--docker-password=p', '--docker-email=u@example.com'],
      'Secret/regcred',
    );
    const secret = await getJson(['secret', 'regcred']);
    assert.equal(secret.type, 'kubernetes.io/dockerconfigjson');
    const config = JSON.parse(Buffer.from(secret.data['.dockerconfigjson'], 'base64').toString());
    assert.equal(config.auths['reg.example.com'].username, 'u');
  });

  it('create secret tls', async () => {
    const tls = sandboxTls();
    const cert = join(sandbox.dir, 'tls.crt');
    const key = join(sandbox.dir, 'tls.key');
    writeFileSync(cert, tls.cert);
    writeFileSync(key, tls.key);
    await generate(['create', 'secret', 'tls', 'tls-cert', `--cert=${cert}`, `--key=${key}`], 'Secret/tls-cert');
    const secret = await getJson(['secret', 'tls-cert']);
    assert.equal(secret.type, 'kubernetes.io/tls');
    assert.equal(Buffer.from(secret.data['tls.crt'], 'base64').toString(), tls.cert);
  });

  it('create service clusterip, nodeport, loadbalancer and externalname', async () => {
    await generate(['create', 'service', 'clusterip', 'api', '--tcp=80:8080', '--tcp=443:8443'], 'Service/api');
    const service = await getJson(['service', 'api']);
    assert.equal(service.spec.type, 'ClusterIP');
    assert.deepEqual(
      service.spec.ports.map((p: any) => [p.name, p.port, p.targetPort, p.protocol]),
      [
        ['80-8080', 80, 8080, 'TCP'],
        ['443-8443', 443, 8443, 'TCP'],
      ],
    );
    await generate(['create', 'service', 'clusterip', 'headless', '--clusterip=None'], 'Service/headless');
    assert.equal((await getJson(['service', 'headless'])).spec.clusterIP, 'None');
    await generate(['create', 'service', 'nodeport', 'np', '--tcp=80:8080', '--node-port=30080'], 'Service/np');
    assert.equal((await getJson(['service', 'np'])).spec.ports[0].nodePort, 30080);
    await generate(['create', 'service', 'loadbalancer', 'lb', '--tcp=80:8080'], 'Service/lb');
    assert.equal((await getJson(['service', 'lb'])).spec.type, 'LoadBalancer');
    await generate(['create', 'service', 'externalname', 'ext', '--external-name=db.example.com'], 'Service/ext');
    assert.equal((await getJson(['service', 'ext'])).spec.externalName, 'db.example.com');
  });

  it('create job and cronjob, and a job from the cronjob', async () => {
    await generate(['create', 'job', 'hello', '--image=busybox:1.36', '--', 'echo', 'hi'], 'Job/hello');
    const job = await getJson(['job', 'hello']);
    assert.equal(job.spec.template.spec.restartPolicy, 'Never');
    assert.deepEqual(job.spec.template.spec.containers[0].command, ['echo', 'hi']);

    await generate(['create', 'cronjob', 'tick', '--image=busybox:1.36', '--schedule=*/5 * * * *', '--restart=OnFailure', '--', 'date'], 'CronJob/tick');
    const cronJob = await getJson(['cronjob', 'tick']);
    assert.equal(cronJob.spec.schedule, '*/5 * * * *');
    assert.equal(cronJob.spec.jobTemplate.spec.template.spec.restartPolicy, 'OnFailure');

    // carries an ownerReference and annotations: more of ObjectMeta
    await generate(['create', 'job', 'tick-now', '--from=cronjob/tick'], 'Job/tick-now');
    const fromCron = await getJson(['job', 'tick-now']);
    assert.equal(fromCron.metadata.ownerReferences[0].kind, 'CronJob');
    assert.equal(fromCron.metadata.ownerReferences[0].controller, true);
    assert.equal(fromCron.metadata.annotations['cronjob.kubernetes.io/instantiate'], 'manual');
  });

  it('create poddisruptionbudget with a number and with a percentage', async () => {
    await generate(['create', 'poddisruptionbudget', 'web-pdb', '--selector=app=web', '--min-available=2'], 'PodDisruptionBudget/web-pdb');
    const pdb = await getJson(['pdb', 'web-pdb']);
    assert.equal(pdb.spec.minAvailable, 2);
    assert.deepEqual(pdb.spec.selector, { matchLabels: { app: 'web' } });
    await generate(['create', 'pdb', 'api-pdb', '--selector=app=api', '--max-unavailable=25%'], 'PodDisruptionBudget/api-pdb');
    assert.equal((await getJson(['pdb', 'api-pdb'])).spec.maxUnavailable, '25%');
  });

  it('create quota', async () => {
    await generate(['create', 'quota', 'compute', '--hard=cpu=2,memory=1Gi,pods=10', '--scopes=NotBestEffort'], 'ResourceQuota/compute');
    const quota = await getJson(['resourcequota', 'compute']);
    assert.deepEqual(quota.spec.hard, { cpu: '2', memory: '1Gi', pods: '10' });
    assert.deepEqual(quota.spec.scopes, ['NotBestEffort']);
  });

  it('create namespace and serviceaccount', async () => {
    await generate(['create', 'namespace', 'team-a'], 'Namespace/team-a');
    assert.equal((await getJson(['namespace', 'team-a'])).metadata.name, 'team-a');
    await generate(['create', 'serviceaccount', 'robot', '-n', 'team-a'], 'ServiceAccount/robot');
    assert.equal((await getJson(['serviceaccount', 'robot', '-n', 'team-a'])).metadata.namespace, 'team-a');
  });

  it('create priorityclass', async () => {
    await generate(['create', 'priorityclass', 'high', '--value=1000', '--description=important work', '--preemption-policy=Never'], 'PriorityClass/high');
    const priorityClass = await getJson(['priorityclass', 'high']);
    assert.equal(priorityClass.value, 1000);
    assert.equal(priorityClass.description, 'important work');
    assert.equal(priorityClass.preemptionPolicy, 'Never');
  });

  it('create role, rolebinding, clusterrole and clusterrolebinding', async () => {
    await generate(['create', 'role', 'reader', '--verb=get,list', '--resource=pods,deployments.apps'], 'Role/reader');
    const role = await getJson(['role', 'reader']);
    assert.deepEqual(role.rules, [
      { verbs: ['get', 'list'], apiGroups: [''], resources: ['pods'] },
      { verbs: ['get', 'list'], apiGroups: ['apps'], resources: ['deployments'] },
    ]);
    await generate(['create', 'rolebinding', 'reader-binding', '--role=reader', '--user=alice', '--group=devs', '--serviceaccount=team-a:robot'], 'RoleBinding/reader-binding');
    const binding = await getJson(['rolebinding', 'reader-binding']);
    assert.deepEqual(binding.roleRef, { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'reader' });
    assert.deepEqual(
      binding.subjects.map((s: any) => `${s.kind}:${s.namespace ?? ''}:${s.name}`),
      ['User::alice', 'Group::devs', 'ServiceAccount:team-a:robot'],
    );
    await generate(['create', 'clusterrole', 'node-reader', '--verb=get,watch', '--resource=nodes', '--resource-name=n1'], 'ClusterRole/node-reader');
    assert.deepEqual((await getJson(['clusterrole', 'node-reader'])).rules[0].resourceNames, ['n1']);
    await generate(['create', 'clusterrole', 'health', '--verb=get', '--non-resource-url=/healthz'], 'ClusterRole/health');
    assert.deepEqual((await getJson(['clusterrole', 'health'])).rules[0].nonResourceURLs, ['/healthz']);
    await generate(['create', 'clusterrole', 'aggregate', '--aggregation-rule=rbac.example.com/aggregate-to-view=true'], 'ClusterRole/aggregate');
    assert.deepEqual((await getJson(['clusterrole', 'aggregate'])).aggregationRule.clusterRoleSelectors, [{ matchLabels: { 'rbac.example.com/aggregate-to-view': 'true' } }]);
    await generate(['create', 'clusterrolebinding', 'node-reader-binding', '--clusterrole=node-reader', '--user=bob'], 'ClusterRoleBinding/node-reader-binding');
    assert.equal((await getJson(['clusterrolebinding', 'node-reader-binding'])).roleRef.kind, 'ClusterRole');
  });

  it('create ingress', async () => {
    await generate(
      ['create', 'ingress', 'site', '--class=nginx', '--rule=foo.com/bar=web:80', '--rule=secure.com/*=web:https,tls=tls-cert', '--default-backend=web:80', '--annotation=team=web'],
      'Ingress/site',
    );
    const ingress = await getJson(['ingress', 'site']);
    assert.equal(ingress.spec.ingressClassName, 'nginx');
    assert.deepEqual(ingress.spec.rules[0], {
      host: 'foo.com',
      http: { paths: [{ path: '/bar', pathType: 'Exact', backend: { service: { name: 'web', port: { number: 80 } } } }] },
    });
    assert.equal(ingress.spec.rules[1].http.paths[0].pathType, 'Prefix');
    assert.deepEqual(ingress.spec.rules[1].http.paths[0].backend.service.port, { name: 'https' });
    assert.deepEqual(ingress.spec.tls, [{ hosts: ['secure.com'], secretName: 'tls-cert' }]);
    assert.deepEqual(ingress.spec.defaultBackend, { service: { name: 'web', port: { number: 80 } } });
    assert.equal(ingress.metadata.annotations.team, 'web');
  });

  it('autoscale a deployment (autoscaling/v2)', async () => {
    await generate(['autoscale', 'deployment', 'web', '--min=2', '--max=5', '--cpu=80%'], 'HorizontalPodAutoscaler/web');
    const hpa = await getJson(['hpa', 'web']);
    assert.equal(hpa.apiVersion, 'autoscaling/v2');
    assert.equal(hpa.spec.minReplicas, 2);
    assert.equal(hpa.spec.maxReplicas, 5);
    assert.deepEqual(hpa.spec.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'web' });
    assert.deepEqual(hpa.spec.metrics, [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 80 } } }]);
  });

  it('auth reconcile creates, then updates (PUT) with protobuf bodies that carry the full metadata', async () => {
    const manifest = (verbs: string, user: string) => `
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: default}
rules:
- {apiGroups: [""], resources: [pods], verbs: [${verbs}]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: pod-reader, namespace: default}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {kind: User, name: ${user}, apiGroup: rbac.authorization.k8s.io}
`;
    const first = join(sandbox.dir, 'rbac-1.yaml');
    const second = join(sandbox.dir, 'rbac-2.yaml');
    writeFileSync(first, manifest('get', 'alice'));
    writeFileSync(second, manifest('get, list', 'bob'));
    await run(['auth', 'reconcile', '-f', first]);
    const created = await getJson(['role', 'pod-reader']);
    const update = await kubectl(sandbox.kubeconfig, ['-v=7', 'auth', 'reconcile', '-f', second]);
    assert.equal(update.code, 0, update.stderr);
    assert.match(update.stderr, /verb="PUT"[^\n]*roles\/pod-reader[^\n]*\n(?:[^\n]*\n){0,6}?[^\n]*Content-Type: application\/vnd\.kubernetes\.protobuf/);
    const role = await getJson(['role', 'pod-reader']);
    // reconcile appends the missing permission as a rule of its own
    assert.deepEqual(role.rules, [
      { apiGroups: [''], resources: ['pods'], verbs: ['get'] },
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
    ]);
    assert.equal(role.metadata.uid, created.metadata.uid);
    assert.equal(role.metadata.creationTimestamp, created.metadata.creationTimestamp);
    const binding = await getJson(['rolebinding', 'pod-reader']);
    assert.deepEqual(binding.subjects.map((s: any) => s.name), ['alice', 'bob']);
  });

  it('expose and set send JSON, and work on the objects the generators made', async () => {
    const expose = await kubectl(sandbox.kubeconfig, ['-v=7', 'expose', 'deployment', 'web', '--port=8080', '--target-port=80', '--name=web-svc']);
    assert.equal(expose.code, 0, expose.stderr);
    assert.doesNotMatch(expose.stderr, /Content-Type: application\/vnd\.kubernetes\.protobuf/);
    assert.deepEqual((await getJson(['service', 'web-svc'])).spec.selector, { app: 'web' });
    await run(['set', 'image', 'deployment/web', 'nginx=nginx:1.28']);
    await run(['set', 'env', 'deployment/web', 'MODE=fast']);
    const container = (await getJson(['deployment', 'web'])).spec.template.spec.containers[0];
    assert.equal(container.image, 'nginx:1.28');
    assert.deepEqual(container.env, [{ name: 'MODE', value: 'fast' }]);
  });
});
