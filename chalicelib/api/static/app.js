// Veille's triage inbox: plain JavaScript, no build step, no dependency.
// Every piece of mention text goes into the page through textContent (never innerHTML): mentions are untrusted.
"use strict";

(() => {
  const TOKEN_KEY = "veille.token";
  const SVG = "http://www.w3.org/2000/svg";
  const FLAGS = ["complaint", "lead", "needs_reply", "spam", "offensive"];
  const $ = (id) => document.getElementById(id);

  const state = { mentions: [], selected: -1, next: null, watch: "", loading: false, view: "inbox" };

  // -- API -------------------------------------------------------------------------------------------------
  class AuthError extends Error {}

  async function api(path, options = {}) {
    const token = localStorage.getItem(TOKEN_KEY);
    if (!token) { askToken(); throw new AuthError("no token"); }
    const headers = { Accept: "application/json", Authorization: `Bearer ${token}`, ...(options.headers || {}) };
    // Relative URLs: the page works at /app locally and under API Gateway's stage prefix (/api/app).
    const response = await fetch(path, { ...options, headers });
    if (response.status === 401) {
      localStorage.removeItem(TOKEN_KEY);
      askToken("That token was refused. Paste the current VEILLE_API_TOKEN.");
      throw new AuthError("token refused");
    }
    const body = response.headers.get("Content-Type")?.includes("json") ? await response.json() : await response.text();
    if (!response.ok) throw new Error((body && (body.message || body.error)) || `HTTP ${response.status}`);
    return body;
  }

  function show(message) {
    const box = $("message");
    box.textContent = message || "";
    box.hidden = !message;
  }

  function fail(error) {
    if (!(error instanceof AuthError)) show(`Something went wrong: ${error.message}`);
  }

  function askToken(error) {
    const dialog = $("token-dialog");
    $("token-error").textContent = error || "";
    $("token-error").hidden = !error;
    if (!dialog.open) dialog.showModal();
    $("token").focus();
  }

  // -- helpers ---------------------------------------------------------------------------------------------
  function el(tag, className, text) {
    const node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }

  function safeUrl(url) {
    try {
      const parsed = new URL(url);
      return parsed.protocol === "https:" || parsed.protocol === "http:" ? parsed.href : null;
    } catch (_) {
      return null;
    }
  }

  function when(iso) {
    const date = new Date(iso);
    return Number.isNaN(date.getTime()) ? "" : date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
  }

  function filters() {
    const data = new FormData($("filters"));
    const params = new URLSearchParams();
    if (state.watch) params.set("watch", state.watch);
    for (const [key, value] of data.entries()) if (String(value).trim()) params.set(key, String(value).trim());
    return params;
  }

  // -- inbox -----------------------------------------------------------------------------------------------
  const KINDS = { complaint: "complaint", feature_request: "request", question: "question", praise: "praise", other: "" };
  const EMAIL = /^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$/;

  // Feedback units (labels.units): what each part of a message is, by its offsets into mention.text.
  // The API gives them as stored, [start, end, kind, sentiment(, theme)]; the keyed form reads the same.
  // "other" parts (context, chatter) are not highlighted.
  const UNIT_KINDS = { complaint: "bug / complaint", feature_request: "request", question: "question", praise: "praise" };

  function unitsOf(mention) {
    const raw = (mention.effective_labels || mention.labels || {}).units;
    const units = [];
    for (const unit of Array.isArray(raw) ? raw : []) {
      const [start, end, kind, sentiment] = Array.isArray(unit) ? unit
        : unit && typeof unit === "object" ? [unit.start, unit.end, unit.kind, unit.sentiment] : [];
      if (Number.isInteger(start) && Number.isInteger(end) && typeof kind === "string" && Object.hasOwn(UNIT_KINDS, kind)) {
        units.push({ start, end, kind, sentiment: typeof sentiment === "string" ? sentiment : "" });
      }
    }
    return units;
  }

  // Sorted, inside the text, not empty and not overlapping the one before (the first one kept).
  function ordered(ranges, length) {
    let at = 0;
    return [...ranges].sort((a, b) => a.start - b.start).filter((r) => {
      if (r.start < at || r.end > length || r.start >= r.end) return false;
      at = r.end;
      return true;
    });
  }

  // chars[from:to] into parent, the matched words in <mark> (cut at from and to), everything else as text.
  function appendMarked(parent, chars, from, to, spans) {
    let at = from;
    for (const span of spans) {
      const start = Math.max(span.start, at), end = Math.min(span.end, to);
      if (start >= end) continue;
      parent.append(chars.slice(at, start).join(""));
      const mark = document.createElement("mark");
      mark.textContent = chars.slice(start, end).join("");
      mark.title = `matches “${span.term}”`;
      parent.append(mark);
      at = end;
    }
    parent.append(chars.slice(at, to).join(""));
  }

  // chars[from:to] into node: each unit in a <span class="unit KIND"> titled with its kind, the matched words
  // in <mark> inside it. Offsets count code points (Python's str), so text is split with Array.from, not UTF-16.
  function fillRange(node, chars, from, to, spans, units) {
    const marks = ordered(spans, chars.length);
    let at = from;
    for (const unit of ordered(units, chars.length)) {
      const start = Math.max(unit.start, at), end = Math.min(unit.end, to);
      if (start >= end) continue;
      appendMarked(node, chars, at, start, marks);
      const part = el("span", `unit ${unit.kind}`);
      part.title = UNIT_KINDS[unit.kind];
      part.dataset.kind = unit.kind;
      if (unit.sentiment) part.dataset.sentiment = unit.sentiment;
      appendMarked(part, chars, start, end, marks);
      node.append(part);
      at = end;
    }
    appendMarked(node, chars, at, to, marks);
  }

  // The matched words in <mark> (and, given units, each unit highlighted by kind), everything as text nodes.
  function fillWithMarks(node, text, spans, units = []) {
    node.textContent = "";
    const chars = Array.from(text || "");
    fillRange(node, chars, 0, chars.length, spans, units);
  }

  // "Parts: bug / complaint, request": a key to the kinds highlighted in the text.
  function unitLegend(node, units) {
    const kinds = Object.keys(UNIT_KINDS).filter((kind) => units.some((u) => u.kind === kind));
    node.replaceChildren();
    node.hidden = !kinds.length;
    if (!kinds.length) return;
    node.append("Parts:");
    for (const kind of kinds) node.append(el("span", `key unit ${kind}`), UNIT_KINDS[kind]);
  }

  function spansOf(mention, field) {
    return (mention.matches || []).filter((m) => m.watch === state.watch).flatMap((m) => m.spans || [])
      .filter((s) => s.field === field);
  }

  // The priority the API computed (the digest's too); a mention without one reads as normal.
  function priorityOf(mention) {
    const labels = mention.effective_labels || {};
    const p = mention.priority || {};
    const urgency = typeof p.urgency === "number" ? p.urgency : (typeof labels.urgency === "number" ? labels.urgency : 0);
    const level = p.level || (urgency >= 75 ? "critical" : urgency >= 60 ? "high" : "normal");
    const kind = p.kind || labels.kind || (labels.complaint ? "complaint" : "other");
    return { urgency, level, kind, reasons: p.reasons || [], needsYou: !!p.needs_you, overdue: !!p.overdue };
  }

  function ago(iso) {
    const then = new Date(iso).getTime();
    if (Number.isNaN(then)) return "";
    const minutes = Math.max(0, Math.round((Date.now() - then) / 60000));
    if (minutes < 60) return `${minutes}m`;
    if (minutes < 48 * 60) return `${Math.floor(minutes / 60)}h`;
    return `${Math.floor(minutes / 1440)}d`;
  }

  const CHANNELS = { slack: "Slack", email: "email", sns: "SNS" };

  // "alert not delivered to Slack: Slack webhook answered 500 since 09:12" for each channel that owes the alert.
  function alertProblems(mention) {
    const alert = mention.alert;
    if (!alert || !alert.failed) return [];
    const given = alert.status === "undelivered" ? " (given up after 24 h)" : "";
    return Object.entries(alert.failed).map(([name, f]) =>
      `alert not delivered to ${CHANNELS[name] || name}${given}: ${f.error} since ${when(f.since)}`);
  }

  function renderRow(mention) {
    const row = $("row-template").content.firstElementChild.cloneNode(true);
    const labels = mention.effective_labels || {};
    const p = priorityOf(mention);
    row.dataset.id = mention.id;
    if (labels.sentiment) row.classList.add(labels.sentiment);
    const level = row.querySelector(".level");
    level.classList.add(p.level);
    level.textContent = p.level === "normal" ? String(p.urgency) : `${p.level} ${p.urgency}`;
    level.title = p.reasons.length ? `urgency ${p.urgency}: ${p.reasons.join(", ")}` : `urgency ${p.urgency}`;
    const kind = row.querySelector(".kind");
    const kindName = labels.lead && p.kind !== "complaint" ? "lead" : p.kind;
    kind.classList.add(kindName);
    kind.textContent = kindName === "lead" ? "lead" : KINDS[kindName] ?? kindName;
    fillWithMarks(row.querySelector(".title"), mention.title || "", spansOf(mention, "title"));
    fillWithMarks(row.querySelector(".text"), mention.text, spansOf(mention, "text"));
    row.querySelector(".source").textContent = mention.source;
    const author = mention.author || {};
    row.querySelector(".author").textContent = author.handle || author.name || "";
    const time = row.querySelector(".when");
    time.textContent = ago(mention.created_at);
    time.dateTime = mention.created_at;
    time.title = when(mention.created_at);
    row.querySelector(".status").textContent = mention.status.replace("_", " ");
    const problems = alertProblems(mention);
    const badge = row.querySelector(".alert-badge");
    badge.hidden = !problems.length;
    if (problems.length) { badge.textContent = "alert pending"; badge.title = problems.join("\n"); }
    row.setAttribute("aria-label", `${kind.textContent || "mention"}, ${p.level} urgency, ${mention.source}`);
    row.addEventListener("click", () => { select(state.mentions.findIndex((m) => m.id === mention.id)); openDetail(false); });
    return row;
  }

  function replyAddress(mention) {
    const email = ((mention.author || {}).email || "").trim();
    return EMAIL.test(email) ? email : null;
  }

  function mailto(mention) {
    const email = replyAddress(mention);
    if (!email) return null;
    const subject = `Re: ${mention.title || "your message"}`;
    const quoted = Array.from(mention.text || "").slice(0, 1500).join("").split("\n").map((line) => `> ${line}`).join("\n");
    const body = `Hello${mention.author.name ? " " + mention.author.name : ""},\n\n\n\n${quoted}`;
    return `mailto:${encodeURIComponent(email)}?subject=${encodeURIComponent(subject)}&body=${encodeURIComponent(body)}`;
  }

  function renderDetail() {
    const pane = $("detail");
    const mention = state.mentions[state.selected];
    pane.hidden = !mention;
    $("inbox").querySelector(".split").classList.toggle("no-detail", !mention);
    if (!mention) return;
    const labels = mention.effective_labels || {};
    const corrected = mention.corrections || {};
    const author = mention.author || {};
    const p = priorityOf(mention);
    pane.dataset.id = mention.id;
    pane.querySelector(".d-title").textContent = mention.title || `${KINDS[p.kind] || "mention"} on ${mention.source}`;

    const who = [author.handle || author.name, author.name && author.handle ? author.name : null].filter(Boolean).join(" · ");
    const meta = [mention.source, who, typeof author.reach === "number" ? `${author.reach.toLocaleString()} followers` : null,
      author.email, when(mention.created_at), mention.status.replace("_", " ")].filter(Boolean);
    pane.querySelector(".d-meta").textContent = meta.join(" · ");

    const chips = pane.querySelector(".d-labels");
    chips.replaceChildren();
    const chip = (name, text) => {
      const item = el("li", name + (name in corrected ? " corrected" : ""), text);
      if (name in corrected) item.title = "corrected by a person";
      chips.append(item);
    };
    chip(p.level, `${p.level} ${p.urgency}`);
    if (p.kind !== "other") chip("kind", p.kind.replace("_", " "));
    if (labels.sentiment) chip("sentiment", labels.sentiment);
    for (const flag of FLAGS) if (labels[flag] && flag !== "complaint") chip(flag, flag.replace("_", " "));
    if (labels.lang) chip("lang", labels.lang);
    const waiting = p.overdue ? " · overdue" : "";
    pane.querySelector(".d-urgency").textContent = p.reasons.length
      ? `Urgent because: ${p.reasons.join(", ")}${waiting}` : (waiting ? "Overdue" : "");
    const problems = alertProblems(mention);
    const retry = mention.alert && mention.alert.status === "pending" && mention.alert.next_at
      ? ` (retried automatically; next try ${when(mention.alert.next_at)})` : "";
    pane.querySelector(".d-alert").textContent = problems.length ? problems.join("; ") + retry : "";

    // Form feedback: one "Question: answer" line per answer, shown as a list; anything else as its text.
    const answers = pane.querySelector(".d-answers");
    const text = pane.querySelector(".d-text");
    answers.replaceChildren();
    const lines = String(mention.text || "").split("\n");
    const isForm = mention.source.startsWith("form:") && lines.length > 1 && lines.every((l) => l.includes(": "));
    const units = unitsOf(mention);
    const spans = spansOf(mention, "text");
    if (isForm) {
      // Units and matches count code points of the whole text: each line's question and answer take their part.
      text.textContent = "";
      const chars = Array.from(mention.text || "");
      let lineStart = 0;
      for (const line of lines) {
        const question = Array.from(line.slice(0, line.indexOf(": "))).length;
        const lineEnd = lineStart + Array.from(line).length;
        const dt = el("dt"), dd = el("dd");
        fillRange(dt, chars, lineStart, lineStart + question, spans, units);
        fillRange(dd, chars, lineStart + question + 2, lineEnd, spans, units);
        answers.append(dt, dd);
        lineStart = lineEnd + 1;
      }
    } else {
      fillWithMarks(text, mention.text, spans, units);
    }
    unitLegend(pane.querySelector(".d-units"), units);
    const themeNames = [...new Set(themeIdsOf(mention).map((id) => state.themeNames.get(id)).filter(Boolean))];
    const themesLine = pane.querySelector(".d-themes");
    themesLine.textContent = themeNames.length ? `Themes: ${themeNames.join(" · ")}` : "";
    themesLine.hidden = !themeNames.length;

    const why = labels.why && typeof labels.why === "object" ? labels.why : {};
    const reasons = Object.entries(why).filter(([, cues]) => Array.isArray(cues) && cues.length);
    pane.querySelector(".d-why").replaceChildren(...(reasons.length
      ? reasons.map(([flag, cues]) => el("li", "", `${flag.replace("_", " ")}: ${cues.map((c) => `“${c}”`).join(", ")}`))
      : [el("li", "", "no cue recorded")]));

    const open = pane.querySelector(".d-open");
    const url = mention.url && safeUrl(mention.url);
    open.hidden = !url;
    if (url) open.href = url; else open.removeAttribute("href");
    const email = pane.querySelector(".d-email");
    const link = mailto(mention);
    email.hidden = !link;
    if (link) { email.href = link; email.title = `Reply by email to ${replyAddress(mention)} (e)`; } else email.removeAttribute("href");
    for (const button of pane.querySelectorAll("button[data-action]")) button.disabled = mention.status === button.dataset.action;

    const form = pane.querySelector(".d-correct");
    form.elements.kind.value = p.kind;
    form.elements.sentiment.value = labels.sentiment || "neutral";
    for (const flag of ["lead", "spam", "offensive"]) form.elements[flag].checked = !!labels[flag];
    const note = pane.querySelector(".d-note-form textarea");
    if (document.activeElement !== note) note.value = mention.note || "";

    const history = [el("li", "", `received ${when(mention.created_at)}`)];
    for (const change of mention.history || []) history.push(el("li", "", `${change.status.replace("_", " ")} · ${when(change.at)}`));
    if (!(mention.history || []).length && mention.status_changed_at) {
      history.push(el("li", "", `${mention.status.replace("_", " ")} · ${when(mention.status_changed_at)}`));
    }
    pane.querySelector(".d-history").replaceChildren(...history);
  }

  function renderInbox() {
    const rows = $("rows");
    rows.replaceChildren(...state.mentions.map(renderRow));
    $("empty").hidden = state.mentions.length > 0 || state.loading;
    $("more").hidden = !state.next;
    const n = state.mentions.length;
    const view = currentView();
    const what = view === "needs_you" ? " need you" : view === "requests" ? (n === 1 ? " request" : " requests") : "";
    $("count").textContent = n ? `${n}${state.next ? "+" : ""} mention${n === 1 ? "" : "s"}${what}` : "";
    if (view === "requests" && n) $("count").textContent = `${n}${state.next ? "+" : ""}${what}`;
    if (state.selected >= n) state.selected = n - 1;
    highlight(false);
    renderDetail();
  }

  function highlight(scroll) {
    const rows = [...$("rows").children];
    rows.forEach((row, index) => {
      row.classList.toggle("selected", index === state.selected);
      row.setAttribute("aria-selected", index === state.selected ? "true" : "false");
    });
    const row = rows[state.selected];
    if (row && scroll) {
      row.focus({ preventScroll: true });
      row.scrollIntoView({ block: "nearest" });
    }
  }

  function select(index) {
    if (!state.mentions.length) return;
    state.selected = Math.max(0, Math.min(state.mentions.length - 1, index));
    highlight(true);
    renderDetail();
  }

  function openDetail(focus = true) {
    const pane = $("detail");
    if (pane.hidden) return;
    if (window.matchMedia("(max-width: 900px)").matches) pane.scrollIntoView({ block: "start" });
    if (focus) pane.focus({ preventScroll: true });
  }

  function currentView() {
    return new FormData($("filters")).get("view") || "needs_you";
  }

  // The view picks what the API is asked: "Needs you" = open complaints, questions and leads, most pressing
  // first (spam, offensive and hidden left out); "Requests" = open feature requests; "All" = the filters as set.
  function filters() {
    const data = new FormData($("filters"));
    const view = currentView();
    const params = new URLSearchParams();
    if (state.watch) params.set("watch", state.watch);
    for (const key of ["source", "text", "since", "until"]) {
      const value = String(data.get(key) || "").trim();
      if (value) params.set(key, value);
    }
    if (view === "needs_you") {
      params.set("label", "needs_you");
      params.set("order", "priority");
    } else if (view === "requests") {
      params.set("kind", "feature_request");
      params.set("status", "open");
      params.set("order", "priority");
    } else {
      for (const key of ["status", "label", "order"]) {
        const value = String(data.get(key) || "").trim();
        if (value) params.set(key, value);
      }
    }
    $("filters").className = `filters view-${view}`;
    return params;
  }

  // Whether a mention just changed still belongs in the list as filtered.
  function belongs(mention) {
    const view = currentView();
    const open = mention.status === "new" || mention.status === "to_reply";
    if (view === "needs_you") return mention.priority ? !!mention.priority.needs_you : open;
    if (view === "requests") return open && priorityOf(mention).kind === "feature_request";
    const wanted = new FormData($("filters")).get("status");
    if (wanted === "open") return open;
    return !wanted || wanted === mention.status;
  }

  async function loadMentions(append = false) {
    ensureThemeNames();
    const params = filters();
    params.set("limit", "50");
    if (append && state.next) params.set("cursor", state.next);
    state.loading = true;
    // A view or filter changed while an older request was in flight: only the newest answer is shown.
    const ticket = (state.ticket = (state.ticket || 0) + 1);
    try {
      const page = await api(`mentions?${params}`);
      if (ticket !== state.ticket) return;
      state.mentions = append ? state.mentions.concat(page.items) : page.items;
      state.next = page.next;
      if (!append) state.selected = state.mentions.length ? 0 : -1;
      show("");
    } catch (error) {
      fail(error);
    } finally {
      if (ticket === state.ticket) {
        state.loading = false;
        renderInbox();
      }
    }
  }

  async function patch(id, body) {
    return api(`mentions/${encodeURIComponent(id)}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });
  }

  function replace(id, updated) {
    const index = state.mentions.findIndex((m) => m.id === id);
    if (index < 0) return -1;
    if (belongs(updated)) state.mentions[index] = updated;
    else state.mentions.splice(index, 1);  // it no longer belongs to this view
    return index;
  }

  async function triage(id, status) {
    try {
      const updated = await patch(id, { status });
      const index = replace(id, updated);
      if (index < 0) return;
      renderInbox();
      if (state.mentions.length) select(Math.min(index, state.mentions.length - 1));
      show(`Marked ${status}.`);
    } catch (error) {
      fail(error);
    }
  }

  async function correct(id, labels) {
    try {
      const updated = await patch(id, { labels });
      const index = state.mentions.findIndex((m) => m.id === id);
      if (index >= 0) state.mentions[index] = updated;  // stays in view until the next reload: no row jumps away
      renderInbox();
      show(`Corrected: ${Object.entries(labels).map(([k, v]) => `${k} ${v}`).join(", ")}.`);
    } catch (error) {
      fail(error);
    }
  }

  async function saveNote(id, note) {
    try {
      const updated = await patch(id, { note });
      const index = state.mentions.findIndex((m) => m.id === id);
      if (index >= 0) state.mentions[index] = updated;
      renderInbox();
      show("Note saved.");
    } catch (error) {
      fail(error);
    }
  }

  function wireDetail() {
    const pane = $("detail");
    const currentId = () => pane.dataset.id;
    for (const button of pane.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", () => triage(currentId(), button.dataset.action));
    }
    const form = pane.querySelector(".d-correct");
    form.addEventListener("submit", (event) => event.preventDefault());
    form.addEventListener("change", (event) => {
      const field = event.target;
      const value = field.type === "checkbox" ? field.checked : field.value;
      correct(currentId(), { [field.name]: value });
    });
    pane.querySelector(".d-note-form").addEventListener("submit", (event) => {
      event.preventDefault();
      saveNote(currentId(), event.target.elements.note.value);
    });
    $("detail-close").addEventListener("click", () => { highlight(true); });
  }

  // -- digest and charts ------------------------------------------------------------------------------------
  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  // The chart is drawn at the pixel width it is shown at, so its 12px axis labels stay 12px on a phone.
  function chartFrame(days, max, pixels) {
    const width = Math.max(280, Math.round(pixels || 600)), height = Math.round(Math.min(240, Math.max(170, width * 0.45)));
    const left = 30, bottom = 22, top = 8;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    const plot = { left, top, width: width - left - 6, height: height - top - bottom, max: Math.max(1, max) };
    const y = (v) => top + plot.height - (v / plot.max) * plot.height;
    for (const tick of new Set([0, Math.ceil(plot.max / 2), plot.max])) {
      root.append(svg("line", { x1: left, x2: width - 6, y1: y(tick), y2: y(tick), stroke: "#e6e9ef" }));
      root.append(svg("text", { x: left - 4, y: y(tick) + 3, "text-anchor": "end", class: "axis" }, tick));
    }
    const step = plot.width / Math.max(1, days.length);
    const every = Math.ceil(days.length / Math.max(3, Math.floor(width / 64)));
    days.forEach((day, index) => {
      if ((days.length - 1 - index) % every === 0) {  // counted from today, so labels never overlap at the end
        root.append(svg("text", { x: left + step * (index + 0.5), y: height - 6, "text-anchor": "middle", class: "axis" },
          day.date.slice(5)));
      }
    });
    return { root, y, step, plot };
  }

  function sentimentBars(days, pixels) {
    const max = Math.max(...days.map((d) => d.total));
    const { root, y, step, plot } = chartFrame(days, max, pixels);
    const colours = { negative: "#d0463b", neutral: "#9aa3b2", positive: "#2f9e6a", other: "#d5d9e0" };
    days.forEach((day, index) => {
      const other = Math.max(0, day.total - day.negative - day.neutral - day.positive);
      let base = 0;
      for (const [key, value] of [["negative", day.negative], ["neutral", day.neutral], ["positive", day.positive],
        ["other", other]]) {
        if (!value) continue;
        const x = plot.left + step * index + step * 0.15;
        const bar = svg("rect", { x, y: y(base + value), width: step * 0.7, height: y(base) - y(base + value),
          fill: colours[key], "data-day": day.date, "data-kind": key });
        bar.append(svg("title", {}, `${day.date}: ${value} ${key}`));
        root.append(bar);
        base += value;
      }
    });
    root.setAttribute("aria-label", `Mentions per day over ${days.length} days`);
    return root;
  }

  function lines(days, pixels) {
    const max = Math.max(...days.map((d) => Math.max(d.complaints, d.leads)));
    const { root, y, step, plot } = chartFrame(days, max, pixels);
    // Leads dashed, so that a day with as many leads as complaints still shows both lines.
    for (const [key, colour, dash] of [["complaints", "#d0463b", "none"], ["leads", "#7a4fd0", "6 4"]]) {
      const points = days.map((day, index) => `${plot.left + step * (index + 0.5)},${y(day[key])}`).join(" ");
      root.append(svg("polyline", { points, fill: "none", stroke: colour, "stroke-width": 2, "stroke-dasharray": dash,
        "data-kind": key }));
      days.forEach((day, index) => {
        const dot = svg("circle", { cx: plot.left + step * (index + 0.5), cy: y(day[key]), r: 3, fill: colour });
        dot.append(svg("title", {}, `${day.date}: ${day[key]} ${key}`));
        root.append(dot);
      });
    }
    root.setAttribute("aria-label", "Complaints and leads per day");
    return root;
  }

  function digestList(title, items, withLevel) {
    const section = el("section");
    section.append(el("h3", "", `${title} (${items.length})`));
    const list = el("ul");
    for (const item of items.slice(0, 20)) {
      const entry = el("li");
      const chips = el("span", "chips");
      const kind = item.lead && item.kind !== "complaint" ? "lead" : item.kind || (item.complaint ? "complaint" : "other");
      if (withLevel && item.level) {
        chips.append(el("span", `level ${item.level}`, `${item.level} ${item.urgency ?? 0}`));
      }
      if (kind !== "other") chips.append(el("span", `kind ${kind}`, kind === "lead" ? "lead" : KINDS[kind] ?? kind));
      if (chips.childElementCount) entry.append(chips);
      entry.append(el("strong", "", item.title || item.quote || ""));
      if (item.title && item.quote) entry.append(el("div", "", item.quote));
      const also = (item.also_said || []).filter((part) => part && part.quote).map((part) => `“${part.quote}”`);
      if (also.length) entry.append(el("div", "also", `also said: ${also.join(", ")}`));
      const who = [item.source, item.author, item.local_time].filter(Boolean).join(" · ");
      const reasons = item.reasons && item.reasons.length ? ` — urgent because: ${item.reasons.join(", ")}` : "";
      entry.append(el("div", "why", who + reasons));
      list.append(entry);
    }
    if (!items.length) list.append(el("li", "none", "none"));
    section.append(list);
    return section;
  }

  function renderDigest(digest) {
    const body = $("digest-body");
    const summary = el("section", "summary");
    summary.append(el("h3", "", `Digest of ${digest.date} (${digest.timezone || "UTC"})`));
    const lines = (digest.summary && digest.summary.lines) || [];
    lines.forEach((line, index) => {
      const crisis = index === 2 && digest.summary && digest.summary.crisis;
      summary.append(el("p", crisis ? "crisis" : "", line));
    });
    const sections = [summary, digestList("Needs you", digest.needs_reply || [], true), digestList("Leads", digest.leads || [])];
    sections.push(digestList("Asked for this week", digest.requests || []), digestList("Fans to thank", digest.fans || []),
      digestList("Biggest voices", digest.influencers || []));
    body.replaceChildren(...sections);
  }

  async function loadDigest() {
    const day = $("digest-date").value;
    const days = $("digest-days").value;
    const watch = state.watch ? `watch=${encodeURIComponent(state.watch)}` : "";
    try {
      const stats = await api(`stats?days=${encodeURIComponent(days)}&until=${encodeURIComponent(day)}&${watch}`);
      $("chart-sentiment").replaceChildren(sentimentBars(stats.days, $("chart-sentiment").clientWidth));
      $("chart-lines").replaceChildren(lines(stats.days, $("chart-lines").clientWidth));
      renderDigest(await api(`digest/${encodeURIComponent(day)}?${watch}`));
      show("");
    } catch (error) {
      fail(error);
    }
  }

  // -- themes -------------------------------------------------------------------------------------------------
  // What keeps coming back (GET /themes): grouped by kind, each with its count, its examples (links) and the
  // founder's actions: rename, hide or unhide, merge into another theme of its kind. Theme labels are untrusted
  // (generated from what people wrote): text only, as everything else.
  const THEME_KINDS = [["problem", "Problems"], ["request", "Requests"], ["question", "Questions"], ["praise", "Praise"]];
  state.themes = [];
  state.themeNames = new Map();
  state.themesWatch = null;

  function themeQuery() {
    return state.watch ? `?watch=${encodeURIComponent(state.watch)}` : "";
  }

  async function fetchThemes() {
    const answer = await api(`themes${themeQuery()}`);
    state.themes = answer.themes || [];
    state.themeDays = answer.count_days || 30;
    state.themesWatch = state.watch;
    // A unit may still carry the id of a theme merged since: it reads as the theme it went into.
    state.themeNames = new Map();
    for (const theme of state.themes) {
      state.themeNames.set(theme.id, theme.label);
      for (const old of theme.merged || []) state.themeNames.set(old, theme.label);
    }
    return answer;
  }

  // The detail pane names the themes of a mention's units: the list is fetched once per watch, quietly (the
  // inbox works the same without it).
  function ensureThemeNames() {
    if (state.themesWatch === state.watch) return;
    state.themesWatch = state.watch;
    fetchThemes().then(() => renderDetail()).catch(() => { state.themesWatch = null; });
  }

  function themeIdsOf(mention) {
    const raw = (mention.effective_labels || mention.labels || {}).units;
    const ids = [];
    for (const unit of Array.isArray(raw) ? raw : []) {
      const id = Array.isArray(unit) ? unit[4] : unit && typeof unit === "object" ? unit.theme : null;
      if (typeof id === "string" && id && !ids.includes(id)) ids.push(id);
    }
    return ids;
  }

  function exampleList(examples) {
    const list = el("ul", "examples");
    for (const example of examples || []) {
      if (!example || typeof example !== "object") continue;
      const item = el("li");
      const quote = `“${example.quote || ""}”`;
      const url = example.url && safeUrl(example.url);
      if (url) {
        const link = el("a", "", quote);
        link.href = url;
        link.target = "_blank";
        link.rel = "noopener noreferrer nofollow";
        item.append(link);
      } else {
        item.append(el("span", "", quote));
      }
      list.append(item);
    }
    return list;
  }

  function option(value, text) {
    const node = el("option", "", text);
    node.value = value;
    return node;
  }

  async function loadThemes() {
    try {
      await fetchThemes();
      renderThemes();
      show("");
    } catch (error) {
      fail(error);
    }
  }

  async function patchTheme(id, body, done) {
    try {
      await api(`themes/${encodeURIComponent(id)}${themeQuery()}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      await fetchThemes();
      renderThemes();
      show(done);
    } catch (error) {
      fail(error);
    }
  }

  function renameForm(theme, card) {
    const form = el("form", "rename-form");
    const input = el("input");
    input.name = "label";
    input.type = "text";
    input.maxLength = 120;
    input.required = true;
    input.value = theme.label;
    input.setAttribute("aria-label", "New label");
    const save = el("button", "", "Save");
    save.type = "submit";
    const cancel = el("button", "ghost", "Cancel");
    cancel.type = "button";
    form.append(input, save, cancel);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      const label = input.value.trim();
      if (label) patchTheme(theme.id, { label }, `Renamed to “${label}”.`);
    });
    const close = () => renderThemes();
    cancel.addEventListener("click", close);
    input.addEventListener("keydown", (event) => { if (event.key === "Escape") { event.preventDefault(); close(); } });
    card.querySelector(".theme-label").replaceWith(form);
    input.focus();
    input.select();
  }

  function themeCard(theme, sameKind) {
    const card = el("li", `theme${theme.hidden ? " is-hidden" : ""}`);
    card.dataset.id = theme.id;
    const head = el("div", "theme-head");
    head.append(el("strong", "theme-label", theme.label));
    if (theme.hidden) head.append(el("span", "chip hidden-chip", "hidden from the report"));
    const people = Number.isInteger(theme.authors) ? ` · ${theme.authors} ${theme.authors === 1 ? "person" : "people"}` : "";
    head.append(el("span", "theme-count", `${theme.count ?? 0} in ${state.themeDays} days${people}`));
    card.append(head);
    if (theme.custom_label) card.append(el("div", "generated", `generated label: ${theme.generated_label}`));
    card.append(exampleList(theme.examples));

    const actions = el("div", "actions theme-actions");
    const rename = el("button", "rename", "Rename");
    rename.type = "button";
    rename.addEventListener("click", () => renameForm(theme, card));
    actions.append(rename);
    if (theme.custom_label) {
      const restore = el("button", "restore", "Restore label");
      restore.type = "button";
      restore.addEventListener("click", () => patchTheme(theme.id, { label: null }, "Generated label restored."));
      actions.append(restore);
    }
    const hide = el("button", "hide", theme.hidden ? "Unhide" : "Hide");
    hide.type = "button";
    hide.title = theme.hidden ? "Show it in the report again" : "Leave it out of the report (it stays listed here)";
    hide.addEventListener("click", () => patchTheme(theme.id, { hidden: !theme.hidden },
      theme.hidden ? "Shown in the report again." : "Hidden from the report."));
    actions.append(hide);
    const others = sameKind.filter((t) => t.id !== theme.id);
    if (others.length) {
      const target = el("select", "merge-target");
      target.setAttribute("aria-label", "Merge into");
      target.append(option("", "Merge into…"), ...others.map((t) => option(t.id, t.label)));
      const merge = el("button", "merge", "Merge");
      merge.type = "button";
      merge.disabled = true;
      merge.title = "Its examples and counts go to the chosen theme; it cannot be split again";
      target.addEventListener("change", () => { merge.disabled = !target.value; });
      merge.addEventListener("click", () => {
        const into = others.find((t) => t.id === target.value);
        if (into) patchTheme(theme.id, { merge_into: into.id }, `Merged “${theme.label}” into “${into.label}”.`);
      });
      actions.append(target, merge);
    }
    card.append(actions);
    return card;
  }

  function renderThemes() {
    const groups = [];
    for (const [kind, title] of THEME_KINDS) {
      const themes = state.themes.filter((t) => t.kind === kind);
      if (!themes.length) continue;
      const group = el("section", `theme-group ${kind}`);
      group.dataset.kind = kind;
      const units = themes.reduce((n, t) => n + (t.count || 0), 0);
      group.append(el("h2", "", `${title} (${themes.length} ${themes.length === 1 ? "theme" : "themes"}, ${units} in ${state.themeDays} days)`));
      const list = el("ol", "theme-list");
      list.append(...themes.map((theme) => themeCard(theme, themes)));
      group.append(list);
      groups.push(group);
    }
    $("themes-body").replaceChildren(...groups);
    $("themes-empty").hidden = state.themes.length > 0;
    const n = state.themes.length;
    $("themes-count").textContent = n ? `${n} ${n === 1 ? "theme" : "themes"}; counts over the last ${state.themeDays} days` : "";
  }

  // -- the report ------------------------------------------------------------------------------------------------
  // GET /report/{period}/{date} as JSON, drawn with the page's own elements: KPIs against the previous period,
  // each channel, the top themes with their trend, what changed most, and proposals with their examples.
  const TRENDS = { new: "new", rising: "↑ rising", steady: "→ steady", falling: "↓ falling" };

  function figure(value, rate) {
    if (value === null || value === undefined) return "–";
    if (rate) return `${Math.round(value * 100)}%`;
    return Number.isInteger(value) ? String(value) : String(Math.round(value * 10) / 10);
  }

  function change(kpi, rate) {
    if (!kpi || kpi.value === null || kpi.value === undefined || kpi.previous === null || kpi.previous === undefined) return "";
    const delta = kpi.value - kpi.previous;
    if (!delta) return "=";
    return `${delta > 0 ? "+" : "−"}${figure(Math.abs(delta), rate)}`;
  }

  function table(caption, head, rows) {
    const node = el("table", "report-table");
    node.append(el("caption", "", caption));
    const top = el("tr");
    top.append(...head.map((h) => el("th", "", h)));
    node.append(el("thead"));
    node.tHead.append(top);
    const body = el("tbody");
    for (const cells of rows) {
      const row = el("tr");
      cells.forEach((cell, index) => row.append(el(index ? "td" : "th", "", cell)));
      body.append(row);
    }
    node.append(body);
    return node;
  }

  function renderReport(report) {
    const period = report.period || {};
    const k = report.kpis || {};
    const sentiment = k.sentiment || {};
    const head = el("section", "summary");
    head.append(el("h2", "", `Report of ${report.watch}: ${period.kind} from ${period.start} to ${period.end}`));
    head.append(el("p", "muted", `compared with ${period.previous_start} to ${period.previous_end}`));

    const rows = [
      ["Mentions", k.mentions], ["Share of voice", k.share_of_voice, true], ["Negative", sentiment.negative],
      ["Positive", sentiment.positive], ["Complaints", k.complaints], ["Leads", k.leads],
      ["Median first reply (h)", k.median_first_reply_hours], ["Replied", k.share_replied, true],
    ].filter(([, kpi]) => kpi).map(([name, kpi, rate]) => [name, figure(kpi.value, rate), figure(kpi.previous, rate), change(kpi, rate)]);
    const kpis = table("Key figures", ["", "this period", "previous", "change"], rows);
    kpis.classList.add("kpis");

    const channels = Object.entries(k.by_source || {}).map(([source, c]) => [
      source, `${figure(c.mentions && c.mentions.value)} (${figure(c.mentions && c.mentions.previous)})`,
      figure(c.sentiment && c.sentiment.negative && c.sentiment.negative.value), figure(c.complaints && c.complaints.value),
      figure(c.leads && c.leads.value), figure(c.median_first_reply_hours && c.median_first_reply_hours.value)]);
    const bySource = table("By channel (previous period in brackets)", ["channel", "mentions", "negative", "complaints", "leads", "median reply (h)"], channels);

    const chart = el("figure", "chart");
    chart.append(el("figcaption", "", "Mentions per day, by sentiment"));
    const days = (report.days || []).map((d) => ({ date: String(d.day), total: d.mentions || 0, negative: d.negative || 0,
      neutral: d.neutral || 0, positive: d.positive || 0 }));
    const drawing = el("div", "report-chart");
    chart.append(drawing);

    const themes = el("section", "report-themes");
    themes.append(el("h3", "", "Themes"));
    const themeList = el("ol", "theme-list");
    for (const theme of report.themes || []) {
      const item = el("li", `theme ${theme.kind}`);
      item.dataset.id = theme.id;
      const line = el("div", "theme-head");
      line.append(el("span", `chip trend ${theme.trend}`, TRENDS[theme.trend] || theme.trend));
      line.append(el("strong", "theme-label", theme.label));
      line.append(el("span", "theme-count", `${theme.count} (before: ${theme.previous}) · ${theme.authors} ${theme.authors === 1 ? "person" : "people"}`));
      item.append(line, exampleList(theme.examples));
      themeList.append(item);
    }
    if (!themeList.childElementCount) themeList.append(el("li", "none", "no theme this period"));
    themes.append(themeList);

    const changes = el("section", "report-changes");
    changes.append(el("h3", "", "What changed most"));
    const changeList = el("ul");
    for (const c of report.changes || []) {
      changeList.append(el("li", "", `${c.label || c.key.replace(/_/g, " ")}: ${c.value} (before: ${c.previous})`));
    }
    if (!changeList.childElementCount) changeList.append(el("li", "none", "nothing moved much"));
    changes.append(changeList);

    const proposals = el("section", "report-proposals");
    proposals.append(el("h3", "", "Proposals"));
    const proposalList = el("ol", "proposals");
    for (const p of report.proposals || []) {
      const item = el("li", `proposal ${p.rule}`);
      item.dataset.rule = p.rule;
      item.append(el("p", "proposal-text", p.text));
      if ((p.examples || []).length) item.append(exampleList(p.examples));
      proposalList.append(item);
    }
    if (!proposalList.childElementCount) proposalList.append(el("li", "none", "no proposal this period"));
    proposals.append(proposalList);

    $("report-body").replaceChildren(head, kpis, proposals, themes, changes, chart, bySource);
    drawing.replaceChildren(sentimentBars(days, drawing.clientWidth));
  }

  async function loadReport() {
    const period = $("report-period").value;
    const day = $("report-date").value;
    const params = new URLSearchParams();
    if (state.watch) params.set("watch", state.watch);
    if ($("report-lang").value) params.set("lang", $("report-lang").value);
    const ticket = (state.reportTicket = (state.reportTicket || 0) + 1);
    try {
      const report = await api(`report/${encodeURIComponent(period)}/${encodeURIComponent(day)}?${params}`);
      if (ticket !== state.reportTicket) return;
      renderReport(report);
      show("");
    } catch (error) {
      fail(error);
    }
  }

  // -- views, watches, keyboard ---------------------------------------------------------------------------------
  const VIEWS = { inbox: () => loadMentions(), digest: () => loadDigest(), themes: () => loadThemes(), report: () => loadReport() };

  function setView(view) {
    state.view = view;
    show("");
    for (const name of Object.keys(VIEWS)) {
      $(name).hidden = view !== name;
      $(`tab-${name}`).setAttribute("aria-pressed", String(view === name));
    }
    (VIEWS[view] || VIEWS.inbox)();
  }

  async function loadWatches() {
    const answer = await api("watches");
    const picker = $("watch");
    picker.replaceChildren(...answer.watches.map((w) => {
      const option = el("option", "", w.name + (w.competitor ? " (competitor)" : ""));
      option.value = w.name;
      return option;
    }));
    state.watch = answer.default;
    picker.value = answer.default;
  }

  async function start() {
    try {
      await loadWatches();
      setView(state.view);
    } catch (error) {
      fail(error);
    }
  }

  // Shortcuts stay off while typing; a radio button, a checkbox or a button keeps them.
  function typing(target) {
    if (!(target instanceof HTMLElement)) return false;
    if (target.tagName === "INPUT") return !["radio", "checkbox", "button", "submit"].includes(target.type);
    return target.isContentEditable || ["SELECT", "TEXTAREA"].includes(target.tagName);
  }

  function setInboxView(view) {
    const radio = document.querySelector(`#filters input[name=view][value="${view}"]`);
    if (radio && !radio.checked) { radio.checked = true; loadMentions(); }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (document.querySelector("dialog[open]")) return;
    if (typing(event.target)) {
      if (event.key === "Escape") event.target.blur();
      return;
    }
    const current = state.mentions[state.selected];
    const actions = { r: "replied", i: "ignored", h: "hidden" };
    const views = { 1: "needs_you", 2: "requests", 3: "all" };
    if (event.key === "?") {
      $("help").showModal();
    } else if (state.view !== "inbox") {
      return;
    } else if (event.key === "j" || event.key === "ArrowDown") {
      select(state.selected + 1);
    } else if (event.key === "k" || event.key === "ArrowUp") {
      select(state.selected - 1);
    } else if (event.key === "Enter" && event.target instanceof Element && event.target.closest("button, a, input")) {
      return;  // Enter on a button or a link does what it says
    } else if (event.key === "Enter" && current) {
      openDetail(true);
    } else if (event.key === "Escape") {
      highlight(true);
    } else if (event.key in actions && current) {
      triage(current.id, actions[event.key]);
    } else if (event.key === "o" && current && current.url && safeUrl(current.url)) {
      window.open(safeUrl(current.url), "_blank", "noopener,noreferrer");
    } else if (event.key === "e" && current && mailto(current)) {
      window.location.href = mailto(current);
    } else if (event.key === "n" && current) {
      $("detail").querySelector(".d-note-form textarea").focus();
    } else if (event.key in views) {
      setInboxView(views[event.key]);
    } else if (event.key === "/") {
      document.querySelector("#filters [name=text]").focus();
    } else {
      return;
    }
    event.preventDefault();
  }

  function debounce(fn, ms) {
    let timer;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  document.addEventListener("DOMContentLoaded", () => {
    // Today as the founder's calendar says, not UTC's (at 1 am in Paris, UTC is still yesterday).
    const now = new Date();
    const localDay = (date) => new Date(date.getTime() - date.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
    $("digest-date").value = localDay(now);
    $("report-date").value = localDay(now);
    // The inbox's date range: the last 7 days by default, any window up to 92 days.
    $("until").value = localDay(now);
    $("since").value = localDay(new Date(now.getTime() - 6 * 86400000));
    wireDetail();
    $("token-form").addEventListener("submit", () => {
      const token = $("token").value.trim();
      if (token) localStorage.setItem(TOKEN_KEY, token);
      $("token").value = "";
      start();
    });
    $("logout").addEventListener("click", () => { localStorage.removeItem(TOKEN_KEY); state.mentions = []; renderInbox(); askToken(); });
    $("help-button").addEventListener("click", () => $("help").showModal());
    $("tab-inbox").addEventListener("click", () => setView("inbox"));
    $("tab-digest").addEventListener("click", () => setView("digest"));
    $("tab-themes").addEventListener("click", () => setView("themes"));
    $("tab-report").addEventListener("click", () => setView("report"));
    $("report-form").addEventListener("change", loadReport);
    $("report-form").addEventListener("submit", (event) => { event.preventDefault(); loadReport(); });
    $("watch").addEventListener("change", (event) => { state.watch = event.target.value; setView(state.view); });
    $("more").addEventListener("click", () => loadMentions(true));
    const reload = debounce(() => loadMentions(), 250);
    $("filters").addEventListener("input", reload);
    $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadMentions(); });
    $("digest-form").addEventListener("change", loadDigest);
    document.addEventListener("keydown", onKey);
    // veille serve prints /app#token=...: keep the token, then drop it from the address bar (a fragment never reaches the server).
    const fromLink = new URLSearchParams(location.hash.slice(1)).get("token");
    if (fromLink) {
      localStorage.setItem(TOKEN_KEY, fromLink);
      history.replaceState(null, "", location.pathname + location.search);
    }
    if (localStorage.getItem(TOKEN_KEY)) start(); else askToken();
  });
})();
