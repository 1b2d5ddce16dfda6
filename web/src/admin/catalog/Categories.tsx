import { useMutation, useQuery } from "@connectrpc/connect-query";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { ProductService, type Category } from "@gen/mall/product/v1/product_pb.js";
import { QueryView } from "../../components/QueryView";
import { Field, FormProblem } from "../../components/ui";
import { useFormProblem } from "../../hooks/useFormProblem";
import { useInvalidate } from "../../hooks/useInvalidate";
import { useAdminTitle } from "../useAdminTitle";
import { CategorySelect } from "./CategorySelect";
import { treeRows } from "../../lib/categories";
import { descendantsOf } from "./forms";

// What the category form is doing: adding under a parent ("" the root) or
// editing a category.
type Editing = { kind: "add"; parentId: string } | { kind: "edit"; category: Category };

// CategoriesPage is the category tree with each category's product count:
// add a category at the top or under another, rename, move, reorder.
export function CategoriesPage() {
  const { t } = useTranslation("admin");
  useAdminTitle(t("catalog.categories"));
  const query = useQuery(ProductService.method.adminListCategories, {});
  const [editing, setEditing] = useState<Editing | null>(null);
  const categories = query.data?.categories.flatMap((c) => (c.category ? [c.category] : [])) ?? [];
  const names = new Map(categories.map((c) => [c.categoryId, c.name]));
  return (
    <section>
      <h1>{t("catalog.categories")}</h1>
      <div className="admin-toolbar">
        <button type="button" onClick={() => setEditing({ kind: "add", parentId: "" })}>
          {t("catalog.addRoot")}
        </button>
      </div>
      {editing && (
        <CategoryForm
          key={editing.kind === "edit" ? editing.category.categoryId : `add-${editing.parentId}`}
          editing={editing}
          categories={categories}
          parentName={editing.kind === "add" ? names.get(editing.parentId) : undefined}
          onDone={() => setEditing(null)}
        />
      )}
      <QueryView query={query} isEmpty={(d) => d.categories.length === 0} empty={t("catalog.noCategories")}>
        {(data) => {
          const counts = new Map(data.categories.map((c) => [c.category?.categoryId ?? "", c]));
          return (
            <table className="admin-table">
              <thead>
                <tr>
                  <th>{t("catalog.categoryName")}</th>
                  <th className="num">{t("catalog.categoryCount")}</th>
                  <th className="num">{t("catalog.categoryOrder")}</th>
                  <th>{t("common.actions")}</th>
                </tr>
              </thead>
              <tbody>
                {treeRows(categories).map(({ category: c, depth }) => {
                  const n = counts.get(c.categoryId);
                  return (
                    <tr key={c.categoryId} data-category={c.categoryId}>
                      <td data-label={t("catalog.categoryName")}>
                        <span style={{ paddingInlineStart: `${depth * 1.5}rem` }} translate="no">
                          {depth > 0 ? "└ " : ""}
                          {c.name}
                        </span>
                      </td>
                      <td className="num" data-label={t("catalog.categoryCount")}>
                        {String(n?.productCount ?? 0n)}{" "}
                        <span className="muted">({t("catalog.categoryOnSale", { count: Number(n?.onSaleCount ?? 0n) })})</span>
                      </td>
                      <td className="num" data-label={t("catalog.categoryOrder")}>
                        {c.sortOrder}
                      </td>
                      <td data-label={t("common.actions")}>
                        <button type="button" className="small secondary" onClick={() => setEditing({ kind: "add", parentId: c.categoryId })}>
                          {t("catalog.addChild")}
                        </button>{" "}
                        <button type="button" className="small secondary" onClick={() => setEditing({ kind: "edit", category: c })}>
                          {t("catalog.rename")}
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          );
        }}
      </QueryView>
    </section>
  );
}

function CategoryForm({
  editing,
  categories,
  parentName,
  onDone,
}: {
  editing: Editing;
  categories: Category[];
  parentName: string | undefined;
  onDone: () => void;
}) {
  const { t } = useTranslation("admin");
  const invalidate = useInvalidate();
  const current = editing.kind === "edit" ? editing.category : undefined;
  const [name, setName] = useState(current?.name ?? "");
  const [parentId, setParentId] = useState(current ? current.parentId : editing.kind === "add" ? editing.parentId : "");
  const [sortOrder, setSortOrder] = useState(String(current?.sortOrder ?? 0));
  const create = useMutation(ProductService.method.createCategory);
  const update = useMutation(ProductService.method.updateCategory);
  const { problem, busy, submit } = useFormProblem();
  // A category cannot move under itself or below itself.
  const excluded = current ? descendantsOf(categories, current.categoryId) : new Set<string>();
  const title = current
    ? t("catalog.editCategory", { name: current.name })
    : parentName
      ? t("catalog.childOf", { name: parentName })
      : t("catalog.newCategory");
  return (
    <form
      className="admin-panel admin-form"
      aria-label={title}
      onSubmit={(e) => {
        e.preventDefault();
        void submit(async () => {
          const order = Number.parseInt(sortOrder, 10) || 0;
          if (current) await update.mutateAsync({ categoryId: current.categoryId, parentId, name, iconUrl: current.iconUrl, sortOrder: order });
          else await create.mutateAsync({ parentId, name, sortOrder: order });
          await invalidate(ProductService);
          onDone();
        });
      }}
    >
      <h2 translate="no">{title}</h2>
      <FormProblem problem={problem} />
      <Field label={t("catalog.categoryName")} path="name" problem={problem} value={name} required maxLength={64} onChange={(e) => setName(e.target.value)} />
      <CategorySelect
        label={t("catalog.categoryParent")}
        path="parent_id"
        problem={problem}
        categories={categories}
        value={parentId}
        onChange={setParentId}
        emptyLabel={t("catalog.categoryRoot")}
        excluded={excluded}
      />
      <Field
        label={t("catalog.categoryOrder")}
        path="sort_order"
        problem={problem}
        type="number"
        min={0}
        max={10000}
        value={sortOrder}
        onChange={(e) => setSortOrder(e.target.value)}
      />
      <div>
        <button type="submit" disabled={busy}>
          {t("common.save")}
        </button>{" "}
        <button type="button" className="secondary" onClick={onDone}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
