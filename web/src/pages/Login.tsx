import { createClient } from "@connectrpc/connect";
import { useState, type FormEvent } from "react";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { UserService, type LoginResponse } from "@gen/mall/user/v1/user_pb.js";
import { Field, FormProblem } from "../components/ui";
import { transport } from "../lib/api";
import { describe, type Problem } from "../lib/errors";
import { millis } from "../lib/format";
import { saveSession } from "../lib/session";

const users = createClient(UserService, transport);

// nextPath keeps post-login redirects on this site.
function nextPath(raw: string | null): string {
  return raw && raw.startsWith("/") && !raw.startsWith("//") ? raw : "/";
}

function remember(r: LoginResponse) {
  const u = r.user;
  saveSession({ token: r.accessToken, expiresAt: millis(r.expiresAt), name: u?.nickname || u?.username || u?.phone || "" });
}

export function LoginPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      remember(await users.login({ login: login.trim(), password }));
      navigate(nextPath(params.get("next")), { replace: true });
    } catch (err) {
      setProblem(describe(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form narrow" onSubmit={(e) => void submit(e)}>
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

// identityOf reads the register form's one identity box: digits (with an
// optional +) are a phone number, anything else a username.
export function identityOf(raw: string): { case: "phone" | "username"; value: string } {
  const value = raw.trim();
  return /^\+?[0-9]+$/.test(value) ? { case: "phone", value } : { case: "username", value };
}

export function RegisterPage() {
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [identity, setIdentity] = useState("");
  const [nickname, setNickname] = useState("");
  const [password, setPassword] = useState("");
  const [problem, setProblem] = useState<Problem | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(null);
    try {
      const id = identityOf(identity);
      await users.register({ identity: id, password, nickname: nickname.trim() });
      remember(await users.login({ login: id.value, password }));
      navigate(nextPath(params.get("next")), { replace: true });
    } catch (err) {
      const p = describe(err);
      // The identity is one box on the form, two fields in the contract.
      const idError = p.fields["username"] ?? p.fields["phone"];
      if (idError) p.fields["identity"] = idError;
      setProblem(p);
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="form narrow" onSubmit={(e) => void submit(e)} noValidate>
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
