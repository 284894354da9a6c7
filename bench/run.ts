// `npm run bench -- [name ...] [--profile] [--strict] [--quick] [--pin]`: runs the named benchmarks (all when none is named),
// writes each one's figures to bench/results/<name>.json and prints a short table.
// --profile  CPU-profiles the server under test per phase (.cache/bench-profiles/, summaries in the JSON);
//            open a .cpuprofile in Chrome DevTools, or: node --import tsx bench/apiserver/profile.ts FILE
// --strict   exits with status 1 when a goal is missed
// --quick    (apiserver, cluster) smaller sizes, (drain) one round and no kubectl: for trying the benchmark out; not for figures
// --pin      (apiserver) pins the server and the clients to different cores with taskset

import { formatTable, writeResult, type Benchmark } from './report.ts';

const BENCHMARKS: Record<string, () => Promise<Benchmark>> = {
  apiserver: () => import('./apiserver.ts'),
  cluster: () => import('./cluster.ts'),
  drain: () => import('./drain.ts'),
};

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const flags = args.filter((arg) => arg.startsWith('--'));
  const named = args.filter((arg) => !arg.startsWith('--'));
  const unknown = named.filter((name) => !(name in BENCHMARKS));
  if (unknown.length > 0) {
    console.error(`unknown benchmark ${unknown.join(', ')}; known: ${Object.keys(BENCHMARKS).join(', ')}`);
    process.exitCode = 2;
    return;
  }
  let missed = false;
  for (const name of named.length > 0 ? named : Object.keys(BENCHMARKS)) {
    const benchmark = await BENCHMARKS[name]();
    const result = await benchmark.run({ flags });
    const path = await writeResult(result);
    console.log(`\n${formatTable(result)}\n(written to ${path})\n`);
    missed ||= !result.pass;
  }
  if (missed && flags.includes('--strict')) process.exitCode = 1;
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
