import { Code } from "@connectrpc/connect";
import type { Problem } from "./errors";
import { i18n } from "./i18n";

// changePasswordProblem puts a refused password change where the shopper
// looks: a wrong current password (permission_denied) under that field;
// policy violations of the new one are already under new_password.
export function changePasswordProblem(p: Problem): Problem {
  if (p.code === Code.PermissionDenied) {
    return { ...p, message: i18n.t("errors.fixFields"), fields: { ...p.fields, current_password: p.message } };
  }
  return p;
}
