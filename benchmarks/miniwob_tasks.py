"""Benchmark code, not the agent's: how each MiniWoB++ utterance becomes targets and steps.

For every task, ``targets`` names what the utterance points at (a description for the engine,
and where the truth is in the DOM) for the grounding track, and ``steps`` turns the utterance
into the agent's instant steps for the episode track. Each template reads only the utterance
and uses only the agent's public verbs; what the screen holds is the agent's business.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from agent.api import Agent
from perception.matching import Intent

QUOTED = re.compile(r'"([^"]+)"')


@dataclass(frozen=True)
class Target:
    """One thing to ground: the description given to the engine and its true element.

    Attributes:
        description: What the engine is asked to find.
        text: The element's exact visible text (its box is the truth), or
        css: a CSS selector for it (fields, which have no text).
        intent: What the template does with it (a field is typed into).
    """

    description: str
    text: str | None = None
    css: str | None = None
    intent: Intent = Intent.CLICK


def quoted(utterance: str) -> list[str]:
    """The quoted words of an utterance, in order."""
    return QUOTED.findall(utterance)


def selected(utterance: str) -> list[str]:
    """``Select A, B and C and click Submit.`` -> ``["A", "B", "C"]``."""
    match = re.match(r"Select (.*?) and click Submit", utterance)
    if not match or match.group(1) == "nothing":
        return []
    return [w.strip() for w in re.split(r",| and ", match.group(1)) if w.strip()]


def listed(utterance: str) -> str:
    """``Select Heard Island and McDonald Islands from the list ...`` -> the whole item."""
    match = re.match(r"Select (.*) from the list", utterance)
    return match.group(1) if match else ""


Targets = Callable[[str], list[Target]]
Steps = Callable[[Agent, str], None]


def _button(ai: Agent, u: str) -> None:
    ai.click(f'"{quoted(u)[0]}" button')


def _link(ai: Agent, u: str) -> None:
    ai.click(f'"{quoted(u)[0]}" link')


def _tab(ai: Agent, u: str) -> None:
    ai.click(re.search(r"Tab #\d+", u).group(0))  # type: ignore[union-attr]


def _enter_text(ai: Agent, u: str) -> None:
    ai.type(quoted(u)[0], into="the field")
    ai.click("Submit button")


def _enter_text_2(ai: Agent, u: str) -> None:
    word = quoted(u)[0]
    ai.type(word.lower() if "lower case" in u else word.upper(), into="the field")
    ai.click("Submit button")


def _enter_password(ai: Agent, u: str) -> None:
    password = quoted(u)[0]
    ai.type(password, into="Password")
    ai.type(password, into="Verify password")
    ai.click("Submit button")


def _login_user(ai: Agent, u: str) -> None:
    user, password = quoted(u)[:2]
    ai.type(user, into="Username")
    ai.type(password, into="Password")
    ai.click("Login button")


def _focus_text(ai: Agent, u: str) -> None:
    ai.click("the field")


def _click_option(ai: Agent, u: str) -> None:
    ai.click(f'"{selected(u)[0]}" radio')
    ai.click("Submit button")


def _click_checkboxes(ai: Agent, u: str) -> None:
    for word in selected(u):
        ai.click(f'"{word}" checkbox')
    ai.click("Submit button")


def _choose_list(ai: Agent, u: str) -> None:
    ai.select(listed(u), in_="the dropdown")
    ai.click("Submit button")


def _click_dialog(ai: Agent, u: str) -> None:
    ai.click(f'the "{quoted(u)[0]}" button')


def _click_test(ai: Agent, u: str) -> None:
    ai.click("the button")


def _click_test_2(ai: Agent, u: str) -> None:
    word = re.search(r"button (\w+)", u).group(1)  # type: ignore[union-attr]
    ai.click(f'"{word}" button')


def _button_sequence(ai: Agent, u: str) -> None:
    for word in re.findall(r"button (\w+)", u):
        ai.click(f'"{word}" button')


def _click_collapsible(ai: Agent, u: str) -> None:
    ai.click("the tab")  # the section's header: an accordion's headers are tabs
    ai.click("Submit button")


# The kinds click-widget asks for, as a person would name them.
_WIDGETS = {"text": "the text field", "textarea": "the text box"}


def _click_widget(ai: Agent, u: str) -> None:
    kind = quoted(u)[0]
    ai.click(_WIDGETS.get(kind, f"the {kind}"))


def _use_autocomplete(ai: Agent, u: str) -> None:
    start, *end = quoted(u)
    ai.type(start, into="the field")
    ai.wait(0.5)  # jQuery UI's autocomplete shows its list 300 ms after the last key
    # Walk the suggestions with the arrow key, as a person would, reading the field each time.
    for _ in range(8):
        value = ai.extract("the field")
        # A suggestion, not the typed letters (the list would stay open over the button).
        if value != start and value.startswith(start) and (not end or value.endswith(end[0])):
            break
        ai.press("ArrowDown")
    ai.press("Enter")  # takes the suggestion and closes the list, which covers the button
    ai.click("Submit button")


def _text_targets(u: str) -> list[Target]:
    return [Target(word, text=word) for word in quoted(u)[:1]]


def _dialog_targets(u: str) -> list[Target]:
    word = quoted(u)[0]
    if word == "x":  # the close button: its text is an icon, its name "Close"
        return [Target('the "x" button', css=".ui-dialog-titlebar-close")]
    return [Target(f'the "{word}" button', text=word)]


def _word_after_button(u: str) -> list[Target]:
    return [Target(f'"{w}" button', text=w) for w in re.findall(r"button (\w+)", u)]


TASKS: dict[str, tuple[Targets | None, Steps]] = {
    "click-button": (_text_targets, _button),
    "click-link": (_text_targets, _link),
    "click-tab": (lambda u: [Target(t, text=t) for t in re.findall(r"Tab #\d+", u)[:1]], _tab),
    "click-option": (lambda u: [Target(w, text=w) for w in selected(u)[:1]], _click_option),
    "click-checkboxes": (lambda u: [Target(w, text=w) for w in selected(u)], _click_checkboxes),
    "click-dialog-2": (_dialog_targets, _click_dialog),
    "click-test-2": (_word_after_button, _click_test_2),
    "click-button-sequence": (_word_after_button, _button_sequence),
    "click-test": (lambda u: [Target("the button", css="button")], _click_test),
    "enter-text": (lambda u: [Target("the field", css="#tt", intent=Intent.TYPE)], _enter_text),
    "enter-text-2": (lambda u: [Target("the field", css="#tt", intent=Intent.TYPE)], _enter_text_2),
    "focus-text": (lambda u: [Target("the field", css="#tt")], _focus_text),
    "login-user": (
        lambda u: [
            Target("Username", css="#username", intent=Intent.TYPE),
            Target("Password", css="#password", intent=Intent.TYPE),
        ],
        _login_user,
    ),
    "enter-password": (
        lambda u: [
            Target("Password", css="#password", intent=Intent.TYPE),
            Target("Verify password", css="#verify", intent=Intent.TYPE),
        ],
        _enter_password,
    ),
    "choose-list": (
        lambda u: [Target("the dropdown", css="select", intent=Intent.SELECT)],
        _choose_list,
    ),
    "use-autocomplete": (
        lambda u: [Target("the field", css="#tags", intent=Intent.TYPE)],
        _use_autocomplete,
    ),
    "click-dialog": (_dialog_targets, _click_dialog),
    "click-collapsible": (None, _click_collapsible),
    "click-widget": (None, _click_widget),
}
