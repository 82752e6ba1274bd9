"""A secret is hidden in whatever form it comes back: masked in text (cut to a prefix,
upper-cased, escaped, percent-encoded, regrouped) and blacked out in every capture wherever a
page shows it now (a field typed without a target, a field scrolled elsewhere, text echoing
it), so neither the trace nor a model's image holds it."""

from __future__ import annotations

import urllib.parse
from typing import Any

import pytest
from PIL import ImageStat

from agent.secrets import PREFIX_MIN, Secrets
from tests.conftest import page_url

SECRET = "Kestrel4471Blue"
CARD = "4111111111111111"
ODD = 'back\\slash"q'  # repr() doubles the backslash
PHRASE = "open sesame 42"  # a query string writes its spaces as +


def test_every_form_a_secret_takes_is_masked() -> None:
    secrets = Secrets({"PW": SECRET, "ODD": ODD, "CARD": CARD, "PHRASE": PHRASE})
    forms = {
        "cut by maxlength=6": f"the field holds {SECRET[:6]!r}",
        "upper-cased": f"the field holds {SECRET.upper()!r}",
        "repr of a backslash": f"the field holds {ODD!r}",
        "in a URL path": f"GET /users/{urllib.parse.quote(SECRET + '/x')}",
        "in a query string": f"GET /search?q={urllib.parse.quote_plus(PHRASE)}",
        "regrouped": "the field holds '4111 1111 1111 1111'",
    }
    for how, text in forms.items():
        masked = secrets.mask(text)
        assert "${" in masked, (how, masked)
        for leak in (SECRET[:6], SECRET.upper()[:6], "slash", "4111", "sesame"):
            assert leak.lower() not in masked.lower().replace("${", ""), (how, masked)
    assert secrets.mask("the Password field") == "the Password field"  # no part of a word


def _dark(shot: Any, box: dict[str, float]) -> float:
    """The mean brightness of the element's box in the capture (0 is black)."""
    s = shot.scale
    crop = shot.image.crop(
        (box["x"] * s, box["y"] * s, (box["x"] + box["width"]) * s, (box["y"] + box["height"]) * s)
    )
    return float(sum(ImageStat.Stat(crop.convert("L")).mean))


def test_every_capture_blacks_out_where_the_page_shows_a_secret_now(
    executor: Any, site: Any
) -> None:
    page = executor.page
    page.goto(page_url(site, "secret_forms.html"))
    executor.hide([SECRET, CARD], least=PREFIX_MIN)
    page.fill("#short", SECRET)  # maxlength keeps 6
    page.click("#upper")
    page.keyboard.type(SECRET)  # typed where focus is, no target named
    page.click("#card")
    page.keyboard.type(CARD)
    page.click("#plain")
    page.keyboard.type(SECRET)  # the page echoes it into a span
    shot = executor.capture()
    for selector in ("#short", "#upper", "#card", "#plain", "#echo"):
        assert _dark(shot, page.locator(selector).bounding_box()) < 8, selector
    assert _dark(shot, page.locator("h1").bounding_box()) > 100  # the rest is shown
    page.fill("#bottom", SECRET)
    page.locator("#bottom").scroll_into_view_if_needed()  # the field moved: its box now
    shot = executor.capture()
    assert _dark(shot, page.locator("#bottom").bounding_box()) < 8


def test_a_field_that_keeps_part_of_a_secret_fails_without_quoting_it(
    tmp_path: Any, browser: Any
) -> None:
    from agent.runner import run_task
    from agent.taskfile import load_task
    from perception.offline import OfflineEngine
    from tests.conftest import PAGES

    (tmp_path / "secret_forms.html").write_bytes((PAGES / "secret_forms.html").read_bytes())
    task = tmp_path / "pin.yaml"
    task.write_text(
        "name: pin\nbrowser: {url: secret_forms.html}\nsecrets: [PIN]\nretries: 0\nsteps:\n"
        "  - type: {text: '${PIN}', into: Pin}\n",
        encoding="utf-8",
    )
    trace, path = run_task(
        load_task(task, env={"PIN": SECRET}), engine=OfflineEngine(), out=tmp_path / "runs",
        browser=browser,
    )  # fmt: skip
    error = trace.steps[0].error or ""
    assert trace.status == "failed"
    assert "does not hold ${PIN} after typing it: it holds 6 characters, not 15" in error
    written = b"".join(p.read_bytes() for p in path.parent.rglob("*") if p.is_file()).lower()
    assert SECRET[:6].lower().encode() not in written
    from PIL import Image

    shot = Image.open(path.parent / (trace.steps[0].screenshot or "")).convert("L")
    left, top, right, bottom = trace.steps[0].element["box"]  # type: ignore[index]
    assert ImageStat.Stat(shot.crop((left + 2, top + 2, right - 2, bottom - 2))).mean[0] < 20


def test_a_desktop_screen_is_read_for_secrets_and_a_kept_prefix_fails_the_check() -> None:
    from PIL import Image, ImageDraw, ImageFont

    from agent.errors import VerificationFailed
    from agent.screen_secrets import SecretMasker
    from perception.elements import Box
    from perception.screen import Screenshot

    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", 20)
    image = Image.new("RGB", (600, 140), "white")
    draw = ImageDraw.Draw(image)
    draw.text((20, 20), "TANGER", fill="black", font=font)  # a field that kept a prefix
    draw.text((20, 80), "Account tangerine42 saved", fill="black", font=font)  # an echo
    masker = SecretMasker(Secrets({"CODE": "Tangerine42"}))
    shot = Screenshot(image=image)
    masked = shot.blacked_out(masker(shot))
    assert len(masker.found) == 2
    field = Box(x0=10, y0=10, x1=300, y1=50)
    with pytest.raises(VerificationFailed, match="only the first 6 of the secret's 11"):
        masker.check_field(field, "Tangerine42")
    assert masker.check_field(Box(x0=10, y0=70, x1=590, y1=110), "Tangerine42")
    assert masker.check_field(Box(x0=400, y0=10, x1=590, y1=50), "Tangerine42") is None
    left = " ".join(line.text for line in masker._ocr.read(masked))
    assert "Account" in left and "saved" in left and "tang" not in left.lower()
