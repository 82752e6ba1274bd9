"""The offline engine finds elements from pixels alone (OCR) on screenshots of the example sites.

The truth comes from the DOM (Playwright's bounding boxes); the engine sees only the image.
"""

from __future__ import annotations

from typing import Any

import pytest

from perception.elements import Box
from perception.matching import Intent
from perception.offline import OfflineEngine

PIXELS_ONLY = OfflineEngine(use_dom=False)

# (site, description, intent, how to find the truth in the DOM)
CASES = [
    ("login.html", "Sign in", Intent.CLICK, ("role", "button", "Sign in")),
    ("login.html", "Username", Intent.CLICK, ("text", "Username")),
    ("login.html", "Remember me", Intent.CLICK, ("text", "Remember me")),
    (
        "login.html",
        "Sign in to your account",
        Intent.TEXT,
        ("role", "heading", "Sign in to your account"),
    ),
    ("register.html", "Register button", Intent.CLICK, ("role", "button", "Register")),
    ("register.html", "Arrival date", Intent.CLICK, ("text", "Arrival date")),
    ("register.html", "Testing with pytest", Intent.CLICK, ("text", "Testing with pytest")),
    ("register.html", "Business", Intent.CLICK, ("text", "Business")),
    ("todo.html", "What needs to be done?", Intent.CLICK, ("role", "textbox", "New todo")),
    ("todo.html", "Completed", Intent.CLICK, ("role", "button", "Completed")),
    ("todo.html", "Active", Intent.CLICK, ("role", "button", "Active")),
    # OCR reads the framed "All" as "AIll": fuzzy matching still lands on it.
    ("todo.html", "All", Intent.CLICK, ("role", "button", "All")),
    # Typing from pixels: the field beside (or below) its label, not the label's words.
    ("login.html", "Username", Intent.TYPE, ("role", "textbox", "Username")),
    ("login.html", "the Password field", Intent.TYPE, ("role", "textbox", "Password")),
    ("register.html", "the Full name field", Intent.TYPE, ("role", "textbox", "Full name")),
    ("register.html", "Email", Intent.TYPE, ("role", "textbox", "Email")),
    # A checkbox or radio button from pixels: the small box beside its label's words (a
    # label the reader saw as two words, "Async" and "Python", is found whole).
    ("login.html", '"Remember me" checkbox', Intent.CLICK, ("role", "checkbox", "Remember me")),
    (
        "register.html",
        '"Async Python" checkbox',
        Intent.CLICK,
        ("role", "checkbox", "Async Python"),
    ),
    ("register.html", "Student radio button", Intent.CLICK, ("role", "radio", "Student")),
    ("register.html", "the Regular radio", Intent.CLICK, ("role", "radio", "Regular")),
    # A select box from pixels: a field-shaped box beside its label; "the dropdown" prefers
    # the box with an arrow of its own at its right end over plain text fields.
    ("register.html", "Country", Intent.SELECT, ("role", "combobox", "Country")),
    ("register.html", "the dropdown", Intent.SELECT, ("role", "combobox", "Country")),
]


def _truth(page: Any, how: tuple[str, ...]) -> dict[str, float]:
    if how[0] == "role":
        locator = page.get_by_role(how[1], name=how[2], exact=True)
    else:
        locator = page.get_by_text(how[1], exact=True)
    box = locator.first.bounding_box()
    assert box is not None
    return box  # type: ignore[no-any-return]


