// A customer's page: profile summary, merge graph with evidence and actions, timeline, history.

import { get, post, session } from "./api.mjs";
import { h, clear, card, dl, badge, when, day, money, errorBox } from "./dom.mjs";
import { drawGraph, showPath, STATE_STYLES, KIND_COLOURS } from "./graph.mjs";
import { waterfall } from "./evidence.mjs";
import { ask } from "./dialog.mjs";

const raw = (key) => {
  const at = key.indexOf(":");
  return { kind: key.slice(0, at), value: key.slice(at + 1) };
};

export async function renderCustomer(main, customerId) {
  const profile = await get(`/v1/customers/${encodeURIComponent(customerId)}`);
  if (profile.customer_id !== customerId) {
    location.replace(`#/customer/${encodeURIComponent(profile.customer_id)}`);
    return;
  }
  const page = new CustomerPage(main, profile);
  await page.render();
}

class CustomerPage {
  constructor(main, profile) {
    this.main = main;
    this.profile = profile;
    this.id = profile.customer_id;
    this.result = h("div", { id: "action-result", "aria-live": "polite" });
    this.selection = h("div", { id: "selection", class: "selection" });
    this.explainOut = h("div", { id: "explain-result" });
  }

  async render() {
    const p = this.profile;
    const name = [p.attributes.first_name?.value, p.attributes.last_name?.value].filter(Boolean).join(" ") || "Unnamed customer";
    const steward = session.has("steward");
    this.main.append(
      h("div", { class: "page-head" },
        h("div", {},
          h("h1", { id: "customer-name", text: name }),
          h("p", { class: "muted" },
            h("code", { id: "customer-id", text: this.id }),
            p.absorbed_ids?.length ? ` · also answers for ${p.absorbed_ids.join(", ")}` : "",
            ` · ${p.records} records · first seen ${day(p.identity.first_seen_at)}`)),
        steward ? h("button", { type: "button", id: "merge-button", class: "secondary", onclick: () => this.merge(), text: "Merge with another customer…" }) : null),
      this.result,
      h("div", { class: "customer-grid" },
        h("div", { class: "col-profile" }, this.summary()),
        h("div", { class: "col-graph" }, steward ? this.graphCard() : card("Merge graph", h("p", { class: "muted", text: "The merge graph and steward actions need a key with the steward scope." }))),
        h("div", { class: "col-side" }, steward ? card("Selection", this.selection) : null)),
      h("div", { class: "lower-grid" }, this.timelineCard(), steward ? this.historyCard() : null),
    );
    if (steward) {
      await this.loadGraph();
      await this.loadHistory();
    }
    await this.loadTimeline(true);
  }

  summary() {
    const p = this.profile;
    const attr = (name) => p.attributes[name]?.value;
    const ids = Object.entries(p.identity.identifiers).map(([kind, list]) =>
      h("li", {}, h("span", { class: "kind-dot", dataset: { kind } }), `${kind}: `, list.map((x) => x.value).join(", ")));
    const s = p.stats || {};
    const loyalty = p.loyalty || {};
    const consents = (p.consents?.items || []).map((c) => h("li", {}, `${c.channel} · ${c.purpose}: `, badge(c.state, c.state === "granted" ? "ok" : "warn")));
    const products = (p.service?.products_owned || []).map((x) => h("li", {}, `${x.product} (${x.model}) · warranty ${x.warranty}`));
    return [
      card("Who",
        dl([["Born", attr("birth_date")], ["Gender", attr("gender")], ["City", attr("city")], ["Language", attr("preferred_language")]]),
        h("ul", { class: "plain", id: "identifier-list" }, ids)),
      card("Activity",
        dl([["Orders", s.orders], ["Revenue", money(s.revenue, s.currency)], ["Avg order", money(s.average_order_value, s.currency)],
          ["Last order", day(s.last_order_at)], ["Last activity", day(s.last_activity_at)], ["RFM", p.rfm?.segment?.replace("_", " ")]])),
      card("Loyalty and service",
        dl([["Tier", loyalty.tier], ["Points", loyalty.points_balance], ["Vouchers", (loyalty.active_vouchers || []).length]]),
        products.length ? h("ul", { class: "plain small" }, products) : null),
      card("Consents", consents.length ? h("ul", { class: "plain" }, consents) : h("p", { class: "muted", text: "None recorded." })),
    ];
  }

