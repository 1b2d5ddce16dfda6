import { createClient } from "@connectrpc/connect";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type FormEvent } from "react";
import { Link, useNavigate } from "react-router-dom";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { ErrorBox, Field, FormProblem, Loading, useAction, useInvalidate } from "../components/ui";
import { transport } from "../lib/api";
import { problemOf, type Problem } from "../lib/errors";
import { millis } from "../lib/format";
import { changePasswordProblem } from "../lib/password";
import { loadSession, saveSession } from "../lib/session";
import { orderTabs } from "../lib/orders";

const users = createClient(UserService, transport);

// ChangePasswordForm changes the password; every other session of the
// shopper is signed out by the service, and this one goes on with the
// fresh token it answers with.
function ChangePasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [changed, setChanged] = useState(false);
  const { problem, busy, run } = useAction(changePasswordProblem);
  const submit = (e: FormEvent) => {
    e.preventDefault();
    setChanged(false);
    void run(async () => {
      const r = await users.changePassword({ currentPassword: current, newPassword: next });
      const s = loadSession();
      saveSession({ token: r.accessToken, expiresAt: millis(r.expiresAt), name: s?.name ?? "" });
      setCurrent("");
      setNext("");
      setChanged(true);
    });
  };
  return (
    <form className="form panel change-password" onSubmit={submit} noValidate>
      <h2>Password</h2>
      <FormProblem problem={problem} />
      <Field
        label="Current password"
        path="current_password"
        type="password"
        problem={problem}
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <Field
        label="New password (8+ characters, a letter and a digit)"
        path="new_password"
        type="password"
        problem={problem}
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        Change password
      </button>
      {changed && <span className="ok"> Password changed; your other sessions are signed out.</span>}
    </form>
  );
}

export function ProfilePage() {
  const profile = useQuery(UserService.method.getProfile, {});
  const invalidate = useInvalidate();
  const navigate = useNavigate();
  const [nickname, setNickname] = useState<string | null>(null);
  const [problem, setProblem] = useState<Problem | null>(null);
  const [saved, setSaved] = useState(false);
  const update = useMutation(UserService.method.updateProfile, {
    onSuccess: async (r) => {
      setSaved(true);
      const s = loadSession();
      if (s && r.user) saveSession({ ...s, name: r.user.nickname || r.user.username || r.user.phone });
      await invalidate(UserService);
    },
    onError: (err) => setProblem(problemOf(err)),
  });
  const logout = useMutation(UserService.method.logout, {
    // Signed out locally even when the call fails: the token is forgotten.
    onSettled: () => {
      saveSession(null);
      navigate("/");
    },
  });
  if (profile.isPending) return <Loading />;
  if (profile.isError) return <ErrorBox error={profile.error} retry={() => void profile.refetch()} />;
  const u = profile.data.user;
  if (!u) return null;
  return (
    <div className="profile-page">
      <h1>Hello, {u.nickname || u.username || u.phone}</h1>
      <nav className="panel order-shortcuts">
        {orderTabs.map((t) => (
          <Link key={t.id} to={`/orders?tab=${t.id}`}>
            {t.label}
          </Link>
        ))}
      </nav>
      <nav className="panel links">
        <Link to="/me/addresses">My addresses</Link>
        <Link to="/me/favorites">My favorites</Link>
        <Link to="/orders">My orders</Link>
      </nav>
      <form
        className="form panel"
        onSubmit={(e) => {
          e.preventDefault();
          setProblem(null);
          setSaved(false);
          update.mutate({ nickname: (nickname ?? u.nickname).trim() });
        }}
      >
        <h2>Profile</h2>
        <p className="muted">Signed in as {u.username || u.phone}</p>
        <FormProblem problem={problem} />
        <Field label="Nickname" path="nickname" problem={problem} value={nickname ?? u.nickname} onChange={(e) => setNickname(e.target.value)} />
        <button type="submit" disabled={update.isPending}>
          Save
        </button>
        {saved && <span className="ok"> Saved.</span>}
      </form>
      <ChangePasswordForm />
      <button type="button" className="secondary" onClick={() => logout.mutate({})}>
        Sign out
      </button>
    </div>
  );
}
