// Board editor (aac edit): plain JavaScript, no build step, nothing fetched from the internet.
// The server owns the files; this page holds the layout being edited, an undo/redo history of it,
// and asks the server to check it (the board's own checker) and to draw it (the board's renderer).
"use strict";

const TOKEN = new URLSearchParams(location.search).get("token") || "";
const ACTIONS = ["speak", "delete_letter", "delete_word", "undo", "clear", "pause", "resume", "space",
  "stop_speech", "settings", "history", "calibrate"];
const S = {
  server: null, name: null, hash: null, editable: false, data: null, page: 0, sel: null,
  settings: null, savedSettings: null, undo: [], redo: [], problems: [], swapping: false,
  mediaUrls: {}, savedData: null, recordings: [],
};
// Unsaved = differs from what is in the file (undoing back to the saved state is "saved" again).
Object.defineProperty(S, "dirty", { get: () => S.data !== null && JSON.stringify(S.data) !== S.savedData });
const $ = (id) => document.getElementById(id);

// ------------------------------------------------------------------ server calls
async function api(path, opts = {}) {
  const headers = Object.assign({ "X-AAC-Token": TOKEN }, opts.headers || {});
  let body = opts.body;
  if (opts.json !== undefined) { headers["Content-Type"] = "application/json"; body = JSON.stringify(opts.json); }
  const res = await fetch(path, { method: opts.method || (body ? "POST" : "GET"), headers, body });
  return res;
}
async function apiJson(path, opts) {
  const res = await api(path, opts);
  let out = {};
  try { out = await res.json(); } catch (e) { out = { error: `the editor answered ${res.status}` }; }
  out._status = res.status;
  return out;
}
function status(text, error = false) {
  const el = $("status"); el.textContent = text; el.className = error ? "error" : "";
}

// ------------------------------------------------------------------ history
function snapshot() { return JSON.stringify({ data: S.data, settings: S.settings, page: S.page, hash: S.hash }); }
function edit(change) {
  if (!S.editable && change.layout !== false) { status("This layout cannot be changed: copy it first.", true); return; }
  S.undo.push(snapshot()); S.redo = [];
  if (S.undo.length > 200) S.undo.shift();
  change.fn();
  afterEdit();
}
function restore(snap) {
  const s = JSON.parse(snap); S.data = s.data; S.settings = s.settings; S.page = Math.min(s.page, S.data.pages.length - 1);
  if (s.hash !== S.hash) {
    // a state from before the last save: its places in the file ("src") are out of date, so the
    // server writes its pages as new ones (the content is right; comments on those pages are lost)
    for (const p of S.data.pages) { delete p.src; for (const t of p.tiles) delete t.src; }
  }
  S.sel = null; afterEdit();
}
function undo() { if (!S.undo.length) return; S.redo.push(snapshot()); restore(S.undo.pop()); status("Undone."); }
function redo() { if (!S.redo.length) return; S.undo.push(snapshot()); restore(S.redo.pop()); status("Redone."); }
function afterEdit() { renderAll(); scheduleCheck(); }

// ------------------------------------------------------------------ loading
async function loadState() {
  const st = await apiJson("/api/state");
  if (st._status !== 200) { status(st.error || "cannot reach the editor", true); return false; }
  S.server = st;
  S.settings = Object.assign({}, st.settings); S.savedSettings = Object.assign({}, st.settings);
  $("profileName").textContent = `— profile ${st.profile}`; $("settingsProfile").textContent = st.profile;
  fillSelect($("layoutSelect"), st.layouts.map((l) => [l.name, l.name + (l.editable ? " (mine)" : " (comes with the app)")]));
  fillSelect($("sLayout"), st.layouts.map((l) => [l.name, l.name]));
  fillSelect($("sVoice"), st.voices.map((v) => [v, v]));
  fillSelect($("sTheme"), st.themes.map((v) => [v, v]));
  fillSelect($("sLanguage"), st.languages.map((v) => [v, v]));
  const recs = await apiJson("/api/recordings");
  if (recs._status === 200) S.recordings = recs.recordings; else $("recMsg").textContent = recs.error || "";
  return true;
}
async function openLayout(name) {
  const res = await apiJson(`/api/layout?name=${encodeURIComponent(name)}`);
  if (res._status !== 200) { status(res.error, true); return; }
  S.name = res.name; S.hash = res.hash; S.editable = res.editable; S.data = res.data;
  S.page = 0; S.sel = null; S.undo = []; S.redo = []; S.problems = []; S.savedData = JSON.stringify(S.data);
  // a file that no longer passes the check opens as the last version that worked: not saved
  // yet, so Save is offered even before any change (it puts that version back)
  if (res.recovered) S.savedData = "";
  showRecovered(res.recovered);
  $("layoutSelect").value = name;
  $("readonly").hidden = S.editable;
  renderAll(); scheduleCheck(0);
}
function showRecovered(rec) {
  const box = $("recovered");
  box.hidden = !rec; box.textContent = "";
  if (!rec) return;
  const head = document.createElement("p");
  head.innerHTML = "<b>This layout file has problems, so the board and this editor show the last version that worked</b>";
  head.appendChild(document.createTextNode(` (kept ${rec.saved}). Save puts that version back, with any changes you make here; ` +
    `the file as it is now is kept as ${rec.backup}. The problems in the file:`));
  const ul = document.createElement("ul");
  for (const p of rec.problems.slice(0, 12)) { const li = document.createElement("li"); li.textContent = p; ul.appendChild(li); }
  box.append(head, ul);
}
function fillSelect(sel, items) {
  sel.innerHTML = "";
  for (const [value, text] of items) { const o = document.createElement("option"); o.value = value; o.textContent = text; sel.appendChild(o); }
}

