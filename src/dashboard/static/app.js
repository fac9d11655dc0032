// IronGate dashboard. Every value from the API is agent-controlled in part
// (paths, commands, frames, reasons): it is put on the page with
// textContent / option.text only, never as HTML.
"use strict";

const TOKEN_KEY = "irongate-token";
let token = null;
let lastEvent = 0;
let focusReview = null;
let busy = false;

function takeFragment() {
  const frag = new URLSearchParams(location.hash.slice(1));
  if (frag.get("token")) sessionStorage.setItem(TOKEN_KEY, frag.get("token"));
  if (frag.get("review")) focusReview = frag.get("review");
  // The token leaves the address bar (and the history) at once.
  if (location.hash) history.replaceState(null, "", location.pathname);
  token = sessionStorage.getItem(TOKEN_KEY);
}

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: "Bearer " + token } };
  if (body !== undefined) {
    opts.headers["Content-Type"] = "application/json";
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  if (r.status === 401) { showLogin("The token was refused."); throw new Error("unauthorized"); }
  const data = await r.json().catch(() => ({}));
  if (!r.ok) throw new Error((data && data.error) || ("HTTP " + r.status));
  return data;
}

function el(tag, props, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "class") e.className = v;
    else if (k === "onclick") e.addEventListener("click", v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) {
    if (k === null || k === undefined) continue;
    e.append(typeof k === "string" ? document.createTextNode(k) : k);
  }
  return e;
}

function text(v) {
  if (v === null || v === undefined) return "";
  return typeof v === "string" ? v : JSON.stringify(v);
}

function describe(a) {
  if (!a) return "";
  const what = a.path || a.url || a.cmd || a.target || a.tool_name || a.name || a.host || "";
  return (a.type || "?") + "/" + (a.subtype || "?") + " " + text(what);
}

function ruleText(r) {
  if (!r) return "(capability gate)";
  return "#" + r.index + (r.name ? " " + r.name : "");
}

function when(ts) { return ts ? new Date(ts * 1000).toLocaleTimeString() : ""; }

function setError(msg) { document.getElementById("error").textContent = msg || ""; }

function showLogin(msg) {
  document.getElementById("app").hidden = true;
  document.getElementById("login").hidden = false;
  document.getElementById("conn").textContent = msg || "not connected";
}

async function decide(id, verb) {
  if (busy) return;
  busy = true;
  try {
    const res = await api("POST", "/api/approvals/" + encodeURIComponent(id) + "/" + verb, {});
    setError("");
    document.getElementById("conn").textContent =
      "review " + id + " " + res.verdict + (res.remembered ? " and remembered" : "");
  } catch (e) {
    setError("review " + id + ": " + e.message);
  } finally {
    busy = false;
    refreshPending();
    refreshRemembered();
  }
}

function pendingCard(p) {
  const ev = p.event || {};
  const a = ev.action || {};
  const card = el("div", { class: "card" + (String(p.id) === focusReview ? " focus" : ""), id: "review-" + p.id });
  const dl = el("dl", {},
    el("dt", {}, "review"), el("dd", {}, String(p.id) + "  (run " + p.run_id + ", agent " + text(p.agent) + ", " + p.seconds_left + "s left)"),
    el("dt", {}, "action"), el("dd", { class: "action" }, describe(a)),
    el("dt", {}, "details"), el("dd", {}, JSON.stringify(a, null, 1)),
    el("dt", {}, "rule"), el("dd", {}, ruleText(ev.rule)),
    el("dt", {}, "reason"), el("dd", {}, text(ev.reason)),
    el("dt", {}, "frame"), el("dd", {}, text(ev.frame) || "(kernel layer: no Python frame)"),
    el("dt", {}, "process"), el("dd", {}, "pid " + ev.pid + " tid " + ev.tid + ", layer " + text(ev.layer)));
  const actions = el("div", { class: "actions" },
    el("button", { class: "approve", id: "approve-" + p.id, onclick: () => decide(p.id, "approve") }, "Approve"),
    el("button", { class: "deny", id: "deny-" + p.id, onclick: () => decide(p.id, "deny") }, "Deny"),
    el("button", { id: "remember-" + p.id, title: "Approve, and let this agent do exactly this again without asking",
      onclick: () => decide(p.id, "remember") }, "Approve and remember"));
  card.append(dl, actions);
  return card;
}

async function refreshPending() {
  const list = await api("GET", "/api/approvals");
  const box = document.getElementById("pending");
  box.replaceChildren(...list.map(pendingCard));
  document.getElementById("pending-count").textContent = String(list.length);
  document.getElementById("pending-empty").hidden = list.length > 0;
  document.title = list.length ? "(" + list.length + ") IronGate" : "IronGate";
}

