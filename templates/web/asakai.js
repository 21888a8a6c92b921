// asakai's pages work without this file. On the meeting screen it adds what the
// person driving the shared screen needs: keys (j/k next/previous item, 1-5 decide
// and move to the next unreviewed, n note, t task, u unreviewed only, p presenter,
// ? the keys), the selected item's detail fetched in place, and forms posted in
// place, so nothing reloads and the page never jumps back to the top.
"use strict";

(function () {
  const meeting = document.getElementById("meeting");
  const status = document.getElementById("status");

  function say(text) {
    if (status) status.textContent = text;
  }

  // Presenter mode outlives a reload: the projector stays in it.
  if (localStorage.getItem("asakai.presenter") === "1") document.body.classList.add("presenter");

  if (!meeting) return;
  const detail = document.getElementById("detail");
  const lang = meeting.dataset.lang;
  const items = () => Array.from(meeting.querySelectorAll("li.item")).filter((el) => el.offsetParent !== null);
  const current = () => meeting.querySelector("li.item[aria-current=true]");

  function pressed(id, on) {
    const b = document.getElementById(id);
    if (b) b.setAttribute("aria-pressed", on ? "true" : "false");
  }
  pressed("presenter", document.body.classList.contains("presenter"));

  // Where a form comes back to, and what the address bar shows: this item.
  function itemUrl(key) {
    const url = new URL(window.location.href);
    url.searchParams.set("item", key);
    url.hash = key;
    return url;
  }

  async function select(el) {
    if (!el) return;
    const before = current();
    if (before) before.removeAttribute("aria-current");
    el.setAttribute("aria-current", "true");
    el.scrollIntoView({ block: "nearest" });
    const key = el.dataset.key;
    history.replaceState(null, "", itemUrl(key));
    const url = "/digests/" + meeting.dataset.date + "/items/" + encodeURIComponent(key) +
      (meeting.dataset.langQuery ? "?" + meeting.dataset.langQuery.replace(/^&/, "") : "");
    try {
      const r = await fetch(url, { headers: { Accept: "text/html" } });
      if (!r.ok) throw new Error(r.status + " " + r.statusText);
      const html = await r.text();
      // Another key may have moved on while this came: show only the current item.
      if (current() === el) detail.innerHTML = html;
    } catch (e) {
      say(String(e));
    }
  }

  function step(by) {
    const list = items();
    if (list.length === 0) return;
    const at = list.indexOf(current());
    const next = at < 0 ? 0 : Math.max(0, Math.min(list.length - 1, at + by));
    select(list[next]);
  }

  function nextUnreviewed(from) {
    const list = items();
    const at = list.indexOf(from);
    const after = list.slice(at + 1).concat(list.slice(0, at + 1));
    return after.find((el) => el.dataset.done !== "1" && el !== from);
  }

  // The counter and the row after a review: what the server shows on the next load.
  function reviewed(row, outcome, label, note) {
    const ids = row.dataset.alertIds.split(" ").filter(Boolean);
    const wasDone = row.dataset.done === "1";
    const progress = document.getElementById("progress");
    if (progress && !wasDone) {
      // Alerts of the window count; earlier meetings' do not.
      const inWindow = !row.closest("ol.earlier");
      const partly = row.querySelector(".chip").textContent.match(/^(\d+)\//);
      const newly = ids.length - (partly ? Number(partly[1]) : 0);
      if (inWindow) {
        const n = Number(progress.dataset.reviewed) + newly;
        progress.dataset.reviewed = String(n);
        progress.textContent = progress.dataset.template
          .replace("{reviewed}", String(n))
          .replace("{total}", progress.dataset.total);
        const meter = document.getElementById("meter");
        if (meter) meter.value = n;
      }
    }
    row.dataset.done = "1";
    row.classList.add("done");
    const chip = row.querySelector(".chip");
    chip.dataset.outcome = outcome;
    chip.textContent = "✓ " + label;
    const saved = document.getElementById("saved-note");
    if (saved) saved.textContent = note ? "✎ " + note : "";
    detail.querySelectorAll("form.decide .outcomes button").forEach((b) => {
      b.setAttribute("aria-pressed", b.value === outcome ? "true" : "false");
    });
  }

  async function postReview(form, outcome, label) {
    const row = meeting.querySelector('li.item[data-key="' + form.dataset.key + '"]');
    const body = new URLSearchParams(new FormData(form));
    body.set("outcome", outcome);
    try {
      // The server answers 303 back to this page; not following it keeps the post cheap.
      const r = await fetch(form.action, { method: "POST", body: body, redirect: "manual" });
      if (!(r.type === "opaqueredirect" || r.ok)) throw new Error(r.status + " " + r.statusText);
      if (row) reviewed(row, outcome, label, body.get("note"));
      say("✓ " + label);
      return true;
    } catch (e) {
      say(String(e));
      return false;
    }
  }

  async function decide(n) {
    const form = detail.querySelector("form.decide");
    const button = form && form.querySelector('.outcomes button[data-key="' + n + '"]');
    if (!button) return;
    const row = current();
    if (await postReview(form, button.value, button.textContent.replace(/^\s*\d\s*/, ""))) {
      select(nextUnreviewed(row) || row);
    }
  }

  function toggleFilter() {
    const on = !document.body.classList.contains("unreviewed-only");
    document.body.classList.toggle("unreviewed-only", on);
    // A link (it works without the script too): its state is aria-current, not pressed.
    const filter = document.getElementById("filter");
    if (filter) {
      filter.classList.toggle("on", on);
      if (on) filter.setAttribute("aria-current", "true");
      else filter.removeAttribute("aria-current");
    }
    const cur = current();
    if (on && cur && cur.offsetParent === null) select(nextUnreviewed(cur));
  }

  function togglePresenter() {
    const on = document.body.classList.toggle("presenter");
    localStorage.setItem("asakai.presenter", on ? "1" : "0");
    pressed("presenter", on);
  }

  function showKeys() {
    const d = document.getElementById("keys");
    if (d && !d.open) d.showModal();
  }

  function task() {
    const buttons = detail.querySelectorAll("form.task button[type=submit]");
    if (buttons.length === 1) buttons[0].form.requestSubmit();
    else if (buttons.length > 1) {
      // One task per host: the person picks the host.
      buttons[0].focus();
      const hint = detail.querySelector(".task-forms .meta");
      if (hint) say(hint.textContent);
    }
  }

  meeting.addEventListener("click", (ev) => {
    const link = ev.target.closest("li.item a.row");
    if (link && !ev.ctrlKey && !ev.metaKey && !ev.shiftKey) {
      ev.preventDefault();
      select(link.closest("li.item"));
      return;
    }
    if (ev.target.closest("#filter")) {
      ev.preventDefault();
      toggleFilter();
    } else if (ev.target.closest("#presenter")) {
      togglePresenter();
    } else if (ev.target.closest("#show-keys")) {
      showKeys();
    }
  });

  // The decide form posts in place; which button sent it says the outcome.
  meeting.addEventListener("submit", (ev) => {
    const form = ev.target;
    if (!(form instanceof HTMLFormElement) || !form.classList.contains("decide")) return;
    ev.preventDefault();
    const button = ev.submitter;
    if (!button || !button.value) return;
    const label = button.classList.contains("save-note")
      ? (current() && current().querySelector(".chip").textContent.replace(/^✓\s*/, "")) || button.value
      : button.textContent.replace(/^\s*\d\s*/, "");
    postReview(form, button.value, label);
  });

  document.addEventListener("keydown", (ev) => {
    const t = ev.target;
    if (ev.ctrlKey || ev.metaKey || ev.altKey) return;
    if (t instanceof HTMLInputElement || t instanceof HTMLSelectElement || t instanceof HTMLTextAreaElement) {
      if (ev.key === "Escape") t.blur();
      return;
    }
    // Enter on a focused button or link does what it says (a task for this host).
    if (ev.key === "Enter" && (t instanceof HTMLButtonElement || t instanceof HTMLAnchorElement)) return;
    if (document.querySelector("dialog[open]")) return;
    const k = ev.key;
    if (k === "j") step(1);
    else if (k === "k") step(-1);
    else if (/^[1-5]$/.test(k)) decide(k);
    else if (k === "n") {
      const note = document.getElementById("note");
      if (note) note.focus();
    } else if (k === "t") task();
    else if (k === "u") toggleFilter();
    else if (k === "p") togglePresenter();
    else if (k === "?") showKeys();
    else if (k === "Enter" && current()) {
      const first = current().dataset.alertIds.split(" ")[0];
      window.location.href = "/alerts/" + encodeURIComponent(first) + (lang ? "?lang=" + lang : "");
    } else return;
    ev.preventDefault();
  });

  // The selected row in view when the page opens at it.
  const cur = current();
  if (cur) cur.scrollIntoView({ block: "nearest" });
})();
