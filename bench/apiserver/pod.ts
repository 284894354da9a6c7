// A realistic pod of about 2 KB as a controller would create it: labels, annotations, two containers with
// resources, env and volume mounts, probes and volumes. Shared by the in-process loader and the HTTP clients.

export interface BenchPodOptions {
  namespace: string;
  name: string;
  /** a bound pod (spec.nodeName set), as most pods of a running cluster are */
  nodeName?: string;
  annotations?: Record<string, string>;
}

export function benchPod(options: BenchPodOptions): Record<string, any> {
  const app = `web-${options.name.length % 7}`;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: options.name,
      namespace: options.namespace,
      labels: {
        app,
        tier: 'frontend',
        release: 'stable',
        'pod-template-hash': '7d9f8b6c5d',
        'app.kubernetes.io/name': app,
        'app.kubernetes.io/instance': `${app}-prod`,
        'app.kubernetes.io/version': '1.24.3',
      },
      annotations: { 'prometheus.io/scrape': 'true', 'prometheus.io/port': '9102', ...options.annotations },
    },
    spec: {
      ...(options.nodeName ? { nodeName: options.nodeName } : {}),
      containers: [
        {
          name: 'app',
          image: 'registry.example.com/team/web:1.24.3',
          args: ['--config=/etc/web/config.yaml', '--log-level=info'],
          ports: [{ name: 'http', containerPort: 8080 }, { name: 'metrics', containerPort: 9102 }],
          env: [
            { name: 'APP_ENV', value: 'production' },
            { name: 'APP_REGION', value: 'eu-west-1' },
            { name: 'CACHE_DIR', value: '/var/cache/web' },
            { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
            { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
          ],
          resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
          volumeMounts: [
            { name: 'config', mountPath: '/etc/web', readOnly: true },
            { name: 'cache', mountPath: '/var/cache/web' },
          ],
          readinessProbe: { httpGet: { path: '/healthz', port: 8080 }, periodSeconds: 5 },
          livenessProbe: { httpGet: { path: '/livez', port: 8080 }, initialDelaySeconds: 10, periodSeconds: 10 },
        },
        {
          name: 'log-shipper',
          image: 'registry.example.com/infra/log-shipper:3.2.1',
          env: [
            { name: 'SHIP_TO', value: 'logs.example.com:5044' },
            { name: 'NODE_NAME', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
          ],
          resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } },
          volumeMounts: [{ name: 'logs', mountPath: '/var/log/web', readOnly: true }],
        },
      ],
      volumes: [
        { name: 'config', configMap: { name: 'web-config' } },
        { name: 'cache', emptyDir: {} },
        { name: 'logs', emptyDir: {} },
      ],
      nodeSelector: { 'kubernetes.io/os': 'linux' },
    },
  };
}