// ------------------------------------------------------------------ helpers on the data
const page = () => S.data.pages[S.page];
function tileAt(p, r, c) {
  return p.tiles.findIndex((t) => t.row <= r && r < t.row + (t.row_span || 1) && t.col <= c && c < t.col + (t.col_span || 1));
}
function emptyCells(p) {
  const out = [];
  for (let r = 0; r < p.rows; r++) for (let c = 0; c < p.cols; c++) if (tileAt(p, r, c) < 0) out.push([r, c]);
  return out;
}
function tileText(t) {
  if (t.kind === "message") return "(message bar)";
  if (t.kind === "word" || t.kind === "ending" || t.kind === "chunk") return `(${t.kind} ${(t.slot || 0) + 1})`;
  if (t.label) return t.label;
  if (t.kind === "page") return `→ ${t.target || "?"}`;
  return t.value || t.action || t.kind;
}
function problemsFor(pageIdx, tileIdx) {
  return S.problems.filter((p) => p.page === pageIdx && (tileIdx === undefined ? p.tile === undefined
    : p.tile === tileIdx || (p.tiles || []).includes(tileIdx)));
}
async function mediaUrl(rel) {
  if (!rel) return "";
  const key = S.name + "|" + rel;
  if (S.mediaUrls[key]) return S.mediaUrls[key];
  const res = await api(`/api/media?name=${encodeURIComponent(S.name)}&file=${encodeURIComponent(rel)}`);
  if (!res.ok) return "";
  S.mediaUrls[key] = URL.createObjectURL(await res.blob());
  return S.mediaUrls[key];
}

