"""The JavaScript the browser executor runs in pages: hit tests, state reads, select and fill.

Plain strings, evaluated by :mod:`actions.playwright`; each takes CSS pixels.
"""

from __future__ import annotations

# Whether the element at a point is the target (or inside it, or a label of it): one rule
# for the hit test before a click and for finding a visible point of a covered target.
DEEP_JS = """const deepAt = (x, y) => {
    let h = document.elementFromPoint(x, y);
    while (h && h.shadowRoot) {  // a web component's own content, not its host
      const inner = h.shadowRoot.elementFromPoint(x, y);
      if (!inner || inner === h) break;
      h = inner;
    }
    return h;
  };
  const deepActive = () => {
    let a = document.activeElement;
    while (a && a.shadowRoot && a.shadowRoot.activeElement) a = a.shadowRoot.activeElement;
    return a;
  };
  const within = (a, b) => {  // b is a, or inside a, across shadow roots
    for (let n = b; n; n = n.parentNode || n.host) if (n === a) return true;
    return false;
  };"""
"""Helpers the scripts below start with: the element at a point inside web components, and
containment through shadow roots (a shadow host does not cover its own content)."""
IS_TARGET_JS = """(el, hit) => {
  if (!hit) return false;
  DEEP
  const labels = el.labels ? Array.from(el.labels) : [];
  return within(el, hit) || within(hit, el) && hit.tagName === 'LABEL'
    || labels.some(l => within(l, hit));
}""".replace("DEEP", DEEP_JS)
HIT_TEST_JS = """(el, [x, y]) => {
  DEEP
  const isTarget = IS_TARGET;
  const hit = deepAt(x, y);
  if (!hit) return {ok: false, at: null};
  const text = (hit.innerText || hit.value || '').trim().slice(0, 60);
  return {ok: isTarget(el, hit),
          at: `<${hit.tagName.toLowerCase()}${hit.id ? '#' + hit.id : ''}> ${text}`};
}""".replace("IS_TARGET", IS_TARGET_JS).replace("DEEP", DEEP_JS)
# Points of the element's box, centre first and then a 7x7 grid inward from it, until one
# where the element itself (not what covers it) is hit.
VISIBLE_POINT_JS = """(el) => {
  DEEP
  const isTarget = IS_TARGET;
  const r = el.getBoundingClientRect();
  const fractions = [0.5, 0.3, 0.7, 0.15, 0.85, 0.05, 0.95];
  for (const fy of fractions) for (const fx of fractions) {
    const x = r.left + r.width * fx, y = r.top + r.height * fy;
    if (x < 0 || y < 0 || x >= innerWidth || y >= innerHeight) continue;
    if (isTarget(el, deepAt(x, y))) return [x, y];
  }
  return null;
}""".replace("IS_TARGET", IS_TARGET_JS).replace("DEEP", DEEP_JS)
STATE_JS = """([x, y]) => {
  DEEP
  const a = deepActive();
  let inner = [];
  if (x !== null) {
    let el = deepAt(x, y);
    while (el && el !== document.documentElement) {
      if (el.scrollHeight > el.clientHeight || el.scrollWidth > el.clientWidth) {
        inner = [el.scrollLeft, el.scrollTop];
        if (el.scrollTop || el.scrollLeft || getComputedStyle(el).overflowY !== 'visible') break;
      }
      el = el.parentElement;
    }
  }
  const focus = a ? `${a.tagName}#${a.id}.${a.name || ''}` : '';
  const value = a && 'value' in a && a.tagName !== 'BUTTON' ? String(a.value) : null;
  return {focus, value, scroll: [window.scrollX, window.scrollY, ...inner]};
}""".replace("DEEP", DEEP_JS)
VALUE_AT_JS = """([x, y]) => {
  DEEP
  let el = deepAt(x, y);
  if (el && el.tagName === 'LABEL' && el.control) el = el.control;
  if (el && el.tagName === 'SELECT')
    return el.selectedOptions.length ? el.selectedOptions[0].label : '';
  const a = deepActive();
  if (a && a.isContentEditable) return a.innerText;
  // A code editor's hidden input holds only the keys in flight: read the editor's text.
  const editor = a && a.closest && a.closest('.CodeMirror');
  if (editor && editor.CodeMirror) return editor.CodeMirror.getValue();
  // A terminal or editor that takes keys in an input nobody sees (xterm.js, Monaco) and
  // draws them elsewhere: read what it shows, the first box around the input with text.
  const r = a && /^(INPUT|TEXTAREA)$/.test(a.tagName) ? a.getBoundingClientRect() : null;
  if (r && (r.width <= 2 || r.height <= 2 || Number(getComputedStyle(a).opacity) === 0
      || r.right <= 0 || r.bottom <= 0 || r.left >= innerWidth || r.top >= innerHeight)) {
    for (let el = a.parentElement; el; el = el.parentElement) {
      const box = el.getBoundingClientRect();
      if (box.width >= 40 && box.height >= 16 && el.innerText.trim())
        return {shown: el.innerText};
    }
  }
  if (a && 'value' in a && a.tagName !== 'BUTTON' && a !== document.body) return String(a.value);
  return null;
}""".replace("DEEP", DEEP_JS)
SELECT_AT_JS = """([x, y, option]) => {
  DEEP
  let el = deepAt(x, y);
  if (el && el.tagName === 'LABEL' && el.control) el = el.control;
  while (el && el.tagName !== 'SELECT') el = el.parentElement;
  if (!el) return 'no select box at the point';
  const o = Array.from(el.options).find(o => o.label === option || o.value === option
    || o.label.trim().toLowerCase() === option.trim().toLowerCase());
  if (!o) return 'no option ' + JSON.stringify(option) + '; options: '
    + Array.from(el.options).map(o => o.label).join(', ');
  el.value = o.value;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  return '';
}""".replace("DEEP", DEEP_JS)
# Date, time, colour and range inputs ignore typed keys in a locale-dependent way: set their value
# (ISO format, as the HTML spec defines it) the way Playwright's fill does.
FILL_SPECIAL_JS = """([x, y, text]) => {
  DEEP
  let el = deepAt(x, y);
  if (el && el.tagName === 'LABEL' && el.control) el = el.control;
  const special = ['date', 'time', 'datetime-local', 'month', 'week', 'color', 'range'];
  if (!el || el.tagName !== 'INPUT' || !special.includes(el.type)) return null;
  el.focus();
  el.value = text;
  el.dispatchEvent(new Event('input', {bubbles: true}));
  el.dispatchEvent(new Event('change', {bubbles: true}));
  if (el.value === text) return '';
  const format = el.type === 'date' ? 'YYYY-MM-DD' : 'its ISO format';
  return `a ${el.type} field takes ${format}; ${JSON.stringify(text)} was refused`;
}""".replace("DEEP", DEEP_JS)
# Whether the element (or something inside it) has the keyboard focus.
HAS_FOCUS_JS = """(el) => el === document.activeElement || el.contains(document.activeElement)"""

