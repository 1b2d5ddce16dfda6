import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { Link, useNavigate } from "react-router-dom";
import { UserService } from "@gen/mall/user/v1/user_pb.js";
import { ErrorBox, Field, FormProblem, Loading, useInvalidate } from "../components/ui";
import { describe, type Problem } from "../lib/errors";
import { loadSession, saveSession } from "../lib/session";
import { orderTabs } from "../lib/orders";

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
    onError: (err) => setProblem(describe(err)),
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
      <button type="button" className="secondary" onClick={() => logout.mutate({})}>
        Sign out
      </button>
    </div>
  );
}
