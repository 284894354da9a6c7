// metrics.k8s.io values: the simulated kubelets report usage here, and the API server serves it.

import type { KubeObject } from '../../domain/object.ts';
import type { MetricsSource } from '../apiserver/server.ts';

export interface ContainerUsage {
  name: string;
  cpu: string;
  memory: string;
}

export class MetricsBoard implements MetricsSource {
  private readonly nodeUsage = new Map<string, { cpu: string; memory: string; timestamp: string }>();
  private readonly podUsage = new Map<string, { namespace: string; name: string; labels?: Record<string, string>; containers: ContainerUsage[]; timestamp: string }>();

  setNode(name: string, cpu: string, memory: string, timestamp: Date): void {
    this.nodeUsage.set(name, { cpu, memory, timestamp: timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }

  removeNode(name: string): void {
    this.nodeUsage.delete(name);
  }

  setPod(namespace: string, name: string, labels: Record<string, string> | undefined, containers: ContainerUsage[], timestamp: Date): void {
    this.podUsage.set(`${namespace}/${name}`, { namespace, name, labels, containers, timestamp: timestamp.toISOString().replace(/\.\d{3}Z$/, 'Z') });
  }

  removePod(namespace: string, name: string): void {
    this.podUsage.delete(`${namespace}/${name}`);
  }

  nodes(): KubeObject[] {
    return [...this.nodeUsage].map(([name, usage]) => ({
      kind: 'NodeMetrics',
      apiVersion: 'metrics.k8s.io/v1beta1',
      metadata: { name, creationTimestamp: usage.timestamp },
      timestamp: usage.timestamp,
      window: '10s',
      usage: { cpu: usage.cpu, memory: usage.memory },
    }));
  }

  pods(namespace: string): KubeObject[] {
    const items: KubeObject[] = [];
    for (const usage of this.podUsage.values()) {
      if (namespace && usage.namespace !== namespace) continue;
      items.push({
        kind: 'PodMetrics',
        apiVersion: 'metrics.k8s.io/v1beta1',
        metadata: { name: usage.name, namespace: usage.namespace, labels: usage.labels, creationTimestamp: usage.timestamp },
        timestamp: usage.timestamp,
        window: '10s',
        containers: usage.containers.map((c) => ({ name: c.name, usage: { cpu: c.cpu, memory: c.memory } })),
      });
    }
    return items;
  }
}
