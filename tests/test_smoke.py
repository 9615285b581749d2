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
