import { create } from "@bufbuild/protobuf";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate, useSearchParams } from "react-router-dom";
import { AddressSpecSchema, UserService, type Address, type AddressSpec } from "@gen/mall/user/v1/user_pb.js";
import { AreaFields } from "../components/AreaFields";
import { QueryView } from "../components/QueryView";
import { Empty, ErrorBox, Field, FormProblem } from "../components/ui";
import { useFormProblem } from "../hooks/useFormProblem";
import { useInvalidate } from "../hooks/useInvalidate";
import { useTitle } from "../hooks/useTitle";

type Key = keyof Omit<AddressSpec, "$typeName" | "$unknown">;

// The form's typed fields, before and after the area picker (the order a
// Chinese address is written in); each one's label is addresses.<key>.
interface Typed {
  key: Key;
  path: string;
  label: "recipient" | "phone" | "detail" | "postalCode";
  auto: string;
}
const before: Typed[] = [
  { key: "recipientName", path: "recipient_name", label: "recipient", auto: "name" },
  { key: "phone", path: "phone", label: "phone", auto: "tel" },
];
const after: Typed[] = [
  { key: "detail", path: "detail", label: "detail", auto: "street-address" },
  { key: "postalCode", path: "postal_code", label: "postalCode", auto: "postal-code" },
];

export function AddressesPage() {
  const { t } = useTranslation();
  useTitle(t("titles.addresses"));
  const q = useQuery(UserService.method.listAddresses, {});
  return <QueryView query={q}>{(d) => <AddressBook list={d.addresses} />}</QueryView>;
}

function AddressBook({ list }: { list: Address[] }) {
  const { t } = useTranslation();
  const invalidate = useInvalidate();
  const refresh = { onSuccess: () => invalidate(UserService) };
  const setDefault = useMutation(UserService.method.setDefaultAddress, refresh);
  const remove = useMutation(UserService.method.deleteAddress, refresh);
  const [editing, setEditing] = useState<Address | "new" | null>(null);
  const [params] = useSearchParams();
  const navigate = useNavigate();
  const done = () => {
    setEditing(null);
    if (params.get("next") === "back") void navigate(-1);
  };
  return (
    <div className="addresses-page">
      <h1>{t("addresses.title")}</h1>
      <ErrorBox error={setDefault.error ?? remove.error} />
      {list.length === 0 && editing === null && <Empty>{t("addresses.empty")}</Empty>}
      <ul className="address-list">
        {list.map((a) => (
          <li key={a.addressId} className="card">
            <div>
              <b translate="no">{a.recipientName}</b> {a.phone} {a.isDefault && <span className="tag">{t("addresses.default")}</span>}
              <br />
              <span translate="no">{[a.province, a.city, a.district, a.detail, a.postalCode].filter(Boolean).join(" ")}</span>
            </div>
            <div className="row">
              {!a.isDefault && (
                <button type="button" className="link" onClick={() => setDefault.mutate({ addressId: a.addressId })}>
                  {t("addresses.makeDefault")}
                </button>
              )}
              <button type="button" className="link" onClick={() => setEditing(a)}>
                {t("addresses.edit")}
              </button>
              <button
                type="button"
                className="link"
                onClick={() => window.confirm(t("addresses.confirmDelete")) && remove.mutate({ addressId: a.addressId })}
              >
                {t("addresses.delete")}
              </button>
            </div>
          </li>
        ))}
      </ul>
      {editing === null ? (
        <button type="button" onClick={() => setEditing("new")}>
          {t("addresses.add")}
        </button>
      ) : (
        <AddressForm
          key={editing === "new" ? "new" : editing.addressId}
          address={editing === "new" ? null : editing}
          first={list.length === 0}
          onDone={done}
          onCancel={() => setEditing(null)}
        />
      )}
    </div>
  );
}

function AddressForm({
  address,
  first,
  onDone,
  onCancel,
}: {
  address: Address | null;
  first: boolean;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [spec, setSpec] = useState<AddressSpec>(() =>
    create(
      AddressSpecSchema,
      address
        ? {
            recipientName: address.recipientName,
            phone: address.phone,
            province: address.province,
            city: address.city,
            district: address.district,
            detail: address.detail,
            postalCode: address.postalCode,
          }
        : {},
    ),
  );
  const [makeDefault, setMakeDefault] = useState(first);
  const invalidate = useInvalidate();
  const saved = {
    onSuccess: async () => {
      await invalidate(UserService);
      onDone();
    },
  };
  const createAddress = useMutation(UserService.method.createAddress, saved);
  const updateAddress = useMutation(UserService.method.updateAddress, saved);
  const { problem, busy, submit } = useFormProblem();
  const onSubmit = (e: SubmitEvent) => {
    e.preventDefault();
    void submit(() =>
      address ? updateAddress.mutateAsync({ addressId: address.addressId, address: spec }) : createAddress.mutateAsync({ address: spec, makeDefault }),
    );
  };
  const field = (f: Typed) => (
    <Field
      key={f.key}
      label={t(`addresses.${f.label}`)}
      path={`address.${f.path}`}
      problem={problem}
      autoComplete={f.auto}
      value={spec[f.key]}
      onChange={(e) => setSpec(create(AddressSpecSchema, { ...spec, [f.key]: e.target.value }))}
    />
  );
  return (
    <form className="form panel address-form" onSubmit={onSubmit} noValidate>
      <h2>{address ? t("addresses.editTitle") : t("addresses.newTitle")}</h2>
      <FormProblem problem={problem} />
      {before.map(field)}
      <AreaFields
        value={{ province: spec.province, city: spec.city, district: spec.district }}
        onChange={(area) => setSpec(create(AddressSpecSchema, { ...spec, ...area }))}
        problem={problem}
      />
      {after.map(field)}
      {!address && (
        <label className="check">
          <input type="checkbox" checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} /> {t("addresses.useAsDefault")}
        </label>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          {t("addresses.save")}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t("addresses.cancel")}
        </button>
      </div>
    </form>
  );
}
