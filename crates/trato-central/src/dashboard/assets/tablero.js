// Tablero de Trato Digno: fetches the JSON API, draws the figures, listens to
// server-sent events. No framework, no inline code (strict CSP); every text
// goes through textContent.
"use strict";

(function () {
  const $ = (id) => document.getElementById(id);
  const csrf = document.querySelector('meta[name="csrf-token"]').content;
  let me = null;
  let refreshTimer = null;
  let loading = false;
  let again = false;
  // Open and overdue alerts per unit, from the alert list (for the units table).
  let overdueByUnit = new Map();

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = text;
    return e;
  }

  async function api(path, opts) {
    const r = await fetch(path, Object.assign({ credentials: "same-origin" }, opts || {}));
    if (r.status === 401) {
      window.location.href = "/login";
      throw new Error("sesión terminada");
    }
    if (!r.ok) {
      let msg = r.status + "";
      try { msg = (await r.json()).message || msg; } catch (e) { /* not JSON */ }
      throw new Error(msg);
    }
    return r.json();
  }

  // Dates as YYYY-MM-DD strings, computed in UTC to avoid DST surprises.
  function parseDay(s) { const [y, m, d] = s.split("-").map(Number); return new Date(Date.UTC(y, m - 1, d)); }
  function fmtDay(d) { return d.toISOString().slice(0, 10); }
  function addDays(s, n) { const d = parseDay(s); d.setUTCDate(d.getUTCDate() + n); return fmtDay(d); }
  function shortDay(s) { const d = parseDay(s); return d.getUTCDate() + "/" + (d.getUTCMonth() + 1); }

  const MONTHS = ["enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto",
    "septiembre", "octubre", "noviembre", "diciembre"];

  // Calendar bimesters (enero-febrero, marzo-abril, ...): IMSS's survey period.
  function bimester(day) {
    const d = parseDay(day);
    const m0 = Math.floor(d.getUTCMonth() / 2) * 2;
    const from = new Date(Date.UTC(d.getUTCFullYear(), m0, 1));
    const to = new Date(Date.UTC(d.getUTCFullYear(), m0 + 2, 0));
    return [fmtDay(from), fmtDay(to)];
  }
  // The bimester `back` bimesters before the one containing `day`.
  function bimesterBack(day, back) {
    let [from] = bimester(day);
    for (let i = 0; i < back; i++) from = bimester(addDays(from, -1))[0];
    return bimester(from);
  }
  function bimesterName(from) {
    const d = parseDay(from);
    const m = d.getUTCMonth();
    return MONTHS[m] + "-" + MONTHS[m + 1] + " " + d.getUTCFullYear();
  }

  function fillPeriods() {
    const sel = $("period");
    sel.textContent = "";
    const g = el("optgroup"); g.label = "Bimestres";
    for (let i = 0; i < 6; i++) {
      const [from] = bimesterBack(me.today, i);
      const label = i === 0 ? "Este bimestre (" + bimesterName(from) + ")"
        : i === 1 ? "Bimestre anterior (" + bimesterName(from) + ")" : bimesterName(from);
      g.appendChild(new Option(label, "b" + i));
    }
    sel.appendChild(g);
    sel.appendChild(new Option("Hoy", "today"));
    sel.appendChild(new Option("Últimos 7 días", "7"));
    sel.appendChild(new Option("Personalizado", "custom"));
    sel.value = "b0";
  }

  function period() {
    const today = me.today;
    const v = $("period").value;
    if (v[0] === "b") {
      const [from, to] = bimesterBack(today, Number(v.slice(1)));
      return [from, to < today ? to : today];
    }
    switch (v) {
      case "today": return [today, today];
      case "custom": return [$("from").value || addDays(today, -6), $("to").value || today];
      default: return [addDays(today, -6), today];
    }
  }

  // The bimester the report links open: the one chosen, or the one the
  // period ends in.
  function reportBimester() {
    const v = $("period").value;
    return v[0] === "b" ? bimesterBack(me.today, Number(v.slice(1))) : bimester(period()[1]);
  }

  function query(extra) {
    const [from, to] = period();
    const p = new URLSearchParams({ from: from, to: to, scope: $("scope").value });
    if ($("area").value) p.set("area", $("area").value);
    for (const k in (extra || {})) p.set(k, extra[k]);
    return p.toString();
  }

  // Numbers as Mexico writes them: 2,198 and 68.9 % (a no-break space, so
  // the sign never wraps alone).
  const MX1 = new Intl.NumberFormat("es-MX", { minimumFractionDigits: 1, maximumFractionDigits: 1 });
  function pct(v) { return v === null || v === undefined ? "—" : MX1.format(v) + "\u00a0%"; }
  function num(v) { return (v || 0).toLocaleString("es-MX"); }
  function points(v) {
    if (v === null || v === undefined) return "—";
    if (Math.abs(v) < 0.05) return "= 0.0";
    return (v > 0 ? "▲ +" : "▼ −") + MX1.format(Math.abs(v));
  }

  function fillScopes() {
    const sel = $("scope");
    sel.textContent = "";
    if (me.role === "national") sel.appendChild(new Option("Todo el Instituto", "institute"));
    const ooad = me.parents.filter((p) => p.kind === "ooad");
    const umae = me.parents.filter((p) => p.kind === "umae");
    for (const [label, list] of [["OOAD", ooad], ["UMAE", umae]]) {
      if (!list.length) continue;
      const g = el("optgroup"); g.label = label;
      for (const p of list) g.appendChild(new Option(p.name, "parent:" + p.name));
      sel.appendChild(g);
    }
    if (me.units.length) {
      const g = el("optgroup"); g.label = "Unidades";
      for (const u of me.units) g.appendChild(new Option(u.name + " (" + u.clues + ")", "unit:" + u.clues));
      sel.appendChild(g);
    }
    if (!sel.options.length) sel.appendChild(new Option(me.scope, "unit:" + me.scope));
    sel.value = me.home;
    const area = $("area");
    for (const a of me.areas) area.appendChild(new Option(a, a));
  }

  function setText(id, v) { $(id).textContent = v; }

  function drawChart(days, today) {
    const box = $("chart");
    box.textContent = "";
    const NS = "http://www.w3.org/2000/svg";
    const W = 960, H = 260, L = 48, R = 56, T = 14, B = 30;
    const svg = document.createElementNS(NS, "svg");
    svg.setAttribute("viewBox", "0 0 " + W + " " + H);
    svg.setAttribute("class", "trend");
    const mk = (tag, attrs, text) => {
      const e = document.createElementNS(NS, tag);
      for (const k in attrs) e.setAttribute(k, attrs[k]);
      if (text !== undefined) e.textContent = text;
      svg.appendChild(e);
      return e;
    };
    const n = days.length;
    const maxN = Math.max(1, ...days.map((d) => d.responses));
    const bw = Math.max(2, Math.min(28, ((W - L - R) / Math.max(n, 1)) * 0.6));
    // Bars stay inside the plot (half a bar of margin at each end), clear
    // of the axis labels on both sides.
    const x = (i) => L + bw / 2 + 2 + (n <= 1 ? (W - L - R - bw - 4) / 2 : (i * (W - L - R - bw - 4)) / (n - 1));
    const y = (p) => T + ((100 - p) * (H - T - B)) / 100;
    for (const p of [0, 25, 50, 75, 100]) {
      mk("line", { x1: L, x2: W - R, y1: y(p), y2: y(p), class: "grid" });
      mk("text", { x: L - 8, y: y(p) + 4, class: "axis", "text-anchor": "end" }, p + " %");
    }
    mk("text", { x: W - R + 8, y: T + 4, class: "axis" }, num(maxN));
    mk("text", { x: W - R + 8, y: H - B + 4, class: "axis" }, "0");
    days.forEach((d, i) => {
      const h = ((H - T - B) * d.responses) / maxN;
      const partial = d.day === today;
      if (d.responses > 0) {
        const r = mk("rect", { x: x(i) - bw / 2, y: H - B - h, width: bw, height: h, class: "bar" + (partial ? " partial" : "") });
        const t = document.createElementNS(NS, "title");
        t.textContent = d.day + (partial ? " (hoy, parcial)" : "") + ": " + num(d.responses) + " respuestas, " + pct(d.pct_positive) + " positivo";
        r.appendChild(t);
      }
    });
    // Day labels every `step` days; today's ("hoy (parcial)", wider) takes
    // the place of the labels it would overlap.
    const step = Math.max(1, Math.ceil(n / 12));
    const todayAt = days.findIndex((d) => d.day === today);
    const clear = todayAt < 0 ? 0 : Math.ceil((110 * (n - 1)) / (W - L - R));
    days.forEach((d, i) => {
      if (i === todayAt) {
        mk("text", { x: x(i), y: H - 10, class: "axis partial", "text-anchor": i > n / 2 ? "end" : "middle" }, "hoy (parcial)");
      } else if ((i % step === 0 || i === n - 1) && (todayAt < 0 || Math.abs(i - todayAt) > clear)) {
        mk("text", { x: x(i), y: H - 10, class: "axis", "text-anchor": "middle" }, shortDay(d.day));
      }
    });
    for (const [key, cls] of [["pct_positive", "pos"], ["pct_negative", "neg"]]) {
      let path = "";
      let pen = false;
      days.forEach((d, i) => {
        const v = d[key];
        if (v === null || d.day === today) { pen = false; return; }
        path += (pen ? "L" : "M") + x(i).toFixed(1) + " " + y(v).toFixed(1) + " ";
        pen = true;
      });
      if (path) mk("path", { d: path, class: "line " + cls });
      days.forEach((d, i) => {
        const partial = d.day === today;
        if (d[key] !== null) mk("circle", { cx: x(i), cy: y(d[key]), r: n > 40 ? 2.5 : 4, class: "dot " + cls + (partial ? " partial" : "") });
      });
    }
    if (!days.some((d) => d.responses > 0)) {
      mk("text", { x: W / 2, y: H / 2, class: "empty", "text-anchor": "middle" }, "Sin respuestas en el periodo");
    }
    box.appendChild(svg);
  }

  function reportLinks(clues) {
    const [from, to] = reportBimester();
    const p = "unit=" + encodeURIComponent(clues) + "&from=" + from + "&to=" + to;
    const span = el("span", "links");
    const a1 = el("a", null, "XLSX"); a1.href = "/api/v1/dashboard/report.xlsx?" + p;
    const a2 = el("a", null, "Imprimir"); a2.href = "/informe?" + p;
    span.append(a1, " · ", a2);
    return span;
  }

  // The unit table: ranked units (enough answers) worst first, then those
  // with too few answers apart; any column sorts on a click.
  let unitSort = { key: null, dir: 1 };
  let lastSummary = null;

  const UNIT_COLUMNS = [
    { key: "name", value: (u) => u.name.toLocaleLowerCase("es-MX") },
    { key: "parent", value: (u) => u.parent.toLocaleLowerCase("es-MX") },
    { key: "responses", value: (u) => u.responses },
    { key: "pct_positive", value: (u) => u.pct_positive },
    { key: "change", value: (u) => u.change_points },
    { key: "pct_negative", value: (u) => u.pct_negative },
  ];

  function unitValue(u, key) {
    const col = UNIT_COLUMNS.find((c) => c.key === key);
    if (col) return col.value(u);
    if (key === "alerts") return u.alerts;
    if (key.startsWith("ind:")) { const i = u.indicators[key.slice(4)]; return i ? i.pct_positive : null; }
    return null;
  }

  function sortUnits(list) {
    if (!unitSort.key) return list;
    const k = unitSort.key, dir = unitSort.dir;
    return list.slice().sort((a, b) => {
      const va = unitValue(a, k), vb = unitValue(b, k);
      if (va === null || va === undefined) return 1;
      if (vb === null || vb === undefined) return -1;
      return (va < vb ? -1 : va > vb ? 1 : 0) * dir || a.clues.localeCompare(b.clues);
    });
  }

  function unitHeader(s) {
    const tr = $("units").querySelector("thead tr");
    tr.textContent = "";
    const others = s.indicators.filter((i) => !i.headline);
    const head = s.indicators.find((i) => i.headline);
    const cols = [
      ["name", "Unidad", ""], ["parent", "OOAD / UMAE", ""], ["responses", "Respuestas", "num"],
      ["pct_positive", "% positivo" + (head ? " (" + (head.label.es || head.key) + ")" : ""), "num"],
      ["change", "Cambio (puntos)", "num"],
      ["pct_negative", "% negativo", "num"],
    ];
    // One column per other indicator: its % positivo, headed by its label.
    for (const i of others) cols.push(["ind:" + i.key, i.label.es || i.key, "num ind"]);
    cols.push(["alerts", "Alertas", "num"], [null, "Último contacto", ""], [null, "Informe bimestral", ""]);
    for (const [key, label, cls] of cols) {
      const th = el("th", cls);
      if (key) {
        const b = el("button", "sort", label);
        b.type = "button";
        b.dataset.key = key;
        const on = unitSort.key === key;
        th.setAttribute("aria-sort", on ? (unitSort.dir > 0 ? "ascending" : "descending") : "none");
        if (on) b.append(unitSort.dir > 0 ? " ▲" : " ▼");
        b.addEventListener("click", () => {
          unitSort = { key: key, dir: unitSort.key === key ? -unitSort.dir : 1 };
          drawUnits(lastSummary);
        });
        th.appendChild(b);
      } else {
        th.textContent = label;
      }
      tr.appendChild(th);
    }
    return others;
  }

  function unitRow(u, others) {
    const tr = el("tr");
    tr.dataset.clues = u.clues;
    const name = el("td");
    name.append(el("strong", null, u.name), el("br"), el("span", "muted mono", u.clues));
    tr.appendChild(name);
    tr.appendChild(el("td", null, u.parent));
    tr.appendChild(el("td", "num", num(u.responses)));
    const p = el("td", "num");
    p.appendChild(el("span", "pct", pct(u.pct_positive)));
    if (u.interval) p.append(el("br"), el("small", "muted ci", "IC 95 %: " + MX1.format(u.interval[0]) + "–" + MX1.format(u.interval[1])));
    if (u.standing === "ranked" && u.pct_positive !== null && u.pct_positive < 70) p.classList.add("low");
    tr.appendChild(p);
    const ch = el("td", "num change", points(u.change_points));
    if (u.change_points !== null && Math.abs(u.change_points) >= 0.05) ch.classList.add(u.change_points > 0 ? "up" : "down");
    ch.title = "Antes: " + pct(u.previous_pct_positive);
    tr.appendChild(ch);
    tr.appendChild(el("td", "num", pct(u.pct_negative)));
    for (const i of others) {
      const f = u.indicators[i.key];
      tr.appendChild(el("td", "num", pct(f ? f.pct_positive : null)));
    }
    const al = el("td", "num");
    const go = el("button", "link-button", num(u.alerts));
    go.type = "button";
    go.title = "Ver las alertas de esta unidad";
    go.dataset.unit = u.clues;
    go.addEventListener("click", () => showUnitAlerts(u.clues));
    al.appendChild(go);
    const late = overdueByUnit.get(u.clues);
    if (late && late.overdue) al.append(" ", el("span", "badge late", num(late.overdue) + " vencidas"));
    tr.appendChild(al);
    const c = el("td");
    c.appendChild(el("span", null, u.last_contact_local || "nunca"));
    if (u.silent) c.append(" ", el("span", "badge silent", u.kiosks ? "sin contacto > 1 día" : "sin quiosco"));
    tr.appendChild(c);
    const r = el("td");
    r.appendChild(reportLinks(u.clues));
    tr.appendChild(r);
    return tr;
  }

  function drawUnits(s) {
    lastSummary = s;
    const others = unitHeader(s);
    const ncols = 9 + others.length;
    const tb = $("units").querySelector("tbody");
    tb.textContent = "";
    const ranked = sortUnits(s.units.filter((u) => u.standing === "ranked"));
    const few = sortUnits(s.units.filter((u) => u.standing !== "ranked"));
    for (const u of ranked) tb.appendChild(unitRow(u, others));
    if (few.length) {
      const tr = el("tr", "group");
      const td = el("td", null, "Pocas respuestas (menos de " + num(s.min_responses) + "): no se ordenan, su porcentaje puede deberse al azar");
      td.colSpan = ncols;
      tr.appendChild(td);
      tb.appendChild(tr);
      for (const u of few) tb.appendChild(unitRow(u, others)).classList.add("few");
    }
    if (!s.units.length) {
      const tr = el("tr");
      const td = el("td", "muted", "Sin unidades en este ámbito.");
      td.colSpan = ncols;
      tr.appendChild(td);
      tb.appendChild(tr);
    }
    setText("units-note", "Ordenadas del menor al mayor % positivo, con al menos " + num(s.min_responses) +
      " respuestas. Cambio contra " + s.previous.from + " a " + s.previous.to +
      (others.length ? ". " + others.map((i) => i.label.es || i.key).join(", ") + ": % positivo." : "."));
  }

  // The indicators the surveys answered in this scope and period declare:
  // one card each, labelled by the survey; the headline fills the
  // positive/negative cards. Nothing here knows a question.
  function drawIndicators(list) {
    const box = $("kpi-indicators");
    box.textContent = "";
    const head = list.find((i) => i.headline);
    setText("kpi-positive", pct(head ? head.pct_positive : null));
    setText("kpi-negative", pct(head ? head.pct_negative : null));
    setText("kpi-headline", head ? head.label.es : "");
    for (const ind of list) {
      if (ind === head) continue;
      const card = el("div", "kpi");
      card.dataset.indicator = ind.key;
      const label = el("span", "k-label", ind.label.es || ind.key);
      label.append(el("br"), el("small", null, "positivo · " + num(ind.counts.answered) + " resp."));
      card.append(label, el("span", "k-value", pct(ind.pct_positive)));
      card.title = "Negativo: " + pct(ind.pct_negative) + " · Neutral: " + pct(ind.pct_neutral);
      box.appendChild(card);
    }
    const versions = new Set();
    for (const ind of list) for (const v of ind.versions) versions.add(v.survey_id + " v" + v.version);
    setText("versions", versions.size ? "Versiones de la encuesta en el periodo: " + [...versions].sort().join(", ") : "");
  }

  function unitName(clues) {
    const u = me.units.find((x) => x.clues === clues);
    return u ? u.name : clues;
  }

  // From a unit row (or an overdue chip) to that unit's alerts, in one click.
  function showUnitAlerts(clues) {
    const want = "unit:" + clues;
    const sel = $("scope");
    if (![...sel.options].some((o) => o.value === want)) sel.appendChild(new Option(unitName(clues) + " (" + clues + ")", want));
    sel.value = want;
    refresh().then(() => $("alerts-card").scrollIntoView({ block: "start" }));
  }

  function alertContext() {
    return { api: api, el: el, query: query, num: num, csrf: csrf, me: me, unitName: unitName, refresh: refresh, showUnitAlerts: showUnitAlerts };
  }

  // Kioscos: every kiosk of the scope with its state; silence counts only
  // within the unit's opening hours (computed by the centre).
  let fleet = null;
  let kioskSort = { key: "state", dir: 1 };

  function skewText(ms) {
    if (ms === null || ms === undefined) return "—";
    const s = Math.round(ms / 1000);
    if (Math.abs(s) < 60) return (s > 0 ? "+" : "") + s + " s";
    const m = Math.round(s / 60);
    return (m > 0 ? "+" : "") + num(m) + " min";
  }

  const STATE_ORDER = { sin_contacto: 0, nunca_conectado: 1, al_dia: 2 };
  const KIOSK_KEYS = {
    name: (k) => k.name.toLowerCase(),
    unit: (k) => k.unit_name.toLowerCase(),
    contact: (k) => (k.last_contact ? Date.parse(k.last_contact) : -Infinity),
    backlog: (k) => (k.backlog === null ? -1 : k.backlog),
    survey: (k) => (k.survey_id ? k.survey_id + " " + String(k.survey_version).padStart(6, "0") : ""),
    skew: (k) => (k.clock_offset_ms === null ? -1 : Math.abs(k.clock_offset_ms)),
    state: (k) => STATE_ORDER[k.state] * 1e6 - (k.silent_open_hours || 0),
  };

  function drawKiosks() {
    if (!fleet) return;
    const tb = $("kioscos").querySelector("tbody");
    tb.textContent = "";
    const key = KIOSK_KEYS[kioskSort.key];
    const list = fleet.kiosks.slice().sort((a, b) => {
      const x = key(a), y = key(b);
      return (x < y ? -1 : x > y ? 1 : 0) * kioskSort.dir || a.name.localeCompare(b.name, "es");
    });
    for (const k of list) {
      const tr = el("tr");
      tr.dataset.kiosk = k.id;
      tr.dataset.state = k.state;
      const name = el("td");
      name.append(el("strong", null, k.name), el("br"), el("span", "muted mono", "…" + k.id.slice(-8)));
      tr.appendChild(name);
      const unit = el("td");
      unit.append(el("span", null, k.unit_name), el("br"), el("span", "muted mono", k.unit_clues));
      tr.appendChild(unit);
      const contact = el("td");
      contact.append(el("span", null, k.last_contact_local || "nunca"), el("br"), el("small", "muted", "Horario: " + k.opening_hours));
      tr.appendChild(contact);
      tr.appendChild(el("td", "num", k.backlog === null ? "—" : num(k.backlog)));
      tr.appendChild(el("td", null, k.survey_id ? k.survey_id + " v" + k.survey_version : "—"));
      tr.appendChild(el("td", "num" + (k.clock_skewed ? " skewed" : ""), skewText(k.clock_offset_ms)));
      const st = el("td");
      const cls = k.state === "al_dia" ? "ok" : k.state === "nunca_conectado" ? "nunca" : (k.silent ? "alarm" : "silent");
      st.appendChild(el("span", "badge " + cls, k.state_label));
      tr.appendChild(st);
      tb.appendChild(tr);
    }
    if (!list.length) {
      const tr = el("tr");
      const td = el("td", "muted", "No hay quioscos registrados en este ámbito.");
      td.colSpan = 7;
      tr.appendChild(td);
      tb.appendChild(tr);
    }
    for (const b of $("kioscos").querySelectorAll("button.sort")) {
      const th = b.closest("th");
      if (b.dataset.sort === kioskSort.key) th.setAttribute("aria-sort", kioskSort.dir > 0 ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
    const ul = $("sin-quiosco");
    ul.textContent = "";
    for (const u of fleet.units_without_kiosk) ul.appendChild(el("li", null, u.name + " (" + u.clues + ")"));
    setText("sin-quiosco-n", fleet.units_without_kiosk.length ? "(" + num(fleet.units_without_kiosk.length) + ")" : "(ninguna)");
  }

  async function refreshKiosks() {
    fleet = await api("/api/v1/dashboard/kiosks?" + new URLSearchParams({ scope: $("scope").value }).toString());
    const c = fleet.counts;
    setText("kpi-silent", num(c.silent));
    setText("kpi-silent-note", "más de " + num(fleet.silent_after_hours) + " h de atención" + (c.nunca_conectado ? " · " + num(c.nunca_conectado) + " nunca conectado" + (c.nunca_conectado === 1 ? "" : "s") : ""));
    $("kpi-silent-card").classList.toggle("none", c.silent === 0);
    drawKiosks();
  }

  async function refresh() {
    if (loading) { again = true; return; }
    loading = true;
    try {
      const [s, alerts] = await Promise.all([
        api("/api/v1/dashboard/summary?" + query()),
        window.TableroAlertas.refresh(alertContext()),
      ]);
      overdueByUnit = new Map(alerts.units.map((u) => [u.clues, u]));
      const t = s.totals;
      setText("scope-title", s.scope_label + (s.area ? " · " + s.area : "") + " · " + s.from + " a " + s.to);
      setText("kpi-responses", num(t.responses));
      drawIndicators(s.indicators);
      setText("kpi-alerts", num(t.alerts));
      const open = alerts.units.reduce((n, u) => n + u.open, 0);
      const late = alerts.units.reduce((n, u) => n + u.overdue, 0);
      setText("kpi-open", num(open) + (open === 1 ? " abierta" : " abiertas") + (late ? " · " + num(late) + " vencidas" : ""));
      drawChart(s.days, me.today);
      drawUnits(s);
      await refreshKiosks();
      setText("updated", "Actualizado " + new Date(s.generated_at).toLocaleTimeString("es-MX"));
      document.body.dataset.loaded = String(Number(document.body.dataset.loaded || 0) + 1);
    } catch (e) {
      setText("updated", "Error al cargar: " + e.message);
    } finally {
      loading = false;
      if (again) { again = false; refresh(); }
    }
  }

  function soon() {
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(refresh, 250);
  }

  function listen() {
    const es = new EventSource("/api/v1/dashboard/events");
    const live = $("live");
    es.addEventListener("hello", () => { live.textContent = "En vivo"; live.className = "live on"; });
    es.addEventListener("batch", soon);
    es.addEventListener("lagged", soon);
    es.onerror = () => { live.textContent = "Reconectando…"; live.className = "live off"; };
  }

  async function start() {
    me = await api("/api/v1/dashboard/me");
    fillScopes();
    fillPeriods();
    $("from").value = addDays(me.today, -6);
    $("to").value = me.today;
    $("period").addEventListener("change", () => {
      const c = $("period").value === "custom";
      $("custom-from").classList.toggle("hidden", !c);
      $("custom-to").classList.toggle("hidden", !c);
      refresh();
    });
    for (const id of ["from", "to", "scope", "area"]) $(id).addEventListener("change", refresh);
    for (const b of $("kioscos").querySelectorAll("button.sort")) {
      b.addEventListener("click", () => {
        kioskSort = { key: b.dataset.sort, dir: kioskSort.key === b.dataset.sort ? -kioskSort.dir : 1 };
        drawKiosks();
      });
    }
    await refresh();
    listen();
  }

  start().catch((e) => setText("updated", "Error: " + e.message));
})();
