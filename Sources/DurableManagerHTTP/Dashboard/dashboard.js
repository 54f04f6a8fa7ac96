// The dashboard: reads /api/... with the token the page was opened with (?token=...), and the
// journal live over server-sent events. Read-only; refreshes the tables every two seconds.
"use strict";
const token = new URLSearchParams(location.search).get("token");
const headers = token ? { Authorization: "Bearer " + token } : {};
const withToken = (path) => token ? path + (path.includes("?") ? "&" : "?") + "token=" + encodeURIComponent(token) : path;
let openObject = null;
let contentsOffset = 0;
const pageSize = 100;
const seenRecords = new Set();

async function api(path) {
  const response = await fetch(path, { headers });
  if (!response.ok) throw new Error(path + ": " + response.status + " " + (await response.text()));
  return response.json();
}

function text(value) {
  if (value === null || value === undefined) return "-";
  if (typeof value === "object") return JSON.stringify(value);
  return String(value);
}

function seconds(value) {
  if (typeof value !== "number") return "-";
  if (value < 60) return value.toFixed(1) + " s";
  if (value < 3600) return (value / 60).toFixed(1) + " min";
  return (value / 3600).toFixed(1) + " h";
}

function clock(unixSeconds) {
  return typeof unixSeconds === "number" ? new Date(unixSeconds * 1000).toLocaleTimeString() : "-";
}

function row(cells, className) {
  const tr = document.createElement("tr");
  if (className) tr.className = className;
  for (const cell of cells) {
    const td = document.createElement("td");
    if (cell instanceof Node) td.appendChild(cell); else td.textContent = cell;
    tr.appendChild(td);
  }
  return tr;
}

function fill(tableID, rows) {
  const body = document.querySelector("#" + tableID + " tbody");
  body.replaceChildren(...rows);
}

async function refreshInfo() {
  const info = await api("/api/info");
  const parts = [
    "epoch " + text(info.epoch), "uptime " + seconds(info.uptime), "durability " + text(info.durability),
    "records since checkpoint " + text(info.journalRecords), "checkpoints " + text(info.checkpoints),
    "commits " + text(info.commits), "sessions " + text(info.sessions),
  ];
  if (!info.reachable) parts.unshift("manager unreachable: " + text(info.error));
  document.getElementById("info").textContent = parts.join(" · ");
}

async function refreshObjects() {
  const objects = await api("/api/objects");
  fill("objects", objects.map((object) => {
    const tr = row([text(object.id), text(object.name), text(object.type), text(object.size), text(object.summary), clock(object.lastChange)]);
    tr.dataset.id = object.id;
    tr.addEventListener("click", () => { openObject = object; contentsOffset = 0; showContents(); });
    return tr;
  }));
}

async function showContents() {
  if (!openObject) return;
  const key = openObject.name ?? openObject.id;
  const page = await api("/api/objects/" + encodeURIComponent(key) + "?offset=" + contentsOffset + "&limit=" + pageSize);
  document.getElementById("contents").hidden = false;
  document.getElementById("contents-title").textContent = text(page.name) + " (" + text(page.type) + ", #" + text(page.id) + ")";
  document.getElementById("contents-body").textContent = JSON.stringify(page.contents, null, 2);
  const total = page.total;
  document.getElementById("contents-range").textContent = total === null ? "" :
    (total === 0 ? "empty" : (page.offset + 1) + "–" + Math.min(total, page.offset + page.limit) + " of " + total);
  document.getElementById("contents-prev").disabled = contentsOffset === 0;
  document.getElementById("contents-next").disabled = total === null || contentsOffset + pageSize >= total;
}

async function refreshLocks() {
  const locks = await api("/api/locks");
  fill("locks", locks.map((lock) => {
    const holder = lock.locked ? "held by " + text(lock.holder && lock.holder.session) + (lock.holder && lock.holder.caller != null ? " caller " + text(lock.holder.caller) : "") : "free";
    return row([text(lock.name ?? "#" + lock.id), text(lock.type), holder, seconds(lock.heldFor), text(lock.waiters)], lock.locked ? "held" : "free");
  }));
}

