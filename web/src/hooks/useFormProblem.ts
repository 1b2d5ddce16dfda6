import { useCallback, useState } from "react";
import { useTranslation } from "react-i18next";
import { problemOf, type Problem } from "../lib/errors";

const asIs = (p: Problem) => p;

// useFormProblem is the state of a form (or a button) that calls the
// services: `submit` runs its action with the form busy, and a failure
// becomes the form's Problem, its violations by request field and a
// message above them, shaped by `adapt` where the form's fields are not
// the request's. The next submit clears it. `fail` shows a refusal that
// came as an answer rather than as an error (a saga's verdict), worded by
// a function. The problem is worded again on each render, so it follows a
// switch of language.
export function useFormProblem(adapt: (p: Problem) => Problem = asIs) {
  // Renders again on a switch of language, to word the problem anew.
  useTranslation();
  const [failure, setFailure] = useState<(() => Problem) | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (action: () => Promise<unknown>) => {
    setBusy(true);
    setFailure(null);
    try {
      await action();
    } catch (err) {
      setFailure(() => () => adapt(problemOf(err)));
    } finally {
      setBusy(false);
    }
  };
  const fail = useCallback((words: () => Problem) => setFailure(() => words), []);
  return { problem: failure?.() ?? null, busy, submit, fail };
}