function filterQuery() {
  const q = new URLSearchParams();
  const run = document.getElementById("f-run").value;
  const d = document.getElementById("f-decision").value;
  const l = document.getElementById("f-layer").value;
  if (run) q.set("run", run);
  if (d) q.set("decision", d);
  if (l) q.set("layer", l);
  if (document.getElementById("f-unexplained").checked) q.set("unexplained", "true");
  return q;
}

function eventRow(e) {
  return el("tr", { "data-id": String(e.id) },
    el("td", {}, String(e.id)), el("td", {}, when(e.ts)), el("td", {}, String(e.run_id)),
    el("td", {}, text(e.layer) + (e.unexplained ? " (unexplained)" : "")),
    el("td", { class: "d-" + text(e.decision) }, text(e.decision) + (e.review ? " → " + text(e.review.verdict) : "")),
    el("td", { class: "mono" }, describe(e.action)), el("td", {}, text(e.reason)),
    el("td", { class: "mono" }, text(e.frame)));
}

async function refreshEvents(reset) {
  const body = document.querySelector("#events tbody");
  const q = filterQuery();
  if (reset) { lastEvent = 0; body.replaceChildren(); }
  if (lastEvent) q.set("after", String(lastEvent)); else q.set("tail", "true");
  q.set("limit", "200");
  const evs = await api("GET", "/api/events?" + q.toString());
  for (const e of evs) {
    body.prepend(eventRow(e));
    lastEvent = Math.max(lastEvent, e.id);
  }
  while (body.rows.length > 500) body.deleteRow(body.rows.length - 1);
}

async function refreshRuns() {
  const runs = await api("GET", "/api/runs");
  const body = document.querySelector("#runs tbody");
  body.replaceChildren(...runs.map((r) => {
    const c = r.counts || {};
    const chain = r.chain === null || r.chain === undefined ? "not checked" :
      (r.chain.ok ? "ok (" + r.chain.checked + ")" : "BROKEN at " + text(r.chain.first_bad && r.chain.first_bad.id));
    const exit = r.signal ? "signal " + r.signal : text(r.exit_code);
    return el("tr", {}, el("td", {}, String(r.id)), el("td", {}, text(r.agent_name)), el("td", {}, text(r.profile)),
      el("td", {}, text(r.status)), el("td", {}, exit), el("td", {}, text(c.events)), el("td", {}, text(c.allow)),
      el("td", {}, text(c.review)), el("td", {}, text(c.block)), el("td", {}, text(c.unexplained)),
      el("td", { class: r.chain && !r.chain.ok ? "d-block" : "" }, chain));
  }));
  const sel = document.getElementById("f-run");
  const cur = sel.value;
  const opts = [el("option", { value: "" }, "all")];
  for (const r of runs) {
    const o = el("option", { value: String(r.id) }, String(r.id) + " " + text(r.agent_name));
    opts.push(o);
  }
  sel.replaceChildren(...opts);
  sel.value = cur;
}

async function refreshRemembered() {
  const list = await api("GET", "/api/remembered");
  const body = document.querySelector("#remembered tbody");
  body.replaceChildren(...(Array.isArray(list) ? list : []).map((a) => el("tr", {},
    el("td", {}, String(a.id)), el("td", { class: "mono" }, text(a.explain)),
    el("td", {}, el("button", { id: "revoke-" + a.id, onclick: async () => {
      try { await api("DELETE", "/api/remembered/" + a.id); } catch (e) { setError(e.message); }
      refreshRemembered();
    } }, "Revoke")))));
  document.getElementById("remembered-empty").hidden = body.rows.length > 0;
}

async function loadPolicy() {
  const p = await api("GET", "/api/policy");
  document.getElementById("policy-origin").textContent = "(" + text(p.origin) + ")";
  document.getElementById("policy").textContent = p.policy ? JSON.stringify(p.policy, null, 2) : text(p.text);
}

async function tick() {
  try {
    await refreshPending();
    await refreshEvents(false);
    document.getElementById("conn").textContent = "live";
  } catch (e) {
    if (e.message !== "unauthorized") setError(e.message);
  }
}

async function start() {
  takeFragment();
  if (!token) { showLogin(); return; }
  document.getElementById("login").hidden = true;
  document.getElementById("app").hidden = false;
  // Keep polling whatever the first load does: one failed request must
  // not leave a reviewer looking at a stale page.
  setInterval(tick, 1000);
  setInterval(() => { refreshRuns().catch(() => {}); refreshRemembered().catch(() => {}); }, 5000);
  try {
    await Promise.all([refreshPending(), refreshEvents(true), refreshRuns(), refreshRemembered(), loadPolicy()]);
    document.getElementById("conn").textContent = "live";
  } catch (e) {
    if (e.message !== "unauthorized") setError(e.message);
  }
}

document.addEventListener("DOMContentLoaded", () => {
  document.getElementById("login-form").addEventListener("submit", (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, document.getElementById("token-input").value.trim());
    start();
  });
  document.getElementById("filters").addEventListener("change", () => refreshEvents(true).catch((e) => setError(e.message)));
  start();
});
