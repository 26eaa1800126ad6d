// The review queue: refused links and person-evidence proposals, answered from the keyboard.

import { get, api } from "./api.mjs";
import { h, clear, card, badge, day, errorBox } from "./dom.mjs";
import { waterfall } from "./evidence.mjs";

const raw = (key) => {
  const at = key.indexOf(":");
  return { kind: key.slice(0, at), value: key.slice(at + 1) };
};

const ANSWERS = { l: "link", n: "never", s: "skip" };

export async function renderReview(main) {
  const items = [];
  let cursor = null;
  let current = 0;
  const body = h("tbody", { id: "review-rows" });
  const detail = h("div", { id: "review-detail" });
  const status = h("div", { id: "review-status", "aria-live": "polite" });
  const reason = h("input", { id: "review-reason", autocomplete: "off", maxlength: 1000, placeholder: "e.g. checked the CRM record" });
  const more = h("button", { type: "button", class: "secondary", id: "review-more", hidden: true, text: "Load more", onclick: () => load() });
  const table = h("table", { class: "queue", id: "review-table", tabindex: 0, "aria-label": "Review items; arrow keys move, L links, N never links, S skips" },
    h("thead", {}, h("tr", {}, ["", "Identifiers", "Why it is here", "Seen", "Score"].map((t) => h("th", { scope: "col", text: t })))),
    body);

  function draw() {
    clear(body);
    items.forEach((item, i) => {
      const row = h("tr", { class: i === current ? "current" : "", "aria-selected": i === current ? "true" : "false", onclick: () => { current = i; draw(); table.focus(); } },
        h("td", { class: "num", text: String(i + 1) }),
        h("td", {}, h("div", { text: item.a }), h("div", { text: item.b })),
        h("td", {}, badge(item.state, `state-${item.state}`), " ", item.reason || ""),
        h("td", { text: `${item.count}× · ${item.sources.join(", ")} · ${day(item.last_seen_at)}` }),
        h("td", { class: "num" }, item.score !== undefined ? Number(item.score).toFixed(2) : "—", item.match_key ? h("div", { class: "small" }, h("code", { text: item.match_key })) : null));
      body.append(row);
    });
    if (!items.length) body.append(h("tr", {}, h("td", { colspan: 5, class: "muted", text: "Nothing waiting for review." })));
    clear(detail);
    const item = items[current];
    if (item && (item.fields || item.score !== undefined)) detail.append(card("Person evidence", waterfall(item)));
    body.querySelector("tr.current")?.scrollIntoView({ block: "nearest" });
  }

  async function load() {
    try {
      const page = await get("/v1/review/conflicts", { limit: 50, cursor });
      items.push(...page.items);
      cursor = page.next_cursor;
      more.hidden = !cursor;
      draw();
    } catch (error) {
      clear(status).append(errorBox(error));
    }
  }

  async function answer(decision) {
    const item = items[current];
    if (!item) return;
    clear(status);
    if (!reason.value.trim()) {
      status.append(errorBox(new Error("Give a reason first: it is kept with the answer.")));
      reason.focus();
      return;
    }
    try {
      const result = await api("POST", "/v1/review/decisions", {
        json: { a: raw(item.a), b: raw(item.b), decision, reason: reason.value.trim() },
      });
      const words = { link: "Linked", never: "Never link", skip: "Skipped" }[decision];
      status.append(h("div", { class: "result", role: "status" }, h("strong", { text: `${words}: ` }), `${item.a} — ${item.b}`,
        result.customers.length ? [" · customers now: ", result.customers.map((id, i) => [i ? ", " : "", h("a", { href: `#/customer/${encodeURIComponent(id)}`, text: id })])] : ""));
      if (decision === "skip") current = Math.min(current + 1, items.length - 1);
      else {
        items.splice(current, 1);
        current = Math.min(current, Math.max(items.length - 1, 0));
      }
      draw();
      table.focus();
    } catch (error) {
      status.append(errorBox(error));
    }
  }

  table.addEventListener("keydown", (event) => {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    const key = event.key.toLowerCase();
    if (key === "arrowdown" || key === "j") current = Math.min(current + 1, items.length - 1);
    else if (key === "arrowup" || key === "k") current = Math.max(current - 1, 0);
    else if (ANSWERS[key]) { event.preventDefault(); answer(ANSWERS[key]); return; }
    else return;
    event.preventDefault();
    draw();
  });

  main.append(
    h("h1", { text: "Review queue" }),
    h("p", { class: "muted" }, "Links the merge policy refused and proposals from person evidence. Focus the list, move with ↑ ↓ (or J K) and answer with ",
      h("kbd", { text: "L" }), " link, ", h("kbd", { text: "N" }), " never link, ", h("kbd", { text: "S" }), " skip. Every answer is audited and kept as a label for training."),
    card(null,
      h("div", { class: "inline-form" }, h("label", { for: "review-reason", text: "Reason for your answers" }), reason,
        h("span", { class: "button-row" },
          h("button", { type: "button", id: "answer-link", onclick: () => answer("link"), text: "Link (L)" }),
          h("button", { type: "button", id: "answer-never", class: "danger", onclick: () => answer("never"), text: "Never (N)" }),
          h("button", { type: "button", id: "answer-skip", class: "secondary", onclick: () => answer("skip"), text: "Skip (S)" }))),
      status, table, more),
    detail);
  await load();
}
