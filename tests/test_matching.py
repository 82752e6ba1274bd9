"""Descriptions to queries, and choosing among candidates (ties reported, not hidden)."""

from __future__ import annotations

from typing import Any

import pytest

from perception.aria import parse_snapshot
from perception.matching import Intent, parse_description, score, text_similarity
from perception.offline import OfflineEngine


@pytest.mark.parametrize(
    "description,text,roles",
    [
        ("Sign in", "Sign in", set()),
        ("the Username field", "Username", {"textbox", "searchbox", "combobox", "spinbutton"}),
        ("Submit button", "Submit", {"button"}),
        ('"Remember me" checkbox', "Remember me", {"checkbox"}),
        ("the button labelled Save", "Save", {"button"}),
        ("Student radio button", "Student", {"radio"}),
        ("Country dropdown", "Country", {"combobox", "listbox"}),
        ("Tab", "Tab", set()),
        # Nothing but role words, after an article: any element of that role.
        ("the field", "", {"textbox", "searchbox", "combobox", "spinbutton"}),
        ("the text field", "", {"textbox", "searchbox", "combobox", "spinbutton"}),
        ("a dropdown", "", {"combobox", "listbox"}),
        ("the check box", "", {"checkbox"}),
        ('the "Tab" key', "Tab", set()),
    ],
)
def test_parse_description(description: str, text: str, roles: set[str]) -> None:
    query = parse_description(description)
    assert query.text == text
    assert set(query.roles) == roles


def test_text_similarity_ignores_case_spacing_and_edge_punctuation() -> None:
    assert text_similarity("sign in", "Sign In") == 1.0
    assert text_similarity("Signin", "Sign in") == 1.0  # OCR drops spaces
    assert text_similarity("Username:", "username") == 1.0
    assert 0.75 < text_similarity("Total", "Total: 170 EUR") < 1.0
    assert text_similarity("Sign in", "Sign out") < 0.85
    assert text_similarity("Delete", "Archive") < 0.5


def test_roles_and_intent_decide_between_same_texts() -> None:
    query = parse_description("Password")
    field = score(query, text="Password", role="textbox", intent=Intent.TYPE)
    label = score(query, text="Password", role="text", intent=Intent.TYPE)
    assert field > label
    heading = score(
        parse_description("Sign in button"), text="Sign in", role="heading", intent=Intent.CLICK
    )
    button = score(
        parse_description("Sign in button"), text="Sign in", role="button", intent=Intent.CLICK
    )
    assert button > heading


def test_snapshot_parsing_keeps_refs_boxes_values_and_flags() -> None:
    nodes = parse_snapshot(
        "- generic [ref=e1] [box=0,0,800,600]:\n"
        '  - textbox "Username" [ref=e3] [box=77,9,177,21]: alice\n'
        '  - checkbox "Keep" [checked] [ref=e6] [box=289,11,13,13]\n'
        "  - text: Plain words\n"
        '  - link "Docs" [ref=e7] [box=1,2,3,4]:\n'
        '    - /url: "#x"\n'
        '  - generic [ref=e9] [box=8,176,784,18]: "He said \\"hi\\": yes"\n'
    )
    by_role = {n.role: n for n in nodes}
    assert by_role["textbox"].text == "alice" and by_role["textbox"].ref == "e3"
    assert by_role["textbox"].box == (77, 9, 177, 21)
    assert "checked" in by_role["checkbox"].attrs
    assert by_role["text"].box_is_parent and by_role["text"].parent_ref == "e1"
    assert by_role["link"].attrs["url"] == "#x"
    assert nodes[-1].text == 'He said "hi": yes'
    assert parse_snapshot("not: [valid") == []


def test_a_tie_is_reported_and_nothing_is_guessed(executor: Any) -> None:
    executor.page.set_content(
        "<ul><li>Milk <button>Delete</button></li><li>Eggs <button>Delete</button></li></ul>"
    )
    found = OfflineEngine().locate(executor.capture(), "Delete", page=executor.page)
    assert found.tie is True
    assert found.element is None
    first, second = found.candidates[:2]
    assert first.text == second.text == "Delete" and first.box.y0 < second.box.y0
    assert any("tie" in note for note in found.notes)


def test_a_unique_match_is_not_a_tie(executor: Any) -> None:
    executor.page.set_content("<h2>Sign in</h2><button>Sign in</button><a href='#'>Help</a>")
    found = OfflineEngine().locate(executor.capture(), "Sign in", page=executor.page)
    assert found.tie is False
    assert found.element is not None and found.element.role == "button"
    assert found.element.handle and found.element.handle.startswith("aria-ref=")
    assert found.notes == ["dom"]


def test_nothing_matching_returns_no_element_with_candidates(executor: Any) -> None:
    executor.page.set_content("<button>Sign in</button>")
    found = OfflineEngine().locate(executor.capture(), "Purchase insurance", page=executor.page)
    assert found.element is None


