// Export: period (quick ranges or a day/month/year stepper, no typing), service, format,
// destination (USB drives first), then a progress bar fed by Tauri events and the file name;
// after an export to a USB drive, "Retirar memoria" flushes it before staff may pull it out.
import { h, mount } from '../dom.js';
import * as ipc from './ipc.js';
import * as D from './dates.js';

const nf = new Intl.NumberFormat('es-MX');

const RANGES = [
  ['today', 'export-range-today', 'Hoy'],
  ['7d', 'export-range-7d', 'Últimos 7 días'],
  ['month', 'export-range-month', 'Este mes'],
  ['prev-month', 'export-range-prev-month', 'Mes anterior'],
  ['2m', 'export-range-2m', 'Últimos 2 meses'],
];

// Events can arrive before staff_export's reply names the job: keep them by job id.
const seen = new Map(); // jobId -> { progress, finished, failed }
let ctxRef = null;

export function installExportEvents(ctx) {
  ctxRef = ctx;
  const note = (jobId, patch) => {
    const rec = { ...(seen.get(jobId) || {}), ...patch };
    seen.set(jobId, rec);
    apply(jobId);
  };
  ipc.listen('export-progress', (p) => note(p.jobId, { progress: p }));
  ipc.listen('export-finished', (p) => note(p.jobId, { finished: p }));
  ipc.listen('export-failed', (p) => note(p.jobId, { failed: p }));
}

function apply(jobId) {
  const exp = ctxRef && ctxRef.state.exp;
  if (!exp || !exp.job || exp.job.id !== jobId) return;
  const rec = seen.get(jobId) || {};
  const job = exp.job;
  if (rec.progress) { job.done = rec.progress.done; job.total = rec.progress.total; }
  if (rec.finished) { job.status = 'done'; job.file = rec.finished.file; job.rows = rec.finished.rows; }
  if (rec.failed) { job.status = 'failed'; job.error = rec.failed; }
  paintJob();
}

function defaults(ctx) {
  const r = D.range('7d');
  return { kind: '7d', from: r.from, to: r.to, custom: false, service: null, format: 'xlsx', dests: null, dest: 0, destError: null, job: null, areas: null };
}

let slots = null; // live elements of the export screen: { job, start }

