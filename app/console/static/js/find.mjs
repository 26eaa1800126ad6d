// Find a customer by any identifier, typed any way the API accepts, or by customer id.

import { get } from "./api.mjs";
import { h, card } from "./dom.mjs";

export const KINDS = [
  "email", "phone", "crm_id", "user_id", "loyalty_id", "line_id",
  "whatsapp_id", "messenger_id", "wechat_id", "anonymous_id",
];

export function guessKind(value) {
  const text = value.trim();
  if (/^c_[a-z0-9]+$/i.test(text)) return "customer";
  if (text.includes("@") || text.toLowerCase().startsWith("mailto:")) return "email";
  if (/^(tel:)?[+()\d][\d\s().\-+]{5,}$/i.test(text)) return "phone";
  return null;
}

export async function findCustomer(kind, value) {
  if (kind === "customer") return get(`/v1/customers/${encodeURIComponent(value.trim())}`);
  return get("/v1/customers/by-identifier", { kind, value });
}

export async function renderFind(main) {
  const select = h("select", { id: "find-kind" },
    h("option", { value: "auto", text: "Guess from the value" }),
    h("option", { value: "customer", text: "Customer id" }),
    KINDS.map((kind) => h("option", { value: kind, text: kind })));
  const input = h("input", { id: "find-value", type: "search", required: true, autocomplete: "off", placeholder: "0912-345-678, jane@example.com, C1234567, c_…" });
  const problem = h("div", { id: "find-error", class: "form-error", role: "alert" });
  const form = h("form", { class: "find-form", id: "find-form" },
    h("div", { class: "field" }, h("label", { for: "find-value", text: "Identifier or customer id" }), input),
    h("div", { class: "field" }, h("label", { for: "find-kind", text: "Kind" }), select),
    h("button", { type: "submit", id: "find", text: "Find" }));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.textContent = "";
    const kind = select.value === "auto" ? guessKind(input.value) : select.value;
    if (!kind) {
      problem.textContent = "Cannot tell what kind of identifier this is: choose its kind.";
      select.focus();
      return;
    }
    try {
      const profile = await findCustomer(kind, input.value);
      location.hash = `#/customer/${encodeURIComponent(profile.customer_id)}`;
    } catch (error) {
      problem.textContent = error.status === 404 ? `No customer has ${kind === "customer" ? "this id" : `this ${kind}`}.` : error.message;
    }
  });
  main.append(
    h("h1", { text: "Find a customer" }),
    card(null, form, problem,
      h("p", { class: "muted" }, "Phone numbers may be national (0912 345 678) or international (+886 912 345 678); e-mails in any case. The identifier is normalised the way the service stores it.")),
  );
  input.focus();
}
