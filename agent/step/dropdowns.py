"""Dropdowns built from divs: an ARIA combobox, listbox or menu (or a button that opens a list
of items) is opened with a click, and its option clicked, as a person does; then the control
must show the option."""

from __future__ import annotations

from actions.schema import Click, Point
from agent.errors import ElementNotFound, VerificationFailed
from agent.step.act import click_and_check
from agent.step.context import StepRun
from agent.step.locate import locate
from perception.elements import Element
from perception.matching import Intent

SHOWS_JS = """(el) => {
  const own = 'value' in el && typeof el.value === 'string' && el.tagName !== 'BUTTON'
    ? el.value : '';
  return [own, el.innerText || el.textContent || '', el.getAttribute('aria-label') || ''];
}"""


def _click(step: StepRun, element: Element, what: str) -> None:
    click_and_check(step, Click(point=Point.at(element.point), handle=element.handle), what)


def choose_from_list(step: StepRun, control: Element, option: str, described: str) -> None:
    """Open the custom dropdown ``control`` and click ``option`` in the list it shows."""
    _click(step, control, f"opening {described!r}")
    try:
        item = locate(step, f'"{option}" option', Intent.CLICK)
    except ElementNotFound:
        item = locate(step, f'"{option}"', Intent.CLICK)  # a list of plain items
    _click(step, item, f"choosing {option!r}")
    page = step.page
    if page is None or not control.handle:
        return
    try:
        shown = page.locator(control.handle).evaluate(SHOWS_JS, timeout=2000)
    except Exception:  # noqa: BLE001 - the control was re-rendered: read the page instead
        shown = [page.inner_text("body")]
    wanted = " ".join(option.split()).casefold()
    if not any(wanted in " ".join(str(s).split()).casefold() for s in shown):
        raise VerificationFailed(
            f"{described!r} does not show {option!r} after choosing it (it shows "
            f"{' / '.join(s for s in shown if s)[:120]!r})"
        )
    step.record.notes.append(f"a custom dropdown: opened it and chose {option!r}")
