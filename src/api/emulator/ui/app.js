// The tsb-emulator dashboard: polls the control API and renders keys, journal, faults, the
// clock and the open SKA requests with approve/reject buttons.
// Data is only ever put into the page as text (textContent), never as markup.
"use strict";

const TOKEN_KEY = "tsb-emulator-control-token";
const POLL_MS = 1000;
const JOURNAL_ROWS = 500;

let token = sessionStorage.getItem(TOKEN_KEY) || "";
let lastSeq = 0;
let lastKeys = "";
let lastFaults = "";
let journalCount = 0;

const $ = (id) => document.getElementById(id);

function el(tag, text, className) {
  const node = document.createElement(tag);
  if (text !== undefined && text !== null) node.textContent = String(text);
  if (className) node.className = className;
  return node;
}

function row(cells) {
  const tr = document.createElement("tr");
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.appendChild(cell);
    else td.textContent = cell === undefined || cell === null ? "" : String(cell);
    tr.appendChild(td);
  }
  return tr;
}

function say(text, isError) {
  const message = $("message");
  message.textContent = text || "";
  message.className = isError ? "error" : "";
}

class NeedsToken extends Error {}

// One control call; asks for the token when the emulator wants one.
async function call(method, path, body) {
  const headers = {};
  if (token) headers["X-Control-Token"] = token;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    cache: "no-store",
  });
  if (response.status === 401) {
    $("token-form").hidden = false;
    $("forget-token").hidden = true;
    throw new NeedsToken(token ? "The control token was refused." : "This emulator wants its control token.");
  }
  $("forget-token").hidden = !token;
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch (_) {
    data = text;
  }
  if (!response.ok) {
    const reason = data && data.message ? data.message : response.statusText;
    const error = new Error(`${method} ${path}: ${response.status} ${reason}`);
    error.status = response.status;
    throw error;
  }
  return data;
}

function attributesCell(attributes) {
  const wrap = el("span");
  if (!attributes) return wrap;
  const on = Object.keys(attributes).filter((name) => attributes[name] === true);
  for (const name of on) wrap.appendChild(el("span", name, "chip"));
  wrap.title = JSON.stringify(attributes);
  return wrap;
}

function policyCell(policy) {
  if (policy === null || policy === undefined) return el("span", "none", "muted");
  const details = document.createElement("details");
  const rules = ["ruleUse", "ruleBlock", "ruleUnblock", "ruleModify"].filter((r) => policy[r]);
  details.appendChild(el("summary", rules.length ? rules.join(", ") : "policy"));
  details.appendChild(el("pre", JSON.stringify(policy, null, 2)));
  return details;
}

const CURVES = {
  "1.2.840.10045.3.1.7": "P-256",
  "1.3.132.0.34": "P-384",
  "1.3.132.0.35": "P-521",
  "1.3.132.0.10": "secp256k1",
  "1.3.36.3.3.2.8.1.1.7": "brainpoolP256r1",
  "1.3.36.3.3.2.8.1.1.11": "brainpoolP384r1",
  "1.3.101.112": "Ed25519",
};

function sizeCell(key) {
  if (key.curveOid) {
    const span = el("span", CURVES[key.curveOid] || key.curveOid);
    span.title = key.curveOid;
    return span;
  }
  if (key.algorithm === "ED") return "Ed25519";
  return key.keySize ? String(key.keySize) : "";
}

function renderKeys(keys) {
  const body = $("keys").tBodies[0];
  body.replaceChildren();
  for (const key of keys) {
    const tr = row([
      el("code", key.label),
      key.algorithm,
      sizeCell(key),
      attributesCell(key.attributes),
      policyCell(key.policy),
      key.hasPassword ? "yes" : "no",
      key.hasCertificate ? "yes" : "no",
      key.createTime,
    ]);
    tr.dataset.label = key.label;
    body.appendChild(tr);
  }
  $("key-count").textContent = `(${keys.length})`;
}

async function pollKeys() {
  const data = await call("GET", "/_emulator/keys");
  const text = JSON.stringify(data.keys);
  if (text !== lastKeys) {
    lastKeys = text;
    renderKeys(data.keys);
  }
}

function journalRow(entry) {
  const status = el("span", entry.status, entry.status >= 400 || entry.status === 0 ? "bad" : "good");
  const tr = row([
    entry.seq,
    entry.method,
    el("code", entry.path),
    status,
    entry.errorCode,
    entry.keyLabel,
    entry.durationMs,
    entry.fault,
  ]);
  tr.dataset.seq = entry.seq;
  return tr;
}

