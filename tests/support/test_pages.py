"""The public pages: the directory, a service, the information pages, and where Support shows."""

from __future__ import annotations

import re
from datetime import date

import pytest
from flask import render_template_string
from markupsafe import escape as html_escape

from tests.support.helpers import make_service
from tracker.alerts.wording import how_long
from tracker.rules import load_rules
from tracker.support.information import CONTENT_OWNER, FEAR_OF_RECURRENCE, TOPICS
from tracker.support.services import for_prompt, retire_service, short_list_text, support_link


def page(client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, (url, response.status_code)
    return response.get_data(as_text=True)


def test_the_directory_is_open_without_signing_in_and_says_how_to_get_in_touch(client, session):
    make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    html = page(client, "/support/")
    assert "<h1>Find support</h1>" in html
    assert "Example Helpline" in html
    assert 'href="tel:+441134960001">0113 496 0001</a>. Tuesdays, 2pm to 4pm' in html
    assert 'href="https://group.example.org/" rel="noopener noreferrer"' in html
    assert "contact your treating team first" in html  # the team before other support
    assert "no-store" not in client.get("/support/").headers.get("Cache-Control", "")


def test_free_text_from_a_service_is_shown_as_text(client, session):
    service = make_service(
        session,
        name="<b>Bold</b> Example",
        description="<script>alert('x')</script> & more",
        opening_hours='"><img src=x onerror=alert(1)>',
        tags="<i>tag</i>",
    )
    for url in ("/support/", f"/support/services/{service.id}"):
        html = page(client, url)
        assert "<script>alert" not in html and "<img src=x" not in html and "<b>Bold" not in html
        assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; more" in html
        assert "&lt;b&gt;Bold&lt;/b&gt; Example" in html
    assert "&lt;i&gt;tag&lt;/i&gt;" in page(client, f"/support/services/{service.id}")


@pytest.mark.parametrize(
    "query",
    [
        "",
        "?q=",
        "?q=&kind=&area=",
        "?q=%25",
        "?q=%27%22%3C%3E%5C",
        "?q=" + "x" * 5000,
        "?q=%F0%9F%98%80",
        "?kind=circus",
        "?kind=%00",
        "?area=%3Cscript%3E",
        "?area=" + "9" * 300,
        "?q=a&q=b&kind=hospice&kind=helpline",
        "?page=-1",
    ],
)
def test_empty_and_odd_searches_return_a_page(client, session, query):
    make_service(session)
    html = page(client, "/support/" + query)
    assert "<h1>Find support</h1>" in html


def test_a_postcode_the_page_cannot_read_is_explained_beside_the_box(client):
    html = page(client, "/support/?area=%3Cscript%3E")
    assert "There is a problem" in html and "<title>Error: Find support" in html
    assert 'href="#area"' in html and 'value="&lt;script&gt;"' in html
    assert "<script>" not in html.split("</header>")[1].split("<script type")[0]


def test_a_full_postcode_is_cut_to_its_district_in_the_address(client):
    response = client.get("/support/?q=carers&area=ls6+1an")
    assert response.status_code == 302
    assert response.headers["Location"] == "/support/?q=carers&area=LS6"


def test_filtering_by_kind_and_area_on_the_page(client, session):
    make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    make_service(session, name="Leeds Example Hospice", kind="hospice", areas="LS")
    make_service(session, name="Manchester Example Hospice", kind="hospice", areas="M")
    html = page(client, "/support/?kind=hospice&area=LS6")
    assert "1 service found" in html and "Leeds Example Hospice" in html
    assert "Manchester" not in html and "Example Helpline" not in html
    assert "Hospice, for LS6 and the whole UK." in html
    html = page(client, "/support/?area=M1")
    assert "Example Helpline" in html and "Manchester Example Hospice" in html
    assert "Leeds" not in html
    assert re.search(r'<option value="hospice" selected>', page(client, "/support/?kind=hospice"))


def test_no_results_is_a_clear_empty_state(client, session):
    html = page(client, "/support/?q=zebra")
    assert "0 services found" in html and "No services match your search." in html
    assert "Clear the search" in html


def test_a_service_page_and_a_retired_or_missing_one(client, session):
    service = make_service(session, needs_check="yes", last_checked="", areas="LS6, LS7")
    html = page(client, f"/support/services/{service.id}")
    assert "We have not yet checked these details with the service." in html
    assert "LS6, LS7" in html and "Back to find support" in html
    retire_service(session, service, "test")
    session.commit()
    page(client, f"/support/services/{service.id}", 404)
    page(client, "/support/services/999", 404)
    page(client, "/support/services/abc", 404)


@pytest.mark.parametrize("topic", TOPICS, ids=lambda t: t.slug)
def test_each_information_page_says_who_owns_it_and_when_it_is_reviewed_not_its_seeds(
    client, topic
):
    """Issue 19: patients were shown "a nurse's reply on an online forum" as a source. A page
    shows its owner and review dates; the seed documents stay in the record for reviewers."""
    html = page(client, f"/support/information/{topic.slug}")
    assert f"<h1>{topic.title}</h1>" in html
    assert f"Content owner: {html_escape(CONTENT_OWNER)}" in html
    assert "Last reviewed: Saturday 21 November 2026" in html
    assert "Next review due: Sunday 21 November 2027" in html
    assert "Drawn from" not in html and "data-seed" not in html
    for _key, source in topic.source_descriptions:
        assert html_escape(source) not in html


def test_the_signs_page_gives_a_cough_the_days_the_rules_give_it(client):
    # The page is written by hand; the rules file decides when a cough prompts (version 2:
    # 3 weeks, not the default week or two). If the rules change, this page must change too.
    rules = load_rules()
    cough = how_long(rules.threshold_for("persistent_days", "cough"))
    assert cough == "3 weeks"
    assert how_long(rules.thresholds["new_days"]) == "a week"
    assert how_long(rules.thresholds["persistent_days"]) == "2 weeks"
    html = page(client, "/support/information/signs-to-look-out-for")
    assert "lasts more than a week or two (a cough: 3 weeks or more)" in html


def test_the_signs_page_lists_the_rules_red_flags_with_what_to_do(client):
    """Issue 19: the page left out the spinal cord signs the diary treats as "Call 999 now",
    and did not mark the same-day signs. Its lists now come from the rules file."""
    rules = load_rules()
    text = " ".join(page(client, "/support/information/signs-to-look-out-for").split())
    emergency = [s.label for s in rules.symptoms.values() if s.symptom_class == "emergency"]
    same_day = [s.label for s in rules.symptoms.values() if s.symptom_class == "same_day"]
    assert emergency and same_day
    assert "&lt;" not in text  # the lists are markup, not escaped text
    call_999 = text[text.index("Call 999 now if you have") : text.index("Contact your treating")]
    for label in emergency:
        lowered = html_escape(label[0].lower() + label[1:])
        assert lowered in call_999
        assert f"{lowered}: <strong>call 999</strong>" in text
    for label in same_day:
        lowered = html_escape(label[0].lower() + label[1:])
        assert f"{lowered}: <strong>tell your team the same day</strong>" in text
    assert "hot flushes" not in text.lower()  # a `record` complaint is not a sign


@pytest.mark.parametrize(
    ("slug", "reassurance"),
    [
        ("when-cancer-comes-back", "usually less serious"),
        ("signs-to-look-out-for", "getting older"),
        ("signs-to-look-out-for", "does not mean your cancer is back"),
    ],
)
def test_the_information_pages_do_not_reassure(client, slug, reassurance):
    assert reassurance not in page(client, f"/support/information/{slug}")


def test_the_information_index_lists_every_page(client):
    html = page(client, "/support/information/")
    for topic in TOPICS:
        assert f'href="/support/information/{topic.slug}"' in html
    page(client, "/support/information/nothing-here", 404)


def test_support_is_in_the_navigation_signed_in_or_not(app, patient_client):
    nav = re.compile(r'<a class="nhsuk-header__navigation-link" href="/support/"')
    signed_out = app.test_client()
    for url in ("/", "/support/", "/sign-in", "/no-such-page"):
        html = signed_out.get(url).get_data(as_text=True)
        assert nav.search(html), url
        assert 'href="/diary/"' not in html  # the diary's items only when signed in
    for url in ("/diary/", "/settings/", "/support/"):
        assert nav.search(page(patient_client, url)), url
    assert 'href="/diary/history"' in page(patient_client, "/support/")


def test_the_diary_home_offers_the_fear_of_recurrence_page_in_calm_words(patient_client):
    html = page(patient_client, "/diary/")
    link = re.search(rf'<a href="/support/information/{FEAR_OF_RECURRENCE}">([^<]+)</a>', html)
    assert link and link.group(1) == "Help with worry after treatment"
    assert not re.search(r"cancer|recurren", link.group(0), re.IGNORECASE)


def test_a_signed_in_patient_sees_their_team_first(patient_client):
    html = page(patient_client, "/support/")
    assert "contact your treating team: Breast Care Team" in html
    assert 'href="tel:+441184960000"' in html


def test_the_short_list_for_alert_pages_and_emails(app, session):
    make_service(session, name="Local Example Group", areas="LS6")
    make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "support/_short_list.html" import support_short_list %}'
            "{{ support_short_list(services) }}",
            services=for_prompt("LS6 1AN", session=session),
        )
        empty = render_template_string(
            '{% from "support/_short_list.html" import support_short_list %}'
            "{{ support_short_list([]) }}"
        )
    assert html.index("Example Helpline") < html.index("Local Example Group")
    assert 'href="tel:+441134960001"' in html and 'href="/support/"' in html
    assert "Example" not in empty and 'href="/support/"' in empty

    with app.test_request_context("/"):
        email = render_template_string(
            '{% from "support/_short_list.html" import support_short_list %}'
            "{{ support_short_list([], link_base='https://diary.example/') }}"
        )
    assert 'href="https://diary.example/support/"' in email


