// A drain plan for the operator: per pod what happens and where its replacement lands, the budgets, what
// kubectl would refuse, and one verdict line; or the same as a json/yaml document.

import type { BudgetPlan, DrainPlan, PlannedPod } from '../domain/drain/plan.ts';
import { MULTIPLE_BUDGETS } from '../domain/drain/plan.ts';
import { planSummary } from '../domain/drain/summary.ts';
import type { Colours } from './colour.ts';
import { formatTable } from './table.ts';
import { toJson, toYaml } from './output.ts';

export const SAFE_VERDICT = 'safe: every pod fits elsewhere and no budget blocks';

/** Blocked by kubectl's filters (a bare pod without --force ...), not by a budget: kubectl refuses the node. */
function refused(pod: PlannedPod): boolean {
  return pod.action === 'blocked' && pod.budget === undefined && pod.reason !== MULTIPLE_BUDGETS;
}

function refusals(plan: DrainPlan): string[] {
  return plan.nodes.filter((node) => node.error).map((node) => `kubectl would refuse to drain ${node.name} and evict nothing there: error: ${node.error}`);
}

/** "safe: ..." or "unsafe: " and every reason: kubectl refusals, pods left Pending, blocking budgets. */
export function verdictLine(plan: DrainPlan): string {
  if (plan.verdict === 'safe') return SAFE_VERDICT;
  const reasons: string[] = [];
  for (const node of plan.nodes) {
    if (!node.found) reasons.push(`node ${node.name} not found`);
    else if (node.error) {
      const refs = plan.pods.filter((pod) => pod.node === node.name && refused(pod)).map((pod) => pod.ref);
      reasons.push(`kubectl would refuse ${node.name} (${refs.join(', ')})`);
    }
  }
  if (plan.pending.length > 0) reasons.push(`${plan.pending.length} pod(s) would stay Pending: ${plan.pending.map((p) => `${p.ref} (${p.reason})`).join(', ')}`);
  const blockingBudgets = plan.budgets.filter((budget) => budget.verdict === 'blocks');
  if (blockingBudgets.length > 0) reasons.push(`blocked by PodDisruptionBudget ${blockingBudgets.map((b) => `${b.ref} (${b.reason ?? ''})`).join(', ')}`);
  const other = plan.pods.filter((pod) => pod.action === 'blocked' && !refused(pod) && pod.budget === undefined);
  if (other.length > 0) reasons.push(`blocked: ${other.map((pod) => `${pod.ref} (${pod.reason ?? ''})`).join(', ')}`);
  return `unsafe: ${reasons.join('; ')}`;
}

function budgetLine(budget: BudgetPlan): string {
  const head = `PDB ${budget.ref}: allows ${budget.disruptionsAllowed} eviction(s) (${budget.currentHealthy} healthy, ${budget.desiredHealthy} needed), this drain evicts ${budget.evictions} covered pod(s): ${budget.verdict}`;
  return budget.reason ? `${head} (${budget.reason})` : head;
}

export function renderDrainPlan(plan: DrainPlan, format: 'table' | 'wide', c: Colours): string {
  const summary = planSummary(plan);
  const headers = format === 'wide' ? ['NAMESPACE', 'POD', 'ACTION', 'KIND', 'FROM', 'TO', 'PDB', 'NOTES'] : ['NAMESPACE', 'POD', 'ACTION', 'FROM', 'TO', 'NOTES'];
  const rows = summary.rows.map((row, i) => {
    const pod = plan.pods[i];
    const action = refused(pod) ? c.red('refused') : pod.action === 'blocked' ? c.red(row.actionText) : row.actionText;
    const to = row.to.startsWith('Pending:') ? c.yellow(row.to) : row.to || '-';
    const notes = row.notes.join('; ') || '-';
    return format === 'wide'
      ? [row.namespace, row.pod, action, pod.kind, row.from, to, pod.budget ?? '-', notes]
      : [row.namespace, row.pod, action, row.from, to, notes];
  });
  let out = rows.length > 0 ? formatTable(headers, rows) : 'No pods on the nodes to drain\n';
  const extra = [...refusals(plan), ...plan.budgets.map(budgetLine)];
  for (const node of plan.nodes) if (node.unselected > 0) extra.push(`${node.name}: ${node.unselected} pod(s) not selected by --pod-selector stay`);
  if (extra.length > 0) out += '\n' + extra.map((line) => line + '\n').join('');
  const verdict = verdictLine(plan);
  out += '\n' + (plan.verdict === 'safe' ? c.green(verdict) : c.red(verdict)) + '\n';
  return out;
}

/** The plan as a document: the verdict line, totals, rows as the table shows them, and the planner's detail. */
export function drainPlanDocument(plan: DrainPlan): Record<string, unknown> {
  const summary = planSummary(plan);
  return {
    kind: 'DrainPlan',
    verdict: plan.verdict,
    summary: verdictLine(plan),
    totals: summary.totals,
    nodes: plan.nodes,
    refusals: refusals(plan),
    pods: plan.pods.map((pod, i) => ({ ...pod, actionText: refused(pod) ? 'refused' : summary.rows[i].actionText, toText: summary.rows[i].to, notes: summary.rows[i].notes })),
    budgets: plan.budgets,
    pending: plan.pending,
    blocking: plan.blocking,
    risks: plan.risks,
  };
}

export function renderDrainPlanDocument(plan: DrainPlan, format: 'json' | 'yaml'): string {
  const document = drainPlanDocument(plan);
  return format === 'json' ? toJson(document) : toYaml(document);
}
