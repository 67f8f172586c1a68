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
  // The matched words in <mark>, everything as text nodes. Span offsets count code points (Python's
  // str), so the text is split with Array.from, not indexed as UTF-16.
  function fillWithMarks(node, text, spans) {
    node.textContent = "";
    const chars = Array.from(text || "");
    let at = 0;
    for (const span of [...spans].sort((a, b) => a.start - b.start)) {
      if (span.start < at || span.end > chars.length || span.start >= span.end) continue;
      node.append(chars.slice(at, span.start).join(""));
      const mark = document.createElement("mark");
      mark.textContent = chars.slice(span.start, span.end).join("");
      mark.title = `matches “${span.term}”`;
      node.append(mark);
      at = span.end;
    }
    node.append(chars.slice(at).join(""));
  }

  function renderRow(mention) {
    const row = $("row-template").content.firstElementChild.cloneNode(true);
    const labels = mention.effective_labels || {};
    const corrected = mention.corrections || {};
    row.dataset.id = mention.id;
    if (labels.sentiment) row.classList.add(labels.sentiment);
    row.querySelector(".source").textContent = mention.source;
    const author = mention.author || {};
    row.querySelector(".author").textContent = author.handle || author.name || "";
    const time = row.querySelector(".when");
    time.textContent = when(mention.created_at);
    time.dateTime = mention.created_at;
    row.querySelector(".status").textContent = mention.status.replace("_", " ");
    const spans = (mention.matches || []).filter((m) => m.watch === state.watch).flatMap((m) => m.spans || []);
    fillWithMarks(row.querySelector(".title"), mention.title || "", spans.filter((s) => s.field === "title"));
    fillWithMarks(row.querySelector(".text"), mention.text, spans.filter((s) => s.field === "text"));

    const chips = row.querySelector(".labels");
    const chip = (name, text) => {
      const item = el("li", name + (name in corrected ? " corrected" : ""), text);
      if (name in corrected) item.title = "corrected by a person";
      chips.append(item);
    };
    if (labels.sentiment) chip("sentiment", labels.sentiment);
    for (const flag of FLAGS) if (labels[flag]) chip(flag, flag.replace("_", " "));
    if (typeof labels.urgency === "number") chip(labels.urgency >= 70 ? "urgent" : "urgency", `urgency ${labels.urgency}`);
    if (labels.lang) chip("lang", labels.lang);

    const why = labels.why && typeof labels.why === "object" ? labels.why : {};
    const reasons = Object.entries(why)
      .filter(([, cues]) => Array.isArray(cues) && cues.length)
      .map(([flag, cues]) => `${flag.replace("_", " ")}: ${cues.map((c) => `“${c}”`).join(", ")}`);
    row.querySelector(".why").textContent = reasons.length ? `Why: ${reasons.join(" · ")}` : "";
    row.querySelector(".note").textContent = mention.note ? `Note: ${mention.note}` : "";

    const open = row.querySelector(".open");
    const url = mention.url && safeUrl(mention.url);
    if (url) open.href = url; else open.hidden = true;
    for (const button of row.querySelectorAll("button[data-action]")) {
      button.addEventListener("click", () => triage(mention.id, button.dataset.action));
      if (mention.status === button.dataset.action) button.disabled = true;
    }
    row.addEventListener("click", (event) => {
      if (!event.target.closest("button, a")) select(state.mentions.findIndex((m) => m.id === mention.id));
    });
    return row;
  }

  function renderInbox() {
    const rows = $("rows");
    rows.replaceChildren(...state.mentions.map(renderRow));
    $("empty").hidden = state.mentions.length > 0 || state.loading;
    $("more").hidden = !state.next;
    const n = state.mentions.length;
    $("count").textContent = n ? `${n}${state.next ? "+" : ""} mention${n === 1 ? "" : "s"}` : "";
    if (state.selected >= n) state.selected = n - 1;
    highlight(false);
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
  }

  async function loadMentions(append = false) {
    const params = filters();
    params.set("limit", "50");
    if (append && state.next) params.set("cursor", state.next);
    state.loading = true;
    try {
      const page = await api(`mentions?${params}`);
      state.mentions = append ? state.mentions.concat(page.items) : page.items;
      state.next = page.next;
      if (!append) state.selected = state.mentions.length ? 0 : -1;
      show("");
    } catch (error) {
      fail(error);
    } finally {
      state.loading = false;
      renderInbox();
    }
  }

  async function triage(id, status) {
    try {
      const updated = await api(`mentions/${encodeURIComponent(id)}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ status }),
      });
      const index = state.mentions.findIndex((m) => m.id === id);
      if (index < 0) return;
      const wanted = new FormData($("filters")).get("status");
      if (wanted && wanted !== updated.status) {
        state.mentions.splice(index, 1);  // it no longer belongs to this filter
      } else {
        state.mentions[index] = updated;
      }
      renderInbox();
      if (state.mentions.length) select(Math.min(index, state.mentions.length - 1));
      show(`Marked ${status}.`);
    } catch (error) {
      fail(error);
    }
  }

  // -- digest and charts ------------------------------------------------------------------------------------
  function svg(tag, attributes, text) {
    const node = document.createElementNS(SVG, tag);
    for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
    if (text !== undefined) node.textContent = String(text);
    return node;
  }

  function chartFrame(days, max) {
    const width = 600, height = 220, left = 30, bottom = 22, top = 8;
    const root = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img" });
    const plot = { left, top, width: width - left - 6, height: height - top - bottom, max: Math.max(1, max) };
    const y = (v) => top + plot.height - (v / plot.max) * plot.height;
    for (const tick of new Set([0, Math.ceil(plot.max / 2), plot.max])) {
      root.append(svg("line", { x1: left, x2: width - 6, y1: y(tick), y2: y(tick), stroke: "#e6e9ef" }));
      root.append(svg("text", { x: left - 4, y: y(tick) + 3, "text-anchor": "end", class: "axis" }, tick));
    }
    const step = plot.width / Math.max(1, days.length);
    const every = Math.ceil(days.length / 7);
    days.forEach((day, index) => {
      if (index % every === 0 || index === days.length - 1) {
        root.append(svg("text", { x: left + step * (index + 0.5), y: height - 6, "text-anchor": "middle", class: "axis" },
          day.date.slice(5)));
      }
    });
    return { root, y, step, plot };
  }

  function sentimentBars(days) {
    const max = Math.max(...days.map((d) => d.total));
    const { root, y, step, plot } = chartFrame(days, max);
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

  function lines(days) {
    const max = Math.max(...days.map((d) => Math.max(d.complaints, d.leads)));
    const { root, y, step, plot } = chartFrame(days, max);
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

  function digestList(title, items) {
    const section = el("section");
    section.append(el("h3", "", `${title} (${items.length})`));
    const list = el("ul");
    for (const item of items.slice(0, 20)) {
      const entry = el("li");
      const who = [item.source, item.author, item.local_time].filter(Boolean).join(" · ");
      entry.append(el("strong", "", item.title || item.quote || ""));
      if (item.title && item.quote) entry.append(el("div", "", item.quote));
      entry.append(el("div", "why", who + (item.why && item.why.length ? ` — why: ${item.why.join("; ")}` : "")));
      list.append(entry);
    }
    if (!items.length) list.append(el("li", "none", "none"));
    section.append(list);
    return section;
  }

  function renderDigest(digest) {
    const body = $("digest-body");
    const totals = el("section");
    totals.append(el("h3", "", `Digest of ${digest.date} (${digest.timezone || "UTC"})`));
    const grid = el("div", "totals");
    for (const [key, value] of Object.entries(digest.totals || {})) {
      if (typeof value !== "number" && typeof value !== "string") continue;
      const cell = el("div");
      cell.append(el("strong", "", value), el("span", "", key.replaceAll("_", " ")));
      grid.append(cell);
    }
    totals.append(grid);
    body.replaceChildren(totals, digestList("Needs a reply", digest.needs_reply || []),
      digestList("Leads", digest.leads || []), digestList("Influencers", digest.influencers || []));
  }

  async function loadDigest() {
    const day = $("digest-date").value;
    const days = $("digest-days").value;
    const watch = state.watch ? `watch=${encodeURIComponent(state.watch)}` : "";
    try {
      const stats = await api(`stats?days=${encodeURIComponent(days)}&until=${encodeURIComponent(day)}&${watch}`);
      $("chart-sentiment").replaceChildren(sentimentBars(stats.days));
      $("chart-lines").replaceChildren(lines(stats.days));
      renderDigest(await api(`digest/${encodeURIComponent(day)}?${watch}`));
      show("");
    } catch (error) {
      fail(error);
    }
  }

  // -- views, watches, keyboard ---------------------------------------------------------------------------------
  function setView(view) {
    state.view = view;
    show("");
    $("inbox").hidden = view !== "inbox";
    $("digest").hidden = view !== "digest";
    $("tab-inbox").setAttribute("aria-pressed", String(view === "inbox"));
    $("tab-digest").setAttribute("aria-pressed", String(view === "digest"));
    if (view === "digest") loadDigest(); else loadMentions();
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

  function typing(target) {
    return target instanceof HTMLElement && (target.isContentEditable || ["INPUT", "SELECT", "TEXTAREA"].includes(target.tagName));
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
    if (event.key === "?") {
      $("help").showModal();
    } else if (state.view !== "inbox") {
      return;
    } else if (event.key === "j") {
      select(state.selected + 1);
    } else if (event.key === "k") {
      select(state.selected - 1);
    } else if (event.key in actions && current) {
      triage(current.id, actions[event.key]);
    } else if (event.key === "o" && current && current.url && safeUrl(current.url)) {
      window.open(safeUrl(current.url), "_blank", "noopener,noreferrer");
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
    $("digest-date").value = new Date(now.getTime() - now.getTimezoneOffset() * 60000).toISOString().slice(0, 10);
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
    $("watch").addEventListener("change", (event) => { state.watch = event.target.value; setView(state.view); });
    $("more").addEventListener("click", () => loadMentions(true));
    const reload = debounce(() => loadMentions(), 250);
    $("filters").addEventListener("input", reload);
    $("filters").addEventListener("submit", (event) => { event.preventDefault(); loadMentions(); });
    $("digest-form").addEventListener("change", loadDigest);
    document.addEventListener("keydown", onKey);
    if (localStorage.getItem(TOKEN_KEY)) start(); else askToken();
  });
})();