// ------------------------------------------------------------------ drawing the editor
function renderAll() {
  if (!S.data) return;
  renderPages(); renderGrid(); renderTileForm(); renderPhrases(); renderSettings(); renderProblems(); renderRecordings();
  $("undoBtn").disabled = !S.undo.length; $("redoBtn").disabled = !S.redo.length;
  const settingsDirty = JSON.stringify(S.settings) !== JSON.stringify(S.savedSettings);
  $("saveBtn").disabled = !(S.dirty || settingsDirty);
  $("saveBtn").textContent = (S.dirty || settingsDirty) ? "Save" : "Saved";
  for (const id of ["addPageBtn", "renamePageBtn", "pageUpBtn", "pageDownBtn", "deletePageBtn", "addPhraseBtn"]) $(id).disabled = !S.editable;
}
function renderPages() {
  const list = $("pageList"); list.innerHTML = "";
  S.data.pages.forEach((p, i) => {
    const li = document.createElement("li"); const b = document.createElement("button");
    b.type = "button"; b.textContent = p.name + (i === 0 ? " (home)" : "") + (problemsFor(i).length || S.problems.some((x) => x.page === i) ? " ⚠" : "");
    b.className = i === S.page ? "current" : ""; b.setAttribute("aria-current", i === S.page ? "page" : "false");
    b.onclick = () => { S.page = i; S.sel = null; renderAll(); refreshPreview(); };
    li.appendChild(b); list.appendChild(li);
  });
  $("pageTitle").textContent = `Page “${page().name}”${S.page === 0 ? " (home page)" : ""}: ${page().rows} rows × ${page().cols} columns`;
  $("pageMsg").textContent = problemsFor(S.page).map((p) => p.text).join(" ");
  $("pRows").value = page().rows; $("pCols").value = page().cols;
  $("lName").value = S.data.layout.name || "";
  const scale = String(S.data.layout.font_scale === undefined ? 1 : Number(S.data.layout.font_scale));
  if (![...$("lScale").options].some((o) => o.value === scale)) { const o = document.createElement("option"); o.value = scale; o.textContent = scale; $("lScale").appendChild(o); }
  $("lScale").value = scale;
  for (const id of ["pRows", "pCols", "lName", "lScale"]) $(id).disabled = !S.editable;
  for (const m of document.querySelectorAll(".msg[data-layout]")) {
    m.textContent = S.problems.filter((p) => p.field === m.dataset.layout || p.key === m.dataset.layout).map((p) => p.text).join(" ");
  }
}
function renderGrid() {
  const p = page(); const grid = $("grid"); grid.innerHTML = "";
  grid.style.gridTemplateColumns = `repeat(${p.cols}, minmax(0, 1fr))`;
  grid.style.gridTemplateRows = `repeat(${p.rows}, minmax(34px, auto))`;
  const bad = new Set(S.problems.filter((x) => x.page === S.page).flatMap((x) => x.tiles || (x.tile !== undefined ? [x.tile] : [])));
  p.tiles.forEach((t, i) => {
    const b = document.createElement("button"); b.type = "button";
    b.className = `tile k-${t.kind}` + (S.sel && S.sel.tile === i ? " selected" : "") + (bad.has(i) ? " bad" : "");
    b.style.gridRow = `${t.row + 1} / span ${t.row_span || 1}`; b.style.gridColumn = `${t.col + 1} / span ${t.col_span || 1}`;
    if (t.color) b.style.background = t.color;
    b.dataset.tile = i; b.dataset.row = t.row; b.dataset.col = t.col;
    if (t.picture) { const img = document.createElement("img"); img.alt = ""; mediaUrl(t.picture).then((u) => { img.src = u; }); b.appendChild(img); }
    const span = document.createElement("span"); span.textContent = tileText(t); b.appendChild(span);
    b.setAttribute("aria-label", `${t.kind} tile: ${tileText(t)}, row ${t.row + 1}, column ${t.col + 1}`);
    b.onclick = () => clickTile(i);
    grid.appendChild(b);
  });
  for (const [r, c] of emptyCells(p)) {
    const b = document.createElement("button"); b.type = "button";
    b.className = "empty" + (S.sel && S.sel.cell && S.sel.cell[0] === r && S.sel.cell[1] === c ? " selected" : "");
    b.style.gridRow = `${r + 1}`; b.style.gridColumn = `${c + 1}`; b.textContent = "+";
    b.dataset.row = r; b.dataset.col = c;
    b.setAttribute("aria-label", `empty cell, row ${r + 1}, column ${c + 1}: add a tile`);
    b.onclick = () => { S.swapping = false; S.sel = { cell: [r, c], draft: { kind: "phrase", label: "", value: "", row: r, col: c } }; renderAll(); $("tLabel").focus(); };
    grid.appendChild(b);
  }
}
function clickTile(i) {
  if (S.swapping && S.sel && S.sel.tile !== undefined && S.sel.tile !== i) {
    const a = S.sel.tile;
    edit({ fn: () => {
      const p = page(); const ta = p.tiles[a], tb = p.tiles[i];
      [ta.row, tb.row] = [tb.row, ta.row]; [ta.col, tb.col] = [tb.col, ta.col];
    } });
    S.swapping = false; status("Tiles swapped."); return;
  }
  S.swapping = false; S.sel = { tile: i }; renderAll();
}
function currentTile() {
  if (!S.sel) return null;
  if (S.sel.tile !== undefined) return page().tiles[S.sel.tile];
  return S.sel.draft;
}
function show(id, on) { $(id).hidden = !on; $(id).style.display = on ? "" : "none"; }
function renderTileForm() {
  const t = currentTile(); const form = $("tileForm");
  if (!t) { form.hidden = true; $("tileHint").hidden = false; $("tileTitle").textContent = "Tile"; return; }
  form.hidden = false; $("tileHint").hidden = true;
  const isNew = S.sel.tile === undefined;
  $("tileTitle").textContent = isNew ? `New tile at row ${t.row + 1}, column ${t.col + 1}` : `Tile at row ${t.row + 1}, column ${t.col + 1}`;
  $("tKind").value = t.kind;
  $("tLabel").value = t.label || ""; $("tValue").value = t.value || "";
  $("tSlot").value = t.slot === undefined || t.slot === null ? "" : t.slot;
  fillSelect($("tAction"), ACTIONS.map((a) => [a, a.replace("_", " ")])); $("tAction").value = t.action || "speak";
  fillSelect($("tTarget"), S.data.pages.map((p) => [p.name, p.name])); $("tTarget").value = t.target || S.data.pages[0].name;
  $("tThemeColor").checked = !t.color; $("tColor").value = t.color || "#1f1f1f"; $("tColor").disabled = !t.color;
  $("tColSpan").value = t.col_span || 1; $("tRowSpan").value = t.row_span || 1;
  show("rowValue", ["phrase", "letter", "punct"].includes(t.kind));
  show("rowSlot", ["word", "ending", "chunk"].includes(t.kind));
  show("rowAction", t.kind === "action"); show("rowTarget", t.kind === "page");
  const pic = $("tPic");
  if (t.picture) { mediaUrl(t.picture).then((u) => { pic.src = u; }); pic.hidden = false; pic.alt = "picture of this tile"; } else { pic.hidden = true; pic.removeAttribute("src"); }
  $("tPicRemove").disabled = !t.picture;
  show("existingTileButtons", !isNew); show("newTileButtons", isNew);
  for (const el of form.querySelectorAll("input, select, button")) if (el.id !== "tColor") el.disabled = !S.editable || (el.id === "tPicRemove" && !t.picture);
  if (!S.editable) $("tColor").disabled = true;
  renderTileRecording(t);
  for (const m of form.querySelectorAll(".msg[data-field]")) m.textContent = "";
  if (!isNew) {
    const ps = problemsFor(S.page, S.sel.tile);
    const general = [];
    for (const p of ps) {
      let f = (p.field || "").split(".")[0];
      if (f === "row_span" || f === "col_span" || f === "row" || f === "col") f = "span";
      const box = form.querySelector(`.msg[data-field="${f}"]`);
      if (box && f) box.textContent += p.text + " "; else general.push(p.text);
    }
    $("tileMsg").textContent = general.join(" ");
  } else { $("tileMsg").textContent = ""; }
}
function recordingText(r) { return `${r.phrase} (${Number(r.duration).toFixed(1)} s)`; }
function renderTileRecording(t) {
  show("rowRecording", t.kind === "phrase");
  const items = [["", "none: the voice says the message"]].concat(S.recordings.map((r) => [r.name, recordingText(r)]));
  if (t.recording && !S.recordings.some((r) => r.name === t.recording)) items.push([t.recording, `${t.recording} (not in this profile: the words are spoken)`]);
  fillSelect($("tRec"), items); $("tRec").value = t.recording || "";
  $("tRecPlay").disabled = !t.recording || !S.recordings.some((r) => r.name === t.recording);
  $("tRecDetach").disabled = !S.editable || !t.recording;
}
async function playRecording(name, msg) {
  msg.className = "msg"; msg.textContent = "";
  const res = await api(`/api/recording?name=${encodeURIComponent(name)}`);
  if (!res.ok) { let e = {}; try { e = await res.json(); } catch (x) { /* */ } msg.textContent = e.error || "the recording could not be played"; return; }
  const audio = $("recAudio"); const old = audio.src;
  audio.src = URL.createObjectURL(await res.blob()); audio.dataset.name = name;
  if (old && old.startsWith("blob:")) URL.revokeObjectURL(old);
  msg.className = "msg ok"; msg.textContent = `Playing “${name}”.`;
  try { await audio.play(); } catch (x) { msg.className = "msg"; msg.textContent = "The recording is ready but this browser could not play it (" + x.name + ")."; }
}
async function uploadRecording(file) {
  const msg = $("tRecMsg"); msg.className = "msg"; msg.textContent = "";
  const t = currentTile(); if (!file || !t) return;
  const phrase = (t.value || t.label || "").trim();
  if (!phrase) { msg.textContent = "Type the tile's message first: the recording is kept as the recording of those words."; return; }
  if (file.size > 30000000) { msg.textContent = "This file is too large (over 30 MB); a message is at most 2 minutes."; return; }
  msg.className = "msg ok"; msg.textContent = "Checking the recording…";
  const form = new FormData(); form.append("file", file); form.append("phrase", phrase);
  const res = await apiJson("/api/recordings/upload", { body: form });
  if (res._status !== 200) { msg.className = "msg"; msg.textContent = res.error || "the recording could not be used"; return; }
  S.recordings = res.recordings;
  setTileField("recording", res.recording.name);
  status(res.message.charAt(0).toUpperCase() + res.message.slice(1) + " and attached to this tile (Save to keep the tile's change).");
}
async function removeRecording(name) {
  if (!confirm(`Delete the recording “${name}” from this profile? Tiles that play it will say their words instead.`)) return;
  const res = await apiJson("/api/recordings/remove", { json: { name } });
  if (res._status !== 200) { $("recMsg").textContent = res.error || "not removed"; return; }
  S.recordings = res.recordings; $("recMsg").textContent = "";
  status(res.message.charAt(0).toUpperCase() + res.message.slice(1)); renderAll();
}
function renderRecordings() {
  const list = $("recList"); list.innerHTML = "";
  if (!S.recordings.length) { const li = document.createElement("li"); li.textContent = "No recordings yet."; list.appendChild(li); return; }
  for (const r of S.recordings) {
    const li = document.createElement("li");
    const span = document.createElement("span"); span.textContent = `“${r.phrase}” `;
    const small = document.createElement("small"); small.textContent = `${r.name}, ${Number(r.duration).toFixed(1)} s`; span.appendChild(small);
    const play = document.createElement("button"); play.type = "button"; play.textContent = "Play"; play.setAttribute("aria-label", `Play recording ${r.name}`);
    play.onclick = () => playRecording(r.name, $("recMsg"));
    const del = document.createElement("button"); del.type = "button"; del.textContent = "Remove"; del.className = "danger";
    del.setAttribute("aria-label", `Remove recording ${r.name}`); del.onclick = () => removeRecording(r.name);
    li.appendChild(span); li.appendChild(play); li.appendChild(del); list.appendChild(li);
  }
}
function renderPhrases() {
  const list = $("phraseList"); list.innerHTML = "";
  page().tiles.forEach((t, i) => {
    if (t.kind !== "phrase") return;
    const li = document.createElement("li");
    const l = document.createElement("input"); l.type = "text"; l.value = t.label || ""; l.setAttribute("aria-label", "phrase tile shows");
    const v = document.createElement("input"); v.type = "text"; v.value = t.value || ""; v.setAttribute("aria-label", "phrase tile says");
    l.disabled = v.disabled = !S.editable;
    l.onchange = () => edit({ fn: () => { page().tiles[i].label = l.value; } });
    v.onchange = () => edit({ fn: () => { page().tiles[i].value = v.value; } });
    li.appendChild(l); li.appendChild(v);
    if (t.recording) {
      const r = S.recordings.find((x) => x.name === t.recording);
      const note = document.createElement("small"); note.className = "hint";
      note.textContent = r ? `plays the recording “${r.phrase}” (${Number(r.duration).toFixed(1)} s)` : `recording “${t.recording}” is not in this profile: the words are spoken`;
      li.appendChild(note);
    }
    list.appendChild(li);
  });
}
function renderSettings() {
  const s = S.settings; if (!s) return;
  $("sDwell").value = (s.dwell_ms / 1000).toFixed(1); $("sLock").value = (s.lock_on_ms / 1000).toFixed(2);
  $("sVoice").value = s.voice; $("sTheme").value = s.theme; $("sLanguage").value = s.language; $("sLayout").value = s.layout;
  $("sTextLog").checked = !!s.text_logging; $("sFilter").checked = !!s.profanity_filter;
  $("sHistAudio").checked = !!s.keep_history_audio;
  $("sAdaptive").checked = !!s.adaptive_dwell; $("sGate").checked = !!s.suggestion_gate;
  $("sNextWords").checked = !!s.next_words_on_tile;
  $("sSpeakSentence").checked = !!s.speak_on_sentence_end;
  $("sAdaptMin").value = (s.adaptive_dwell_min_ms / 1000).toFixed(1); $("sAdaptMax").value = (s.adaptive_dwell_max_ms / 1000).toFixed(1);
  $("sAdaptMin").disabled = $("sAdaptMax").disabled = !s.adaptive_dwell;
}
function renderProblems() {
  const box = $("problems");
  if (!S.problems.length) { box.textContent = ""; return; }
  box.innerHTML = "<b>Not saved until these are fixed:</b>";
  const ul = document.createElement("ul");
  for (const p of S.problems.slice(0, 12)) {
    const li = document.createElement("li");
    const where = p.page !== undefined && p.page !== null && S.data.pages[p.page] ? `page “${S.data.pages[p.page].name}”` + (p.tile !== undefined ? `, tile ${p.tile + 1}` : "") + ": " : "";
    li.textContent = where + p.text; ul.appendChild(li);
  }
  box.appendChild(ul);
}