def test_the_short_list_as_plain_text_and_the_link_for_texts(session):
    local = make_service(session, name="Local & Example Group", areas="LS6", phone="")
    helpline = make_service(session, name="Example Helpline", kind="helpline", areas="nationwide")
    text = short_list_text([helpline, local], "https://diary.example/")
    assert text.splitlines() == [
        "Other support",
        "",
        "- Example Helpline: call 0113 496 0001 (Tuesdays, 2pm to 4pm)",
        "- Local & Example Group: https://group.example.org/",
        "",
        "Find more support: https://diary.example/support/",
    ]
    assert support_link("https://diary.example") == "https://diary.example/support/"


def test_the_short_list_of_the_seed_and_demo_data_keeps_to_calm_words(app, session):
    """Alert pages never name the illness (tests/alerts); the short list they show must not."""
    from tests.alerts.test_alert_pages import NEVER_SAY
    from tracker.support.seed import load_demo_directory

    load_demo_directory(session, date(2026, 11, 21))
    session.commit()
    with app.test_request_context("/"):
        html = render_template_string(
            '{% from "support/_short_list.html" import support_short_list %}'
            "{{ support_short_list(services) }}",
            services=for_prompt("LS6", limit=10, session=session),
        )
    assert "Breast care nurse helpline" in html and "Example service (demo): hospice" in html
    text = re.sub(r"<[^>]+>", " ", html)
    assert not NEVER_SAY.search(text), NEVER_SAY.search(text)
