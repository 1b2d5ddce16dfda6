import { createClient } from "@connectrpc/connect";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { UserService, type LoginResponse } from "@gen/mall/user/v1/user_pb.js";
import { Field, FormProblem, useAction } from "../components/ui";
import { transport } from "../lib/api";
import type { Problem } from "../lib/errors";
import { millis } from "../lib/format";
import { identityOf, nextPath } from "../lib/identity";
import { saveSession } from "../lib/session";

const users = createClient(UserService, transport);

function remember(r: LoginResponse) {
  const u = r.user;
  saveSession({ token: r.accessToken, expiresAt: millis(r.expiresAt), name: u?.nickname || u?.username || u?.phone || "" });
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, run } = useAction();
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      remember(await users.login({ login: login.trim(), password }));
      navigate(nextPath(params.get("next")), { replace: true });
    });
  };
  return (
    <form className="form narrow" onSubmit={submit}>
      <h1>Sign in</h1>
      <FormProblem problem={problem} />
      <Field label="Username or phone" path="login" problem={problem} autoComplete="username" value={login} onChange={(e) => setLogin(e.target.value)} />
      <Field
        label="Password"
        path="password"
        type="password"
        problem={problem}
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Sign in
      </button>
      <p>
        New here? <Link to={`/register${params.get("next") ? `?next=${encodeURIComponent(params.get("next") ?? "")}` : ""}`}>Create an account</Link>
      </p>
    </form>
  );
}

// identityProblem puts a violation of username or phone (two fields in the
// contract) next to the form's one identity box.
function identityProblem(p: Problem): Problem {
  const idError = p.fields["username"] ?? p.fields["phone"];
  return idError ? { ...p, fields: { ...p.fields, identity: idError } } : p;
}

export function RegisterPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [identity, setIdentity] = useState("");
  const [nickname, setNickname] = useState("");
  const [password, setPassword] = useState("");
  const { problem, busy, run } = useAction(identityProblem);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const id = identityOf(identity);
      await users.register({ identity: id, password, nickname: nickname.trim() });
      remember(await users.login({ login: id.value, password }));
      navigate(nextPath(params.get("next")), { replace: true });
    });
  };
  return (
    <form className="form narrow" onSubmit={submit} noValidate>
      <h1>Create an account</h1>
      <FormProblem problem={problem} />
      <Field
        label="Username or phone"
        path="identity"
        problem={problem}
        autoComplete="username"
        value={identity}
        onChange={(e) => setIdentity(e.target.value)}
      />
      <Field label="Nickname (optional)" path="nickname" problem={problem} value={nickname} onChange={(e) => setNickname(e.target.value)} />
      <Field
        label="Password (8+ characters, a letter and a digit)"
        path="password"
        type="password"
        problem={problem}
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Create account
      </button>
      <p>
        Have an account? <Link to="/login">Sign in</Link>
      </p>
    </form>
  );
}
