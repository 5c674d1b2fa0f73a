"""Leads reach the consultancy: signed webhook, SMTP with the brief attached, retries
with backoff, exactly once per lead even with several workers on one database."""

from __future__ import annotations

import json
import threading
import time
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from email.policy import default as email_policy
from io import BytesIO

import pytest
from sqlalchemy import update

from assistant.errors import InvalidInput
from assistant.leads import BackgroundWorker, LeadStore, request_handoff
from assistant.leads.channels import EmailSender, senders, signature
from assistant.leads.worker import backoff_seconds
from assistant.store.schema import lead_deliveries_table, leads_table, sessions_table
from evals.loopback import free_port
from tests.fakes.webhook import run_receiver
from tests.leads.conftest import ANNA, conversation

SECRET = "shared-webhook-secret"


def wait_until(predicate, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.02)


def running(engine, **kwargs) -> BackgroundWorker:
    worker = BackgroundWorker(engine.settings, engine.store, senders(engine.settings), **kwargs)
    worker.start()
    return worker


def test_a_webhook_down_for_its_first_two_attempts_gets_exactly_one_delivery_of_each_lead(make_engine):
    with run_receiver(SECRET, fail_first=2) as receiver:
        engine = make_engine(lead_webhook_url=receiver.url, lead_webhook_secret=SECRET)
        worker = running(engine)
        try:
            leads = [request_handoff(engine, conversation(engine), ANNA, consent=True, on_created=worker.notify)
                     for _ in range(3)]
            store = LeadStore(engine.store)
            wait_until(lambda: all(d.status == "delivered" for lead in leads for d in store.deliveries(lead.id)))
            time.sleep(0.3)  # a repeat, if there were one, would have arrived by now
        finally:
            worker.stop()
    assert sorted(receiver.leads) == sorted(lead.id for lead in leads)
    assert receiver.repeats == [] and receiver.bad_signatures == 0
    assert all(receiver.attempts[lead.id] == 3 for lead in leads)
    assert all(d.attempts == 3 and d.last_error is None for lead in leads for d in store.deliveries(lead.id))


def test_a_receiver_that_is_not_listening_yet_gets_the_lead_once_it_is_up(make_engine):
    port = free_port()
    engine = make_engine(lead_webhook_url=f"http://127.0.0.1:{port}/leads", lead_webhook_secret=SECRET)
    worker = running(engine)
    store = LeadStore(engine.store)
    try:
        lead = request_handoff(engine, conversation(engine), ANNA, consent=True, on_created=worker.notify)
        wait_until(lambda: store.deliveries(lead.id)[0].attempts >= 2)
        [pending] = store.deliveries(lead.id)
        assert pending.status == "pending" and "unreachable" in (pending.last_error or "")
        with run_receiver(SECRET, port=port) as receiver:
            wait_until(lambda: store.deliveries(lead.id)[0].status == "delivered")
    finally:
        worker.stop()
    assert list(receiver.leads) == [lead.id] and receiver.repeats == []


def test_the_webhook_body_is_the_signed_lead_with_its_brief_and_conversation(make_engine):
    with run_receiver(SECRET) as receiver:
        engine = make_engine(lead_webhook_url=receiver.url, lead_webhook_secret=SECRET)
        lead = request_handoff(engine, conversation(engine), ANNA, consent=True)
        sender = senders(engine.settings)["webhook"]
        sender.send(LeadStore(engine.store).get(lead.id), 1)
    body = receiver.leads[lead.id]
    assert body["schema"] == "lead" and body["version"] == 1 and body["source"] == "widget"
    assert body["contact"] == {"name": "Anna Ångström", "email": "anna@example.se", "company": "Fjällmöbler AB",
                               "phone": "+46 70 123 45 67"}
    assert body["consent"]["text"].startswith("Jag samtycker till att Nordic Outsourcing Advisors")
    assert body["brief"]["schema"] == "procurement-brief" and body["brief_markdown"].startswith("# Upphandlingsunderlag")
    assert [t["role"] for t in body["transcript"]] == ["user", "assistant"]