export function exportScreen(ctx) {
  if (!ctx.state.exp) ctx.state.exp = defaults(ctx);
  const exp = ctx.state.exp;
  const rerender = () => { if (ctx.state.screen === 'export') ctx.render(); };

  if (exp.dests === null) {
    exp.dests = 'loading';
    ctx.call(ipc.exportDestinations)
      .then((list) => { exp.dests = Array.isArray(list) ? list : []; exp.dest = 0; })
      .catch((err) => { exp.dests = []; exp.destError = ctx.errorText(err); })
      .then(rerender);
  }
  if (exp.areas === null) {
    exp.areas = serviceAreas(ctx);
    if (!exp.areas.length && ctx.isIt()) {
      ctx.call(ipc.settings).then((s) => {
        exp.areas = String((s && s.values && s.values['service.areas']) || '').split(',').map((x) => x.trim()).filter(Boolean);
        rerender();
      }).catch(() => {});
    }
  }

  const chip = (on, testid, label, fn, extra = '') => h('button', {
    type: 'button', class: `chip${on ? ' is-on' : ''}${extra}`, dataset: { testid }, 'aria-pressed': String(on), onclick: fn,
  }, label);

  const period = h('section', { class: 'card' },
    h('h2', { class: 'card-title' }, 'Periodo'),
    h('div', { class: 'chips' },
      RANGES.map(([kind, testid, label]) => chip(!exp.custom && exp.kind === kind, testid, label, () => {
        const r = D.range(kind);
        Object.assign(exp, { kind, from: r.from, to: r.to, custom: false });
        rerender();
      })),
      chip(exp.custom, 'export-range-custom', 'Otras fechas', () => {
        exp.custom = true; exp.kind = 'custom'; rerender();
        reveal(document.querySelector('.steppers'));
      })),
    h('p', { class: 'period-line', dataset: { testid: 'export-period' } }, 'Del ', h('strong', {}, D.label(exp.from)), ' al ', h('strong', {}, D.label(exp.to))),
    exp.custom ? h('div', { class: 'steppers' },
      stepper('Desde', 'from', exp, rerender),
      stepper('Hasta', 'to', exp, rerender)) : null,
    D.compare(exp.from, exp.to) > 0 ? h('p', { class: 'notice is-error', role: 'alert' }, '«Desde» es después de «Hasta».') : null);

  const areas = exp.areas || [];
  const service = h('section', { class: 'card' },
    h('h2', { class: 'card-title' }, 'Servicio'),
    h('div', { class: 'chips' },
      chip(exp.service === null, 'export-service-all', 'Todos', () => { exp.service = null; rerender(); }),
      areas.map((a, i) => chip(exp.service === a, `export-service-${i}`, a, () => { exp.service = a; rerender(); }))));

  const format = h('section', { class: 'card' },
    h('h2', { class: 'card-title' }, 'Formato'),
    h('div', { class: 'chips' },
      chip(exp.format === 'xlsx', 'export-format-xlsx', 'Excel (.xlsx)', () => { exp.format = 'xlsx'; rerender(); }, ' wide'),
      chip(exp.format === 'csv', 'export-format-csv', 'CSV (.csv)', () => { exp.format = 'csv'; rerender(); }, ' wide')));

  let destBody;
  if (exp.dests === 'loading') destBody = h('p', { class: 'muted' }, 'Buscando memorias USB…');
  else if (!exp.dests.length) destBody = h('p', { class: 'notice is-error' }, exp.destError || 'No hay dónde guardar. Conecte una memoria USB.');
  else {
    destBody = h('div', { class: 'dests' }, exp.dests.map((d, i) => h('button', {
      type: 'button', class: `dest${exp.dest === i ? ' is-on' : ''}`, dataset: { testid: `export-dest-${i}` },
      'aria-pressed': String(exp.dest === i), onclick: () => { exp.dest = i; rerender(); },
    }, h('span', { class: 'dest-kind' }, d.removable ? 'USB' : 'Carpeta'),
    h('span', { class: 'dest-text' }, h('strong', {}, d.label || d.path), h('small', {}, d.path)))));
  }
  const dest = h('section', { class: 'card' },
    h('div', { class: 'card-head' }, h('h2', { class: 'card-title' }, 'Guardar en'),
      h('button', { type: 'button', class: 'btn small', dataset: { testid: 'export-dest-refresh' }, onclick: () => { exp.dests = null; rerender(); } }, 'Buscar de nuevo')),
    destBody);

  const running = exp.job && exp.job.status === 'running';
  const start = h('button', {
    type: 'button', class: 'btn primary big', dataset: { testid: 'export-start' },
    disabled: running || !Array.isArray(exp.dests) || !exp.dests.length || D.compare(exp.from, exp.to) > 0,
    onclick: () => startExport(ctx),
  }, 'Exportar');
  const jobSlot = h('div', { class: 'job-slot', role: 'status', 'aria-live': 'polite' });
  slots = { job: jobSlot, start };
  paintJob();

  // The action and its progress stay in view at the bottom, whatever is scrolled.
  return h('div', { class: 'export' },
    h('div', { class: 'export-grid' },
      h('div', { class: 'col' }, period, service),
      h('div', { class: 'col' }, format, dest)),
    h('div', { class: 'run-bar' }, start, jobSlot));
}

/** Scroll so `el` sits fully above the sticky action bar. */
function reveal(el) {
  const sc = document.getElementById('scroll');
  const bar = document.querySelector('.run-bar');
  if (!el || !sc) return;
  const limit = (bar ? bar.getBoundingClientRect().top : sc.getBoundingClientRect().bottom) - 12;
  const over = el.getBoundingClientRect().bottom - limit;
  if (over > 0) sc.scrollTop += over;
}

function stepper(title, which, exp, rerender) {
  const d = exp[which];
  const part = (p, text, name) => h('div', { class: 'step' },
    h('button', { type: 'button', class: 'step-btn', dataset: { testid: `export-${which}-${p}-plus` }, 'aria-label': `${title}: ${name} siguiente`,
      onclick: () => { exp[which] = D.step(exp[which], p, 1); rerender(); } }, '+'),
    h('span', { class: 'step-val' }, text),
    h('button', { type: 'button', class: 'step-btn', dataset: { testid: `export-${which}-${p}-minus` }, 'aria-label': `${title}: ${name} anterior`,
      onclick: () => { exp[which] = D.step(exp[which], p, -1); rerender(); } }, '−'));
  return h('div', { class: 'stepper', dataset: { testid: `export-${which}` } },
    h('span', { class: 'stepper-title' }, title),
    h('div', { class: 'stepper-parts' }, part('d', String(d.d), 'día'), part('m', D.MONTHS[d.m - 1], 'mes'), part('y', String(d.y), 'año')));
}