def test_a_description_of_only_role_words_finds_the_one_element_of_that_role(
    executor: Any,
) -> None:
    executor.page.set_content(
        "<p>Enter your name</p><input id='tt'><select><option>A</option><option>B</option>"
        "</select><button>Submit</button>"
    )
    engine = OfflineEngine()
    shot = executor.capture()
    field = engine.locate(shot, "the field", intent=Intent.TYPE, page=executor.page).element
    assert field is not None and field.role == "textbox"
    dropdown = engine.locate(shot, "the dropdown", intent=Intent.SELECT, page=executor.page)
    assert dropdown.element is not None and dropdown.element.role == "combobox"
    # An element that says the words itself still wins over the role alone.
    executor.page.set_content("<button>Go</button><button>the button</button>")
    named = engine.locate(executor.capture(), "the button", page=executor.page).element
    assert named is not None and named.text == "the button"


def test_an_unnamed_field_answers_to_the_label_just_before_it(executor: Any) -> None:
    # Labels without ``for`` (MiniWoB's login-user, many hand-written forms): the fields
    # have no accessible name, only the text beside them says which is which.
    executor.page.set_content(
        "<p><label>Username</label><input id='u'></p>"
        "<p><label>Password</label><input id='p' type='password'></p>"
        "<p><b>Verify password</b><input id='v' type='password'></p>"
    )
    engine = OfflineEngine()
    shot = executor.capture()
    for description, expected in (("Username", "u"), ("the Password field", "p"),
                                  ("Verify password", "v")):  # fmt: skip
        found = engine.locate(shot, description, intent=Intent.TYPE, page=executor.page).element
        assert found is not None and found.handle, description
        element_id = executor.page.locator(found.handle).get_attribute("id")
        assert element_id == expected, description
    nodes = parse_snapshot(executor.page.aria_snapshot(mode="ai", boxes=True))
    assert [n.preceding_text for n in nodes if n.role == "textbox"] == [
        "Username", "Password", "Verify password"
    ]  # fmt: skip


def test_a_word_that_is_its_own_element_inside_a_paragraph_is_found_as_itself(
    executor: Any,
) -> None:
    # MiniWoB's click-link: the links are spans inside one paragraph, which the accessibility
    # tree reads as a single line of text; "eget" also occurs in other words and lines.
    executor.page.set_content(
        "<p style='width:200px'>Donec ridiculus eget rhoncus, donec morbi. Nunc id "
        "<span class='alink' style='color:blue'>Eget</span> auctor "
        "<span class='alink'>egestas</span>. Placerat <span class='alink'>at</span>.</p>"
    )
    # "at" is too short to score against the paragraph at all: found as a whole word in it.
    for description, index in (('"Eget" link', 0), ('"at" link', 2)):
        found = OfflineEngine().locate(executor.capture(), description, page=executor.page)
        assert found.element is not None and found.element.handle
        span = executor.page.locator("span.alink").nth(index).bounding_box()
        assert span is not None
        x, y = found.element.point
        assert span["x"] <= x <= span["x"] + span["width"], (description, found.element, span)
        assert span["y"] <= y <= span["y"] + span["height"]
        assert found.notes == ["dom"]


def test_a_description_that_is_an_elements_whole_text_keeps_its_role_words_as_words() -> None:
    # "... in a new tab" ends in a role word, yet it is the link's own text.
    query = parse_description("Open the second page in a new tab")
    link = score(query, text="Open the second page in a new tab", role="link", intent=Intent.CLICK)
    tab = score(query, text="second page", role="tab", intent=Intent.CLICK)
    assert link >= 0.95 and link > tab


@pytest.mark.parametrize(
    "key,shown", [("*", "×"), ("*", "※"), ("/", "÷"), ("-", "−"), ("-", "一"), ("-", "—")]
)
def test_a_symbol_key_matches_however_the_font_draws_it(key: str, shown: str) -> None:
    # xcalc's divide key shows "÷" once a symbol font is installed; OCR reads a bar as "一".
    assert text_similarity(key, shown) == 1.0
    assert text_similarity("y^x", "y^×") < 1.0  # inside a longer label it stays a letter


def test_glyphs_ocr_confuses_are_a_near_match_below_the_exact_one() -> None:
    from perception.matching import LOOKALIKE_MATCH

    assert text_similarity("0", "O") == LOOKALIKE_MATCH < text_similarity("0", "0")
    assert text_similarity("sin", "s1n") == LOOKALIKE_MATCH
    assert text_similarity("*", "#") == LOOKALIKE_MATCH  # a five-pixel star
    assert text_similarity("7", "T") < 0.9


def test_reading_back_tolerates_only_letters_drawn_alike() -> None:
    from perception.matching import contains_alike, squash

    line = squash("Renove all files?")
    assert contains_alike(line, squash("Remove all files?")) == 0
    assert contains_alike(squash("total: 1O"), squash("10")) is None  # digits stay exact
    assert contains_alike(squash("B"), squash("8")) is None
