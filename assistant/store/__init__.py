"""The conversation store: sessions, their engine-owned state and their turns.

Every front end (HTTP API, Slack bot, CLI, evals) goes through one
`Assistant.reply(session_id, message)`, which reads and writes a session inside
`SessionStore.exchange(...)`. That is the unit of consistency: the state, the
language and the new turns of one reply are committed together or not at all,
and replies to the same session are serialised so that two concurrent messages
can never lose or interleave turns. `exchange` first computes the reply inside
`update`, without holding a database lock, and saves with a version check;
when another process saved meanwhile it computes it again inside
`transaction`, which holds the lock from the read to the commit (so a busy
conversation cannot starve). `transaction` is also for short writes.

How the serialisation works, per backend:

* PostgreSQL (production, shared by several replicas): `SELECT ... FOR UPDATE`
  on the session row at the start of the transaction. Other sessions proceed in
  parallel; a waiter gives up after `busy_timeout` (`SET LOCAL lock_timeout`).
* SQLite (one host): the transaction starts with `BEGIN IMMEDIATE`, which takes
  the database's single write lock up front, so a read-modify-write can never
  be based on a stale snapshot; other writers wait up to `busy_timeout`
  (`PRAGMA busy_timeout`). WAL mode lets readers proceed meanwhile. SQLite has
  one writer at a time, so on SQLite all write transactions (of any session)
  are serialised: keep the body of a transaction short.
* In both cases a per-process `threading.Lock` per session id makes threads of
  one process queue in order instead of spinning in the database's busy loop.

Modules: `schema` (the tables), `models` (sessions, turns and feedback as
pydantic models; checks on ids, languages and JSON), `transaction`
(`SessionTxn`), `rows` (the SQL of one conversation), `backends` (SQLite
hooks, PostgreSQL lock timeout, upserts), `locks` (the per-process locks),
`failures` (driver errors to domain errors), `migrations` (creating and
upgrading the tables) and `session_store` (`SessionStore`).

Session ids are either generated (`secrets.token_urlsafe(24)`, 192 bits) or
given by the caller (Slack thread keys, CLI names). Each session also has a
secret token, returned once at creation and stored only as a SHA-256 hash.
"""

from assistant.store.models import CreatedSession, Feedback, SessionSnapshot, Turn
from assistant.store.session_store import SessionStore
from assistant.store.transaction import SessionTxn

__all__ = ["CreatedSession", "Feedback", "SessionSnapshot", "SessionStore", "SessionTxn", "Turn"]
