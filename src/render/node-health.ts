// Node health for the operator: kubectl-style columns (ls: inventory; health: checks) with problems in red
// on a terminal and named in a PROBLEMS column and list in plain output; json/yaml as a structured report.

import type { NodeHealthReport, ResourceUse } from '../domain/nodes/health.ts';
import type { Colours } from './colour.ts';
import { humanDuration } from './duration.ts';
import { toJson, toYaml } from './output.ts';
import { formatTable } from './table.ts';

export interface HealthView {
  reports: NodeHealthReport[];
  serverVersion?: string;
  observedAt: Date;
  clock: 'server' | 'local';
  heartbeatsAheadSeconds: number;
  healthy: boolean;
}

const NONE = '<none>';

function has(report: NodeHealthReport, ...types: string[]): boolean {
  return report.problems.some((p) => types.includes(p.type));
}

function statusCell(report: NodeHealthReport, c: Colours): string {
  const state = report.status === 'Ready' ? report.status : c.red(report.status);
  return report.cordoned ? `${state},${c.yellow('SchedulingDisabled')}` : state;
}

function skewCell(report: NodeHealthReport, c: Colours): string {
  const behind = report.skew.minorsBehind;
  const text = behind === undefined ? '?' : behind === 0 ? '=' : behind > 0 ? `-${behind}` : `+${-behind}`;
  return report.skew.supported ? text : c.red(text);
}

function leaseCell(report: NodeHealthReport, c: Colours): string {
  const age = report.heartbeat.leaseAgeSeconds;
  const text = age === undefined ? NONE : humanDuration(age);
  return has(report, 'StaleLease', 'NoLease') ? c.red(text) : text;
}

function problemsCell(report: NodeHealthReport, c: Colours): string {
  return report.problems.length === 0 ? NONE : c.red([...new Set(report.problems.map((p) => p.type))].join(','));
}

function percent(use: ResourceUse): string {
  return use.requestedPercent === undefined ? '-' : `${use.requestedPercent}%`;
}

export function formatMilliCpu(milli: number): string {
  return milli % 1000 === 0 ? String(milli / 1000) : `${milli}m`;
}

export function formatBytes(bytes: number): string {
  const units: Array<[string, number]> = [['Ti', 2 ** 40], ['Gi', 2 ** 30], ['Mi', 2 ** 20], ['Ki', 2 ** 10]];
  for (const [unit, size] of units) {
    if (bytes >= size) return `${Number((bytes / size).toFixed(1))}${unit}`;
  }
  return String(bytes);
}

function cpuCell(report: NodeHealthReport, wide: boolean): string {
  const cpu = report.resources.cpu;
  return wide ? `${formatMilliCpu(cpu.requested)}/${formatMilliCpu(cpu.allocatable)} (${percent(cpu)})` : percent(cpu);
}

function memoryCell(report: NodeHealthReport, wide: boolean): string {
  const memory = report.resources.memory;
  return wide ? `${formatBytes(memory.requested)}/${formatBytes(memory.allocatable)} (${percent(memory)})` : percent(memory);
}

function podsCell(report: NodeHealthReport): string {
  return `${report.podCount}/${report.resources.pods.allocatable}`;
}

/** Conditions other than Ready that are not False (pressure True, or Unknown once the kubelet is gone). */
function conditionsCell(report: NodeHealthReport, c: Colours): string {
  const off = report.conditions.filter((cond) => cond.type !== 'Ready' && cond.status !== 'False');
  if (off.length === 0) return NONE;
  return off.map((cond) => (cond.status === 'True' ? c.red(`${cond.type}=True`) : `${cond.type}=${cond.status}`)).join(',');
}

function address(report: NodeHealthReport, type: string): string {
  return report.addresses.find((a) => a.type === type)?.address ?? NONE;
}

function taintsCell(report: NodeHealthReport): string {
  return report.taints.length === 0 ? NONE : report.taints.map((t) => `${t.key}${t.value ? `=${t.value}` : ''}:${t.effect}`).join(',');
}

function systemCells(report: NodeHealthReport): string[] {
  return [address(report, 'InternalIP'), address(report, 'ExternalIP'), report.system.osImage ?? NONE, report.system.kernelVersion ?? NONE, report.system.containerRuntimeVersion ?? NONE];
}

function ageCell(report: NodeHealthReport, now: Date): string {
  if (!report.creationTimestamp) return NONE;
  return humanDuration((now.getTime() - Date.parse(report.creationTimestamp)) / 1000);
}