@pytest.mark.parametrize("scale", [1.0, 2.0], ids=["dpr1", "dpr2"])
@pytest.mark.parametrize(
    "site_name,description,intent,how", CASES, ids=[f"{c[1]}-{c[2].value}" for c in CASES]
)
def test_pixels_only_grounding_hits_the_true_box(
    make_executor: Any,
    site: Any,
    scale: float,
    site_name: str,
    description: str,
    intent: Intent,
    how: tuple[str, ...],
) -> None:
    executor = make_executor(viewport=(1100, 800), scale=scale)
    executor.page.goto(site.url_for(f"tasks/sites/{site_name}"))
    shot = executor.capture()  # retries Chromium's transient "Unable to capture screenshot"
    assert shot.scale == scale
    found = PIXELS_ONLY.locate(shot, description, intent=intent, page=None)
    assert found.element is not None, [c.text for c in found.candidates]
    assert found.element.engine == "offline/ocr"
    x, y = found.element.point
    box = _truth(executor.page, how)
    css_x, css_y = x / scale, y / scale
    assert box["x"] - 2 <= css_x <= box["x"] + box["width"] + 2, (css_x, box)
    assert box["y"] - 2 <= css_y <= box["y"] + box["height"] + 2, (css_y, box)


def test_pixels_only_reads_text_for_expect(executor: Any, site: Any) -> None:
    executor.page.goto(site.url_for("tasks/sites/todo.html"))
    shot = executor.capture()
    assert PIXELS_ONLY.find_text(shot, "0 items left") is not None
    assert PIXELS_ONLY.find_text(shot, "Welcome back, Ada") is None
    everything = PIXELS_ONLY.elements(shot)
    assert {"todos", "Active", "Completed"} <= {e.text for e in everything}
    assert all(e.engine == "offline/ocr" and e.box.area > 0 for e in everything)


def test_text_fields_are_found_from_pixels_and_buttons_are_not() -> None:
    from PIL import Image, ImageDraw

    from perception.fields import field_for_label, find_fields

    image = Image.new("L", (400, 200), 255)
    draw = ImageDraw.Draw(image)
    draw.text((10, 24), "Name", fill=0)
    draw.rectangle((60, 20, 260, 42), outline=118)  # an empty field right of its label
    draw.text((10, 60), "Notes", fill=0)
    draw.rounded_rectangle((10, 75, 210, 97), radius=4, outline=204)  # light, rounded, below
    draw.text((15, 81), "typed", fill=0)  # holding text from its left edge
    draw.rectangle((10, 130, 110, 160), outline=118)  # a button: its text centred
    draw.text((45, 140), "OK", fill=0)
    draw.rectangle((150, 130, 350, 160), fill=90)  # a solid bar
    import numpy as np

    fields = find_fields(np.asarray(image))
    assert [(f.x0, f.y0) for f in fields] == [(60, 20), (10, 75)], fields
    name = field_for_label(Box(x0=10, y0=24, x1=35, y1=34), fields)
    notes = field_for_label(Box(x0=10, y0=60, x1=40, y1=70), fields)
    assert name is not None and name.x0 == 60
    assert notes is not None and notes.y0 == 75
    assert field_for_label(Box(x0=300, y0=180, x1=330, y1=190), fields) is None


def test_the_button_is_found_from_pixels_and_the_sentence_naming_it_is_not(
    executor: Any,
) -> None:
    # MiniWoB's click-test: "Click the button." above a button whose words are not "button".
    page = executor.page
    page.set_content(
        "<p>Click the button.</p><button style='margin:40px;width:68px;height:68px'>"
        "Click Me!</button>"
    )
    found = PIXELS_ONLY.locate(executor.capture(), "the button", intent=Intent.CLICK)
    box = page.locator("button").bounding_box()
    assert found.element is not None and found.element.role == "button", found.candidates
    x, y = found.element.point
    assert box["x"] <= x <= box["x"] + box["width"] and box["y"] <= y <= box["y"] + box["height"]
    # A framed, light box with words looks like a button from pixels: two are a tie.
    page.evaluate(
        "document.body.insertAdjacentHTML('beforeend', '<p style=\"border:1px solid #888;"
        "background:#eee;width:200px\">Also framed</p>')"
    )
    again = PIXELS_ONLY.locate(executor.capture(), "the button", intent=Intent.CLICK)
    assert again.element is None and again.tie and again.tied == 2