# A target under a fixed or sticky bar (a header, a cookie banner): scroll the page so that it
# clears the bar, and give its new centre; a modal dialog over it is named, not scrolled.
UNSTICK_JS = """(el) => {
  DEEP
  const coverOf = () => {
    const r = el.getBoundingClientRect();
    const hit = deepAt(r.left + r.width / 2, r.top + r.height / 2);
    return hit && !within(el, hit) && !within(hit, el) ? hit : null;
  };
  const pinned = n => {
    for (let a = n; a && a !== document.body; a = a.parentElement || a.getRootNode().host) {
      const position = getComputedStyle(a).position;
      if (position === 'fixed' || position === 'sticky') return a;
    }
    return null;
  };
  const name = n => `<${n.tagName.toLowerCase()}${n.id ? '#' + n.id : ''}> `
    + (n.innerText || '').trim().slice(0, 40);
  const cover = coverOf();
  if (!cover) return {point: null, bar: null, modal: null};
  const modal = cover.closest('dialog[open], [role=dialog], [role=alertdialog], [aria-modal=true]');
  if (modal) return {point: null, bar: null, modal: name(modal)};
  const bar = pinned(cover);
  if (!bar) return {point: null, bar: null, modal: null};
  const b = bar.getBoundingClientRect(), r = el.getBoundingClientRect();
  const atTop = b.top + b.height / 2 < innerHeight / 2;
  window.scrollBy({left: 0, top: atTop ? r.top - b.bottom - 8 : r.bottom - b.top + 8,
                   behavior: 'instant'});
  if (coverOf()) return {point: null, bar: name(bar), modal: null};
  const n = el.getBoundingClientRect();
  return {point: [n.left + n.width / 2, n.top + n.height / 2], bar: name(bar), modal: null};
}""".replace("DEEP", DEEP_JS)
IS_SELECT_JS = """(el) => el.tagName === 'SELECT' || (el.tagName === 'LABEL' && !!el.control
  && el.control.tagName === 'SELECT') || !!el.querySelector('select')"""
SELECT_AT_POINT_JS = """([x, y]) => {
  DEEP
  const el = deepAt(x, y);
  return !!el && (el.tagName === 'SELECT' || !!el.closest('select')
    || (el.tagName === 'LABEL' && !!el.control && el.control.tagName === 'SELECT'));
}""".replace("DEEP", DEEP_JS)