// ------------------------------------------------------------------ checking and preview
let checkTimer = null;
function scheduleCheck(delay = 250) { clearTimeout(checkTimer); checkTimer = setTimeout(checkNow, delay); }
async function checkNow() {
  if (!S.data) return;
  const res = await apiJson("/api/check", { json: { name: S.name, data: S.data } });
  if (res._status !== 200) { status(res.error || "check failed", true); return; }
  S.problems = res.problems || [];
  $("warnings").textContent = (res.warnings || []).map((w) => "Note: " + w).join(" ");
  renderAll();
  await refreshPreview();
}
async function refreshPreview() {
  if (S.problems.length) { $("previewNote").textContent = "The picture shows the last version that passed the check."; return; }
  const res = await api("/api/preview", { json: undefined, headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ name: S.name, data: S.data, page: page().name, theme: S.settings.theme }) });
  if (!res.ok) return;
  const url = URL.createObjectURL(await res.blob());
  const img = $("preview"); const old = img.src; img.src = url; img.alt = `Page “${page().name}” as the board draws it`;
  if (old && old.startsWith("blob:")) URL.revokeObjectURL(old);
  $("previewNote").textContent = "";
  img.dataset.page = page().name;
}

// ------------------------------------------------------------------ tile edits
function setTileField(field, value) {
  if (S.sel && S.sel.tile === undefined) { S.sel.draft[field] = value; renderTileForm(); return; }
  edit({ fn: () => {
    const t = page().tiles[S.sel.tile];
    if (value === "" || value === null || value === undefined) delete t[field]; else t[field] = value;
    if (field === "kind") normaliseKind(t);
  } });
}
function normaliseKind(t) {
  for (const k of ["slot", "action", "target"]) delete t[k];
  if (!["phrase", "letter", "punct"].includes(t.kind)) delete t.value;
  if (["word", "ending", "chunk"].includes(t.kind)) t.slot = 0;
  if (t.kind === "action") t.action = "speak";
  if (t.kind === "page") t.target = S.data.pages[0].name;
  if (["phrase", "letter", "punct"].includes(t.kind) && !t.value) t.value = t.label || "";
  if (t.kind !== "phrase") delete t.recording;  // recordings play on phrase tiles only
}
function moveTile(dr, dc) {
  edit({ fn: () => { const t = page().tiles[S.sel.tile]; t.row = Math.max(0, t.row + dr); t.col = Math.max(0, t.col + dc); } });
}
function addTile() {
  const d = Object.assign({}, S.sel.draft);
  normaliseDraft(d);
  edit({ fn: () => { page().tiles.push(d); S.sel = { tile: page().tiles.length - 1 }; } });
  status(`Tile added at row ${d.row + 1}, column ${d.col + 1}.`);
}
function normaliseDraft(d) {
  for (const k of Object.keys(d)) if (d[k] === "" || d[k] === undefined) delete d[k];
  if (["phrase", "letter", "punct"].includes(d.kind) && !d.value && d.label) d.value = d.label;
  if (d.kind === "action" && !d.action) d.action = "speak";
  if (d.kind !== "phrase") delete d.recording;
  if (d.kind === "page" && !d.target) d.target = S.data.pages[0].name;
  if (["word", "ending", "chunk"].includes(d.kind) && d.slot === undefined) d.slot = 0;
}
async function uploadPicture(file) {
  const msg = $("tPicMsg"); msg.className = "msg"; msg.textContent = "";
  if (!file) return;
  if (file.size > 10000000) { msg.textContent = "This picture is too large (over 10 MB). Choose a smaller one."; return; }
  const form = new FormData(); form.append("file", file);
  const res = await apiJson(`/api/picture?name=${encodeURIComponent(S.name)}`, { body: form });
  if (res._status !== 200) { msg.textContent = res.error || "the picture could not be used"; return; }
  setTileField("picture", res.picture);
  status("Picture added (resized and kept with the layout).");
}

