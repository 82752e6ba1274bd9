"""The page side of effect attribution: a MutationObserver that keeps the last seconds of
changes, and the rules that tell an action's own effects from what would have happened anyway.

One script, installed in every document (as an init script, and on demand for a page loaded
before the executor existed). It defines ``window.__gaFx`` with:

- ``mark(el, {x, y, pre})``: an action starts now; ``el`` its target (or the element at x, y).
  What changed in the last ``pre`` ms (the mouse was already over the target, so hover effects
  land there) and what kept changing on its own in the seconds before is the background.
- ``seen()``: what changed since the mark, split into the action's effects and the changes
  discounted (hover and style changes under the pointer, background, tooltips, focus elsewhere).
- ``done()``: the action's window ends (later changes are unprompted again).
- ``quiet()``: how long ago the page last changed, not counting what has kept changing for a
  second or more (a clock, an endless animation), which it names.
"""

from __future__ import annotations

INSTALL_JS = r"""(() => {
if (window.__gaFx) return;
const fx = window.__gaFx = {log: [], acts: [], cur: null, batch: 0};
const WINDOW = 5000, TOGGLES = ['checkbox', 'switch', 'radio', 'menuitemcheckbox', 'menuitemradio'];
const QUIET_TAGS = new Set(['SCRIPT', 'STYLE', 'LINK', 'META', 'NOSCRIPT', 'TEMPLATE']);
const observer = new MutationObserver(list => {
  // The parser building the page is no one's effect and no background either.
  if (document.readyState === 'loading') return;
  const t = performance.now(), batch = ++fx.batch;
  for (const m of list) {
    const node = m.target.nodeType === 1 ? m.target : m.target.parentElement;
    if (!node) continue;
    fx.log.push({t, batch, node, type: m.type, attr: m.attributeName,
                 nodes: [...m.addedNodes, ...m.removedNodes]});
  }
  while (fx.log.length > 5000 || (fx.log.length && fx.log[0].t < t - WINDOW - 1000))
    fx.log.shift();
});
const OPTIONS = {subtree: true, childList: true, attributes: true, characterData: true};
observer.observe(document, OPTIONS);
// A web component's content changes in its shadow root, which the document's observer does
// not see: every shadow root is watched too, from its making (or now, for those made before).
const attach = Element.prototype.attachShadow;
Element.prototype.attachShadow = function (init) {
  const root = attach.call(this, init);
  observer.observe(root, OPTIONS);
  return root;
};
const openRoots = node => {
  for (const el of node.querySelectorAll('*'))
    if (el.shadowRoot) { observer.observe(el.shadowRoot, OPTIONS); openRoots(el.shadowRoot); }
};
if (document.documentElement) openRoots(document);

const describe = n => {
  if (!n || n.nodeType !== 1) return 'the page';
  const cls = typeof n.className === 'string' && n.className.trim()
    ? '.' + n.className.trim().split(/\s+/).slice(0, 2).join('.') : '';
  const text = (n.innerText || n.textContent || '').trim().replace(/\s+/g, ' ').slice(0, 40);
  return `<${n.tagName.toLowerCase()}${n.id ? '#' + n.id : ''}${cls}>` + (text ? ` "${text}"` : '');
};
const key = e => e.type === 'attributes' ? e.attr : '#tree';
const prompted = e => fx.acts.some(a => e.t >= a.start && e.t <= (a.end ?? a.start + 3000));
const tooltip = n => !!(n && n.nodeType === 1 && n.closest(
  '[role=tooltip], .tooltip, [class*="tooltip"], [class*="Tooltip"]'));
const quietNode = n => n.nodeType === 8 || (n.nodeType === 3 && !n.textContent.trim())
  || (n.nodeType === 1 && QUIET_TAGS.has(n.tagName));
const textOf = n => (n.textContent || '').trim();
// Node -> keys ('#tree' for content, else an attribute name) changing on their own: in the
// `pre` ms before `until`, or again and again (three batches over half a second or more, the
// last one recent) outside any of our actions' windows.
const background = (until, pre) => {
  const spans = new Map();
  for (const e of fx.log) {
    if (e.t > until) break;
    const inPre = e.t >= until - pre;
    if (!inPre && (e.t < until - WINDOW || prompted(e))) continue;
    let keys = spans.get(e.node);
    if (!keys) spans.set(e.node, keys = new Map());
    const k = key(e), s = keys.get(k) || {first: e.t, last: e.t, batches: new Set(), pre: false};
    keys.set(k, s);
    s.last = e.t; s.batches.add(e.batch); s.pre = s.pre || inPre;
  }
  const busy = new Map();
  for (const [node, keys] of spans)
    for (const [k, s] of keys)
      if (s.pre || (s.batches.size >= 3 && s.last - s.first >= 500 && until - s.last < 2000)) {
        if (!busy.has(node)) busy.set(node, new Set());
        busy.get(node).add(k);
      }
  return busy;
};
const inBusy = (busy, e) => {
  if (e.type === 'attributes' && busy.get(e.node)?.has(e.attr)) return true;
  for (let a = e.node; a; a = a.parentElement) if (busy.get(a)?.has('#tree')) return true;
  return false;
};
const controlOf = el => {
  if (!el || el.nodeType !== 1) return null;
  const label = el.closest('label');
  if (label && label.control) return label.control;
  return el.closest('input, select, textarea, details, [aria-checked], [aria-pressed], '
    + '[aria-expanded], [aria-selected]') || el;
};
const stateOf = c => c ? JSON.stringify([c.checked, c.indeterminate, c.value, c.selectedIndex,
  c.open, ...['aria-checked', 'aria-pressed', 'aria-expanded', 'aria-selected'].map(
    a => c.getAttribute && c.getAttribute(a))]) : '';
const toggleOf = c => {
  if (!c || c.nodeType !== 1) return null;
  const role = c.getAttribute('role');
  if (c.tagName === 'INPUT' && (c.type === 'checkbox' || c.type === 'radio'))
    return {kind: c.type, on: c.checked};
  if (TOGGLES.includes(role)) return {kind: role, on: c.getAttribute('aria-checked') === 'true'};
  return null;
};
const scrollOf = el => {
  const at = [scrollX, scrollY];
  for (let a = el && el.parentElement; a; a = a.parentElement)
    if (a.scrollHeight > a.clientHeight || a.scrollWidth > a.clientWidth)
      at.push(a.scrollLeft, a.scrollTop);
  return at.join(',');
};
// Focus is a click's effect only where focus is the point: a field to type into, a list to
// move in. A button or link takes focus whenever it is clicked, dead or not.
const FOCUS_IS_THE_POINT = 'input:not([type=button]):not([type=submit]):not([type=reset])'
  + ':not([type=checkbox]):not([type=radio]):not([type=image]), textarea, select, '
  + '[contenteditable=""], [contenteditable=true], [role=textbox], [role=searchbox], '
  + '[role=combobox], [role=listbox], [role=grid], [role=tree], [role=slider], '
  + '[role=spinbutton], [role=menu]';
const owns = (target, control, active) => !!active && !!target
  && active.matches(FOCUS_IS_THE_POINT) && (active === target || active === control
    || target.contains(active) || active.contains(target));

fx.mark = (el, {x, y, pre}) => {
  const now = performance.now();
  let target = el || (x === null ? null : document.elementFromPoint(x, y));
  while (!el && target && target.shadowRoot) {  // the content of a web component, not its host
    const inner = target.shadowRoot.elementFromPoint(x, y);
    if (!inner || inner === target) break;
    target = inner;
  }
  // Under the pointer: the target and the small boxes around it (its row, its list item),
  // where hover styles land; not the page's big containers, whose class a theme switch sets.
  const chain = new Set(), screen = innerWidth * innerHeight;
  for (let n = target; n && n !== document.body && n !== document.documentElement;
       n = n.parentElement || (n.getRootNode() && n.getRootNode().host)) {
    const r = n.getBoundingClientRect();
    if (n !== target && r.width * r.height > screen / 4) break;
    chain.add(n);
  }
  const control = controlOf(target);
  fx.cur = {start: now, target, chain, control, state: stateOf(control),
    toggle: toggleOf(control), url: location.href, scroll: scrollOf(target),
    active: document.activeElement, selection: String(getSelection()),
    busy: background(now, pre)};
  fx.acts.push({start: now, end: null});
  if (fx.acts.length > 20) fx.acts.shift();
  return !!target;
};
fx.done = () => {
  const last = fx.acts[fx.acts.length - 1];
  if (last && last.end === null) last.end = performance.now();
};
fx.seen = () => {
  const cur = fx.cur;
  if (!cur) return {fresh: true, seen: [], ignored: [], toggle: null};
  const seen = [], ignored = [], told = new Set();
  const add = (list, what, node) => {
    if (node && told.has(node)) return;
    if (node) told.add(node);
    if (!list.includes(what) && list.length < 6) list.push(what);
  };
  if (location.href !== cur.url) add(seen, 'the address changed to ' + location.href);
  const toggle = cur.toggle && {...cur.toggle, now: toggleOf(cur.control)?.on};
  if (stateOf(cur.control) !== cur.state) add(seen, describe(cur.control) + ' changed state');
  const active = document.activeElement;
  if (active !== cur.active && active && active !== document.body) {
    if (!cur.target) add(seen, 'focus moved to ' + describe(active));
    else if (owns(cur.target, cur.control, active)) add(seen, 'focus moved to the target');
    else if (!(cur.target.contains(active) || active.contains(cur.target)))
      add(ignored, 'focus moved to ' + describe(active) + ', not the target');
  }
  if (scrollOf(cur.target) !== cur.scroll) add(seen, 'the page scrolled');
  if (String(getSelection()) !== cur.selection) add(seen, 'the text selection changed');
  for (const e of fx.log) {
    if (e.t <= cur.start) continue;
    const n = e.node;
    if (tooltip(n) || e.nodes.some(tooltip)) { add(ignored, 'a tooltip', n); continue; }
    if (inBusy(cur.busy, e)) {
      add(ignored, describe(n) + ', which was changing before the action', n);
      continue;
    }
    if (e.type === 'attributes') {
      if ((e.attr === 'class' || e.attr === 'style') && cur.chain.has(n)) {
        add(ignored, 'the style of ' + describe(n) + ' under the pointer', n);
        continue;
      }
      if (e.attr === 'title' || e.attr === 'aria-describedby') {
        add(ignored, 'a tooltip', n);
        continue;
      }
      add(seen, describe(n) + ' (' + e.attr + ')');
      continue;
    }
    if (e.type === 'childList' && e.nodes.every(quietNode)) continue;
    if (e.type === 'childList' && cur.chain.has(n) && !e.nodes.some(textOf)) {
      add(ignored, 'decoration added to ' + describe(n) + ' under the pointer', n);
      continue;
    }
    add(seen, describe(n) + (e.type === 'characterData' ? ' (text)' : ' (content)'));
  }
  return {fresh: false, seen, ignored, toggle};
};
fx.quiet = () => {
  // What has changed again and again for a second or more is noise to wait for, not a change.
  const now = performance.now(), spans = new Map();
  for (const e of fx.log) {
    if (e.t < now - WINDOW) continue;
    let keys = spans.get(e.node);
    if (!keys) spans.set(e.node, keys = new Map());
    const k = key(e), s = keys.get(k);
    if (s) { s.last = e.t; s.batches.add(e.batch); }
    else keys.set(k, {first: e.t, last: e.t, batches: new Set([e.batch])});
  }
  const noisy = new Map();
  for (const [node, keys] of spans)
    for (const [k, s] of keys)
      if (s.last - s.first >= 1000 && s.batches.size >= 3) {
        if (!noisy.has(node)) noisy.set(node, new Set());
        noisy.get(node).add(k);
      }
  let last = -Infinity, what = '';
  for (const e of fx.log)
    if (e.t > last && !(e.type === 'childList' && e.nodes.every(quietNode)) && !inBusy(noisy, e))
      { last = e.t; what = describe(e.node); }
  const names = [...noisy.keys()].slice(0, 3).map(describe);
  return {ms: now - last, what, noisy: names};
};
})()"""

# The calls below assume the observer is there (each returns null when it is not: the caller
# installs it, ``INSTALL_JS`` as an expression, and calls again), so that the script is sent
# once per document, not with every capture.
MARK_JS = "(el, args) => window.__gaFx ? window.__gaFx.mark(el, args) : null"
"""Evaluated on the target's locator (``el``)."""
MARK_AT_JS = "(args) => window.__gaFx ? window.__gaFx.mark(null, args) : null"
"""Evaluated on a page or frame: the target is the element at the point."""
SEEN_JS = "() => window.__gaFx ? window.__gaFx.seen() : {fresh: true, seen: [], ignored: []}"
DONE_JS = "() => window.__gaFx && window.__gaFx.done()"
QUIET_JS = "() => window.__gaFx ? window.__gaFx.quiet() : null"
INSTALL_ON_JS = "(el) => " + INSTALL_JS
"""The installer, evaluated on a locator (in the element's own frame)."""
