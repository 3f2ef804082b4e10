"""Which database answers a request: a replica for reads, the primary for writes.

GET and HEAD requests read from a usable replica (`db/replicas.py`) unless the client wrote
in the last few seconds: every successful POST (or other write) sets a signed `dp_wrote`
cookie good for READ_YOUR_WRITES seconds, and while it holds that client reads from the
primary, so the page after a vote's redirect shows the vote. Requests with an API token read
from the primary too (a token lookup stamps the token's last use). A read that fails on a
replica (it stopped, or lost its connection mid-query) is run again on the primary before
anything was sent, so clients see no error; the replica is skipped until it recovers.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from dataclasses import dataclass

from fastapi import FastAPI, Request, Response
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from dailypapers.db.replicas import Replica, ReplicaSet, replica_set
from dailypapers.settings import Settings
from dailypapers.web.admission import pool_options
from dailypapers.web.answer_head import AnswerHead
from dailypapers.web.security import UNSAFE_METHODS, cookie_options

WROTE_COOKIE = "dp_wrote"
READS = {"GET", "HEAD"}


@dataclass(frozen=True, slots=True)
class Reader:
    engine: Engine
    sessions: sessionmaker[Session]
    replica: Replica | None = None


def install(app: FastAPI, settings: Settings) -> None:
    """Replicas from the settings (if any), the write cookie and the fallback to the primary."""
    replicas = replica_set(
        settings.database_replica_urls,
        max_lag=settings.replica_max_lag_seconds,
        data_dir=settings.data_dir,
        pool=pool_options(settings.max_requests_in_flight),
    )
    app.state.replicas = replicas
    if replicas is None:
        return
    app.add_middleware(AnswerHead, edit=_mark_writer)
    app.add_middleware(ReplicaFallback, replicas=replicas)


def reader(request: Request) -> Reader:
    """The database this request reads from (chosen once per request)."""
    chosen: Reader | None = getattr(request.state, "reader", None)
    if chosen is None:
        chosen = request.state.reader = _choose(request)
    return chosen


def _choose(request: Request) -> Reader:
    state = request.app.state
    replicas: ReplicaSet | None = getattr(state, "replicas", None)
    primary = Reader(state.engine, state.sessions)
    if (
        replicas is None
        or request.method not in READS
        or getattr(request.state, "primary_only", False)
        or "authorization" in request.headers
        or _wrote_recently(request)
    ):
        return primary
    replica = replicas.pick()
    return Reader(replica.engine, replica.sessions, replica) if replica else primary


def read_your_writes_seconds(settings: Settings) -> int:
    return int(settings.replica_max_lag_seconds) + 5


def _signature(secret: str, until: str) -> str:
    return hmac.new(secret.encode(), f"wrote|{until}".encode(), hashlib.sha256).hexdigest()[:32]


def _wrote_recently(request: Request) -> bool:
    until, _, signature = request.cookies.get(WROTE_COOKIE, "").partition(".")
    if not until.isdigit():
        return False
    expected = _signature(request.app.state.settings.secret_key, until)
    return hmac.compare_digest(expected, signature) and int(until) > time.time()


def _mark_writer(request: Request, response: Response) -> None:
    """A successful write sets the signed `dp_wrote` cookie: this client reads from the
    primary for the next few seconds."""
    if request.method in UNSAFE_METHODS and response.status_code < 400:
        settings = request.app.state.settings
        seconds = read_your_writes_seconds(settings)
        until = str(int(time.time()) + seconds)
        value = f"{until}.{_signature(settings.secret_key, until)}"
        response.set_cookie(WROTE_COOKIE, value, max_age=seconds, **cookie_options(request))


class ReplicaFallback:
    """Runs a read again on the primary when it failed on a replica before answering."""

    def __init__(self, app: ASGIApp, replicas: ReplicaSet) -> None:
        self.app = app
        self.replicas = replicas

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in READS:
            await self.app(scope, receive, send)
            return
        state = scope.setdefault("state", {})
        failed = False

        async def watch(message: Message) -> None:
            nonlocal failed
            if message["type"] == "http.response.start" and message["status"] >= 500:
                failed = self._on_replica(state)
            if not failed:
                await send(message)

        try:
            await self.app(scope, receive, watch)
        except Exception:
            if not self._on_replica(state):
                raise
            failed = True
        if failed:
            await self.app({**scope, "state": {"primary_only": True}}, receive, send)

    def _on_replica(self, state: dict[str, object]) -> bool:
        chosen = state.get("reader")
        if isinstance(chosen, Reader) and chosen.replica is not None:
            self.replicas.mark_down(chosen.replica)
            return True
        return False
