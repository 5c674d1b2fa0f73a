"""The HTTP side of feedback, handoff, the brief documents, the admin endpoints and
privacy: deletion, cross-session refusal, framing only by allowed origins."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr
from pypdf import PdfReader

from api.app import create_app

PILOT = "Ska vi börja med ett pilotprojekt?"
PILOT_BY_LANGUAGE = {"sv": PILOT, "fi": "Kannattaako aloittaa pilotilla?"}


@pytest.fixture
def client(app):
    with TestClient(app) as c:
        yield c


def new_session(client, language: str = "sv") -> tuple[str, dict[str, str]]:
    body = client.post("/v1/sessions", json={"language": language}).json()
    return body["id"], {"Authorization": f"Bearer {body['token']}"}


def answered(client, language: str = "sv") -> tuple[str, dict[str, str], int]:
    sid, auth = new_session(client, language)
    reply = client.post(f"/v1/sessions/{sid}/messages", json={"message": PILOT_BY_LANGUAGE[language]},
                        headers=auth).json()
    return sid, auth, reply["turn"]


# ------------------------------------------------------------------ feedback


def test_a_reply_names_its_stored_turn_and_that_turn_can_be_rated(client):
    sid, auth, turn = answered(client)
    assert turn == 2
    saved = client.post(f"/v1/sessions/{sid}/turns/{turn}/feedback", json={"rating": "down", "comment": "Mer!"},
                        headers=auth)
    assert saved.status_code == 200 and saved.json()["rating"] == "down" and saved.json()["comment"] == "Mer!"
    turns = client.get(f"/v1/sessions/{sid}", headers=auth).json()["turns"]
    assert turns[1]["feedback"]["rating"] == "down" and turns[1]["reply"]["turn"] == 2
    assert turns[0]["feedback"] is None


def test_sending_feedback_twice_updates_it(client):
    sid, auth, turn = answered(client)
    client.post(f"/v1/sessions/{sid}/turns/{turn}/feedback", json={"rating": "down", "comment": "x"}, headers=auth)
    second = client.post(f"/v1/sessions/{sid}/turns/{turn}/feedback", json={"rating": "up"}, headers=auth).json()
    assert second["rating"] == "up" and second["comment"] is None
    turns = client.get(f"/v1/sessions/{sid}", headers=auth).json()["turns"]
    assert [t["feedback"]["rating"] for t in turns if t["feedback"]] == ["up"]


def test_feedback_on_another_sessions_turn_is_refused_like_any_cross_session_access(client):
    sid, auth, turn = answered(client)
    _, other_auth = new_session(client)
    response = client.post(f"/v1/sessions/{sid}/turns/{turn}/feedback", json={"rating": "up"}, headers=other_auth)
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    assert client.post(f"/v1/sessions/{sid}/turns/{turn}/feedback", json={"rating": "up"}).status_code == 401


def test_a_user_turn_or_a_bad_rating_is_refused_clearly(client):
    sid, auth, _ = answered(client)
    user_turn = client.post(f"/v1/sessions/{sid}/turns/1/feedback", json={"rating": "up"}, headers=auth)
    assert user_turn.status_code == 404
    bad = client.post(f"/v1/sessions/{sid}/turns/2/feedback", json={"rating": "meh"}, headers=auth)
    assert bad.status_code == 422 and bad.json()["error"]["message"].startswith("rating:")
    long = client.post(f"/v1/sessions/{sid}/turns/2/feedback", json={"rating": "up", "comment": "x" * 2001},
                       headers=auth)
    assert long.status_code == 422 and "2000" in long.json()["error"]["message"]


# ------------------------------------------------------------------ delete this conversation


def test_deleting_a_conversation_removes_it_and_its_feedback(client, api_engine):
    sid, auth, turn = answered(client)
    client.post(f"/v1/sessions/{sid}/turns/{turn}/feedback", json={"rating": "up"}, headers=auth)
    response = client.delete(f"/v1/sessions/{sid}", headers=auth)
    assert response.status_code == 204 and response.content == b""
    assert client.get(f"/v1/sessions/{sid}", headers=auth).status_code == 404
    assert client.get(f"/v1/sessions/{sid}/brief.json", headers=auth).status_code == 404
    assert api_engine.session_view(sid) is None


def test_a_conversation_can_only_be_deleted_with_its_own_token(client, api_engine):
    sid, _auth, _ = answered(client)
    _, other_auth = new_session(client)
    assert client.delete(f"/v1/sessions/{sid}", headers=other_auth).status_code == 404
    assert client.delete(f"/v1/sessions/{sid}").status_code == 401
    assert api_engine.session_view(sid) is not None


def test_browsers_on_allowed_origins_may_delete(client):
    preflight = client.options("/v1/sessions/x", headers={"Origin": "https://consultancy.example",
                                                          "Access-Control-Request-Method": "DELETE"})
    assert preflight.status_code == 200 and "DELETE" in preflight.headers["access-control-allow-methods"]


def test_pages_can_be_framed_only_by_the_allowed_origins(client):
    for path in ("/", "/healthz", "/v1/sessions/x"):
        assert client.get(path).headers["content-security-policy"] == \
            "frame-ancestors 'self' https://consultancy.example"


def test_without_allowed_origins_only_the_server_itself_may_frame_its_pages(api_settings, api_engine):
    app = create_app(api_settings.model_copy(update={"cors_origins": []}), engine=api_engine)
    with TestClient(app) as c:
        assert c.get("/").headers["content-security-policy"] == "frame-ancestors 'self'"


# ------------------------------------------------------------------ documents


def test_the_brief_downloads_as_pdf_and_docx_in_the_sessions_language(client):
    sid, auth, _ = answered(client, "fi")
    pdf = client.get(f"/v1/sessions/{sid}/brief.pdf", headers=auth)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert pdf.headers["content-disposition"] == 'attachment; filename="hankinta-asiakirja.pdf"'
    assert "Hankinta-asiakirja" in PdfReader(io.BytesIO(pdf.content)).pages[0].extract_text()
    docx = client.get(f"/v1/sessions/{sid}/brief.docx?language=nb", headers=auth)
    assert docx.status_code == 200 and docx.headers["content-disposition"].endswith('anskaffelsesgrunnlag.docx"')
    assert docx.content[:2] == b"PK"
    assert client.get(f"/v1/sessions/{sid}/brief.pdf").status_code == 401


# ------------------------------------------------------------------ handoff


def test_the_handoff_form_comes_from_the_catalog_in_each_language(client):
    for lang, consent in (("sv", "Jag samtycker"), ("fi", "Hyväksyn"), ("da", "Jeg giver samtykke"),
                          ("nb", "Jeg samtykker"), ("en", "I agree")):
        form = client.get(f"/v1/handoff/form?language={lang}").json()
        assert form["consent"].startswith(consent) and "Nordic Outsourcing Advisors" in form["consent"]
        assert [(f["name"], f["required"]) for f in form["fields"]] == [
            ("name", True), ("email", True), ("company", False), ("phone", False)]


def test_a_handoff_without_consent_is_refused_and_nothing_is_kept(client, api_engine):
    sid, auth, _ = answered(client)
    response = client.post(f"/v1/sessions/{sid}/handoff", json={"name": "Åsa", "email": "asa@example.se",
                                                                 "consent": False}, headers=auth)
    assert response.status_code == 422 and response.json()["error"]["details"]["field"] == "consent"
    assert api_engine.leads.recent() == []


def test_a_handoff_with_consent_stores_the_lead_with_the_brief_and_the_conversation(client, api_engine):
    sid, auth, _ = answered(client)
    response = client.post(f"/v1/sessions/{sid}/handoff", json={
        "name": "Åsa Öberg", "email": "asa@example.se", "company": "Möbel AB", "consent": True}, headers=auth)
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["message"] == "Tack, Åsa Öberg! En konsult från Nordic Outsourcing Advisors kontaktar dig snart."
    lead = api_engine.leads.get(body["lead_id"])
    assert lead.session_id == sid and lead.contact.company == "Möbel AB"
    assert [t.text for t in lead.transcript][0] == PILOT and lead.brief["language"] == "sv"


@pytest.mark.parametrize("fields,field", [({"email": "not-an-address"}, "email"), ({"name": "  "}, "name"),
                                          ({"phone": "call me"}, "phone")])
def test_bad_contact_details_are_refused_naming_the_field(client, fields, field):
    sid, auth, _ = answered(client)
    body = {"name": "Åsa", "email": "asa@example.se", "consent": True, **fields}
    response = client.post(f"/v1/sessions/{sid}/handoff", json=body, headers=auth)
    assert response.status_code == 422 and response.json()["error"]["details"]["field"] == field


# ------------------------------------------------------------------ admin


def test_admin_endpoints_do_not_exist_without_an_admin_token(client):
    for path in ("/v1/admin/insights", "/v1/admin/leads"):
        response = client.get(path, headers={"Authorization": "Bearer anything"})
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


@pytest.fixture
def admin_client(api_settings, api_engine):
    app = create_app(api_settings.model_copy(update={"admin_token": SecretStr("s3cret-admin")}), engine=api_engine)
    with TestClient(app) as c:
        yield c


def test_admin_endpoints_refuse_a_missing_or_wrong_token(admin_client):
    for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": "s3cret-admin"}):
        response = admin_client.get("/v1/admin/insights", headers=headers)
        assert response.status_code == 401 and response.json()["error"]["code"] == "unauthorized"
        assert response.headers["www-authenticate"] == "Bearer"


def test_admin_insights_and_leads_answer_with_the_token(admin_client):
    auth = {"Authorization": "Bearer s3cret-admin"}
    report = admin_client.get("/v1/admin/insights?since=7d", headers=auth)
    assert report.status_code == 200 and set(report.json()) >= {"unanswered", "feedback", "stalled_tools", "checklist"}
    assert admin_client.get("/v1/admin/insights?since=soon", headers=auth).status_code == 422
    assert admin_client.get("/v1/admin/leads", headers=auth).json()["pending_deliveries"] == 0
