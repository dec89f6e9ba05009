/** The engine's own limit: a workflow that does nothing (benchmark baseline only). */
export async function emptyWorkflow(): Promise<string> {
  return 'done';
}
