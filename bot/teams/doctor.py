"""`outcomebot doctor`'s Teams checks: the app's credentials get a token, the tenant, the channels.

The token is asked for the way the Bot Framework documents it (OAuth 2.0 client credentials at
Entra ID, scope `https://api.botframework.com/.default`), from `teams_login_url` when set.
"""

from __future__ import annotations

from typing import Any

import aiohttp

from bot.doctor import Finding, http_session, ok, problem
from storage.repositories.setup_facts import team_channels

LOGIN_URL = "https://login.microsoftonline.com"
BOT_FRAMEWORK_SCOPE = "https://api.botframework.com/.default"
MULTI_TENANT_AUTHORITY = "botframework.com"
SECRET = "create a new client secret (Azure portal → your Azure Bot → *Configuration → Manage Password* → "\
         "*New client secret*) and put its value in TEAMS_APP_PASSWORD"
# Entra ID error codes (the AADSTS numbers) a wrong setup produces, and what to do about each.
TOKEN_ERRORS = {
    7000215: SECRET,
    7000222: "the client secret has expired: " + SECRET,
    700016: "TEAMS_APP_ID is not an app in that tenant: copy the *Microsoft App ID* from the Azure Bot's "
            "*Configuration* page, and set TEAMS_APP_TENANT_ID to the tenant the app was registered in",
    90002: "TEAMS_APP_TENANT_ID is not a tenant Entra ID knows: copy the *Directory (tenant) ID* from the "
           "app registration's *Overview*",
}


async def checks(runtime, session) -> list[Finding]:
    secrets = runtime.secrets
    findings: list[Finding] = []
    if not secrets.teams_app_id:
        return [problem("Teams app id", "TEAMS_APP_PASSWORD or TEAMS_APP_TENANT_ID is set but TEAMS_APP_ID is not",
                        "set TEAMS_APP_ID to the Azure Bot's *Microsoft App ID*")]
    tenant = secrets.teams_app_tenant_id
    allowed = runtime.config.teams.allowed_tenants
    if tenant:
        findings.append(ok("Teams tenant", f"single-tenant, tenant {tenant}"))
    elif allowed:
        findings.append(ok("Teams tenant", f"multi-tenant, serving tenants {', '.join(allowed)}"))
    else:
        findings.append(problem(
            "Teams tenant", "neither TEAMS_APP_TENANT_ID nor teams.allowed_tenants is set, so `serve` would "
            "refuse to start Teams",
            "set TEAMS_APP_TENANT_ID to the *Directory (tenant) ID* of the app registration (a single-tenant bot, "
            "docs/deploy.md), or list your tenant ids under `teams: {allowed_tenants: [...]}` in app.yaml"))
    if secrets.teams_app_password is None:
        findings.append(problem("Teams token", "TEAMS_APP_PASSWORD is not set", SECRET))
        return findings
    async with http_session() as client:
        token, finding = await _token(client, runtime.config.teams_login_url or LOGIN_URL, secrets.teams_app_id,
                                      secrets.teams_app_password.get_secret_value(), tenant or MULTI_TENANT_AUTHORITY)
        findings.append(finding)
        stored = await team_channels(session)
        for team, channels in sorted(runtime.config.channels.teams.items()):
            if channels.teams:
                stored_channel = stored.get(team, {}).get("teams")
                reference = stored_channel.reference if stored_channel is not None else None
                findings.append(await _channel(client, token, team, channels.teams, reference))
    return findings


async def _token(client: aiohttp.ClientSession, login_url: str, app_id: str, password: str,
                 authority: str) -> tuple[str | None, Finding]:
    url = f"{login_url.rstrip('/')}/{authority}/oauth2/v2.0/token"
    form = {"grant_type": "client_credentials", "client_id": app_id, "client_secret": password,
            "scope": BOT_FRAMEWORK_SCOPE}
    try:
        async with client.post(url, data=form) as response:
            body: dict[str, Any] = await response.json(content_type=None)
    except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
        return None, problem("Teams token", f"Entra ID did not answer at {url} ({type(exc).__name__})",
                             "the server must reach login.microsoftonline.com over HTTPS (check the egress proxy)")
    if body.get("access_token"):
        return str(body["access_token"]), ok("Teams token", f"the app {app_id} obtains a Bot Framework token")
    codes = [code for code in body.get("error_codes") or [] if code in TOKEN_ERRORS]
    reason = str(body.get("error_description") or body.get("error") or "no token").splitlines()[0]
    fix = TOKEN_ERRORS[codes[0]] if codes else "check TEAMS_APP_ID, TEAMS_APP_PASSWORD and TEAMS_APP_TENANT_ID"
    return None, problem("Teams token", f"Entra ID refused the app's credentials: {reason}", fix)


async def _channel(client: aiohttp.ClientSession, token: str | None, team: str, channel: str,
                   reference: dict[str, Any] | None) -> Finding:
    check = f"Teams channel of {team}"
    install = (f"install the app in the team whose channel is {channel} (Teams → the team → *Manage team → Apps → "
               "Upload an app*); OutcomeBot remembers the channel then")
    service_url = str((reference or {}).get("serviceUrl") or (reference or {}).get("service_url") or "")
    if not service_url:
        return problem(check, f"the bot has not been installed in the team of {channel} yet", install)
    if token is None:
        return problem(check, f"cannot check {channel} without a token", "fix the Teams token first")
    url = f"{service_url.rstrip('/')}/v3/conversations/{channel}/members"
    try:
        async with client.get(url, headers={"Authorization": f"Bearer {token}"}) as response:
            status = response.status
    except (aiohttp.ClientError, TimeoutError) as exc:
        return problem(check, f"cannot reach the Bot Framework at {service_url} ({type(exc).__name__})",
                       "the server must reach *.botframework.com / smba.trafficmanager.net over HTTPS")
    if status in (403, 404):
        return problem(check, f"{channel} is gone or the bot was removed from its team (HTTP {status})", install)
    if status != 200:
        return problem(check, f"the Bot Framework answered HTTP {status} for {channel}",
                       "run `outcomebot doctor` again later")
    return ok(check, f"{channel} exists and the bot is in its team")
