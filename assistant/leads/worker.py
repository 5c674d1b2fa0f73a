"""The server's background thread: delivers queued leads (retrying failures with
exponential backoff) and runs the retention purge on a schedule.

Every server process runs one; replicas sharing a database are safe because a
delivery is claimed atomically before it is sent (see `assistant.leads.store`).
A new lead wakes the worker at once (`notify`); otherwise it sleeps until the
earliest due retry or the next purge, and looks at the queue at least every
`POLL_SECONDS` for leads queued by other replicas.
"""

from __future__ import annotations

import logging
import secrets
import threading
import time
from datetime import UTC, datetime
from typing import Any

from assistant.errors import AssistantError
from assistant.leads.channels import DeliveryFailed, Sender
from assistant.leads.store import LeadStore
from assistant.settings import Settings

log = logging.getLogger("assistant.leads")

POLL_SECONDS = 30.0


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """Wait after the `attempts`-th failed attempt: base, 2·base, 4·base, … at most `cap`."""
    return float(min(cap, base * 2 ** max(0, attempts - 1)))


class BackgroundWorker:
    def __init__(self, settings: Settings, store: Any, senders: dict[str, Sender]) -> None:
        self.settings = settings
        self.sessions = store
        self.leads = LeadStore(store)
        self.senders = senders
        self.owner = secrets.token_hex(8)
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._next_purge = time.monotonic()
        self.purges = 0  # how many purge runs happened (for tests and logs)

    # ---------------------------------------------------------------- lifecycle

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="assistant-background", daemon=True)
            self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def notify(self, *_: Any) -> None:
        """A lead was queued: deliver now instead of at the next poll."""
        self._wake.set()

    # ---------------------------------------------------------------- one round

    def deliver_due(self) -> int:
        """Send every due delivery this worker can claim; returns how many succeeded."""
        lease = self.settings.lead_delivery_timeout_seconds * 3 + 30
        done = 0
        while not self._stop.is_set():
            claimed = self.leads.claim_due(self.owner, lease_seconds=lease)
            if not claimed:
                break
            for lead, delivery in claimed:
                sender = self.senders.get(delivery.channel)
                attempt = delivery.attempts + 1
                try:
                    if sender is None:
                        raise DeliveryFailed(f"the {delivery.channel} channel is no longer configured")
                    sender.send(lead, attempt)
                except Exception as exc:  # noqa: BLE001 - any failure keeps the lead queued
                    wait = backoff_seconds(attempt, self.settings.lead_retry_base_seconds,
                                           self.settings.lead_retry_max_seconds)
                    reason = str(exc) if isinstance(exc, DeliveryFailed) else f"{type(exc).__name__}: {exc}"
                    log.warning("lead %s: %s delivery attempt %d failed (%s); next attempt in %.0f s",
                                lead.id, delivery.channel, attempt, reason, wait)
                    self.leads.mark_failed(lead.id, delivery.channel, self.owner, reason, wait)
                else:
                    self.leads.mark_delivered(lead.id, delivery.channel, self.owner)
                    log.info("lead %s delivered by %s (attempt %d)", lead.id, delivery.channel, attempt)
                    done += 1
        return done

    def purge(self) -> tuple[int, int]:
        """Delete expired sessions and leads; returns (sessions, leads) deleted."""
        sessions = self.sessions.purge_older_than(self.settings.session_retention_days)
        leads = self.leads.purge_older_than(self.settings.lead_retention_days)
        self.purges += 1
        if sessions or leads:
            log.info("retention purge: %d sessions older than %d days, %d leads older than %d days deleted",
                     sessions, self.settings.session_retention_days, leads, self.settings.lead_retention_days)
        return sessions, leads

    # ---------------------------------------------------------------- the loop

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wake.clear()
            try:
                self.deliver_due()
            except AssistantError as exc:  # the store is down: try again later
                log.warning("lead delivery round failed: %s", exc.message)
            except Exception:
                log.exception("lead delivery round failed")
            interval = self.settings.purge_interval_seconds
            if interval > 0 and time.monotonic() >= self._next_purge:
                try:
                    self.purge()
                except Exception:  # noqa: BLE001 - never kill the worker; the next round retries
                    log.exception("retention purge failed")
                self._next_purge = time.monotonic() + interval
            self._wake.wait(self._sleep_seconds())

    def _sleep_seconds(self) -> float:
        wait = POLL_SECONDS
        if self.settings.purge_interval_seconds > 0:
            wait = min(wait, max(0.0, self._next_purge - time.monotonic()))
        try:
            due = self.leads.next_due_at()
        except Exception:  # noqa: BLE001 - the store is down: poll again later
            due = None
        if due is not None:
            wait = min(wait, max(0.0, (due - datetime.now(UTC)).total_seconds()))
        return max(wait, 0.05)