// ------------------------------------------------------------------ pages
function askName(title, label, value, withLink) {
  return new Promise((resolve) => {
    const dlg = $("nameDialog"); $("nameTitle").textContent = title; $("nameLabel").textContent = label;
    $("nameInput").value = value || ""; $("nameMsg").textContent = ""; $("linkHomeRow").style.display = withLink ? "" : "none";
    const done = (v) => { dlg.close(); $("nameOk").onclick = null; $("nameCancel").onclick = null; resolve(v); };
    $("nameOk").onclick = (e) => { e.preventDefault(); const v = $("nameInput").value.trim(); if (!v) { $("nameMsg").textContent = "Type a name."; return; } done({ name: v, link: $("linkHome").checked }); };
    $("nameCancel").onclick = () => done(null);
    dlg.showModal(); $("nameInput").focus();
  });
}
async function addPage() {
  const ans = await askName("Add a page", "Page name", "", true); if (!ans) return;
  if (S.data.pages.some((p) => p.name === ans.name)) { status(`There is already a page called “${ans.name}”.`, true); return; }
  const home = S.data.pages[0]; const rows = home.rows, cols = home.cols;
  let note = "";
  edit({ fn: () => {
    S.data.pages.push({ name: ans.name, rows, cols, tiles: [
      { kind: "message", row: 0, col: 0, col_span: cols - 1 },
      { kind: "page", target: home.name, label: "Home", row: 0, col: cols - 1 },
    ] });
    if (ans.link) {
      const free = emptyCells(home)[0];
      if (free) { home.tiles.push({ kind: "page", target: ans.name, label: ans.name, row: free[0], col: free[1] }); note = ` A link to it is on the home page (row ${free[0] + 1}, column ${free[1] + 1}).`; }
      else note = " The home page has no empty cell: change a home tile into a page link to reach it.";
    }
    S.page = S.data.pages.length - 1; S.sel = null;
  } });
  status(`Page “${ans.name}” added with a message bar and a Home tile.${note}`);
}
async function renamePage() {
  const old = page().name; const ans = await askName("Rename the page", "New name", old, false); if (!ans || ans.name === old) return;
  if (S.data.pages.some((p) => p.name === ans.name)) { status(`There is already a page called “${ans.name}”.`, true); return; }
  edit({ fn: () => {
    page().name = ans.name;
    for (const p of S.data.pages) { if (p.return_to === old) p.return_to = ans.name; for (const t of p.tiles) if (t.kind === "page" && t.target === old) t.target = ans.name; }
  } });
  status(`Page renamed; links to it now go to “${ans.name}”.`);
}
function movePage(d) {
  const i = S.page, j = i + d; if (j < 0 || j >= S.data.pages.length) return;
  edit({ fn: () => { const ps = S.data.pages; [ps[i], ps[j]] = [ps[j], ps[i]]; S.page = j; } });
  if (j === 0 || i === 0) status("Note: the first page is the home page.");
}
function deletePage() {
  if (S.data.pages.length < 2) { status("A layout needs at least one page.", true); return; }
  const name = page().name;
  if (!confirm(`Delete the page “${name}” and the tiles that link to it?`)) return;
  edit({ fn: () => {
    S.data.pages.splice(S.page, 1);
    for (const p of S.data.pages) { if (p.return_to === name) delete p.return_to; p.tiles = p.tiles.filter((t) => !(t.kind === "page" && t.target === name)); }
    S.page = 0; S.sel = null;
  } });
  status(`Page “${name}” deleted (undo brings it back).`);
}
function freeBlock(p, rs, cs) {
  // first place (row by row) where a rs x cs block of empty cells fits
  for (let r = 0; r + rs <= p.rows; r++) for (let c = 0; c + cs <= p.cols; c++) {
    let ok = true;
    for (let i = 0; ok && i < rs; i++) for (let j = 0; ok && j < cs; j++) if (tileAt(p, r + i, c + j) >= 0) ok = false;
    if (ok) return [r, c];
  }
  return null;
}
function addPhrase() {
  // phrases get big tiles when there is room (easier to hit with the eyes): 2 x 3 cells, else smaller
  const p = page(); let spot = null, size = null;
  for (const [rs, cs] of [[2, 3], [1, 3], [1, 2], [1, 1]]) { spot = freeBlock(p, rs, cs); if (spot) { size = [rs, cs]; break; } }
  if (!spot) { $("phraseMsg").textContent = "This page has no empty cell: remove a tile or add a page."; return; }
  $("phraseMsg").textContent = "";
  const tile = { kind: "phrase", label: "New phrase", value: "New phrase", row: spot[0], col: spot[1] };
  if (size[0] > 1) tile.row_span = size[0];
  if (size[1] > 1) tile.col_span = size[1];
  edit({ fn: () => { p.tiles.push(tile); } });
  const inputs = $("phraseList").querySelectorAll("li:last-child input"); if (inputs[0]) { inputs[0].focus(); inputs[0].select(); }
}