  graphCard() {
    this.graphBox = h("div", { id: "graph", class: "graph", role: "img", "aria-label": "Merge graph of this customer's identifiers" });
    this.pickA = h("select", { id: "explain-a", "aria-label": "First identifier" });
    this.pickB = h("select", { id: "explain-b", "aria-label": "Second identifier" });
    const legend = h("ul", { class: "legend", "aria-label": "Link states" },
      Object.entries(STATE_STYLES).map(([state, s]) => h("li", {}, h("span", { class: `swatch line-${s.line} state-${state}` }), s.label)),
      h("li", {}, h("span", { class: "swatch bridge" }), "bridge (cut splits)"));
    this.linkTable = h("div", { id: "link-table", class: "link-table" });
    return h("section", { class: "card", id: "graph-card" }, h("h2", { text: "Merge graph" }),
      legend,
      this.graphBox,
      h("form", { class: "explain-form", id: "explain-form", onsubmit: (e) => { e.preventDefault(); this.explain(); } },
        h("span", { class: "label-inline", text: "Explain the path between" }), this.pickA, h("span", { text: "and" }), this.pickB,
        h("button", { type: "submit", id: "explain", text: "Explain" })),
      this.explainOut,
      h("details", { class: "links-details" }, h("summary", { text: "Identifiers and links as a list" }), this.linkTable));
  }

  async loadGraph() {
    const graph = await get(`/v1/customers/${encodeURIComponent(this.id)}/graph`);
    this.graph = graph;
    this.graphBox.dataset.nodes = graph.identifiers.length + graph.neighbours.length;
    this.graphBox.dataset.links = graph.links.length;
    this.graphBox.dataset.bridges = graph.bridges.length;
    if (this.cy) this.cy.destroy();
    clear(this.explainOut);
    this.cy = drawGraph(this.graphBox, graph, { onSelect: (item) => this.select(item) });
    const keys = graph.identifiers.map((n) => n.key);
    for (const [select, index] of [[this.pickA, 0], [this.pickB, keys.length - 1]]) {
      clear(select).append(...keys.map((k) => h("option", { value: k, text: k })));
      select.selectedIndex = Math.max(index, 0);
    }
    const bridges = new Set(graph.bridges.map(([a, b]) => `${a}|${b}`));
    clear(this.linkTable).append(
      h("table", {},
        h("thead", {}, h("tr", {}, ["Link", "State", "Seen", "Sources"].map((t) => h("th", { scope: "col", text: t })))),
        h("tbody", {}, graph.links.map((link) => h("tr", {},
          h("td", {}, h("button", { type: "button", class: "link-button", onclick: () => this.select({ type: "link", value: link, bridge: bridges.has(`${link.a}|${link.b}`) }) }, `${link.a} — ${link.b}`)),
          h("td", {}, badge(link.state, `state-${link.state}`), bridges.has(`${link.a}|${link.b}`) ? badge("bridge", "bridge") : null),
          h("td", { text: `${link.count}×` }),
          h("td", { text: link.sources.join(", ") }))))),
      h("ul", { class: "plain small" }, graph.identifiers.map((n) => h("li", {}, h("button", { type: "button", class: "link-button", onclick: () => this.select({ type: "identifier", value: n }) }, n.key)))));
    this.select(null);
  }

  select(item) {
    clear(this.selection);
    if (!item) {
      this.selection.append(h("p", { class: "muted", text: "Select an identifier or a link in the graph (or in the list under it) to see its evidence and act on it." }));
      return;
    }
    if (this.cy) {
      this.cy.elements().unselect();
      const id = item.type === "link" ? `${item.value.a}|${item.value.b}` : item.value.key;
      this.cy.getElementById(id).select();
    }
    if (item.type === "identifier") this.selection.append(...this.identifierPanel(item.value));
    else this.selection.append(...this.linkPanel(item.value, item.bridge));
  }

