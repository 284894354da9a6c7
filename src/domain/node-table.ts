// The numbers placement reads for every node it looks at, one row per node in typed arrays. Placing a pod in a
// 5,000-node cluster visits hundreds of nodes, and placing a pod of a shape placed before reads rows through a
// tree (best-row-tree.ts); reading amounts from one contiguous row per node is cheaper than from five objects
// per node spread over the heap. The NodeInfo objects stay the truth: a row is re-read from its node whenever
// the node or its pods change.

import type { NodeInfo } from './placement.ts';

export class NodeTable {
  /** allocatable minus requested, as the resource filter compares */
  readonly freeCpu: Float64Array;
  readonly freeMemory: Float64Array;
  readonly freeStorage: Float64Array;
  /** pods the node still has room for */
  readonly freeSlots: Float64Array;
  readonly allocatableCpu: Float64Array;
  readonly allocatableMemory: Float64Array;
  readonly requestedCpu: Float64Array;
  readonly requestedMemory: Float64Array;
  /** requests with upstream's defaults for containers that set none: what scoring uses */
  readonly nonZeroCpu: Float64Array;
  readonly nonZeroMemory: Float64Array;
  /** 1 when only resources can turn a pod away: schedulable, and no NoSchedule or NoExecute taint */
  readonly open: Uint8Array;
  /** 1 for a node with PreferNoSchedule taints: its score depends on the other nodes' taints */
  private readonly preferNoSchedule: Uint8Array;
  private preferNoScheduleRows = 0;
  private readonly rowOf = new Map<string, number>();

  constructor(nodes: readonly NodeInfo[]) {
    const count = nodes.length;
    this.freeCpu = new Float64Array(count);
    this.freeMemory = new Float64Array(count);
    this.freeStorage = new Float64Array(count);
    this.freeSlots = new Float64Array(count);
    this.allocatableCpu = new Float64Array(count);
    this.allocatableMemory = new Float64Array(count);
    this.requestedCpu = new Float64Array(count);
    this.requestedMemory = new Float64Array(count);
    this.nonZeroCpu = new Float64Array(count);
    this.nonZeroMemory = new Float64Array(count);
    this.open = new Uint8Array(count);
    this.preferNoSchedule = new Uint8Array(count);
    for (let row = 0; row < count; row++) {
      this.rowOf.set(nodes[row].name, row);
      this.read(row, nodes[row]);
    }
  }

  get anyPreferNoSchedule(): boolean {
    return this.preferNoScheduleRows > 0;
  }

  /** Re-reads the row of a node that changed (its pods, or the node itself at the same place in the order); returns the row. */
  refresh(node: NodeInfo): number | undefined {
    const row = this.rowOf.get(node.name);
    if (row !== undefined) this.read(row, node);
    return row;
  }

  private read(row: number, node: NodeInfo): void {
    const { allocatable, requested, nonZeroRequested } = node;
    this.freeCpu[row] = allocatable.cpu - requested.cpu;
    this.freeMemory[row] = allocatable.memory - requested.memory;
    this.freeStorage[row] = allocatable.ephemeralStorage - requested.ephemeralStorage;
    this.freeSlots[row] = node.allowedPods - node.pods.size;
    this.allocatableCpu[row] = allocatable.cpu;
    this.allocatableMemory[row] = allocatable.memory;
    this.requestedCpu[row] = requested.cpu;
    this.requestedMemory[row] = requested.memory;
    this.nonZeroCpu[row] = nonZeroRequested.cpu;
    this.nonZeroMemory[row] = nonZeroRequested.memory;
    this.open[row] = !node.unschedulable && node.taints.length === 0 ? 1 : 0;
    const preferNoSchedule = node.preferNoScheduleTaints.length > 0 ? 1 : 0;
    this.preferNoScheduleRows += preferNoSchedule - this.preferNoSchedule[row];
    this.preferNoSchedule[row] = preferNoSchedule;
  }
}