// ------------------------------------------------------------------ saving
async function save() {
  let ok = true;
  if (S.dirty) {
    const res = await apiJson("/api/save", { json: { name: S.name, data: S.data, hash: S.hash } });
    if (res._status === 200) {
      S.hash = res.hash; S.data = res.data; S.savedData = JSON.stringify(S.data); S.problems = [];
      showRecovered(null);
      status(res.message);
    } else {
      ok = false;
      if (res.problems) S.problems = res.problems;
      status(res.error || "not saved", true);
    }
  }
  if (ok && JSON.stringify(S.settings) !== JSON.stringify(S.savedSettings)) {
    const changed = {};
    for (const k of Object.keys(S.settings)) if (S.settings[k] !== S.savedSettings[k]) changed[k] = S.settings[k];
    const res = await apiJson("/api/settings", { json: { settings: changed } });
    for (const m of document.querySelectorAll(".msg[data-setting]")) m.textContent = "";
    if (res._status === 200) { S.settings = Object.assign({}, res.settings); S.savedSettings = Object.assign({}, res.settings); status(($("status").textContent && S.dirty === false ? $("status").textContent + " " : "") + "Settings saved."); }
    else { ok = false; for (const [k, v] of Object.entries(res.errors || {})) { const m = document.querySelector(`.msg[data-setting="${k}"]`); if (m) m.textContent = v; } status(res.error || "settings not saved", true); }
  }
  renderAll();
  if (ok) refreshPreview();
}
function setSetting(key, value) { edit({ layout: false, fn: () => { S.settings[key] = value; } }); }