/** A line for stderr when the heartbeats' clock and ours disagree (a sandbox on simulated time, a skewed client). */
export function clockNote(view: HealthView): string {
  if (view.heartbeatsAheadSeconds <= 5) return '';
  const whose = view.clock === 'server' ? "the API server's clock" : "this machine's clock";
  return `note: Lease renewals are up to ${humanDuration(view.heartbeatsAheadSeconds)} ahead of ${whose}; heartbeat ages are measured from the newest renewal\n`;
}

/** `kmaint node ls`: what kubectl get nodes shows, with the Lease age, requests and problems. */
export function renderNodeList(view: HealthView, format: 'table' | 'wide', c: Colours): string {
  const wide = format === 'wide';
  const headers = ['NAME', 'STATUS', 'ROLES', 'AGE', 'VERSION', 'LEASE', 'CPU', 'MEMORY', 'PODS', 'PROBLEMS', ...(wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME', 'TAINTS'] : [])];
  const rows = view.reports.map((r) => [
    r.name,
    statusCell(r, c),
    r.roles.join(',') || NONE,
    ageCell(r, view.observedAt),
    r.kubeletVersion || NONE,
    leaseCell(r, c),
    cpuCell(r, wide),
    memoryCell(r, wide),
    podsCell(r),
    problemsCell(r, c),
    ...(wide ? [...systemCells(r), taintsCell(r)] : []),
  ]);
  return formatTable(headers, rows);
}

/** `kmaint node health`: the checks per node, then every problem on a line of its own. */
export function renderNodeHealth(view: HealthView, format: 'table' | 'wide', c: Colours): string {
  const wide = format === 'wide';
  const headers = ['NAME', 'STATUS', 'ROLES', 'VERSION', 'SKEW', 'LEASE', 'STATUS-HEARTBEAT', 'CONDITIONS', 'CPU', 'MEMORY', 'PODS', 'PROBLEMS', ...(wide ? ['INTERNAL-IP', 'EXTERNAL-IP', 'OS-IMAGE', 'KERNEL-VERSION', 'CONTAINER-RUNTIME', 'TAINTS'] : [])];
  const rows = view.reports.map((r) => [
    r.name,
    statusCell(r, c),
    r.roles.join(',') || NONE,
    r.kubeletVersion || NONE,
    skewCell(r, c),
    leaseCell(r, c),
    r.heartbeat.statusAgeSeconds === undefined ? NONE : humanDuration(r.heartbeat.statusAgeSeconds),
    conditionsCell(r, c),
    cpuCell(r, wide),
    memoryCell(r, wide),
    podsCell(r),
    problemsCell(r, c),
    ...(wide ? [...systemCells(r), taintsCell(r)] : []),
  ]);
  let out = formatTable(headers, rows);
  const problems = view.reports.flatMap((r) => r.problems.map((p) => [r.name, c.red(p.type), p.message]));
  const server = view.serverVersion ? ` (API server ${view.serverVersion})` : '';
  if (problems.length === 0) {
    out += `\n${view.reports.length === 1 ? 'the node is' : `all ${view.reports.length} nodes are`} healthy${server}\n`;
  } else {
    const sick = view.reports.filter((r) => !r.healthy).length;
    out += `\n${sick} of ${view.reports.length} node${view.reports.length === 1 ? ' has' : 's have'} problems${server}:\n`;
    out += formatTable(['node', 'problem', 'detail'], problems).replace(/^/gm, '  ').replace(/^ {2}$/gm, '');
  }
  return out;
}

/** json/yaml: one structured report per node, in a list that says when and against which clock it was taken. */
export function nodeHealthDocument(view: HealthView): object {
  return {
    apiVersion: 'kmaint.io/v1alpha1',
    kind: 'NodeHealthList',
    observedAt: view.observedAt.toISOString(),
    clock: view.clock,
    ...(view.heartbeatsAheadSeconds > 0 ? { heartbeatsAheadSeconds: view.heartbeatsAheadSeconds } : {}),
    ...(view.serverVersion ? { serverVersion: view.serverVersion } : {}),
    healthy: view.healthy,
    items: view.reports.map((report) => ({ kind: 'NodeHealth', ...report })),
  };
}

export function renderNodeHealthDocument(view: HealthView, format: 'json' | 'yaml'): string {
  const document = nodeHealthDocument(view);
  return format === 'json' ? toJson(document) : toYaml(document);
}