async function pollJournal() {
  // Ask from one before the last entry seen: if that one is gone, the journal was
  // cleared (or overflowed) and is read again from the start.
  const since = lastSeq > 0 ? lastSeq - 1 : 0;
  let entries = (await call("GET", `/_emulator/journal?since=${since}`)).entries;
  const body = $("journal").tBodies[0];
  if (lastSeq > 0 && (entries.length === 0 || entries[0].seq !== lastSeq)) {
    body.replaceChildren();
    journalCount = 0;
    lastSeq = 0;
    entries = (await call("GET", "/_emulator/journal")).entries;
  } else if (lastSeq > 0) {
    entries = entries.slice(1);
  }
  for (const entry of entries) {
    body.insertBefore(journalRow(entry), body.firstChild);
    lastSeq = entry.seq;
    journalCount += 1;
  }
  while (body.rows.length > JOURNAL_ROWS) body.deleteRow(body.rows.length - 1);
  $("journal-count").textContent = `(${journalCount})`;
}

function effect(fault) {
  const parts = [];
  if (fault.error) parts.push(`error ${fault.error.status}/${fault.error.errorCode}`);
  if (fault.delayMs) parts.push(`delay ${fault.delayMs} ms`);
  if (fault.action) parts.push(fault.action);
  return parts.join(", ");
}

async function pollFaults() {
  const data = await call("GET", "/_emulator/faults");
  const text = JSON.stringify(data.faults);
  if (text === lastFaults) return;
  lastFaults = text;
  const body = $("faults").tBodies[0];
  body.replaceChildren();
  for (const fault of data.faults) {
    body.appendChild(
      row([fault.id, fault.count, fault.method || "any", fault.path || "any", fault.keyName || "any", effect(fault)]),
    );
  }
  $("fault-count").textContent = `(${data.faults.length})`;
}

// The emulator's movable clock (`GET /_emulator/clock`: now, offsetSeconds, fixed).
let clockOffset = 0;
function showClock(clock) {
  clockOffset = clock.offsetSeconds || 0;
  $("clock-now").textContent = clock.now;
  const moved = clockOffset === 0 ? "not moved" : `moved ${clockOffset > 0 ? "+" : ""}${clockOffset} s`;
  $("clock-offset").textContent = `${moved}${clock.fixed ? ", fixed (--deterministic)" : ""}`;
  $("clock-undo").disabled = clockOffset === 0;
}

async function pollClock() {
  try {
    showClock(await call("GET", "/_emulator/clock"));
    $("clock").hidden = false;
    $("clock-missing").hidden = true;
  } catch (error) {
    if (error.status !== 404) throw error;
    $("clock").hidden = true;
    $("clock-missing").hidden = false;
  }
}

async function moveClock(body, what) {
  try {
    showClock(await call("POST", "/_emulator/clock", body));
    say(what);
  } catch (error) {
    say(error.message, true);
  }
}

// SKA: the open requests with their tasks, and the approvers the emulator holds keys for.
let lastRequests = "";
let lastApprovers = "";

function taskCell(task) {
  const wrap = el("span", null, "task");
  wrap.appendChild(el("code", task.approver || "(outside approver)"));
  wrap.dataset.task = task.id;
  if (task.approver) {
    const approve = el("button", "Approve", "small");
    approve.dataset.approve = task.id;
    approve.addEventListener("click", () =>
      act(`Task approved as ${task.approver}.`, "POST", `/_emulator/tasks/${encodeURIComponent(task.id)}/approve`, {}),
    );
    const reject = el("button", "Reject", "small danger");
    reject.dataset.reject = task.id;
    reject.addEventListener("click", () =>
      act(`Task rejected as ${task.approver}.`, "POST", `/_emulator/tasks/${encodeURIComponent(task.id)}/reject`, {}),
    );
    wrap.append(" ", approve, " ", reject);
  }
  return wrap;
}

function requestRow(request) {
  const tasks = el("div");
  for (const task of request.tasks) tasks.appendChild(taskCell(task));
  const expire = el("button", "Expire", "small");
  expire.addEventListener("click", () =>
    act("Request expired.", "POST", `/_emulator/requests/${encodeURIComponent(request.id)}/expire`, {}),
  );
  const id = el("div");
  id.append(el("code", request.id), " ", expire);
  const tr = row([id, request.kind, el("code", request.keyName), request.status, tasks]);
  tr.dataset.request = request.id;
  return tr;
}

