// asakai's pages work without this file. It adds two things for the person driving
// the shared screen: keys (j/k next/previous alert, 1-5 outcome of the current one)
// and posting review forms in place, so the page does not jump back to the top.
"use strict";

(function () {
  const alerts = () => Array.from(document.querySelectorAll(".alert[data-id]"));
  let current = -1;

  function say(text) {
    const status = document.getElementById("status");
    if (status) status.textContent = text;
  }

  function select(i) {
    const list = alerts();
    if (list.length === 0) return;
    current = Math.max(0, Math.min(list.length - 1, i));
    list.forEach((el, n) => el.classList.toggle("current", n === current));
    const el = list[current];
    const group = el.closest("details");
    if (group) group.open = true;
    el.scrollIntoView({ block: "nearest" });
  }

  // The outcome and note just saved, shown where the server would show them.
  function showSaved(form) {
    const ids = form.elements.ids.value.split(",");
    const select = form.elements.outcome;
    const outcome = select.value;
    const label = select.options[select.selectedIndex].text;
    let newly = 0;
    ids.forEach((id) => {
      // An alert of two services shows in both sections: update every copy, count it once.
      const copies = alerts().filter((el) => el.dataset.id === id);
      const first = copies.length > 0 && copies[0].querySelector(".outcome");
      if (first && !first.dataset.outcome) newly += 1;
      copies.forEach((el) => {
        const badge = el.querySelector(".outcome");
        if (badge) {
          badge.dataset.outcome = outcome;
          badge.textContent = label;
        }
        const own = el.querySelector("form.review select[name=outcome]");
        if (own) own.value = outcome;
      });
    });
    document.querySelectorAll("details.group").forEach((group) => {
      const badges = Array.from(group.querySelectorAll("li.alert .outcome"));
      const done = badges.filter((b) => b.dataset.outcome).length;
      const progress = group.querySelector(".group-progress");
      if (progress) progress.textContent = done + "/" + badges.length;
    });
    const reviewed = document.getElementById("reviewed");
    if (reviewed) reviewed.textContent = String(Number(reviewed.textContent) + newly);
  }

  async function post(form) {
    const body = new URLSearchParams(new FormData(form));
    try {
      // The server answers 303 back to this page; not following it keeps the post cheap.
      const r = await fetch(form.action, { method: "POST", body: body, redirect: "manual" });
      if (r.type === "opaqueredirect" || r.ok) {
        if (form.classList.contains("review")) showSaved(form);
        say("✓");
        return;
      }
      say(r.status + " " + r.statusText);
    } catch (e) {
      say(String(e));
    }
  }

  document.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("review")) return;
    ev.preventDefault();
    post(form);
  });

  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) return;
    if (ev.key === "j") select(current + 1);
    else if (ev.key === "k") select(current - 1);
    else if (/^[1-5]$/.test(ev.key) && current >= 0) {
      const form = alerts()[current].querySelector("form.review");
      if (!form) return;
      // The first option is the "not reviewed" placeholder: key 1 is the second.
      form.elements.outcome.selectedIndex = Number(ev.key);
      post(form);
    } else return;
    ev.preventDefault();
  });
})();
