import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router-dom";
import { OrderService } from "@gen/mall/order/v1/order_pb.js";
import { Role, UserService, type User } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../components/QueryView";
import { Field, FormProblem } from "../components/ui";
import { useFormProblem } from "../hooks/useFormProblem";
import { useInvalidate } from "../hooks/useInvalidate";
import { useTitle } from "../hooks/useTitle";
import { millis } from "../lib/format";
import { orderTabs } from "../lib/orders";
import { TabCount } from "../components/order";
import { changePasswordProblem } from "../lib/password";
import { loadSession, saveSession } from "../lib/session";

// ChangePasswordForm changes the password; every other session of the
// shopper is signed out by the service, and this one goes on with the
// fresh token it answers with.
function ChangePasswordForm() {
  const { t } = useTranslation();
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [changed, setChanged] = useState(false);
  const change = useMutation(UserService.method.changePassword);
  const { problem, busy, submit } = useFormProblem(changePasswordProblem);
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    setChanged(false);
    void submit(async () => {
      const r = await change.mutateAsync({ currentPassword: current, newPassword: next });
      const s = loadSession();
      saveSession({ token: r.accessToken, expiresAt: millis(r.expiresAt), name: s?.name ?? "", admin: s?.admin ?? false });
      setCurrent("");
      setNext("");
      setChanged(true);
    });
  };
  return (
    <form className="form panel change-password" onSubmit={onSubmit} noValidate>
      <h2>{t("profile.password")}</h2>
      <FormProblem problem={problem} />
      <Field
        label={t("profile.currentPassword")}
        path="current_password"
        type="password"
        problem={problem}
        autoComplete="current-password"
        value={current}
        onChange={(e) => setCurrent(e.target.value)}
      />
      <Field
        label={t("profile.newPassword")}
        path="new_password"
        type="password"
        problem={problem}
        autoComplete="new-password"
        value={next}
        onChange={(e) => setNext(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        {t("profile.changePassword")}
      </button>
      {changed && <span className="ok"> {t("profile.passwordChanged")}</span>}
    </form>
  );
}

function NicknameForm({ user }: { user: User }) {
  const { t } = useTranslation();
  const invalidate = useInvalidate();
  const [nickname, setNickname] = useState<string | null>(null);
  const [saved, setSaved] = useState(false);
  const update = useMutation(UserService.method.updateProfile, {
    onSuccess: async (r) => {
      setSaved(true);
      const s = loadSession();
      if (s && r.user) saveSession({ ...s, name: r.user.nickname || r.user.username || r.user.phone });
      await invalidate(UserService);
    },
  });
  const { problem, busy, submit } = useFormProblem();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    setSaved(false);
    void submit(() => update.mutateAsync({ nickname: (nickname ?? user.nickname).trim() }));
  };
  return (
    <form className="form panel" onSubmit={onSubmit}>
      <h2>{t("profile.profile")}</h2>
      <p className="muted">{t("profile.signedInAs", { login: user.username || user.phone })}</p>
      <FormProblem problem={problem} />
      <Field
        label={t("profile.nickname")}
        path="nickname"
        problem={problem}
        value={nickname ?? user.nickname}
        onChange={(e) => setNickname(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        {t("profile.save")}
      </button>
      {saved && <span className="ok"> {t("profile.saved")}</span>}
    </form>
  );
}

export function ProfilePage() {
  const { t } = useTranslation();
  useTitle(t("titles.profile"));
  const profile = useQuery(UserService.method.getProfile, {});
  const counts = useQuery(OrderService.method.countOrders, {});
  const navigate = useNavigate();
  const logout = useMutation(UserService.method.logout, {
    // Signed out locally even when the call fails: the token is forgotten.
    onSettled: () => {
      saveSession(null);
      void navigate("/");
    },
  });
  return (
    <QueryView query={profile}>
      {({ user: u }) =>
        u && (
          <div className="profile-page">
            <h1>{t("profile.hello", { name: u.nickname || u.username || u.phone })}</h1>
            <nav className="panel order-shortcuts" aria-label={t("profile.myOrders")}>
              {/* "All orders" is among the links below. */}
              {orderTabs
                .filter((id) => id !== "all")
                .map((id) => (
                  <Link key={id} to={`/orders?tab=${id}`} data-tab={id}>
                    {t(`orderTabs.${id}`)}
                    <TabCount tab={id} counts={counts.data} />
                  </Link>
                ))}
            </nav>
            <nav className="panel links">
              <Link to="/me/addresses">{t("profile.myAddresses")}</Link>
              <Link to="/me/favorites">{t("profile.myFavorites")}</Link>
              <Link to="/orders">{t("profile.myOrders")}</Link>
              {u.role === Role.ADMIN && <Link to="/admin">{t("layout.console")}</Link>}
            </nav>
            <NicknameForm user={u} />
            <ChangePasswordForm />
            <button type="button" className="secondary" onClick={() => logout.mutate({})}>
              {t("profile.signOut")}
            </button>
          </div>
        )
      }
    </QueryView>
  );
}
