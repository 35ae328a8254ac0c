"""Fetching one number from each kind of pull source.

Each fetcher takes the source's settings (as written in okrs.yaml), the environment to fill
`${NAME}` and `token_env` from, and an aiohttp session; it returns a number or raises
`FetchError` with a message fit for `outcomebot status` (never a secret).

GitHub: the issue search API (`GET /search/issues?q=…`) answers `total_count` on its first
page, so one request with `per_page=1` counts every match. Jira Cloud: the search count API
(`POST /rest/api/3/search/approximate-count` → `count`); Jira Data Center/Server: the search
API with `maxResults=0` (→ `total`), again a single request whatever the number of issues.
"""

from __future__ import annotations

import asyncio
import math
import re
from collections.abc import Mapping
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
import jmespath

from storage.external_sql import ExternalQueryError, scalar_from

GITHUB_API = "https://api.github.com"
USER_AGENT = "outcomebot"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class FetchError(Exception):
    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


def expand(text: str, env: Mapping[str, str]) -> str:
    def value(match: re.Match) -> str:
        if match.group(1) not in env:
            raise FetchError(f"the environment variable {match.group(1)} is not set")
        return env[match.group(1)]

    return _ENV_REF.sub(value, text)


def token(settings: Mapping[str, Any], env: Mapping[str, str]) -> str | None:
    name = settings.get("token_env")
    if not name:
        return None
    if not env.get(name):
        raise FetchError(f"the environment variable {name} (token_env) is not set")
    return env[name]


def as_number(value: Any, where: str) -> float:
    if isinstance(value, bool) or value is None:
        raise FetchError(f"{where} gave {value!r}, not a number")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise FetchError(f"{where} gave {str(value)[:60]!r}, not a number") from None
    if not math.isfinite(number):
        raise FetchError(f"{where} gave {number}, not a finite number")
    return number


def _retry_after(response: aiohttp.ClientResponse, now: datetime) -> float | None:
    """Seconds to wait: Retry-After (seconds or an HTTP date), else GitHub's x-ratelimit-reset (epoch)."""
    header = response.headers.get("Retry-After", "").strip()
    if header.isdigit():
        return float(header)
    if header:
        try:
            return max(0.0, (parsedate_to_datetime(header) - now).total_seconds())
        except (TypeError, ValueError):
            return None
    reset = response.headers.get("x-ratelimit-reset", "").strip()
    return max(0.0, float(reset) - now.timestamp()) if reset.isdigit() else None


async def _refusal(response: aiohttp.ClientResponse, service: str, now: datetime) -> FetchError:
    """A clear error for a non-2xx answer, with how long to wait when the service says."""
    retry_after = _retry_after(response, now)
    if response.status == 401:
        return FetchError(f"{service} refused the token (401); check the variable named in token_env")
    limited = response.status == 429 or (response.status == 403 and response.headers.get("x-ratelimit-remaining") == "0")
    if limited:
        return FetchError(f"{service} is rate limiting ({response.status}); retrying later",
                          retry_after=60.0 if retry_after is None else retry_after)
    detail = ""
    try:
        body = await response.json(content_type=None)
        detail = body.get("message") or "; ".join(body.get("errorMessages") or []) if isinstance(body, dict) else ""
    except (aiohttp.ContentTypeError, ValueError):
        pass
    return FetchError(f"{service} answered {response.status}" + (f": {str(detail)[:200]}" if detail else ""),
                      retry_after=retry_after)


def _bearer(secret: str | None) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret}"} if secret else {}


async def fetch_github(settings: Mapping[str, Any], env: Mapping[str, str], http: aiohttp.ClientSession,
                       now: datetime) -> float:
    base = expand(settings.get("api_url") or GITHUB_API, env).rstrip("/")
    headers = {"Accept": "application/vnd.github+json", "X-GitHub-Api-Version": "2022-11-28", "User-Agent": USER_AGENT,
               **_bearer(token(settings, env))}
    params = {"q": expand(settings["query"], env), "per_page": "1"}
    async with http.get(f"{base}/search/issues", params=params, headers=headers) as response:
        if response.status != 200:
            raise await _refusal(response, "GitHub", now)
        body = await response.json(content_type=None)
    if not isinstance(body, dict) or "total_count" not in body:
        raise FetchError("GitHub's answer had no total_count")
    if body.get("incomplete_results"):
        raise FetchError("GitHub's search timed out before counting everything (incomplete_results); retrying later")
    return as_number(body["total_count"], "GitHub's total_count")


async def fetch_jira(settings: Mapping[str, Any], env: Mapping[str, str], http: aiohttp.ClientSession,
                     now: datetime) -> float:
    base = expand(settings["base_url"], env).rstrip("/")
    secret = token(settings, env)
    # Jira Cloud: email + API token as Basic auth; Data Center: a personal access token as Bearer.
    auth = {"Authorization": aiohttp.encode_basic_auth(expand(settings["email"], env), secret or "")} \
        if settings.get("email") else _bearer(secret)
    headers = {"Accept": "application/json", "User-Agent": USER_AGENT, **auth}
    jql = expand(settings["jql"], env)
    api = settings.get("api") or ("cloud" if ".atlassian.net" in base else "datacenter")
    if api == "cloud":
        request = http.post(f"{base}/rest/api/3/search/approximate-count", json={"jql": jql}, headers=headers)
        field = "count"
    else:
        params = {"jql": jql, "maxResults": "0", "fields": "id"}
        request = http.get(f"{base}/rest/api/2/search", params=params, headers=headers)
        field = "total"
    async with request as response:
        if response.status != 200:
            raise await _refusal(response, "Jira", now)
        body = await response.json(content_type=None)
    if not isinstance(body, dict) or field not in body:
        raise FetchError(f"Jira's answer had no {field}")
    return as_number(body[field], f"Jira's {field}")


async def fetch_http_json(settings: Mapping[str, Any], env: Mapping[str, str], http: aiohttp.ClientSession,
                          now: datetime) -> float:
    url = expand(settings["url"], env)
    async with http.get(url, headers={"Accept": "application/json", "User-Agent": USER_AGENT,
                                      **_bearer(token(settings, env))}) as response:
        if response.status != 200:
            raise await _refusal(response, "the JSON endpoint", now)
        try:
            body = await response.json(content_type=None)
        except ValueError:
            raise FetchError("the endpoint did not answer JSON") from None
    return as_number(jmespath.search(settings["path"], body), f"path {settings['path']!r}")


async def fetch_sql(settings: Mapping[str, Any], env: Mapping[str, str], _http: aiohttp.ClientSession,
                    _now: datetime) -> float:
    url, query = expand(settings["url"], env), expand(settings["query"], env)
    try:
        value = await asyncio.to_thread(scalar_from, url, query)
    except ExternalQueryError as exc:
        raise FetchError(str(exc)) from None
    return as_number(value, "the query")


FETCHERS = {"github": fetch_github, "jira": fetch_jira, "http-json": fetch_http_json, "sql": fetch_sql}
