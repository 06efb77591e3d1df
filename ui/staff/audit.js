// Bitácora: the latest staff actions (who, when, what), newest first.
import { h, mount } from '../dom.js';
import * as ipc from './ipc.js';
import { dateTime } from './dates.js';
import { ROLE, ACTIONS, ORIGINS, auditDetail } from './text.js';

const LIMIT = 200;

/** What was done, in Spanish words, from the action code and its details. */
function auditWhat(r) {
  const detail = auditDetail(r.action, r.params);
  return h('span', { class: 'audit-what' }, h('strong', {}, ACTIONS[r.action] || r.action),
    detail ? h('small', { dataset: { testid: 'audit-detail' } }, detail) : null);
}

export function auditScreen(ctx) {
  const root = h('div', { class: 'audit' }, h('p', { class: 'lead muted' }, 'Cargando bitácora…'));
  ctx.call(ipc.audit, LIMIT).then((rows) => {
    if (ctx.state.screen !== 'audit') return;
    rows = Array.isArray(rows) ? rows : [];
    mount(root,
      h('h2', { class: 'section-title' }, 'Bitácora', h('small', { class: 'muted' }, ` · últimos ${rows.length} registros`)),
      rows.length ? h('ol', { class: 'audit-list', dataset: { testid: 'audit-list' } }, rows.map((r) => h('li', { class: 'audit-row', dataset: { testid: 'audit-row', action: r.action } },
        h('span', { class: 'audit-at' }, dateTime(r.at)),
        h('span', { class: 'audit-who' }, ROLE[r.role] || r.role || '—', r.origin ? h('small', {}, ` · ${ORIGINS[r.origin] || r.origin}`) : null),
        auditWhat(r))))
        : h('p', { class: 'muted' }, 'Sin registros.'));
  }).catch((err) => {
    if (ctx.state.screen === 'audit') mount(root, h('p', { class: 'notice is-error', role: 'alert' }, ctx.errorText(err)));
  });
  return root;
}
