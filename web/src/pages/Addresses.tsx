import { create } from "@bufbuild/protobuf";
import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState, type SubmitEvent } from "react";
import { useNavigate, useSearchParams } from "react-router-dom";
import { AddressSpecSchema, UserService, type Address, type AddressSpec } from "@gen/mall/user/v1/user_pb.js";
import { QueryView } from "../components/QueryView";
import { Empty, ErrorBox, Field, FormProblem } from "../components/ui";
import { useFormProblem } from "../hooks/useFormProblem";
import { useInvalidate } from "../hooks/useInvalidate";

const fields: { key: keyof Omit<AddressSpec, "$typeName" | "$unknown">; path: string; label: string; auto?: string }[] = [
  { key: "recipientName", path: "recipient_name", label: "Recipient", auto: "name" },
  { key: "phone", path: "phone", label: "Phone", auto: "tel" },
  { key: "province", path: "province", label: "Province", auto: "address-level1" },
  { key: "city", path: "city", label: "City", auto: "address-level2" },
  { key: "district", path: "district", label: "District", auto: "address-level3" },
  { key: "detail", path: "detail", label: "Street and number", auto: "street-address" },
  { key: "postalCode", path: "postal_code", label: "Postal code", auto: "postal-code" },
];

export function AddressesPage() {
  const q = useQuery(UserService.method.listAddresses, {});
  return <QueryView query={q}>{(d) => <AddressBook list={d.addresses} />}</QueryView>;
}

function AddressBook({ list }: { list: Address[] }) {
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
      <h1>My addresses</h1>
      <ErrorBox error={setDefault.error ?? remove.error} />
      {list.length === 0 && editing === null && <Empty>No addresses yet.</Empty>}
      <ul className="address-list">
        {list.map((a) => (
          <li key={a.addressId} className="card">
            <div>
              <b>{a.recipientName}</b> {a.phone} {a.isDefault && <span className="tag">Default</span>}
              <br />
              {[a.province, a.city, a.district, a.detail, a.postalCode].filter(Boolean).join(" ")}
            </div>
            <div className="row">
              {!a.isDefault && (
                <button type="button" className="link" onClick={() => setDefault.mutate({ addressId: a.addressId })}>
                  Make default
                </button>
              )}
              <button type="button" className="link" onClick={() => setEditing(a)}>
                Edit
              </button>
              <button
                type="button"
                className="link"
                onClick={() => window.confirm("Delete this address?") && remove.mutate({ addressId: a.addressId })}
              >
                Delete
              </button>
            </div>
          </li>
        ))}
      </ul>
      {editing === null ? (
        <button type="button" onClick={() => setEditing("new")}>
          Add an address
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
  return (
    <form className="form panel address-form" onSubmit={onSubmit} noValidate>
      <h2>{address ? "Edit address" : "New address"}</h2>
      <FormProblem problem={problem} />
      {fields.map((f) => (
        <Field
          key={f.key}
          label={f.label}
          path={`address.${f.path}`}
          problem={problem}
          autoComplete={f.auto}
          value={spec[f.key]}
          onChange={(e) => setSpec(create(AddressSpecSchema, { ...spec, [f.key]: e.target.value }))}
        />
      ))}
      {!address && (
        <label className="check">
          <input type="checkbox" checked={makeDefault} onChange={(e) => setMakeDefault(e.target.checked)} /> Use as my default address
        </label>
      )}
      <div className="row">
        <button type="submit" disabled={busy}>
          Save address
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
