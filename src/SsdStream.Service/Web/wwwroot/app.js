// The SsdStream page: cameras with their live view, events with snapshots (polled), recordings per day.
"use strict";
const $ = (id) => document.getElementById(id);
const json = async (url) => { const r = await fetch(url); if (!r.ok) throw new Error(url + ": " + r.status); return r.json(); };
const time = (s) => new Date(s * 1000).toLocaleTimeString();

async function cameras() {
  const list = await json("/api/cameras");
  const grid = $("cameras");
  for (const c of list) {
    let card = document.querySelector(`[data-camera="${c.name}"]`);
    if (!card) {
      card = document.createElement("div");
      card.className = "camera";
      card.dataset.camera = c.name;
      card.innerHTML = `<img alt="${c.name}" src="/api/cameras/${encodeURIComponent(c.name)}/mjpeg"><div class="caption"><b>${c.name}</b><span class="state"></span></div>`;
      grid.appendChild(card);
      const option = document.createElement("option");
      option.textContent = c.name;
      $("rec-camera").appendChild(option);
    }
    const state = card.querySelector(".state");
    state.textContent = `${c.state} · ${c.processed} frames · ${c.dropped} dropped`;
    state.className = "state state-" + c.state;
  }
}

let shown = "";
async function events() {
  const list = await json("/api/events?limit=50");
  const key = list.map(e => e.id + e.end_time).join();
  if (key === shown) return;
  shown = key;
  const ul = $("events");
  ul.replaceChildren(...list.map(e => {
    const li = document.createElement("li");
    li.dataset.event = e.id;
    const length = e.end_time ? `${Math.round(e.end_time - e.start_time)} s` : "in progress";
    // In a history several daemons share, another machine's snapshot is not here: its image goes (onerror).
    li.innerHTML = `${e.has_snapshot ? `<img alt="" src="/api/events/${e.id}/snapshot.jpg" onerror="this.remove()">` : ""}<div><b>${e.label}</b> on ${e.camera}${e.instance ? ` (${e.instance})` : ""} · ${time(e.start_time)} · ${length} · ${Math.round(e.top_score * 100)}%<br><span class="muted">${e.entered_zones.join(", ")}</span></div>`;
    li.onclick = () => play($("player"), `/api/events/${e.id}/clip.mp4`, e.segments && e.segments[0] ? e.segments[0].start_offset : 0);
    return li;
  }));
}

function play(video, url, offset) {
  video.hidden = false;
  video.src = url + (offset ? `#t=${offset}` : "");
  video.play().catch(() => {});
}

async function recordings() {
  const camera = $("rec-camera").value;
  if (!camera) return;
  // The day shown is the UTC day listed (recordings are named by UTC time); today until one is picked.
  if (!$("rec-day").value) $("rec-day").value = new Date().toISOString().slice(0, 10);
  const day = $("rec-day").value;
  const after = `${day}T00:00:00Z`, before = new Date(Date.parse(after) + 86400000).toISOString();
  const list = await json(`/api/recordings?camera=${encodeURIComponent(camera)}&after=${after}&before=${before}`);
  $("recordings").replaceChildren(...list.map(r => {
    const li = document.createElement("li");
    li.dataset.recording = r.path;
    li.textContent = `${new Date(r.start).toLocaleTimeString()} – ${new Date(r.end).toLocaleTimeString()}`;
    li.onclick = () => play($("recording-player"), r.url, 0);
    return li;
  }));
}

async function stats() {
  const s = await json("/api/stats");
  const fps = Object.entries(s.cameras || {}).map(([n, c]) => `${n} ${c.fps.toFixed(1)} fps`).join(" · ");
  $("stats").textContent = fps;
}

async function tick(f) { try { await f(); } catch (e) { console.warn(e); } }
$("rec-camera").onchange = () => tick(recordings);
$("rec-day").onchange = () => tick(recordings);
(async () => {
  await tick(cameras);
  await tick(recordings);
  await tick(events);
  setInterval(() => tick(cameras), 2000);
  setInterval(() => tick(events), 2000);
  setInterval(() => tick(recordings), 10000);
  setInterval(() => tick(stats), 5000);
})();
