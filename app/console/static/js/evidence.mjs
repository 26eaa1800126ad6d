// Person evidence: a matched link's or a proposal's score, field by field, as a waterfall.

import { h } from "./dom.mjs";

export function waterfall(item) {
  const fields = item.fields || [];
  const biggest = Math.max(1, ...fields.map((f) => Math.abs(Number(f.weight) || 0)));
  let running = 0;
  const rows = fields.map((f) => {
    const weight = Number(f.weight) || 0;
    running += weight;
    const bar = h("span", { class: `bar ${weight >= 0 ? "plus" : "minus"}` });
    bar.style.width = `${(Math.abs(weight) / biggest) * 50}%`;
    return h("tr", {},
      h("th", { scope: "row", text: f.field }),
      h("td", { text: f.level ?? "" }),
      h("td", { class: "bar-cell" }, h("span", { class: "axis" }), bar),
      h("td", { class: "num", text: `${weight >= 0 ? "+" : ""}${weight.toFixed(2)}` }),
      h("td", { class: "num muted", text: running.toFixed(2) }));
  });
  return h("div", { class: "waterfall" },
    h("p", {}, h("strong", { text: "Score " }), item.score !== undefined && item.score !== null ? Number(item.score).toFixed(2) : "—",
      item.match_key ? [" · ", h("code", { text: item.match_key })] : null),
    fields.length ? h("table", {},
      h("thead", {}, h("tr", {}, ["Field", "Agreement", "Weight", "", "Total"].map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows)) : null);
}