def test_the_signature_is_hmac_sha256_of_the_exact_body():
    import hashlib
    import hmac

    body = json.dumps({"id": "x", "name": "Åsa"}, ensure_ascii=False).encode()
    assert signature(body, "k") == "sha256=" + hmac.new(b"k", body, hashlib.sha256).hexdigest()


def test_a_failed_delivery_keeps_the_lead_queued_with_its_error_and_a_later_attempt(make_engine):
    engine = make_engine(lead_webhook_url="http://127.0.0.1:9/nowhere", lead_retry_base_seconds=60,
                         lead_retry_max_seconds=600)
    lead = request_handoff(engine, conversation(engine), ANNA, consent=True)
    worker = BackgroundWorker(engine.settings, engine.store, senders(engine.settings))
    assert worker.deliver_due() == 0
    [delivery] = LeadStore(engine.store).deliveries(lead.id)
    assert delivery.status == "pending" and delivery.attempts == 1 and "unreachable" in delivery.last_error
    assert delivery.next_attempt_at > datetime.now(UTC) + timedelta(seconds=50)
    assert worker.deliver_due() == 0  # not due yet: nothing is sent
    assert LeadStore(engine.store).deliveries(lead.id)[0].attempts == 1
    assert LeadStore(engine.store).get(lead.id).contact == ANNA


def test_backoff_doubles_up_to_its_cap():
    assert [backoff_seconds(n, 30, 200) for n in (1, 2, 3, 4, 5)] == [30, 60, 120, 200, 200]


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_two_workers_sharing_one_database_deliver_each_lead_once(make_engine, backend, request):
    url = request.getfixturevalue("postgres").url if backend == "postgres" else None
    with run_receiver(SECRET, fail_first=1) as receiver:
        engines = [make_engine(url, lead_webhook_url=receiver.url, lead_webhook_secret=SECRET) for _ in range(2)]
        if backend == "postgres":
            with engines[0].store.write_connection("clean up") as conn:
                for table in (lead_deliveries_table, leads_table):
                    conn.execute(table.delete())
        leads = [request_handoff(engines[i % 2], conversation(engines[i % 2]), ANNA, consent=True)
                 for i in range(12)]
        workers = [running(e) for e in engines]
        try:
            for w in workers:
                w.notify()
            store = LeadStore(engines[0].store)
            wait_until(lambda: store.pending_count() == 0, timeout=60)
            time.sleep(0.3)
        finally:
            for w in workers:
                w.stop()
    assert sorted(receiver.leads) == sorted(lead.id for lead in leads)
    assert receiver.repeats == []
    assert all(receiver.attempts[lead.id] == 2 for lead in leads)


def test_a_lead_email_goes_over_smtp_with_the_brief_attached_as_pdf(make_engine):
    from aiosmtpd.controller import Controller
    from aiosmtpd.handlers import Message
    from pypdf import PdfReader

    received: list[bytes] = []

    class Keep(Message):
        def handle_message(self, message) -> None:  # noqa: ANN001 - aiosmtpd's API
            received.append(message.as_bytes())

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        engine = make_engine(smtp_host="127.0.0.1", smtp_port=port, smtp_security="none",
                             smtp_from="assistant@consultancy.example", smtp_to=["leads@consultancy.example"])
        worker = running(engine)
        try:
            lead = request_handoff(engine, conversation(engine), ANNA, consent=True, on_created=worker.notify)
            wait_until(lambda: bool(received))
            wait_until(lambda: LeadStore(engine.store).deliveries(lead.id)[0].status == "delivered")
        finally:
            worker.stop()
    finally:
        controller.stop()
    assert len(received) == 1
    mail = message_from_bytes(received[0], policy=email_policy)
    assert mail["Subject"] == "Ny förfrågan: Anna Ångström (Fjällmöbler AB) – upphandlingsunderlag"
    assert mail["To"] == "leads@consultancy.example" and mail["Reply-To"] == "anna@example.se"
    assert mail["Message-ID"] == f"<lead-{lead.id}@consultancy.example>"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert "Anna Ångström" in body and "+46 70 123 45 67" in body and "Ska vi börja med ett pilotprojekt?" in body
    [attachment] = list(mail.iter_attachments())
    assert attachment.get_filename() == "upphandlingsunderlag.pdf"
    pdf = PdfReader(BytesIO(attachment.get_content()))
    assert "Upphandlingsunderlag" in pdf.pages[0].extract_text()


