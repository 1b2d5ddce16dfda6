import { areaList } from "@vant/area-data";
import { useMemo } from "react";
import { useTranslation } from "react-i18next";
import { areaChoices, pick, type AddressArea } from "../lib/area";
import { areaLevels, type AreaFieldsProps } from "./AreaFields";

// AreaPicker is an address's province → city → district, each picked from
// the list under the one above; the address keeps the names as written
// (the contract's fields are names). This module holds the division data:
// it is loaded apart from the rest (AreaFields), when the form opens.
export default function AreaPicker({ value, onChange, problem }: AreaFieldsProps) {
  const { t } = useTranslation();
  const choices = useMemo(() => areaChoices(areaList, value), [value]);
  const options: Record<keyof AddressArea, string[]> = { province: choices.provinces, city: choices.cities, district: choices.districts };
  return areaLevels.map(({ level, auto }) => {
    const error = problem?.fields[`address.${level}`];
    const id = `f-address.${level}`;
    return (
      <label key={level} className="field" htmlFor={id}>
        <span>{t(`addresses.${level}`)}</span>
        <select
          id={id}
          name={`address.${level}`}
          autoComplete={auto}
          aria-invalid={error ? true : undefined}
          disabled={options[level].length === 0}
          value={value[level]}
          onChange={(e) => onChange(pick(areaList, value, level, e.target.value))}
        >
          <option value="">{t("areaPicker.choose")}</option>
          {options[level].map((name) => (
            <option key={name} value={name}>
              {name}
            </option>
          ))}
        </select>
        {error && (
          <small className="field-error" data-field={`address.${level}`}>
            {error}
          </small>
        )}
      </label>
    );
  });
}
