"""Prometheus series for `GET /metrics`, in a registry of their own (one per web app).

What is worth graphing: tick duration; deliveries by platform and outcome; inbound latency per
endpoint; the outbox's depth and the age of its oldest due message; results of fetches from
other tools (`record_source_fetch`, for pull sources to report through).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from datetime import datetime

from aiohttp import web
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from bot.logs import REQUEST_ID, request_id_from

# Webhook acks must come within 3 s (Slack); buckets resolve the range that matters.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 3.0, 5.0, 10.0)
TICK_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.sent = Counter("outcomebot_deliveries_sent", "Messages delivered", registry=r)
        self.failed = Counter("outcomebot_deliveries_failed", "Messages given up on", registry=r)
        self.retried = Counter("outcomebot_deliveries_retried", "Sends to be retried", registry=r)
        self.unreachable = Counter("outcomebot_deliveries_unreachable", "People unreachable", registry=r)
        self.deliveries = Counter("outcomebot_deliveries", "Send attempts by platform and outcome "
                                  "(sent, retried, failed, unreachable)", ["platform", "outcome"], registry=r)
        self.prompted = Counter("outcomebot_prompts", "Check-in prompts queued", registry=r)
        self.tick_seconds = Histogram("outcomebot_tick_seconds", "Duration of a scheduler tick", buckets=TICK_BUCKETS,
                                      registry=r)
        self.due = Gauge("outcomebot_due", "Prompts and messages due after the last tick", registry=r)
        self.outbox_depth = Gauge("outcomebot_outbox_depth", "Messages waiting in the outbox (pending or being sent)",
                                  registry=r)
        self.outbox_oldest = Gauge("outcomebot_outbox_oldest_due_seconds",
                                   "How long the oldest due message has been waiting (0 when none)", registry=r)
        self.inbound_seconds = Histogram("outcomebot_inbound_seconds", "Time to answer an inbound request",
                                         ["endpoint", "method"], buckets=LATENCY_BUCKETS, registry=r)
        self.source_fetches = Counter("outcomebot_source_fetches", "Fetches of values from other tools",
                                      ["source", "result"], registry=r)

    def record_outbox(self, depth: int, oldest_due_at: datetime | None, now: datetime) -> None:
        self.outbox_depth.set(depth)
        self.outbox_oldest.set(max(0.0, (now - oldest_due_at).total_seconds()) if oldest_due_at else 0.0)

    def record_source_fetch(self, source: str, result: str) -> None:
        """A pull source reports each fetch: `result` is e.g. "ok", "error", "rate_limited"."""
        self.source_fetches.labels(source=source, result=result).inc()


def endpoint_of(request: web.Request) -> str:
    route = request.match_info.route
    resource = route.resource if route is not None else None
    return resource.canonical if resource is not None else "unmatched"


def observe_requests(metrics: Metrics) -> Callable:
    """Middleware: a request id for the request's logs, and its latency per endpoint."""

    @web.middleware
    async def middleware(request: web.Request, handler: Callable[[web.Request], Awaitable[web.StreamResponse]]):
        request_id = request_id_from(request.headers.get("X-Request-Id"))
        token = REQUEST_ID.set(request_id)
        started = time.perf_counter()
        try:
            response = await handler(request)
        except web.HTTPException as exc:
            exc.headers["X-Request-Id"] = request_id
            raise
        finally:
            metrics.inbound_seconds.labels(endpoint=endpoint_of(request), method=request.method).observe(
                time.perf_counter() - started)
            REQUEST_ID.reset(token)
        if not response.prepared:
            response.headers["X-Request-Id"] = request_id
        return response

    return middleware
