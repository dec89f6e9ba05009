/**
 * The steps an actor may take now, found by asking the process's own rule: each well-formed example
 * step is applied to the state (pure, nothing changes) and kept when the rule accepts it. Pages offer
 * exactly these, so no offered step is one the process would refuse for its role, agency or step.
 */
export function openSteps<A extends { type: string }>(probes: readonly A[], apply: (step: A) => unknown): A['type'][] {
  return probes.filter((p) => {
    try {
      apply(p);
      return true;
    } catch {
      return false;
    }
  }).map((p) => p.type);
}
