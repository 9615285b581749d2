"""Phone numbers on every page: formatted, linked by their E.164 form, never `tel:abc`."""

from __future__ import annotations


def _render(app, source: str, **context) -> str:
    with app.app_context():
        return app.jinja_env.from_string(source).render(**context)


def test_a_number_is_shown_formatted_and_linked_by_its_e164_form(app):
    html = _render(app, "{{ phone|phone_link }}", phone="01184960000")
    assert html == '<a href="tel:+441184960000">0118 496 0000</a>'


def test_a_stored_value_that_is_not_a_number_is_shown_as_typed_without_a_link(app):
    assert _render(app, "{{ phone|phone_link }}", phone="abc <b>") == "abc &lt;b&gt;"
    assert _render(app, "{{ phone|phone }}", phone="abc") == "abc"
