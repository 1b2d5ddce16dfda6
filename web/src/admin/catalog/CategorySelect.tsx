import type { Category } from "@gen/mall/product/v1/product_pb.js";
import type { Problem } from "../../lib/errors";
import { treeRows } from "../../lib/categories";

// CategorySelect picks a category from the tree, indented by depth;
// `excluded` ones are not offered, emptyLabel (when given) offers none.
export function CategorySelect({
  label,
  path,
  problem,
  categories,
  value,
  onChange,
  emptyLabel,
  excluded,
  required,
}: {
  label: string;
  path: string;
  problem?: Problem | null;
  categories: Category[];
  value: string;
  onChange: (id: string) => void;
  emptyLabel?: string;
  excluded?: Set<string>;
  required?: boolean;
}) {
  const error = problem?.fields[path];
  const id = `f-${path}`;
  return (
    <label className="field" htmlFor={id}>
      {/* Named by the text alone: inside the label, the chosen option would join the name. */}
      <span id={`${id}-label`}>{label}</span>
      <select id={id} aria-labelledby={`${id}-label`} name={path} value={value} required={required} aria-invalid={error ? true : undefined} onChange={(e) => onChange(e.target.value)}>
        {emptyLabel !== undefined && <option value="">{emptyLabel}</option>}
        {treeRows(categories)
          .filter((r) => !excluded?.has(r.category.categoryId))
          .map(({ category: c, depth }) => (
            <option key={c.categoryId} value={c.categoryId} translate="no">
              {"\u3000".repeat(depth)}
              {c.name}
            </option>
          ))}
      </select>
      {error && (
        <small className="field-error" data-field={path}>
          {error}
        </small>
      )}
    </label>
  );
}
