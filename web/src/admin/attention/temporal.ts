// workflowLink is the Temporal Web UI's page of a workflow run, or of the
// workflow's runs when the run is not known; undefined without a UI.
export function workflowLink(uiURL: string, namespace: string, workflowId: string, runId: string): string | undefined {
  if (!uiURL || !workflowId) return undefined;
  const base = `${uiURL.replace(/\/+$/, "")}/namespaces/${encodeURIComponent(namespace)}/workflows`;
  if (runId) return `${base}/${encodeURIComponent(workflowId)}/${encodeURIComponent(runId)}/history`;
  return `${base}?query=${encodeURIComponent(`WorkflowId="${workflowId}"`)}`;
}
