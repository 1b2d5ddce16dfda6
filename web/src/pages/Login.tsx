import { useMutation } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { Trans, useTranslation } from "react-i18next";
import { Link, useNavigate, useSearchParams } from "react-router-dom";
import { Role, UserService, type LoginResponse } from "@gen/mall/user/v1/user_pb.js";
import { Field, FormProblem } from "../components/ui";
import { useFormProblem } from "../hooks/useFormProblem";
import { useTitle } from "../hooks/useTitle";
import type { Problem } from "../lib/errors";
import { millis } from "../lib/format";
import { identityOf, nextPath } from "../lib/identity";
import { saveSession } from "../lib/session";

// remember keeps the session and says where a sign-in without a ?next=
// lands: an operator in the console, a shopper on the home page.
function remember(r: LoginResponse): string {
  const u = r.user;
  saveSession({
    token: r.accessToken,
    expiresAt: millis(r.expiresAt),
    name: u?.nickname || u?.username || u?.phone || "",
    admin: u?.role === Role.ADMIN,
  });
  return u?.role === Role.ADMIN ? "/admin" : "/";
}

export function LoginPage() {
  const { t } = useTranslation();
  useTitle(t("titles.login"));
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [login, setLogin] = useState("");
  const [password, setPassword] = useState("");
  const signIn = useMutation(UserService.method.login);
  const { problem, busy, submit } = useFormProblem();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    void submit(async () => {
      const home = remember(await signIn.mutateAsync({ login: login.trim(), password }));
      const next = params.get("next");
      void navigate(next ? nextPath(next) : home, { replace: true });
    });
  };
  return (
    <form className="form narrow" onSubmit={onSubmit}>
      <h1>{t("login.title")}</h1>
      <FormProblem problem={problem} />
      <Field
        label={t("login.identity")}
        path="login"
        problem={problem}
        autoComplete="username"
        value={login}
        onChange={(e) => setLogin(e.target.value)}
      />
      <Field
        label={t("login.password")}
        path="password"
        type="password"
        problem={problem}
        autoComplete="current-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        {t("login.submit")}
      </button>
      <p>
        <Trans
          i18nKey="login.newHere"
          components={{ a: <Link to={`/register${params.get("next") ? `?next=${encodeURIComponent(params.get("next") ?? "")}` : ""}`} /> }}
        />
      </p>
    </form>
  );
}

// identityProblem puts a violation of username or phone (two fields in the
// contract) next to the form's one identity box.
function identityProblem(p: Problem): Problem {
  const idError = p.fields.username ?? p.fields.phone;
  return idError ? { ...p, fields: { ...p.fields, identity: idError } } : p;
}

export function RegisterPage() {
  const { t } = useTranslation();
  useTitle(t("titles.register"));
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const [identity, setIdentity] = useState("");
  const [nickname, setNickname] = useState("");
  const [password, setPassword] = useState("");
  const register = useMutation(UserService.method.register);
  const signIn = useMutation(UserService.method.login);
  const { problem, busy, submit } = useFormProblem(identityProblem);
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    void submit(async () => {
      const id = identityOf(identity);
      await register.mutateAsync({ identity: id, password, nickname: nickname.trim() });
      remember(await signIn.mutateAsync({ login: id.value, password }));
      void navigate(nextPath(params.get("next")), { replace: true });
    });
  };
  return (
    <form className="form narrow" onSubmit={onSubmit} noValidate>
      <h1>{t("register.title")}</h1>
      <FormProblem problem={problem} />
      <Field
        label={t("register.identity")}
        path="identity"
        problem={problem}
        autoComplete="username"
        value={identity}
        onChange={(e) => setIdentity(e.target.value)}
      />
      <Field
        label={t("register.nickname")}
        path="nickname"
        problem={problem}
        value={nickname}
        onChange={(e) => setNickname(e.target.value)}
      />
      <Field
        label={t("register.password")}
        path="password"
        type="password"
        problem={problem}
        autoComplete="new-password"
        value={password}
        onChange={(e) => setPassword(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        {t("register.submit")}
      </button>
      <p>
        <Trans i18nKey="register.haveAccount" components={{ a: <Link to="/login" /> }} />
      </p>
    </form>
  );
}
