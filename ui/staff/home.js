// Staff home: today's / this week's counts, sync state, today's comments, per-question positive/negative bars.
import { h, mount } from '../dom.js';
import { pick } from '../i18n.js';
import * as ipc from './ipc.js';
import { dateTime } from './dates.js';

const nf = new Intl.NumberFormat('es-MX');
const num = (n) => (n === null || n === undefined ? '—' : nf.format(n));
const pctText = (p) => (p === null || p === undefined ? '—' : `${Math.round(Number(p))} %`);

export function homeScreen(ctx) {
  const root = h('div', { class: 'home' });
  if (ctx.state.overview) fill(root, ctx, ctx.state.overview);
  else mount(root, h('p', { class: 'lead muted' }, 'Cargando resumen…'));
  // Fresh numbers on every visit (the re-render after the first load reuses them).
  if (!ctx.state.overviewAt || Date.now() - ctx.state.overviewAt > 2000) load(root, ctx);
  return root;
}

async function load(root, ctx) {
  try {
    const ov = await ctx.call(ipc.overview);
    const first = !ctx.state.overview;
    ctx.state.overview = ov;
    ctx.state.overviewAt = Date.now();
    if (ctx.state.screen !== 'staff') return;
    if (first) ctx.render(); // the header shows the unit name from the overview
    else fill(root, ctx, ov);
  } catch (err) {
    if (ctx.state.screen === 'staff' && !ctx.state.overview) {
      mount(root, h('p', { class: 'notice is-error', role: 'alert' }, ctx.errorText(err)));
    }
  }
}

function fill(root, ctx, ov) {
  const c = ov.counts || {};
  const tile = (testid, value, label, extra = '') => h('div', { class: `tile${extra}` },
    h('span', { class: 'tile-num', dataset: { testid } }, num(value)),
    h('span', { class: 'tile-label' }, label));
  const more = [
    ['Enviadas', c.sent], ['Rechazadas', c.rejected], ['Sin terminar', c.abandoned], ['Marcadas', c.flagged], ['Total', c.total],
  ].filter(([, v]) => v !== undefined);

  mount(root,
    h('div', { class: 'tiles' },
      tile('count-today', c.today, 'Hoy', ' is-main'),
      tile('count-week', c.week, 'Últimos 7 días', ' is-main'),
      tile('count-pending', c.pending ?? (ov.sync && ov.sync.pending), 'Por enviar')),
    h('p', { class: 'more-counts' }, more.map(([l, v]) => h('span', {}, `${l}: `, h('strong', {}, num(v))))),
    writeFailure(ctx, ov),
    syncCard(ctx, ov),
    surveyLine(ov.survey),
    commentsCard(ov.commentsToday),
    h('h2', { class: 'section-title' }, 'Resultados por pregunta'),
    h('p', { class: 'muted small q-scope' }, 'Últimos 7 días', ov.survey ? ` · encuesta ${ov.survey.id}, versión ${ov.survey.version}` : ''),
    h('div', { class: 'questions' }, (ov.questions || []).map(questionBlock)),
    ov.database ? h('p', { class: 'muted small' },
      `Base de datos: ${(Number(ov.database.bytes) / 1048576).toFixed(1)} MB · revisión: ${ov.database.quickCheck === 'ok' ? 'correcta' : ov.database.quickCheck}`,
      ov.kioskLabel || ov.kioskId ? ` · Quiosco: ${[ov.kioskLabel, ov.kioskId].filter(Boolean).join(' · ')}` : '') : null);
}

/** An offset from the centre's clock in words: "7 min" or "2 h 5 min". */
function skewText(ms) {
  const min = Math.round(Math.abs(Number(ms)) / 60000);
  return min >= 60 ? `${Math.floor(min / 60)} h ${min % 60} min` : `${min} min`;
}

/** Answers the kiosk could not store since it started (a full disk), said plainly. */
function writeFailure(ctx, ov) {
  const f = ov.database && ov.database.lastWriteFailure;
  if (!f) return null;
  return h('p', { class: 'notice is-error', dataset: { testid: 'write-failure' }, role: 'alert' },
    `No se pudo guardar una respuesta (${dateTime(f.at)}): `, ctx.errorText(f));
}