  identifierPanel(n) {
    const member = n.customer_id === this.id;
    return [
      h("h3", { class: "selected-title" }, h("span", { class: "kind-dot", dataset: { kind: n.kind } }), n.key),
      dl([["Kind", n.kind], ["Status", badge(n.status, n.status === "active" ? "ok" : "warn")], n.status_reason ? ["Why", n.status_reason] : null,
        ["Role", n.role], ["Customer", member ? "this one" : n.customer_id || "none"],
        ["First seen", when(n.first_seen_at)], ["Last seen", when(n.last_seen_at)],
        ["Seen with", Object.entries(n.seen_with || {}).map(([k, v]) => `${v} ${k}`).join(", ") || "—"]]),
      h("div", { class: "button-row" },
        h("button", { type: "button", class: "secondary", onclick: () => { this.pickA.value = n.key; this.pickA.focus(); }, text: "Explain from here" }),
        h("button", { type: "button", class: "secondary", onclick: () => { this.pickB.value = n.key; this.pickB.focus(); }, text: "…to here" })),
      member ? h("div", { class: "button-row" },
        h("button", { type: "button", id: "detach", class: "danger", onclick: () => this.detach(n), text: "Detach identifier" }),
        h("button", { type: "button", id: "block", class: "danger", onclick: () => this.block(n), text: "Block value" })) : null,
    ];
  }

  linkPanel(link, bridge) {
    const parts = [
      h("h3", { class: "selected-title" }, `${link.a}`, h("br"), `— ${link.b}`),
      h("p", {}, badge(link.state, `state-${link.state}`), bridge ? badge("bridge: cutting it splits the customer", "bridge") : null),
      dl([link.reason ? ["Reason", link.reason] : null, ["Seen", `${link.count} time(s)`], ["First seen", when(link.first_seen_at)], ["Last seen", when(link.last_seen_at)],
        ["Sources", link.sources.join(", ") || "—"], ["Observations", link.observations.join(", ") || "—"],
        link.decided_by ? ["Decided by", `${link.decided_by}, ${when(link.decided_at)}`] : null]),
    ];
    if (link.score !== undefined || link.fields) parts.push(waterfall(link));
    if (["active", "manual", "matched"].includes(link.state)) {
      parts.push(h("div", { class: "button-row" }, h("button", { type: "button", id: "cut", class: "danger", onclick: () => this.cut(link), text: "Cut this link" })));
    }
    return parts;
  }

  async explain() {
    const a = this.pickA.value;
    const b = this.pickB.value;
    clear(this.explainOut);
    if (a === b) {
      this.explainOut.append(errorBox(new Error("Pick two different identifiers.")));
      return;
    }
    try {
      const answer = await get(`/v1/customers/${encodeURIComponent(this.id)}/explain`, { a, b });
      showPath(this.cy, answer.path, a, b);
      this.explainOut.append(h("div", { class: "explain", id: "explain-summary" },
        h("p", { class: "summary", text: answer.summary }),
        h("ol", { class: "path-steps" }, answer.path.map((step) => h("li", {},
          `${step.a} — ${step.b}: `, badge(step.state, `state-${step.state}`),
          ` seen ${step.count}×, ${step.sources.join(", ")}, since ${day(step.first_seen_at)}`,
          step.match_key ? ` · ${step.match_key}` : "")))));
    } catch (error) {
      this.explainOut.append(errorBox(error));
    }
  }

  async act(title, text, call, describe) {
    const reason = await ask(title, text);
    if (reason === null) return;
    try {
      const result = await call(reason);
      clear(this.result).append(h("div", { class: "result", role: "status" }, describe(result)));
      const stay = result.customers.includes(this.id) ? this.id : result.customers[0];
      if (stay && stay !== this.id) {
        location.hash = `#/customer/${encodeURIComponent(stay)}`;
        return;
      }
      await this.loadGraph();
      await this.loadHistory();
    } catch (error) {
      clear(this.result).append(errorBox(error));
    }
  }

  customerLinks(ids) {
    return ids.map((id, i) => [i ? ", " : "", h("a", { href: `#/customer/${encodeURIComponent(id)}`, class: "customer-link" }, id), id === this.id ? " (kept the id)" : ""]);
  }

  cut(link) {
    return this.act("Cut this link", `${link.a} — ${link.b} will stay cut when the same evidence arrives again.`,
      (reason) => post("/v1/links/suppress", { a: raw(link.a), b: raw(link.b), reason }),
      (r) => r.customers.length > 1
        ? [h("strong", { text: "Cut. The customer is now two: " }), this.customerLinks(r.customers), "."]
        : [h("strong", { text: "Cut. " }), "Other links still join them: ", this.customerLinks(r.customers), "."]);
  }