function serviceAreas(ctx) {
  const ov = ctx.state.overview || {};
  const list = ov.serviceAreas || (ov.unit && ov.unit.serviceAreas) || ov.services || [];
  return Array.isArray(list) ? list.filter(Boolean) : String(list).split(',').map((x) => x.trim()).filter(Boolean);
}

async function startExport(ctx) {
  const exp = ctx.state.exp;
  if (exp.job && exp.job.status === 'running') return;
  const destination = exp.dests[exp.dest];
  exp.job = { id: null, status: 'running', done: 0, total: 0, dest: destination };
  if (slots) slots.start.disabled = true;
  paintJob();
  try {
    const { jobId } = await ctx.call(ipc.startExport, {
      from: D.iso(exp.from), to: D.iso(exp.to), service: exp.service, format: exp.format, destination: destination.path,
    });
    exp.job.id = jobId;
    apply(jobId);
  } catch (err) {
    exp.job.status = 'failed';
    exp.job.error = err;
    paintJob();
  }
}

function paintJob() {
  const exp = ctxRef && ctxRef.state.exp;
  if (!slots || !slots.job.isConnected || !exp) return;
  const job = exp.job;
  if (slots.start) {
    slots.start.disabled = !!(job && job.status === 'running') || !Array.isArray(exp.dests) || !exp.dests.length
      || D.compare(exp.from, exp.to) > 0;
  }
  if (!job) return mount(slots.job);
  const parts = [];
  if (job.status === 'running' || job.status === 'done') {
    const total = Number(job.total) || 0;
    const done = job.status === 'done' ? (Number(job.rows) || total) : Number(job.done) || 0;
    const pct = job.status === 'done' ? 100 : total ? Math.min(100, Math.round((done / total) * 100)) : 0;
    const fill = h('span', { class: 'pbar-fill' });
    fill.style.width = `${pct}%`;
    parts.push(h('div', {
      class: 'export-progress', dataset: { testid: 'export-progress' }, role: 'progressbar',
      'aria-valuemin': '0', 'aria-valuemax': '100', 'aria-valuenow': String(pct),
    }, h('span', { class: 'pbar' }, fill),
    h('span', { class: 'pbar-text' }, job.status === 'done' ? '100 %'
      : total ? `${pct} % · ${nf.format(done)} de ${nf.format(total)} respuestas` : 'Preparando…')));
  }
  if (job.status === 'done') {
    const name = String(job.file || '').split(/[\\/]/).pop();
    parts.push(h('p', { class: 'notice is-ok', dataset: { testid: 'export-done' } },
      'Listo: ', h('strong', { class: 'file-name' }, name),
      ` · ${nf.format(Number(job.rows) || 0)} respuestas`, job.dest ? ` · en ${job.dest.label || job.dest.path}` : ''));
  }
  if (job.status === 'failed') {
    parts.push(h('p', { class: 'notice is-error', role: 'alert', dataset: { testid: 'export-error' } },
      'No se pudo exportar. ', ctxRef.errorText(job.error)));
  }
  if (job.status === 'done' && job.dest && job.dest.removable) parts.push(ejectPart(job));
  mount(slots.job, parts);
}

/** "Retirar memoria", then "Puede retirar la memoria" only once Rust says the drive has everything. */
function ejectPart(job) {
  const ej = job.eject || {};
  if (ej.status === 'done') {
    return h('p', { class: 'notice is-ok', dataset: { testid: 'export-ejected' } }, 'Puede retirar la memoria.');
  }
  const btn = h('button', {
    type: 'button', class: 'btn big', dataset: { testid: 'export-eject' }, disabled: ej.status === 'running',
    'aria-busy': ej.status === 'running' ? 'true' : null,
    onclick: () => ejectDrive(job),
  }, ej.status === 'running' ? 'Guardando en la memoria…' : 'Retirar memoria');
  return h('div', { class: 'eject' }, btn,
    ej.status === 'failed' ? h('p', { class: 'notice is-error', role: 'alert', dataset: { testid: 'export-eject-error' } },
      ctxRef.errorText(ej.error)) : null);
}

async function ejectDrive(job) {
  if (job.eject && job.eject.status === 'running') return;
  job.eject = { status: 'running' };
  paintJob();
  try {
    await ctxRef.call(ipc.eject, job.dest.path);
    job.eject = { status: 'done' };
  } catch (err) {
    job.eject = { status: 'failed', error: err };
  }
  paintJob();
}