/** Today's comments, newest first, as stored (personal data already masked). */
function commentsCard(list) {
  const rows = Array.isArray(list) ? list : [];
  const time = (at) => new Date(at).toLocaleTimeString('es-MX', { hour: '2-digit', minute: '2-digit' });
  return h('section', { class: 'card comments-card', dataset: { testid: 'comments-today' } },
    h('h2', { class: 'card-title' }, 'Comentarios de hoy', h('small', { class: 'muted' }, ` · ${num(rows.length)}`)),
    rows.length
      ? h('ol', { class: 'comment-list' }, rows.map((c) => h('li', { class: 'comment', dataset: { testid: 'comment' } },
        h('span', { class: 'comment-meta muted small' }, time(c.at), c.serviceArea ? ` · ${c.serviceArea}` : ''),
        h('q', { class: 'comment-text' }, c.text))))
      : h('p', { class: 'muted' }, 'Sin comentarios hoy.'));
}

/** Which survey version is active here, and an offered one this kiosk could not use. */
function surveyLine(survey) {
  if (!survey) return null;
  const u = survey.unusable;
  return h('div', { class: 'card survey-card' },
    h('p', { dataset: { testid: 'survey-active' } }, `Encuesta activa: ${survey.id}, versión ${survey.version}`),
    u ? h('p', { class: 'notice is-error', role: 'alert', dataset: { testid: 'survey-problem' } },
      `El servidor central ofrece la versión ${u.offeredVersion} de ${u.offeredId}, pero este quiosco no puede usarla; `
      + `sigue con la versión actual y envía sus respuestas. Avise a Informática. (${u.problem})`) : null);
}

function syncCard(ctx, ov) {
  const s = ov.sync || {};
  let line;
  if (!ov.sync) line = 'Estado del envío: sin datos todavía.';
  else if (!s.endpoint) line = 'Sin servidor central configurado.';
  else if (s.lastError) line = `Último intento con error: ${s.lastError}`;
  else if (s.lastSuccess) line = `Último envío correcto: ${dateTime(s.lastSuccess)}`;
  else line = 'Aún no se ha enviado nada.';
  if (s.state) line = `Estado: ${s.state}. ${line}`;
  const state = h('p', { class: 'sync-state', dataset: { testid: 'sync-state' }, role: 'status' },
    line, h('br'), `Por enviar: ${num(s.pending ?? (ov.counts && ov.counts.pending))}`,
    s.clockSkewed ? h('strong', { class: 'clock-skew', dataset: { testid: 'clock-skew' } },
      h('br'), `El reloj de este quiosco difiere ${skewText(s.clockOffsetMs)} del servidor central: `
        + 'las respuestas quedan marcadas. Pida a Informática que revise la hora (NTP).') : null);
  const btn = h('button', {
    type: 'button', class: 'btn primary', dataset: { testid: 'sync-now' },
    onclick: async () => {
      btn.disabled = true;
      btn.setAttribute('aria-busy', 'true');
      try {
        const r = await ctx.call(ipc.syncNow);
        state.textContent = r && r.started ? 'Sincronización iniciada. Los números se actualizarán en un momento.' : 'Ya hay una sincronización en curso.';
        setTimeout(() => { if (ctx.state.screen === 'staff') { ctx.state.overviewAt = 0; ctx.render(); } }, 4000);
      } catch (err) {
        state.textContent = ctx.errorText(err);
      } finally {
        btn.disabled = false;
        btn.removeAttribute('aria-busy');
      }
    },
  }, 'Sincronizar ahora');
  return h('div', { class: 'card sync-card' }, h('div', {}, h('h2', { class: 'card-title' }, 'Envío al servidor central'), state), btn);
}

function bar(label, pct, count, tone) {
  const fillEl = h('span', { class: `hbar-fill tone-${tone}` });
  fillEl.style.width = `${Math.max(0, Math.min(100, Number(pct) || 0))}%`;
  return h('div', { class: 'hbar-row' },
    h('span', { class: 'hbar-label' }, label),
    h('span', { class: 'hbar', 'aria-hidden': 'true' }, fillEl),
    h('span', { class: 'hbar-num' }, pctText(pct), count !== undefined && count !== null ? h('small', {}, ` (${num(count)})`) : null));
}

function questionBlock(q) {
  const options = q.options || [];
  const headline = (q.positivePct !== null && q.positivePct !== undefined) || (q.negativePct !== null && q.negativePct !== undefined);
  return h('article', { class: 'card question-card', dataset: { testid: `question-${q.id}` } },
    h('h3', { class: 'q-prompt' }, pick(q.prompt, 'es')),
    h('p', { class: 'muted small' }, `${num(q.answered)} ${q.kind === 'free_text' ? 'comentarios' : 'respuestas'}`),
    headline ? h('div', { class: 'posneg' },
      bar('Positivas', q.positivePct, null, 'pos'),
      bar('Negativas', q.negativePct, null, 'neg')) : null,
    options.length ? h('div', { class: 'opts' }, options.map((o) => bar(pick(o.label, 'es') || o.code, o.pct, o.count, 'opt'))) : null);
}