// ------------------------------------------------------------------ wiring
function wire() {
  $("layoutSelect").onchange = (e) => {
    if ((S.dirty) && !confirm("Your changes to this layout are not saved. Open another layout anyway?")) { e.target.value = S.name; return; }
    openLayout(e.target.value);
  };
  $("copyBtn").onclick = async () => {
    const ans = await askName(`Copy “${S.name}” as your own layout`, "Name of your layout (letters, digits, - and _)", "", false); if (!ans) return;
    const res = await apiJson("/api/copy", { json: { source: S.name, name: ans.name } });
    if (res._status !== 200) { status(res.error, true); return; }
    await loadState(); await openLayout(res.name); status(res.message + ". You can edit it now.");
  };
  $("importFile").onchange = async (e) => {
    const f = e.target.files[0]; if (!f) return;
    e.target.value = "";
    let name = "", res = null;
    for (;;) {
      const form = new FormData(); form.append("file", f); if (name) form.append("name", name);
      res = await apiJson("/api/import", { body: form });
      if (res._status !== 409) break;
      status(res.error, true);  // that name is taken: never replaced silently, ask for another
      const ans = await askName("A layout with this name exists", "Name for the imported board", "", false);
      if (!ans) return;
      name = ans.name;
    }
    if (res._status !== 200) { status(res.error, true); return; }
    await loadState(); await openLayout(res.name); status(res.message + (res.notes && res.notes.length ? ". Notes: " + res.notes.join("; ") : ""));
  };
  $("exportBtn").onclick = async () => {
    if (S.dirty) { status("Save first: the export is made from the saved file.", true); return; }
    const res = await api(`/api/export?name=${encodeURIComponent(S.name)}`);
    if (!res.ok) { let e = {}; try { e = await res.json(); } catch (x) { /* */ } status(e.error || "export failed", true); return; }
    const a = document.createElement("a"); a.href = URL.createObjectURL(await res.blob()); a.download = `${S.name}.obz`;
    document.body.appendChild(a); a.click(); a.remove();
    status(`Exported ${S.name}.obz (Open Board Format, with its pictures) to your downloads.`);
  };
  $("undoBtn").onclick = undo; $("redoBtn").onclick = redo; $("saveBtn").onclick = save;
  $("addPageBtn").onclick = addPage; $("renamePageBtn").onclick = renamePage; $("deletePageBtn").onclick = deletePage;
  $("pageUpBtn").onclick = () => movePage(-1); $("pageDownBtn").onclick = () => movePage(1);
  $("addPhraseBtn").onclick = addPhrase;
  $("pRows").onchange = (e) => edit({ fn: () => { page().rows = Math.max(1, parseInt(e.target.value, 10) || 1); } });
  $("pCols").onchange = (e) => edit({ fn: () => { page().cols = Math.max(1, parseInt(e.target.value, 10) || 1); } });
  $("lName").onchange = (e) => edit({ fn: () => { S.data.layout.name = e.target.value; } });
  $("lScale").onchange = (e) => edit({ fn: () => { S.data.layout.font_scale = parseFloat(e.target.value); } });
  $("tKind").onchange = (e) => setTileField("kind", e.target.value);
  $("tLabel").onchange = (e) => setTileField("label", e.target.value);
  $("tValue").onchange = (e) => setTileField("value", e.target.value);
  $("tSlot").onchange = (e) => setTileField("slot", e.target.value === "" ? null : parseInt(e.target.value, 10));
  $("tAction").onchange = (e) => setTileField("action", e.target.value);
  $("tTarget").onchange = (e) => setTileField("target", e.target.value);
  $("tColor").onchange = (e) => setTileField("color", e.target.value);
  $("tThemeColor").onchange = (e) => setTileField("color", e.target.checked ? null : "#2e7d32");
  $("tColSpan").onchange = (e) => setTileField("col_span", Math.max(1, parseInt(e.target.value, 10) || 1));
  $("tRowSpan").onchange = (e) => setTileField("row_span", Math.max(1, parseInt(e.target.value, 10) || 1));
  $("tPicFile").onchange = (e) => { uploadPicture(e.target.files[0]); e.target.value = ""; };
  $("tPicRemove").onclick = () => setTileField("picture", null);
  $("moveLeft").onclick = () => moveTile(0, -1); $("moveRight").onclick = () => moveTile(0, 1);
  $("moveUp").onclick = () => moveTile(-1, 0); $("moveDown").onclick = () => moveTile(1, 0);
  $("swapBtn").onclick = () => { S.swapping = true; status("Now click the tile to swap with."); };
  $("removeTileBtn").onclick = () => { const i = S.sel.tile; edit({ fn: () => { page().tiles.splice(i, 1); S.sel = null; } }); status("Tile removed (undo brings it back)."); };
  $("addTileBtn").onclick = addTile;
  $("sDwell").onchange = (e) => setSetting("dwell_ms", Math.round(parseFloat(e.target.value) * 1000));
  $("sLock").onchange = (e) => setSetting("lock_on_ms", Math.round(parseFloat(e.target.value) * 1000));
  $("sVoice").onchange = (e) => setSetting("voice", e.target.value);
  $("sTheme").onchange = (e) => { setSetting("theme", e.target.value); refreshPreview(); };
  $("sLanguage").onchange = (e) => setSetting("language", e.target.value);
  $("sLayout").onchange = (e) => setSetting("layout", e.target.value);
  $("sTextLog").onchange = (e) => setSetting("text_logging", e.target.checked);
  $("sFilter").onchange = (e) => setSetting("profanity_filter", e.target.checked);
  $("sHistAudio").onchange = (e) => setSetting("keep_history_audio", e.target.checked);
  $("sAdaptive").onchange = (e) => setSetting("adaptive_dwell", e.target.checked);
  $("sAdaptMin").onchange = (e) => setSetting("adaptive_dwell_min_ms", Math.round(parseFloat(e.target.value) * 1000));
  $("sAdaptMax").onchange = (e) => setSetting("adaptive_dwell_max_ms", Math.round(parseFloat(e.target.value) * 1000));
  $("sGate").onchange = (e) => setSetting("suggestion_gate", e.target.checked);
  $("sNextWords").onchange = (e) => setSetting("next_words_on_tile", e.target.checked);
  $("sSpeakSentence").onchange = (e) => setSetting("speak_on_sentence_end", e.target.checked);
  $("tRec").onchange = (e) => { setTileField("recording", e.target.value || null); if (e.target.value) status("Recording attached (Save to keep it)."); };
  $("tRecDetach").onclick = () => { setTileField("recording", null); status("Recording detached: the tile says its words (Save to keep it)."); };
  $("tRecPlay").onclick = () => { const t = currentTile(); if (t && t.recording) playRecording(t.recording, $("tRecMsg")); };
  $("tRecFile").onchange = (e) => { uploadRecording(e.target.files[0]); e.target.value = ""; };
  $("tryVoice").onclick = async () => {
    const m = document.querySelector('.msg[data-setting="voice"]'); m.className = "msg"; m.textContent = "Speaking…";
    const res = await api("/api/speak", { json: undefined, headers: { "Content-Type": "application/json" }, body: JSON.stringify({ voice: S.settings.voice, text: "Hello, this is my voice." }) });
    if (!res.ok) { let e = {}; try { e = await res.json(); } catch (x) { /* */ } m.textContent = e.error || "the voice could not speak"; return; }
    const audio = $("voiceAudio"); audio.src = URL.createObjectURL(await res.blob());
    m.className = "msg ok"; m.textContent = "Playing the voice.";
    try { await audio.play(); } catch (x) { m.textContent = "The voice is ready but this browser could not play it (" + x.name + ")."; }
  };
  document.addEventListener("keydown", (e) => {
    if (e.target.matches("input, select, textarea")) return;
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "z") { e.preventDefault(); e.shiftKey ? redo() : undo(); }
    if ((e.ctrlKey || e.metaKey) && e.key.toLowerCase() === "y") { e.preventDefault(); redo(); }
  });
  window.addEventListener("beforeunload", (e) => { if (S.dirty) { e.preventDefault(); e.returnValue = ""; } });
}

(async function main() {
  wire();
  if (!TOKEN) { status("Open the link that `aac edit` printed (it contains a one-time key).", true); return; }
  if (!(await loadState())) return;
  const first = S.server.layouts.find((l) => l.name === S.settings.layout) || S.server.layouts[0];
  await openLayout(first.name);
})();
