// One dialog for every steward action: it says what will happen and asks for a reason.

import { clear } from "./dom.mjs";

export function ask(title, text, extra = []) {
  const dialog = document.getElementById("action-dialog");
  const form = document.getElementById("action-form");
  const reason = document.getElementById("action-reason");
  document.getElementById("action-title").textContent = title;
  document.getElementById("action-text").textContent = text;
  clear(document.getElementById("action-extra")).append(...extra);
  reason.value = "";
  return new Promise((resolve) => {
    const done = (value) => {
      form.removeEventListener("submit", submit);
      document.getElementById("action-cancel").removeEventListener("click", cancel);
      dialog.removeEventListener("cancel", cancel);
      dialog.close();
      resolve(value);
    };
    const submit = (event) => {
      event.preventDefault();
      if (!form.reportValidity()) return;
      done(reason.value.trim());
    };
    const cancel = (event) => {
      event.preventDefault();
      done(null);
    };
    form.addEventListener("submit", submit);
    document.getElementById("action-cancel").addEventListener("click", cancel);
    dialog.addEventListener("cancel", cancel);
    dialog.showModal();
    (extra.find((el) => el.tagName === "INPUT") || reason).focus();
  });
}
