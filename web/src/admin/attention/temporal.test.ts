import { describe, expect, it } from "vitest";
import { workflowLink } from "./temporal";

describe("workflowLink", () => {
  it("links a run's history, or the workflow's runs, and nothing without a UI", () => {
    expect(workflowLink("http://localhost:8233/", "default", "cancel-o 1", "r1")).toBe(
      "http://localhost:8233/namespaces/default/workflows/cancel-o%201/r1/history",
    );
    expect(workflowLink("http://ui", "ns", "checkout-o1", "")).toBe(
      "http://ui/namespaces/ns/workflows?query=WorkflowId%3D%22checkout-o1%22",
    );
    expect(workflowLink("", "ns", "w", "r")).toBeUndefined();
    expect(workflowLink("http://ui", "ns", "", "")).toBeUndefined();
  });
});
