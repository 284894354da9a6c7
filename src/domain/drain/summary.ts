// A drain plan as rows and totals, for any renderer (table, wide, json) to print.

import type { DrainPlan, PlanAction, PlannedPod } from './plan.ts';

export interface PlanRow {
  pod: string;
  namespace: string;
  action: PlanAction;
  /** the action in words: "evict", "delete", "skip (DaemonSet)", "blocked" */
  actionText: string;
  from: string;
  /** the replacement's node, "Pending: <why>", or "" when nothing replaces the pod */
  to: string;
  /** reason, warnings, budget and risks, shortest first */
  notes: string[];
}

export interface PlanTotals {
  pods: number;
  evict: number;
  delete: number;
  skip: number;
  blocked: number;
  placed: number;
  pending: number;
  risks: number;
  budgetsBlocking: number;
  budgetsWaiting: number;
}

export interface PlanSummary {
  verdict: DrainPlan['verdict'];
  rows: PlanRow[];
  totals: PlanTotals;
  /** one line per reason the plan is unsafe */
  problems: string[];
}

const SKIP_TEXT: Partial<Record<PlannedPod['kind'], string>> = {
  daemonset: 'skip (DaemonSet)',
  mirror: 'skip (mirror)',
  'deleted-long-ago': 'skip (deleted long ago)',
};

function actionText(pod: PlannedPod): string {
  if (pod.action === 'skip') return SKIP_TEXT[pod.kind] ?? 'skip';
  if ((pod.action === 'evict' || pod.action === 'delete') && pod.kind === 'finished') return `${pod.action} (finished)`;
  return pod.action;
}

function target(pod: PlannedPod): string {
  if (pod.replacement === 'placed') return pod.to ?? '';
  if (pod.replacement === 'pending') return `Pending: ${pod.pending ?? ''}`;
  return '';
}

function notes(pod: PlannedPod): string[] {
  const list: string[] = [];
  if (pod.action === 'blocked' && pod.reason) list.push(pod.reason);
  if (pod.warning) list.push(`warning: ${pod.warning}`);
  if (pod.waitsForBudget && pod.budget) list.push(`waits for PDB ${pod.budget}`);
  else if (pod.budget && pod.action !== 'blocked') list.push(`PDB ${pod.budget}`);
  for (const risk of pod.risks) list.push(risk.message);
  return list;
}

export function planSummary(plan: DrainPlan): PlanSummary {
  const rows = plan.pods.map(
    (pod): PlanRow => ({ pod: pod.name, namespace: pod.namespace, action: pod.action, actionText: actionText(pod), from: pod.node, to: target(pod), notes: notes(pod) }),
  );
  const count = (action: PlanAction) => plan.pods.filter((pod) => pod.action === action).length;
  const totals: PlanTotals = {
    pods: plan.pods.length,
    evict: count('evict'),
    delete: count('delete'),
    skip: count('skip'),
    blocked: count('blocked'),
    placed: plan.pods.filter((pod) => pod.replacement === 'placed').length,
    pending: plan.pending.length,
    risks: plan.risks.length,
    budgetsBlocking: plan.budgets.filter((b) => b.verdict === 'blocks').length,
    budgetsWaiting: plan.budgets.filter((b) => b.verdict === 'waits').length,
  };
  const problems = [
    ...plan.blocking.map((b) => `${b.ref}: ${b.reason}`),
    ...plan.pending.map((p) => `${p.ref} stays Pending: ${p.reason}`),
  ];
  return { verdict: plan.verdict, rows, totals, problems };
}