async function pollSka() {
  const requests = (await call("GET", "/_emulator/requests")).requests;
  const text = JSON.stringify(requests);
  if (text !== lastRequests) {
    lastRequests = text;
    $("requests").tBodies[0].replaceChildren(...requests.map(requestRow));
    $("request-count").textContent = `(${requests.length})`;
  }
  const approvers = (await call("GET", "/_emulator/approvers")).approvers;
  const listed = JSON.stringify(approvers);
  if (listed !== lastApprovers) {
    lastApprovers = listed;
    const rows = approvers.map((approver) => {
      const decision = approver.decision
        ? `${approver.decision.decision} after ${approver.decision.afterMs} ms`
        : "none";
      return row([el("code", approver.name), approver.keyType, approver.origin, decision]);
    });
    $("approvers").tBodies[0].replaceChildren(...rows);
    $("approver-count").textContent = `(${approvers.length})`;
  }
}

async function pollHealth() {
  const badge = $("health");
  try {
    const response = await fetch("/health", { cache: "no-store" });
    const data = await response.json();
    badge.textContent = data.status || String(response.status);
    badge.className = response.ok ? "badge up" : "badge down";
  } catch (_) {
    badge.textContent = "unreachable";
    badge.className = "badge down";
  }
}

async function poll() {
  await pollHealth();
  try {
    await pollKeys();
    await pollJournal();
    await pollFaults();
    await pollClock();
    await pollSka();
    if ($("message").className === "error") say("");
  } catch (error) {
    say(error.message, true);
  } finally {
    setTimeout(poll, POLL_MS);
  }
}

async function act(what, method, path, body) {
  try {
    await call(method, path, body);
    say(what);
    lastKeys = "";
    lastFaults = "";
    lastRequests = "";
    lastApprovers = "";
  } catch (error) {
    say(error.message, true);
  }
}

function number(value) {
  return value === "" ? undefined : Number(value);
}

window.addEventListener("DOMContentLoaded", () => {
  $("token-form").addEventListener("submit", (event) => {
    event.preventDefault();
    token = $("token").value;
    sessionStorage.setItem(TOKEN_KEY, token);
    $("token").value = "";
    $("token-form").hidden = true;
    say("Token kept in this tab.");
  });
  $("forget-token").addEventListener("click", () => {
    token = "";
    sessionStorage.removeItem(TOKEN_KEY);
    $("forget-token").hidden = true;
    say("Token forgotten.");
  });
  $("reset").addEventListener("click", () => {
    if (confirm("Delete every key and put the fixture keys back? The journal and faults are cleared too.")) {
      act("Store reset.", "POST", "/_emulator/reset", {});
    }
  });
  $("clear-journal").addEventListener("click", () => act("Journal cleared.", "DELETE", "/_emulator/journal"));
  $("clear-faults").addEventListener("click", () => act("Faults cleared.", "DELETE", "/_emulator/faults"));
  $("fault-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const form = new FormData(event.target);
    const fault = { count: number(form.get("count")) || 1 };
    for (const name of ["path", "method", "keyName"]) {
      if (form.get(name)) fault[name] = form.get(name);
    }
    const status = number(form.get("status"));
    const errorCode = number(form.get("errorCode"));
    if (status !== undefined && errorCode !== undefined) fault.error = { status, errorCode };
    const delayMs = number(form.get("delayMs"));
    if (delayMs !== undefined) fault.delayMs = delayMs;
    act("Fault added.", "POST", "/_emulator/faults", fault);
  });
  for (const button of document.querySelectorAll("button[data-advance]")) {
    const seconds = Number(button.dataset.advance);
    button.addEventListener("click", () =>
      moveClock({ advanceSeconds: seconds }, `Clock moved ${seconds > 0 ? "+" : ""}${seconds} s.`),
    );
  }
  $("clock-undo").addEventListener("click", () =>
    moveClock({ advanceSeconds: -clockOffset }, "Clock back where it was."),
  );
  $("clock-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const now = new FormData(event.target).get("now");
    if (now) moveClock({ now }, `Clock set to ${now}.`);
  });
  poll();
});
