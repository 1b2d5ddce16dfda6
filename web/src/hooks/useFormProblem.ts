import { useState } from "react";
import { problemOf, type Problem } from "../lib/errors";

const asIs = (p: Problem) => p;

// useFormProblem is the state of a form (or a button) that calls the
// services: `submit` runs its action with the form busy, and a failure
// becomes the form's Problem, its violations by request field and a
// message above them, shaped by `adapt` where the form's fields are not
// the request's. The next submit clears it. `fail` shows a refusal that
// came as an answer rather than as an error (a saga's verdict).
export function useFormProblem(adapt: (p: Problem) => Problem = asIs) {
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setProblem(null);
    try {
      await action();
    } catch (err) {
      setProblem(adapt(problemOf(err)));
    } finally {
      setBusy(false);
    }
  };
  return { problem, busy, submit, fail: setProblem };
}
