// A rolling maintenance over a pool: the nodes in batches of --max-unavailable, and what became of each node.
// The steps per batch are: cordon + drain (the batch together), run the command (per node), wait until the
// node is back (Ready with a fresh heartbeat), uncordon, verify.

/** the steps of a maintenance, in order; node remove has drain then delete */
export type MaintenanceStage = 'drain' | 'exec' | 'ready' | 'uncordon' | 'verify' | 'delete';

export type NodeMaintenance =
  /** maintained and back in service */
  | { node: string; outcome: 'done'; rebooted: boolean; seconds: number }
  /** this node's own step failed */
  | { node: string; outcome: 'failed'; stage: MaintenanceStage; error: string; cordoned: boolean }
  /** the run stopped (another node of its batch failed, Ctrl-C, the lock was lost) before this node was finished */
  | { node: string; outcome: 'stopped'; stage: MaintenanceStage; reason: string; cordoned: boolean }
  /** its batch never started */
  | { node: string; outcome: 'untouched' };

export interface RolloutSummary {
  done: string[];
  failed: string[];
  stopped: string[];
  untouched: string[];
  /** nodes the run leaves cordoned: they need an uncordon (or a re-run) */
  leftCordoned: string[];
}

/** The nodes in batches of `size`, in the order given. */
export function batches<T>(items: readonly T[], size: number): T[][] {
  if (!Number.isInteger(size) || size < 1) throw new Error(`batch size must be a whole number of at least 1, got ${size}`);
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

export function summarizeRollout(nodes: readonly NodeMaintenance[]): RolloutSummary {
  const names = (outcome: NodeMaintenance['outcome']): string[] => nodes.filter((n) => n.outcome === outcome).map((n) => n.node);
  return {
    done: names('done'),
    failed: names('failed'),
    stopped: names('stopped'),
    untouched: names('untouched'),
    leftCordoned: nodes.filter((n) => (n.outcome === 'failed' || n.outcome === 'stopped') && n.cordoned).map((n) => n.node),
  };
}

/**
 * Whether the run changed anything it did not put back: exit 3 (partial) rather than 1 (nothing done). A node
 * that got past its drain had its pods moved and the command run on it, whatever its state now.
 */
export function changedAnything(nodes: readonly NodeMaintenance[]): boolean {
  return nodes.some((n) => n.outcome === 'done' || ((n.outcome === 'failed' || n.outcome === 'stopped') && (n.cordoned || n.stage !== 'drain')));
}

/** The same outcome with the node's actual cordon state, read at the end (another run may have changed it). */
export function withCordonState(node: NodeMaintenance, cordoned: boolean): NodeMaintenance {
  return node.outcome === 'failed' || node.outcome === 'stopped' ? { ...node, cordoned } : node;
}
