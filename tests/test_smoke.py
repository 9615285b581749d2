import html
import re

from tests.conftest import post_form


def test_start_page_invites_sign_in(client):
    body = client.get("/").get_data(as_text=True)
    assert "Sign in" in body


def test_diary_needs_sign_in(client):
    response = client.get("/diary/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/sign-in?next=")


def test_signed_in_patient_sees_their_diary(patient_client):
    response = patient_client.get("/diary/")
    assert response.status_code == 200
    assert "How are you today?" in response.get_data(as_text=True)


def test_check_in_is_recorded(patient_client):
    response = post_form(
        patient_client, "/diary/", {}, action="/diary/check-in", follow_redirects=True
    )
    assert "no new symptoms today" in response.get_data(as_text=True)


def test_start_page_says_the_team_answers_in_its_hours_and_what_to_do_outside_them(client):
    body = client.get("/").get_data(as_text=True)
    words = re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", body)))
    assert "at any time" not in words  # the team answers in its opening hours only
    assert "call them during their opening hours" in words
    assert "Outside their opening hours, call NHS 111" in words
    assert "In an emergency, call 999" in words
    assert 'href="tel:111"' in body and 'href="tel:999"' in body


def test_the_back_link_sits_in_a_navigation_landmark_before_main(patient_client, client):
    # axe's `region` rule: nothing outside a landmark; the design system puts it before <main>.
    body = patient_client.get("/settings/contact-preferences").get_data(as_text=True)
    assert re.search(r'<nav aria-label="Back">\s*<a class="nhsuk-back-link"', body)
    assert body.index('aria-label="Back"') < body.index("<main")
    assert 'aria-label="Back"' not in client.get("/").get_data(as_text=True)  # none, none empty
