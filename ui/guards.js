// Kiosk hardening on the web side: no zoom, no context menu, no selection/drag,
// plus the hidden staff hot zone. (WebKitGTK's own pinch/long-press gestures
// must also be disabled in Rust; JS cannot stop those.)

const ZOOM_KEYS = new Set(['+', '-', '=', '0', '_', 'Add', 'Subtract']);

export function installGuards() {
  const stop = (e) => e.preventDefault();
  window.addEventListener('contextmenu', stop);
  window.addEventListener('dragstart', stop);
  window.addEventListener('selectstart', (e) => {
    if (!(e.target instanceof HTMLTextAreaElement)) e.preventDefault();
  });
  window.addEventListener('wheel', (e) => { if (e.ctrlKey) e.preventDefault(); }, { passive: false });
  window.addEventListener('keydown', (e) => {
    if ((e.ctrlKey || e.metaKey) && ZOOM_KEYS.has(e.key)) e.preventDefault();
  });
  // Safari/WebKit pinch events.
  for (const type of ['gesturestart', 'gesturechange', 'gestureend']) {
    document.addEventListener(type, stop, { passive: false });
  }
  // Two-finger moves are pinches; one-finger moves are allowed (nothing scrolls anyway).
  document.addEventListener('touchmove', (e) => { if (e.touches.length > 1) e.preventDefault(); }, { passive: false });
  // Never navigate away from the kiosk page.
  document.addEventListener('click', (e) => {
    const a = e.target instanceof Element && e.target.closest('a[href]');
    if (a) e.preventDefault();
  });
}

/** 3-second press (pointerdown..pointerup) in the corner -> window 'staff-gesture'. */
export function installStaffCorner(el, holdMs = 3000) {
  let downAt = 0;
  el.addEventListener('pointerdown', (e) => {
    e.preventDefault();
    e.stopPropagation();
    downAt = performance.now();
    try { el.setPointerCapture(e.pointerId); } catch { /* synthetic pointer: ignore */ }
  });
  el.addEventListener('pointerup', (e) => {
    e.stopPropagation();
    const held = downAt ? performance.now() - downAt : 0;
    downAt = 0;
    if (held >= holdMs) window.dispatchEvent(new CustomEvent('staff-gesture', { detail: { heldMs: Math.round(held) } }));
  });
  el.addEventListener('pointercancel', () => { downAt = 0; });
  // A tap here must not reach the screen below (e.g. start the survey).
  el.addEventListener('click', (e) => { e.preventDefault(); e.stopPropagation(); });
}
