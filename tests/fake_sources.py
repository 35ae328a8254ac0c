"""Local fakes of GitHub's issue search, Jira's search APIs and a JSON metrics endpoint, on
127.0.0.1, answering with the services' documented shapes, pagination and 401/429 answers."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field

from aiohttp import web
from aiohttp.test_utils import TestServer

GITHUB_TOKEN = "ghp_test_token"
JIRA_TOKEN = "jira-test-token"
JIRA_EMAIL = "bot@example.com"


@dataclass
class FakeServices:
    github_total: int = 12
    jira_total: int = 37
    arr: object = 1250.5
    github_answer: int = 200  # 200, 401, 403 (rate limit) or 429
    jira_answer: int = 200  # 200, 401 or 429
    retry_after: str = "120"
    rate_limit_reset: int = 1764500000  # epoch seconds, as GitHub sends it
    requests: list[tuple[str, str, dict, dict]] = field(default_factory=list)  # method, path, query, headers

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/search/issues", self.github_search)
        app.router.add_get("/rest/api/2/search", self.jira_search)
        app.router.add_post("/rest/api/3/search/approximate-count", self.jira_count)
        app.router.add_get("/metrics/arr", self.metrics)
        return app

    def _seen(self, request: web.Request) -> None:
        self.requests.append((request.method, request.path, dict(request.query), dict(request.headers)))

    async def github_search(self, request: web.Request) -> web.Response:
        self._seen(request)
        if request.headers.get("Authorization") != f"Bearer {GITHUB_TOKEN}" or self.github_answer == 401:
            return web.json_response({"message": "Bad credentials", "documentation_url": "https://docs.github.com/rest",
                                      "status": "401"}, status=401)
        if self.github_answer == 403:
            return web.json_response({"message": "API rate limit exceeded"}, status=403, headers={
                "x-ratelimit-limit": "30", "x-ratelimit-remaining": "0", "x-ratelimit-reset": str(self.rate_limit_reset)})
        if self.github_answer == 429:
            return web.json_response({"message": "secondary rate limit"}, status=429, headers={"Retry-After": self.retry_after})
        if not request.query.get("q"):
            return web.json_response({"message": "Validation Failed", "errors": [{"field": "q", "code": "missing"}]}, status=422)
        per_page = min(int(request.query.get("per_page", 30)), 100)
        page = int(request.query.get("page", 1))
        first = (page - 1) * per_page
        items = [{"id": n, "number": n, "title": f"PR {n}", "state": "closed"}
                 for n in range(first + 1, min(first + per_page, self.github_total) + 1)]
        headers = {}
        if first + per_page < self.github_total:
            headers["Link"] = f'<{request.url.with_query(q=request.query["q"], per_page=per_page, page=page + 1)}>; rel="next"'
        return web.json_response({"total_count": self.github_total, "incomplete_results": False, "items": items},
                                 headers=headers)

    def _jira_refusal(self, request: web.Request) -> web.Response | None:
        expected = "Basic " + base64.b64encode(f"{JIRA_EMAIL}:{JIRA_TOKEN}".encode()).decode()
        auth = request.headers.get("Authorization")
        if auth not in (expected, f"Bearer {JIRA_TOKEN}") or self.jira_answer == 401:
            return web.Response(status=401, text="Client must be authenticated to access this resource.")
        if self.jira_answer == 429:
            return web.Response(status=429, headers={"Retry-After": self.retry_after})
        return None

    async def jira_search(self, request: web.Request) -> web.Response:
        self._seen(request)
        refused = self._jira_refusal(request)
        if refused is not None:
            return refused
        if not request.query.get("jql"):
            return web.json_response({"errorMessages": ["The JQL query is missing."], "errors": {}}, status=400)
        start, size = int(request.query.get("startAt", 0)), int(request.query.get("maxResults", 50))
        issues = [{"id": str(n), "key": f"CS-{n}"} for n in range(start + 1, min(start + size, self.jira_total) + 1)]
        return web.json_response({"expand": "schema,names", "startAt": start, "maxResults": size,
                                  "total": self.jira_total, "issues": issues})

    async def jira_count(self, request: web.Request) -> web.Response:
        self._seen(request)
        refused = self._jira_refusal(request)
        if refused is not None:
            return refused
        body = await request.json()
        if not body.get("jql"):
            return web.json_response({"errorMessages": ["The JQL query is missing."], "errors": {}}, status=400)
        return web.json_response({"count": self.jira_total})

    async def metrics(self, request: web.Request) -> web.Response:
        self._seen(request)
        if request.headers.get("Authorization") != "Bearer metrics-token":
            return web.json_response({"error": "unauthorized"}, status=401)
        return web.json_response({"data": {"arr": self.arr, "currency": "EUR"}})


async def start(services: FakeServices) -> TestServer:
    server = TestServer(services.app(), host="127.0.0.1", port=0)
    await server.start_server()
    return server
