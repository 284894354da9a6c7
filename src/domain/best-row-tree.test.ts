import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { BestRowTree, type RowSearch } from './best-row-tree.ts';

/** The scan the tree stands for: visit rows from `start`, wrapping, until `wanted` are feasible. */
function scan(scores: (number | undefined)[], start: number, wanted: number): RowSearch {
  let best = -1;
  let feasible = 0;
  let evaluated = 0;
  for (; evaluated < scores.length && feasible < wanted; evaluated++) {
    const row = (start + evaluated) % scores.length;
    const score = scores[row];
    if (score === undefined) continue;
    feasible++;
    if (best < 0 || score > scores[best]! || (score === scores[best] && row < best)) best = row;
  }
  return { best, feasible, evaluated };
}

describe('BestRowTree', () => {
  it('answers every search as the scan does, also after rows change', () => {
    let seed = 11;
    const random = (n: number) => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) >>> 8) % n;
    for (const rows of [1, 2, 5, 8, 13, 64, 100]) {
      const tree = new BestRowTree(rows);
      // few distinct scores, so that ties are common
      const scores: (number | undefined)[] = Array.from({ length: rows }, () => (random(4) === 0 ? undefined : random(5)));
      scores.forEach((score, row) => tree.set(row, score));
      for (let round = 0; round < 300; round++) {
        const start = random(rows);
        const wanted = 1 + random(rows + 2);
        assert.deepEqual(tree.search(start, wanted), scan(scores, start, wanted), `${rows} rows, start ${start}, wanted ${wanted}`);
        const row = random(rows);
        scores[row] = random(4) === 0 ? undefined : random(5);
        tree.set(row, scores[row]);
      }
    }
  });

  it('finds nothing when no row is feasible', () => {
    const tree = new BestRowTree(3);
    assert.deepEqual(tree.search(1, 2), { best: -1, feasible: 0, evaluated: 3 });
    tree.set(2, 7);
    assert.deepEqual(tree.search(0, 2), { best: 2, feasible: 1, evaluated: 3 });
    assert.equal(tree.score(2), 7);
  });
});