def test_an_email_lead_names_the_smtp_problem_when_the_server_is_down(make_engine):
    engine = make_engine(smtp_host="127.0.0.1", smtp_port=free_port(), smtp_security="none", smtp_to=["x@y.example"])
    lead = request_handoff(engine, conversation(engine), ANNA, consent=True)
    worker = BackgroundWorker(engine.settings, engine.store, senders(engine.settings))
    worker.deliver_due()
    [delivery] = LeadStore(engine.store).deliveries(lead.id)
    assert delivery.status == "pending" and delivery.last_error.startswith("SMTP delivery failed")
    assert isinstance(EmailSender(engine.settings).message(LeadStore(engine.store).get(lead.id))["Subject"], str)


def test_without_consent_no_lead_is_stored(make_engine):
    engine = make_engine(lead_webhook_url="http://127.0.0.1:9/")
    sid = conversation(engine)
    for consent in (False, None, "yes", 1):
        with pytest.raises(InvalidInput) as exc:
            request_handoff(engine, sid, ANNA, consent=consent)
        assert exc.value.field == "consent"
    assert LeadStore(engine.store).recent() == []


def test_deleting_the_conversation_keeps_only_what_the_lead_was_sent_with(make_engine):
    engine = make_engine()
    sid = conversation(engine)
    lead = request_handoff(engine, sid, ANNA, consent=True)
    with engine.store.transaction(sid) as txn:  # said after the lead was sent: not part of it
        txn.append("user", "Och en sak till som inte skickades.")
    assert engine.store.delete(sid)
    kept = LeadStore(engine.store).get(lead.id)
    assert kept.session_id is None
    assert kept.contact == ANNA and kept.brief == lead.brief
    assert [line.text for line in kept.transcript] == [line.text for line in lead.transcript]
    assert all("inte skickades" not in line.text for line in kept.transcript)


def test_a_lead_without_any_channel_configured_is_kept_for_the_admin_list(make_engine):
    engine = make_engine()
    lead = request_handoff(engine, conversation(engine), ANNA, consent=True)
    [(listed, deliveries)] = LeadStore(engine.store).recent()
    assert listed.id == lead.id and deliveries == []


def test_leads_older_than_their_retention_are_purged_with_their_queue(make_engine):
    engine = make_engine(lead_webhook_url="http://127.0.0.1:9/")
    old = request_handoff(engine, conversation(engine), ANNA, consent=True)
    new = request_handoff(engine, conversation(engine), ANNA, consent=True)
    with engine.store.write_connection("age a lead") as conn:
        conn.execute(update(leads_table).where(leads_table.c.id == old.id)
                     .values(created_at=datetime.now(UTC) - timedelta(days=400)))
    assert LeadStore(engine.store).purge_older_than(365) == 1
    assert [lead.id for lead, _ in LeadStore(engine.store).recent()] == [new.id]
    assert LeadStore(engine.store).deliveries(old.id) == []


def test_the_worker_runs_the_retention_purge_on_its_schedule(make_engine):
    engine = make_engine(purge_interval_seconds=0.2, session_retention_days=30, lead_retention_days=30)
    old, fresh = conversation(engine), conversation(engine)
    with engine.store.write_connection("age a session") as conn:
        conn.execute(update(sessions_table).where(sessions_table.c.id == old)
                     .values(updated_at=datetime.now(UTC) - timedelta(days=31)))
    worker = running(engine)
    try:
        wait_until(lambda: engine.store.get(old) is None)
        first = worker.purges
        wait_until(lambda: worker.purges >= first + 2)  # and again, on its interval
    finally:
        worker.stop()
    assert engine.store.get(fresh) is not None


def test_a_stopped_worker_thread_ends(make_engine):
    worker = running(make_engine())
    thread = worker._thread
    worker.stop()
    assert thread is not None and not thread.is_alive()
    assert threading.active_count() >= 1
