// Tablero de Trato Digno: the alerts committees handle (filters, counts per
// reason and unit, pages, assignment, history, attending several with one
// note) and the comments view. tablero.js calls `TableroAlertas.refresh(ctx)`
// with its helpers; nothing here knows a survey question or reason key: the
// reasons come from the API, which reads them from the survey definitions.
"use strict";

window.TableroAlertas = (function () {
  const $ = (id) => document.getElementById(id);
  let ctx = null;
  let wired = false;
  let alertCursor = null;
  let commentCursor = null;
  const selected = new Set();
  let searchTimer = null;

  function hours(h) { return h % 24 === 0 ? (h / 24) + (h === 24 ? " día" : " días") : h + " h"; }

  function alertParams(extra) {
    const p = { status: $("alert-status").value };
    if ($("alert-reason").value) p.reason = $("alert-reason").value;
    const age = $("alert-age").value;
    if (age) {
      const [min, max] = age.split("-");
      if (min) p.min_age_hours = min;
      if (max) p.max_age_hours = max;
    }
    if ($("alert-mine").checked) p.assigned = ctx.me.name;
    return Object.assign(p, extra || {});
  }

  function drawReasons(reasons) {
    const sel = $("alert-reason");
    const keep = sel.value;
    sel.textContent = "";
    sel.appendChild(new Option("Todos los motivos", ""));
    for (const r of reasons) sel.appendChild(new Option(r.label, r.key));
    sel.value = keep;
    const box = $("alert-reasons");
    box.textContent = "";
    for (const r of reasons) {
      const b = ctx.el("button", "chip" + (r.urgent ? " urgent" : "") + (sel.value === r.key ? " on" : ""));
      b.type = "button";
      b.dataset.reason = r.key;
      b.append(ctx.el("strong", null, ctx.num(r.count)), " " + r.label);
      const extra = ctx.el("small", null, " · vence en " + hours(r.due_hours) + (r.overdue ? " · " + ctx.num(r.overdue) + " vencidas" : ""));
      b.appendChild(extra);
      b.addEventListener("click", () => { sel.value = sel.value === r.key ? "" : r.key; reload(); });
      box.appendChild(b);
    }
  }

  function drawUnitCounts(units) {
    const box = $("alert-units");
    box.textContent = "";
    const withOverdue = units.filter((u) => u.overdue > 0);
    if (!withOverdue.length) return;
    box.appendChild(ctx.el("span", "muted", "Vencidas por unidad:"));
    for (const u of withOverdue.slice(0, 12)) {
      const b = ctx.el("button", "chip overdue");
      b.type = "button";
      b.dataset.unit = u.clues;
      b.append(ctx.el("strong", null, ctx.num(u.overdue)), " " + u.name);
      b.title = ctx.num(u.open) + " abiertas";
      b.addEventListener("click", () => ctx.showUnitAlerts(u.clues));
      box.appendChild(b);
    }
  }

  function updateBulk() {
    const n = selected.size;
    $("bulk").classList.toggle("hidden", n === 0);
    $("bulk-count").textContent = n === 1 ? "1 alerta seleccionada" : n + " alertas seleccionadas";
  }

  function historyLine(h) {
    const what = h.action === "attended" ? "marcó atendida: " + (h.detail || "")
      : h.action === "assigned" ? "asignó a " + h.detail
      : "quitó la asignación";
    return h.at_local + " · " + h.by + " " + what;
  }

  async function openDetail(a, box) {
    box.textContent = "Cargando…";
    let d;
    try {
      d = await ctx.api("/api/v1/dashboard/alerts/" + encodeURIComponent(a.id));
    } catch (e) {
      box.textContent = "No se pudo cargar: " + e.message;
      return;
    }
    box.textContent = "";
    const hist = ctx.el("ol", "history");
    hist.setAttribute("aria-label", "Historial");
    hist.appendChild(ctx.el("li", null, d.local.finished_at + " · respuesta del paciente: alerta abierta"));
    for (const h of d.history) hist.appendChild(ctx.el("li", null, historyLine(h)));
    box.append(ctx.el("h3", null, "Historial"), hist);
    if (!d.attended_at) {
      const f = ctx.el("form", "assign");
      const sel = ctx.el("select");
      sel.setAttribute("aria-label", "Asignar a");
      sel.appendChild(new Option("Sin asignar", ""));
      for (const n of d.assignable) sel.appendChild(new Option(n, n));
      sel.value = d.assigned_to || "";
      const b = ctx.el("button", null, "Asignar");
      b.type = "submit";
      const msg = ctx.el("span", "error");
      f.append(ctx.el("span", null, "Responsable:"), sel, b, msg);
      f.addEventListener("submit", async (ev) => {
        ev.preventDefault();
        b.disabled = true;
        try {
          await ctx.api("/api/v1/dashboard/alerts/" + encodeURIComponent(a.id) + "/assign", {
            method: "POST",
            headers: { "Content-Type": "application/json", "X-CSRF-Token": ctx.csrf },
            body: JSON.stringify({ account: sel.value || null }),
          });
          reload();
        } catch (e) {
          msg.textContent = "No se pudo asignar: " + e.message;
          b.disabled = false;
        }
      });
      box.appendChild(f);
      box.appendChild(attendForm(a));
    }
  }

  function attendForm(a) {
    const f = ctx.el("form", "attend");
    const ta = ctx.el("textarea");
    ta.name = "note"; ta.required = true; ta.maxLength = 1000; ta.rows = 2;
    ta.placeholder = "Nota: qué se hizo (obligatoria)";
    ta.setAttribute("aria-label", "Nota de atención");
    const b = ctx.el("button", null, "Marcar atendida");
    b.type = "submit";
    const msg = ctx.el("span", "error");
    f.append(ta, b, msg);
    f.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      b.disabled = true;
      try {
        await ctx.api("/api/v1/dashboard/alerts/" + encodeURIComponent(a.id) + "/attend", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": ctx.csrf },
          body: JSON.stringify({ note: ta.value }),
        });
        selected.delete(a.id);
        ctx.refresh();
      } catch (e) {
        msg.textContent = "No se pudo guardar: " + e.message;
        b.disabled = false;
      }
    });
    return f;
  }

  function alertItem(a) {
    const state = a.attended_at ? "done" : a.overdue ? "overdue" : "open";
    const li = ctx.el("li", "alert " + state);
    li.dataset.id = a.id;
    li.dataset.testid = "alert-row";
    const head = ctx.el("div", "a-head");
    if (!a.attended_at) {
      const cb = ctx.el("input");
      cb.type = "checkbox";
      cb.className = "pick";
      cb.checked = selected.has(a.id);
      cb.setAttribute("aria-label", "Seleccionar para atender junto con otras");
      cb.addEventListener("change", () => { if (cb.checked) selected.add(a.id); else selected.delete(a.id); updateBulk(); });
      head.append(cb, " ");
    }
    const badge = a.attended_at ? ["ok", "Atendida"] : a.overdue ? ["late", "Vencida"] : ["alarm", "Abierta"];
    head.append(ctx.el("span", "badge " + badge[0], badge[1]), " ",
      ctx.el("strong", null, a.reason_label), " ",
      ctx.el("span", "muted", a.local.finished_at + " · " + ctx.unitName(a.unit_clues) + " · " + a.service_area));
    li.appendChild(head);
    const meta = [];
    if (!a.attended_at) meta.push((a.overdue ? "Venció " : "Vence ") + a.local.due_at);
    meta.push(a.assigned_to ? "Responsable: " + a.assigned_to : "Sin responsable");
    li.appendChild(ctx.el("div", "a-meta" + (a.overdue ? " late" : ""), meta.join(" · ")));
    li.appendChild(ctx.el("div", "a-answers", a.answers_text));
    if (a.comment) li.appendChild(ctx.el("div", "a-comment", "«" + a.comment + "»"));
    if (a.attended_at) {
      li.appendChild(ctx.el("div", "a-note", "Atendida " + a.local.attended_at + " por " + a.attended_by + ": " + a.note));
    }
    const more = ctx.el("details", "a-detail");
    more.appendChild(ctx.el("summary", null, a.attended_at ? "Historial" : "Historial, responsable y atender"));
    const box = ctx.el("div");
    more.appendChild(box);
    more.addEventListener("toggle", () => { if (more.open) openDetail(a, box); });
    li.appendChild(more);
    return li;
  }

  async function loadAlerts(append) {
    const extra = alertParams(append && alertCursor ? { cursor: alertCursor } : {});
    const r = await ctx.api("/api/v1/dashboard/alerts?" + ctx.query(extra));
    if (!append) {
      $("alerts").textContent = "";
      drawReasons(r.reasons);
      drawUnitCounts(r.units);
      for (const id of [...selected]) if (!r.alerts.some((a) => a.id === id)) selected.delete(id);
    }
    for (const a of r.alerts) $("alerts").appendChild(alertItem(a));
    alertCursor = r.next_cursor;
    const shown = $("alerts").children.length;
    $("alerts-total").textContent = r.total ? "Mostrando " + ctx.num(shown) + " de " + ctx.num(r.total) + (r.total === 1 ? " alerta" : " alertas") : "";
    $("alerts-empty").classList.toggle("hidden", r.total > 0);
    $("alerts-more").classList.toggle("hidden", !alertCursor);
    const exportQ = alertParams();
    $("alerts-csv").href = "/api/v1/dashboard/alerts?" + ctx.query(Object.assign({ format: "csv" }, exportQ));
    $("alerts-xlsx").href = "/api/v1/dashboard/alerts?" + ctx.query(Object.assign({ format: "xlsx" }, exportQ));
    updateBulk();
    return r;
  }

  function commentItem(c) {
    const li = ctx.el("li", "comment");
    li.dataset.testid = "comment-row";
    li.appendChild(ctx.el("div", "muted", c.local_time + " (hora local) · " + c.unit_name + " · " + c.service_area));
    li.appendChild(ctx.el("blockquote", null, c.text));
    if (c.answers_text) li.appendChild(ctx.el("div", "a-answers", c.answers_text));
    return li;
  }

  function commentParams(extra) {
    const p = {};
    const q = $("comment-q").value.trim();
    if (q) p.q = q;
    return Object.assign(p, extra || {});
  }

  async function loadComments(append) {
    const r = await ctx.api("/api/v1/dashboard/comments?" + ctx.query(commentParams(append && commentCursor ? { cursor: commentCursor } : {})));
    if (!append) $("comments").textContent = "";
    for (const c of r.comments) $("comments").appendChild(commentItem(c));
    commentCursor = r.next_cursor;
    const shown = $("comments").children.length;
    $("comments-total").textContent = r.total ? "Mostrando " + ctx.num(shown) + " de " + ctx.num(r.total) + (r.total === 1 ? " comentario" : " comentarios") : "";
    $("comments-empty").classList.toggle("hidden", r.total > 0);
    $("comments-more").classList.toggle("hidden", !commentCursor);
    $("comments-csv").href = "/api/v1/dashboard/comments?" + ctx.query(commentParams({ format: "csv" }));
    $("comments-xlsx").href = "/api/v1/dashboard/comments?" + ctx.query(commentParams({ format: "xlsx" }));
  }

  async function reload() {
    try { await loadAlerts(false); } catch (e) { $("alerts-total").textContent = "Error al cargar: " + e.message; }
  }

  function wire() {
    wired = true;
    for (const id of ["alert-status", "alert-reason", "alert-age", "alert-mine"]) $(id).addEventListener("change", reload);
    $("alerts-more").addEventListener("click", () => loadAlerts(true));
    $("comments-more").addEventListener("click", () => loadComments(true));
    $("comment-q").addEventListener("input", () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => loadComments(false), 300);
    });
    $("bulk-clear").addEventListener("click", () => {
      selected.clear();
      for (const cb of document.querySelectorAll("#alerts input.pick")) cb.checked = false;
      updateBulk();
    });
    $("bulk").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const b = $("bulk").querySelector("button[type=submit]");
      b.disabled = true;
      $("bulk-msg").textContent = "";
      try {
        const r = await ctx.api("/api/v1/dashboard/alerts/attend", {
          method: "POST",
          headers: { "Content-Type": "application/json", "X-CSRF-Token": ctx.csrf },
          body: JSON.stringify({ ids: [...selected], note: $("bulk-note").value }),
        });
        selected.clear();
        $("bulk-note").value = "";
        $("bulk-msg").textContent = r.attended.length + " marcadas atendidas" + (r.already.length ? " (" + r.already.length + " ya lo estaban)" : "");
        ctx.refresh();
      } catch (e) {
        $("bulk-msg").textContent = "No se pudo guardar: " + e.message;
      } finally {
        b.disabled = false;
      }
    });
  }

  // Loads both views for the page's current scope and period; resolves to
  // the alert list (its per-unit counts feed the units table).
  async function refresh(c) {
    ctx = c;
    if (!wired) wire();
    const [r] = await Promise.all([loadAlerts(false), loadComments(false)]);
    return r;
  }

  return { refresh: refresh };
})();
