// What the service registry allocates on write, as a real API server does: a cluster IP from the service
// CIDR (10.96.0.0/12, kubeadm's default) and node ports from 30000-32767. Allocations are derived from
// the stored services, so deleting a service frees its addresses and a restored data dir needs no state.

import { randomInt } from 'node:crypto';
import type { KubeObject } from '../../domain/object.ts';
import type { FieldProblem } from './validate.ts';

const CIDR_BASE = ipToNumber('10.96.0.0');
const CIDR_SIZE = 1 << 20; // a /12
/** Upstream keeps the start of the range for static (user-chosen) addresses and allocates above it first. */
const STATIC_IPS = 256;
const NODE_PORT_MIN = 30000;
const NODE_PORT_MAX = 32767;
const STATIC_NODE_PORTS = 86;

function ipToNumber(ip: string): number {
  return ip.split('.').reduce((n, octet) => n * 256 + Number(octet), 0);
}

function numberToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function isIPv4(ip: string): boolean {
  return /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.test(ip) && ip.split('.').every((octet) => Number(octet) <= 255);
}

function inServiceCidr(ip: string): boolean {
  const n = ipToNumber(ip);
  return n > CIDR_BASE && n < CIDR_BASE + CIDR_SIZE - 1;
}

function needsClusterIP(service: KubeObject): boolean {
  return (service.spec?.type ?? 'ClusterIP') !== 'ExternalName' && service.spec?.clusterIP !== 'None';
}

function needsNodePorts(service: KubeObject): boolean {
  return ['NodePort', 'LoadBalancer'].includes(service.spec?.type);
}

/** Picks a free value, preferring the dynamic band above the static one, as upstream's allocators do. */
function pick(min: number, max: number, staticBand: number, used: Set<number>): number | undefined {
  for (const [lo, hi] of [[min + staticBand, max], [min, min + staticBand - 1]]) {
    if (hi < lo) continue;
    const start = randomInt(lo, hi + 1);
    for (let i = 0; i <= hi - lo; i++) {
      const candidate = lo + ((start - lo + i) % (hi - lo + 1));
      if (!used.has(candidate)) return candidate;
    }
  }
  return undefined;
}

/**
 * On update, the values allocated before are kept when the new object leaves them out (as upstream's
 * patchAllocatedValues), so `kubectl replace -f` with a manifest that has no clusterIP works.
 */
export function keepAllocatedValues(current: KubeObject, next: KubeObject): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (needsClusterIP(current) && needsClusterIP(next)) {
    next.spec ??= {};
    if (!next.spec.clusterIP && current.spec?.clusterIP) next.spec.clusterIP = current.spec.clusterIP;
    if (!(next.spec.clusterIPs?.length > 0) && current.spec?.clusterIPs?.length > 0) next.spec.clusterIPs = current.spec.clusterIPs;
    if (current.spec?.clusterIP && next.spec.clusterIP !== current.spec.clusterIP) {
      problems.push({ field: 'spec.clusterIPs[0]', message: `Invalid value: []string{"${next.spec.clusterIP}"}: may not change once set` });
    }
  }
  if (needsNodePorts(current) && needsNodePorts(next)) {
    const ports = (svc: KubeObject): any[] => (Array.isArray(svc.spec?.ports) ? svc.spec.ports : []);
    const usedByNew = new Set(ports(next).map((p) => p?.nodePort).filter(Boolean));
    const byName = new Map(ports(current).map((p) => [p?.name ?? '', p?.nodePort]));
    for (const port of ports(next)) {
      const previous = byName.get(port?.name ?? '');
      if (port && !port.nodePort && previous && !usedByNew.has(previous)) port.nodePort = previous;
    }
  }
  return problems;
}

/**
 * Fills in spec.clusterIP(s) and node ports that are still unset, checking the ones the user chose against
 * the range and the other services. `others` are every other stored service.
 */
export function allocateServiceAddresses(service: KubeObject, others: KubeObject[]): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const spec = (service.spec ??= {});
  if ((spec.type ?? 'ClusterIP') === 'ExternalName') return problems;
  if (spec.clusterIP === 'None') {
    spec.clusterIPs ??= ['None'];
  } else {
    const usedIps = new Set(others.map((o) => o.spec?.clusterIP).filter((ip) => typeof ip === 'string' && isIPv4(ip)).map(ipToNumber));
    let ip: string | undefined = spec.clusterIP || spec.clusterIPs?.[0];
    if (!ip) {
      const n = pick(CIDR_BASE + 1, CIDR_BASE + CIDR_SIZE - 2, STATIC_IPS, usedIps);
      if (n === undefined) {
        problems.push({ field: 'spec.clusterIPs', message: 'Internal error: failed to allocate a serviceIP: range is full' });
        return problems;
      }
      ip = numberToIp(n);
    } else if (!isIPv4(ip) || !inServiceCidr(ip)) {
      problems.push({ field: 'spec.clusterIPs', message: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: the provided IP (${ip}) is not in the valid range. The range of valid IPs is 10.96.0.0/12` });
    } else if (usedIps.has(ipToNumber(ip))) {
      problems.push({ field: 'spec.clusterIPs', message: `Invalid value: []string{"${ip}"}: failed to allocate IP ${ip}: provided IP is already allocated` });
    }
    spec.clusterIP = ip;
    if (!(spec.clusterIPs?.length > 0)) spec.clusterIPs = [ip];
  }
  if (needsNodePorts(service) && Array.isArray(spec.ports)) {
    const usedPorts = new Set<number>();
    for (const other of others) for (const port of other.spec?.ports ?? []) if (port?.nodePort) usedPorts.add(port.nodePort);
    spec.ports.forEach((port: any, i: number) => {
      if (!port) return;
      if (port.nodePort) {
        if (!Number.isInteger(port.nodePort) || port.nodePort < NODE_PORT_MIN || port.nodePort > NODE_PORT_MAX) {
          problems.push({ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${JSON.stringify(port.nodePort)}: provided port is not in the valid range. The range of valid ports is ${NODE_PORT_MIN}-${NODE_PORT_MAX}` });
        } else if (usedPorts.has(port.nodePort)) {
          problems.push({ field: `spec.ports[${i}].nodePort`, message: `Invalid value: ${port.nodePort}: provided port is already allocated` });
        }
        usedPorts.add(port.nodePort);
        return;
      }
      const allocated = pick(NODE_PORT_MIN, NODE_PORT_MAX, STATIC_NODE_PORTS, usedPorts);
      if (allocated === undefined) {
        problems.push({ field: `spec.ports[${i}].nodePort`, message: 'Internal error: failed to allocate a nodePort: range is full' });
        return;
      }
      port.nodePort = allocated;
      usedPorts.add(allocated);
    });
  }
  return problems;
}
