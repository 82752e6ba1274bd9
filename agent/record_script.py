"""The page script ``agent record`` adds to every page: it reports what a person does.

A pointer press is held back (its default and the page's own handlers never see it) and
reported with the element, the point and how long after the person's last action the
element came; the recorder names the element while the page is
still as the person saw it, then clicks the same point itself, letting that click through.
Typing, choices in select boxes, files given to file fields and keys (Enter, Escape, Tab,
chords) are reported as they happen. Ctrl+Shift+E reports the selected text as an
expectation."""

RECORD_JS = r"""(() => {
  if (window.__guiAgentRecorder) return;
  window.__guiAgentRecorder = true;
  window.__guiAgentPassing = false;
  const send = (data) => { if (window.__guiAgentRecord) window.__guiAgentRecord(data); };
  let ids = 0;
  const tag = (el) => {
    if (!el.dataset.guiAgentRec) el.dataset.guiAgentRec = `${Date.now() % 100000}-${++ids}`;
    return el.dataset.guiAgentRec;
  };
  const box = (el) => { const r = el.getBoundingClientRect();
                        return [r.left, r.top, r.right, r.bottom]; };
  // When each element came (added, or shown by an attribute change), so that a target that
  // came well after the person's last action (a pause while the page worked) is waited for.
  const born = new WeakMap();
  let lastAction = performance.now();
  new MutationObserver((changes) => {
    const now = performance.now();
    for (const change of changes) {
      const nodes = change.type === 'childList' ? Array.from(change.addedNodes) : [change.target];
      for (const node of nodes) if (node instanceof Element) born.set(node, now);
    }
  }).observe(document, {childList: true, subtree: true, attributes: true,
                        attributeFilter: ['hidden', 'style', 'class']});
  const late = (el) => {
    for (let n = el; n; n = n.parentElement)
      if (born.has(n)) return born.get(n) - lastAction;
    return 0;
  };
  const acted = () => { lastAction = performance.now(); };
  // Native pickers (select boxes, file fields) open on the person's own press: let them.
  const native = (el) => el.closest('select, option, input[type=file]');
  const TEXT = 'textarea, [contenteditable=""], [contenteditable=true], input:not([type]), '
    + 'input[type=text], input[type=email], input[type=password], input[type=search], '
    + 'input[type=tel], input[type=url], input[type=number], input[type=date], '
    + 'input[type=time], input[type=datetime-local], input[type=month]';
  for (const kind of ['pointerdown', 'mousedown', 'pointerup', 'mouseup', 'click']) {
    window.addEventListener(kind, (e) => {
      if (window.__guiAgentPassing || !e.isTrusted || e.button !== 0) return;
      const el = e.target instanceof Element ? e.target : null;
      if (!el || native(el)) return;
      e.preventDefault();
      e.stopImmediatePropagation();
      if (kind === 'pointerdown') {
        const field = el.closest(TEXT);
        send({kind: 'click', id: tag(field || el), x: e.clientX, y: e.clientY,
              box: box(field || el), field: !!field, late: late(el)});
        acted();
      }
    }, true);
  }
  document.addEventListener('input', (e) => {
    const el = e.target;
    if (!(el instanceof Element) || !el.matches(TEXT)) return;
    send({kind: 'type', id: tag(el), box: box(el), password: el.type === 'password',
          value: el.isContentEditable ? el.innerText : el.value, late: late(el)});
    acted();
  }, true);
  document.addEventListener('change', (e) => {
    const el = e.target;
    if (el.tagName === 'SELECT' && el.selectedOptions.length)
      send({kind: 'select', id: tag(el), box: box(el), option: el.selectedOptions[0].label});
    else if (el.tagName === 'INPUT' && el.type === 'file')
      send({kind: 'upload', id: tag(el), box: box(el),
            files: Array.from(el.files).map((f) => f.name)});
  }, true);
  document.addEventListener('keydown', (e) => {
    if (!e.isTrusted || window.__guiAgentPassing) return;
    if (e.ctrlKey && e.shiftKey && e.key.toLowerCase() === 'e') {
      e.preventDefault();
      const text = String(getSelection()).trim();
      if (text) send({kind: 'expect', text});
      return;
    }
    acted();
    const mods = ['Control', 'Alt', 'Meta'].filter((m) => e.getModifierState(m));
    const named = ['Enter', 'Escape', 'Tab'].includes(e.key);
    if (named || (mods.length && e.key.length === 1))
      send({kind: 'press', keys: [...mods, e.shiftKey && mods.length ? 'Shift' : null,
                                  e.key.length === 1 ? e.key.toLowerCase() : e.key]
                                 .filter(Boolean).join('+')});
  }, true);
})()"""

NAME_JS = r"""(id) => {
  const el = document.querySelector(`[data-gui-agent-rec="${id}"]`);
  if (!el) return null;
  const text = (n) => (n ? (n.innerText || n.textContent || '') : '').trim().replace(/\s+/g, ' ');
  const labelled = el.getAttribute('aria-labelledby');
  const labels = el.labels && el.labels.length ? Array.from(el.labels).map(text).join(' ') : '';
  const name = el.getAttribute('aria-label')
    || (labelled ? labelled.split(/\s+/).map((i) => text(document.getElementById(i))).join(' ')
                 : '')
    || labels || (el.matches('input, textarea, select') ? '' : text(el))
    || el.getAttribute('title') || el.getAttribute('placeholder') || el.getAttribute('alt')
    || (el.type === 'submit' || el.type === 'button' ? el.value : '') || '';
  const role = el.getAttribute('role') || ({A: 'link', BUTTON: 'button', SELECT: 'select',
    TEXTAREA: 'field'})[el.tagName] || (el.tagName === 'INPUT'
      ? ({checkbox: 'checkbox', radio: 'radio', submit: 'button', button: 'button',
          file: 'field'})[el.type] || 'field' : '');
  return {name: name.trim(), role};
}"""