  detach(n) {
    return this.act("Detach identifier", `Every link of ${n.key} is cut; it becomes a customer of its own.`,
      (reason) => post("/v1/identifiers/detach", { identifier: raw(n.key), reason }),
      (r) => [h("strong", { text: "Detached. " }), `${n.key} is now `, this.customerLinks(Object.values(r.identifiers).filter(Boolean)), "."]);
  }

  block(n) {
    return this.act("Block this value", `${n.key} stops linking, now and whenever it is seen again (a generic value).`,
      (reason) => post("/v1/identifiers/block", { identifier: raw(n.key), reason }),
      (r) => [h("strong", { text: "Blocked. " }), "Customers changed: ", this.customerLinks(r.changed_customers), "."]);
  }

  async merge() {
    const other = h("input", { id: "merge-other", required: true, placeholder: "c_…", autocomplete: "off" });
    const reason = await ask("Merge customers", `Force ${this.id} and another customer together; the older keeps its id.`,
      [h("label", { for: "merge-other", text: "The other customer's id" }), other]);
    if (reason === null) return;
    try {
      const r = await post("/v1/customers/merge", { customer_ids: [this.id, other.value.trim()], reason });
      clear(this.result).append(h("div", { class: "result", role: "status" }, h("strong", { text: "Merged into " }), this.customerLinks(r.customers), "."));
      if (!r.customers.includes(this.id)) location.hash = `#/customer/${encodeURIComponent(r.customers[0])}`;
      else { await this.loadGraph(); await this.loadHistory(); }
    } catch (error) {
      clear(this.result).append(errorBox(error));
    }
  }

  timelineCard() {
    this.timeline = h("ol", { id: "timeline", class: "timeline" });
    this.types = h("input", { id: "timeline-types", placeholder: "order.*, message.received", autocomplete: "off" });
    this.more = h("button", { type: "button", class: "secondary", id: "timeline-more", hidden: true, onclick: () => this.loadTimeline(false), text: "Older events" });
    this.timelineError = h("div");
    const filter = h("form", { class: "inline-form", onsubmit: (e) => { e.preventDefault(); this.loadTimeline(true); } },
      h("label", { for: "timeline-types", text: "Types" }), this.types, h("button", { type: "submit", class: "secondary", text: "Filter" }));
    return card("Timeline", filter, this.timelineError, this.timeline, this.more);
  }

  async loadTimeline(fresh) {
    if (fresh) { this.cursor = null; clear(this.timeline); }
    clear(this.timelineError);
    try {
      const page = await get(`/v1/customers/${encodeURIComponent(this.id)}/timeline`, { limit: 15, cursor: this.cursor, types: this.types.value.replace(/\s+/g, "") });
      this.timeline.append(...page.items.map((e) => h("li", {},
        h("time", { datetime: e.occurred_at, text: when(e.occurred_at) }),
        h("span", { class: `family family-${e.family}`, text: e.title }),
        h("span", { class: "muted", text: ` ${e.summary} · ${e.source}` }))));
      if (!this.timeline.children.length) this.timeline.append(h("li", { class: "muted", text: "No events." }));
      this.cursor = page.next_cursor;
      this.more.hidden = !page.next_cursor;
    } catch (error) {
      this.timelineError.append(errorBox(error));
    }
  }

  historyCard() {
    this.history = h("ol", { id: "history", class: "history" });
    return card("History", this.history);
  }

  async loadHistory() {
    const page = await get(`/v1/customers/${encodeURIComponent(this.id)}/history`);
    clear(this.history).append(...page.items.map((e) => h("li", {},
      h("div", {}, h("strong", { text: e.action.replaceAll("_", " ") }), h("span", { class: "muted", text: ` · ${when(e.at)} · ${e.actor}` })),
      h("div", { class: "why", text: e.reason }),
      h("div", { class: "small muted", text: `before: ${(e.before.customers || []).map((c) => c.id || c).join(", ") || "—"} → after: ${(e.after.customers || []).map((c) => c.id || c).join(", ") || "—"}` }))));
    if (!page.items.length) this.history.append(h("li", { class: "muted", text: "No changes recorded." }));
  }
}

export { KIND_COLOURS };
