// Calls to the Contact 360 API with the tab's key; every failure becomes an ApiError in words.

const KEY = "c360.console.key";

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  set(key) {
    sessionStorage.setItem(KEY, key);
  },
  clear() {
    sessionStorage.removeItem(KEY);
  },
  scopes: [],
  name: "",
  has(scope) {
    return this.scopes.includes(scope) || this.scopes.includes("admin");
  },
};

export class ApiError extends Error {
  constructor(status, code, message, errors = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.errors = errors;
  }
}

const STATUS_WORDS = {
  401: "The API key was refused",
  403: "This key may not do that",
  404: "Not found",
  409: "Conflict",
  413: "Too large",
  422: "The request was refused",
  503: "The service is unavailable",
};

function describe(status, data) {
  const base = (data && typeof data === "object" && data.message) || STATUS_WORDS[status] || `HTTP ${status}`;
  const fields = (data && Array.isArray(data.errors) ? data.errors : [])
    .map((e) => `${(e.loc || []).join(".")}: ${e.message}`)
    .filter((text) => text.length > 2);
  const text = base.charAt(0).toUpperCase() + base.slice(1);
  return fields.length ? `${text} (${fields.join("; ")})` : text;
}

export async function api(method, path, { query, json, text, key } = {}) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(query || {})) {
    if (value !== undefined && value !== null && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  const token = key ?? session.key;
  if (token) headers.Authorization = `Bearer ${token}`;
  let body;
  if (json !== undefined) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(json);
  } else if (text !== undefined) {
    headers["Content-Type"] = "application/toml";
    body = text;
  }
  let response;
  try {
    response = await fetch(url, { method, headers, body, credentials: "omit", cache: "no-store" });
  } catch (error) {
    throw new ApiError(0, "network", `The service could not be reached (${error.message}).`);
  }
  const type = response.headers.get("content-type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : await response.text();
  if (!response.ok) {
    const code = data && typeof data === "object" && data.code ? data.code : `http_${response.status}`;
    throw new ApiError(response.status, code, describe(response.status, data), (data && data.errors) || []);
  }
  return data;
}

export const get = (path, query) => api("GET", path, { query });
export const post = (path, json) => api("POST", path, { json });
