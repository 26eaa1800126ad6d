// The console's shell: sign-in, navigation by URL fragment, and one place errors are shown.

import { api, session } from "./api.mjs";
import { h, clear, errorBox } from "./dom.mjs";
import { renderFind } from "./find.mjs";
import { renderCustomer } from "./customer.mjs";
import { renderReview } from "./review.mjs";
import { renderPolicy } from "./policy.mjs";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const who = document.getElementById("who");
const notice = document.getElementById("notice");

export function showError(error) {
  clear(notice).append(errorBox(error));
  notice.hidden = false;
}

export function clearError() {
  notice.hidden = true;
  clear(notice);
}

function signIn(message) {
  nav.hidden = true;
  clear(who);
  const input = h("input", {
    id: "api-key", type: "password", autocomplete: "off", spellcheck: "false", required: true,
    "aria-describedby": "key-help", placeholder: "c360_…",
  });
  const problem = h("div", { class: "form-error", role: "alert" });
  const form = h("form", { class: "signin card", id: "signin-form" },
    h("h1", { text: "Sign in" }),
    h("p", { id: "key-help", class: "muted" },
      "Paste an API key (c360 keys create --scopes steward,read). It is kept for this tab only and sent as a bearer token, never in an address."),
    h("label", { for: "api-key", text: "API key" }),
    input,
    problem,
    h("button", { type: "submit", id: "signin", text: "Sign in" }));
  if (message) problem.textContent = message;
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    problem.textContent = "";
    const key = input.value.trim();
    try {
      await identify(key);
      session.set(key);
      if (!location.hash || location.hash === "#/signin") location.hash = "#/find";
      else route();
    } catch (error) {
      problem.textContent = error.message;
    }
  });
  clear(main).append(form);
  input.focus();
}

async function identify(key) {
  const me = await api("GET", "/v1/keys/me", { key });
  session.scopes = me.scopes;
  session.name = me.name;
  return me;
}

function signOut() {
  session.clear();
  session.scopes = [];
  location.hash = "#/signin";
  signIn();
}

function header(page) {
  nav.hidden = false;
  for (const link of nav.querySelectorAll("a")) {
    if (link.dataset.page === page) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  clear(who).append(
    h("span", { class: "who-name" }, `${session.name} · ${session.scopes.join(", ")}`),
    h("button", { type: "button", class: "link-button", id: "signout", onclick: signOut, text: "Sign out" }),
  );
}

async function route() {
  clearError();
  if (!session.key) return signIn();
  if (!session.scopes.length) {
    try {
      await identify(session.key);
    } catch (error) {
      session.clear();
      return signIn(error.message);
    }
  }
  const [, page = "find", ...rest] = (location.hash || "#/find").split("/");
  const arg = decodeURIComponent(rest.join("/"));
  header(page);
  clear(main);
  const pages = { find: renderFind, customer: renderCustomer, review: renderReview, policy: renderPolicy };
  const render = pages[page] || renderFind;
  try {
    await render(main, arg);
  } catch (error) {
    if (error.status === 401) {
      session.clear();
      return signIn(error.message);
    }
    main.append(errorBox(error));
  }
  main.focus({ preventScroll: true });
}

window.addEventListener("hashchange", route);
window.addEventListener("unhandledrejection", (event) => showError(event.reason));
route();
