// Policy preview: what a candidate merge policy would change, before c360 reresolve applies it.

import { api, session } from "./api.mjs";
import { h, clear, card, pct } from "./dom.mjs";

const EXAMPLE = `# A merge policy laid over the defaults (c360 policy show prints them).
# For example, declare a shop's counter phone a placeholder:
[placeholders]
values = ["phone:+886955123456"]
`;

export async function renderPolicy(main) {
  main.append(h("h1", { text: "Policy preview" }));
  if (!session.has("admin")) {
    main.append(card(null, h("p", { text: "Previewing a policy needs a key with the admin scope." })));
    return;
  }
  const text = h("textarea", { id: "policy-text", rows: 12, spellcheck: "false", class: "code" });
  text.value = EXAMPLE;
  const out = h("div", { id: "policy-result", "aria-live": "polite" });
  const button = h("button", { type: "submit", id: "preview", text: "Preview" });
  const form = h("form", { id: "policy-form" },
    h("label", { for: "policy-text", text: "Candidate policy (TOML)" }), text,
    h("div", { class: "button-row" }, button, h("span", { class: "muted", text: "Nothing is written. Apply a policy with C360_POLICY_FILE=… c360 reresolve." })));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    clear(out).append(h("p", { class: "muted", text: "Working out the partition under the candidate…" }));
    button.disabled = true;
    try {
      const report = await api("POST", "/v1/policy/preview", { text: text.value, query: { examples: 8 } });
      clear(out).append(...result(report));
    } catch (error) {
      clear(out).append(h("div", { class: "error", role: "alert" }, h("strong", { text: "Error: " }), error.message));
    } finally {
      button.disabled = false;
    }
  });
  main.append(h("div", { class: "policy-grid" }, card(null, form), out));
}

function stat(label, value, id) {
  return h("div", { class: "stat", id }, h("div", { class: "stat-value", text: Number(value).toLocaleString("en") }), h("div", { class: "stat-label", text: label }));
}

function result(r) {
  const customerLink = (id) => (id ? h("a", { href: `#/customer/${encodeURIComponent(id)}`, text: id }) : h("em", { text: "no customer" }));
  const parts = [
    card("What would change",
      h("div", { class: "stats" },
        stat("customers now", r.customers_before, "stat-before"), stat("under the candidate", r.customers_after, "stat-after"),
        stat("unchanged", r.unchanged, "stat-unchanged"), stat("merged", r.merged, "stat-merged"), stat("split", r.split, "stat-split"),
        stat("identifiers moved", r.identifiers_moved, "stat-moved")),
      Object.keys(r.transitions).length
        ? h("ul", { class: "plain" }, Object.entries(r.transitions).map(([t, n]) => h("li", {}, `Identifiers ${t}: ${n}`)))
        : h("p", { class: "muted", text: "No identifier changes status." })),
  ];
  const measured = [["Now", r.current], ["Under the candidate", r.candidate]];
  parts.push(card("Against stewards' review answers",
    r.candidate.labels
      ? h("table", { id: "agreement" },
        h("thead", {}, h("tr", {}, ["", "Precision", "Recall", "Answers", "Joined as asked", "Joined against a “never”", "Left apart against a “link”"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, measured.map(([name, m]) => h("tr", {}, h("th", { scope: "row", text: name }), h("td", { text: pct(m.precision) }), h("td", { text: pct(m.recall) }),
          h("td", { text: m.labels }), h("td", { text: m.true_links }), h("td", { text: m.false_links }), h("td", { text: m.missed_links })))))
      : h("p", { class: "muted", text: "No link / never answers yet: answer items in the review queue to measure a policy." })));
  if (r.split_examples.length) {
    parts.push(card("Examples: split",
      h("table", {}, h("thead", {}, h("tr", {}, h("th", { text: "Customer now" }), h("th", { text: "Would become" }))),
        h("tbody", {}, r.split_examples.map((x) => h("tr", {}, h("td", {}, customerLink(x.customer_id)),
          h("td", {}, h("ul", { class: "plain small" }, x.parts.map((part, i) => h("li", {}, x.into[i] ? h("code", { text: x.into[i] }) : h("em", { text: "no customer" }), ": ", part.join(", ")))))))))));
  }
  if (r.merged_examples.length) {
    parts.push(card("Examples: merged",
      h("table", {}, h("thead", {}, h("tr", {}, h("th", { text: "Customers now" }), h("th", { text: "Would be one, holding" }))),
        h("tbody", {}, r.merged_examples.map((x) => h("tr", {}, h("td", {}, x.from_customers.map((c, i) => [i ? ", " : "", customerLink(c)])),
          h("td", { class: "small", text: x.identifiers.join(", ") })))))));
  }
  return parts;
}
