// Summarizes a V8 .cpuprofile: the functions with the most self time and the most inclusive time.

import { readFile } from 'node:fs/promises';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface ProfileLine {
  fn: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  idlePercent: number;
  self: ProfileLine[];
  inclusive: ProfileLine[];
}

function label(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url.replace(/^file:\/\//, '').replace(/^.*\/(src|bench|node_modules)\//, '$1/');
  return `${functionName || '(anonymous)'}${file ? ` ${file}:${lineNumber + 1}` : ''}`;
}

export function summarizeProfile(profile: CpuProfile, top = 15): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  let total = 0;
  let idle = 0;
  profile.samples.forEach((id, i) => {
    const delta = (profile.timeDeltas[i] ?? 0) / 1000;
    total += delta;
    const node = byId.get(id) as ProfileNode;
    const name = label(node);
    if (node.callFrame.functionName === '(idle)') idle += delta;
    self.set(name, (self.get(name) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = label(byId.get(at) as ProfileNode);
      if (seen.has(frame)) continue;
      seen.add(frame);
      inclusive.set(frame, (inclusive.get(frame) ?? 0) + delta);
    }
  });
  const lines = (map: Map<string, number>): ProfileLine[] =>
    [...map]
      .filter(([fn]) => !['(root)', '(program)'].includes(fn))
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([fn, ms]) => ({ fn, ms: Math.round(ms), percent: Math.round((ms / total) * 1000) / 10 }));
  return { totalMs: Math.round(total), idlePercent: Math.round((idle / total) * 1000) / 10, self: lines(self), inclusive: lines(inclusive) };
}

export async function summarizeProfileFile(path: string, top = 15): Promise<ProfileSummary> {
  return summarizeProfile(JSON.parse(await readFile(path, 'utf8')), top);
}

// `node --import tsx bench/apiserver/profile.ts FILE.cpuprofile [top]` prints a summary
if (process.argv[1]?.endsWith('profile.ts') && process.argv[2]) {
  summarizeProfileFile(process.argv[2], Number(process.argv[3] ?? 25)).then((summary) => {
    console.log(`total ${summary.totalMs} ms, idle ${summary.idlePercent}%`);
    console.log('self:');
    for (const line of summary.self) console.log(`  ${String(line.ms).padStart(7)} ms ${String(line.percent).padStart(5)}%  ${line.fn}`);
    console.log('inclusive:');
    for (const line of summary.inclusive) console.log(`  ${String(line.ms).padStart(7)} ms ${String(line.percent).padStart(5)}%  ${line.fn}`);
  });
}
