import { lazy, Suspense } from "react";
import { useTranslation } from "react-i18next";
import type { AddressArea } from "../lib/area";
import type { Problem } from "../lib/errors";
import { Field, Loading } from "./ui";

export interface AreaFieldsProps {
  value: AddressArea;
  onChange: (next: AddressArea) => void;
  problem: Problem | null;
}

export const areaLevels: { level: keyof AddressArea; auto: string }[] = [
  { level: "province", auto: "address-level1" },
  { level: "city", auto: "address-level2" },
  { level: "district", auto: "address-level3" },
];

// TypedArea is the three as typed-in text, where the picker could not load.
function TypedArea({ value, onChange, problem }: AreaFieldsProps) {
  const { t } = useTranslation();
  return areaLevels.map(({ level, auto }) => (
    <Field
      key={level}
      label={t(`addresses.${level}`)}
      path={`address.${level}`}
      problem={problem}
      autoComplete={auto}
      value={value[level]}
      onChange={(e) => onChange({ ...value, [level]: e.target.value })}
    />
  ));
}

// The picker and its division data (~80 kB) are one chunk of their own,
// fetched when an address form first opens: no other page pays for them.
const AreaPicker = lazy(() => import("./AreaPicker").catch(() => ({ default: TypedArea })));

// AreaFields are the province, city and district of an address form.
export function AreaFields(props: AreaFieldsProps) {
  return (
    <Suspense fallback={<Loading />}>
      <AreaPicker {...props} />
    </Suspense>
  );
}