async function refreshSessions() {
  const sessions = await api("/api/sessions");
  fill("sessions", sessions.map((session) => row([
    text(session.id), text(session.connections), seconds(session.age),
    (session.holds || []).map((hold) => text(hold.name ?? "#" + hold.id) + " (" + text(hold.type) + ")").join(", ") || "-",
    (session.waiting || []).map((wait) => text(wait.name ?? "#" + wait.id) + "." + text(wait.method)).join(", ") || "-",
  ])));
}

const colors = ["#3366cc", "#dc3912", "#ff9900", "#109618", "#990099", "#0099c6"];

async function refreshQueues() {
  const chart = await api("/api/queues");
  const canvas = document.getElementById("queue-chart");
  const context = canvas.getContext("2d");
  context.clearRect(0, 0, canvas.width, canvas.height);
  const names = Object.keys(chart.queues);
  const times = chart.times;
  let max = 1;
  for (const name of names) for (const depth of chart.queues[name]) max = Math.max(max, depth);
  context.strokeStyle = "#ccd"; context.strokeRect(0.5, 0.5, canvas.width - 1, canvas.height - 1);
  context.fillStyle = "#5b6477"; context.font = "11px sans-serif"; context.fillText("max " + max, 4, 12);
  names.forEach((name, index) => {
    const depths = chart.queues[name];
    context.strokeStyle = colors[index % colors.length];
    context.beginPath();
    depths.forEach((depth, i) => {
      const x = times.length < 2 ? canvas.width - 2 : (i / (times.length - 1)) * (canvas.width - 4) + 2;
      const y = canvas.height - 4 - (depth / max) * (canvas.height - 20);
      if (i === 0) context.moveTo(x, y); else context.lineTo(x, y);
    });
    context.stroke();
  });
  document.getElementById("queue-legend").textContent = names.length === 0 ? "no queues" :
    names.map((name) => name + ": " + chart.queues[name][chart.queues[name].length - 1]).join(" · ");
}

function addRecord(record, live) {
  if (seenRecords.has(record.seq)) return;
  seenRecords.add(record.seq);
  const body = document.querySelector("#journal tbody");
  const tr = row([
    text(record.seq), clock(record.time), text(record.name ?? (record.object === 0 ? "manager" : "#" + record.object)),
    text(record.op), JSON.stringify(record.args), record.session ? record.session + "#" + text(record.request) : "-",
  ], live ? "new" : "");
  tr.dataset.seq = record.seq;
  body.insertBefore(tr, body.firstChild);
  while (body.children.length > 100) body.removeChild(body.lastChild);
}

async function refreshAll() {
  const steps = [refreshInfo, refreshObjects, refreshLocks, refreshSessions, refreshQueues];
  for (const step of steps) {
    try { await step(); } catch (error) { document.getElementById("info").textContent = String(error); }
  }
}

function listen() {
  const events = new EventSource(withToken("/api/events"));
  const badge = document.getElementById("journal-live");
  events.addEventListener("record", (event) => addRecord(JSON.parse(event.data), true));
  events.addEventListener("open", () => { badge.textContent = "live"; badge.classList.remove("off"); });
  // Each stream ends after a few seconds and EventSource reconnects by itself: only a closed
  // source is worth saying.
  events.addEventListener("error", () => {
    if (events.readyState === EventSource.CLOSED) { badge.textContent = "disconnected"; badge.classList.add("off"); }
  });
}

document.getElementById("contents-prev").addEventListener("click", () => { contentsOffset = Math.max(0, contentsOffset - pageSize); showContents(); });
document.getElementById("contents-next").addEventListener("click", () => { contentsOffset += pageSize; showContents(); });
document.getElementById("contents-close").addEventListener("click", () => { openObject = null; document.getElementById("contents").hidden = true; });

api("/api/journal?limit=50").then((records) => records.forEach((record) => addRecord(record, false))).catch(() => {});
refreshAll();
listen();
setInterval(refreshAll, 2000);
