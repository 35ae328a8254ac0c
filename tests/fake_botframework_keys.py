"""A local fake of Bot Framework's token signing: OpenID metadata, the key set, and signed tokens.

The fake serves `GET /v1/.well-known/openidconfiguration` and `GET /v1/.well-known/keys` (the
shapes login.botframework.com publishes) from its own thread on 127.0.0.1, so it keeps answering
even while the bot's event loop is blocked, and it can hold the key-set answer back to expose
code that waits for it on the event loop. `token(...)` signs a JWT like the Bot Framework
Service does for an activity it sends to a bot.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import rsa
from jwt.algorithms import RSAAlgorithm

ISSUER = "https://api.botframework.com"
METADATA_PATH = "/v1/.well-known/openidconfiguration"
KEYS_PATH = "/v1/.well-known/keys"
KEY_ID = "local-test-signing-key"


@lru_cache(maxsize=2)
def private_key(name: str = "bot-framework") -> rsa.RSAPrivateKey:
    """RSA keys are slow to make; one per name for the whole run."""
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass
class FakeBotFrameworkKeys:
    endorsements: list[str] = field(default_factory=lambda: ["msteams"])
    keys_delay: float = 0.0  # seconds the key-set answer is held back
    metadata_status: int = 200
    requests: list[str] = field(default_factory=list)  # paths, in the order they arrived
    keys_requested: threading.Event = field(default_factory=threading.Event)
    keys_answered: threading.Event = field(default_factory=threading.Event)
    url: str = ""
    _server: ThreadingHTTPServer | None = None

    @property
    def metadata_url(self) -> str:
        return self.url + METADATA_PATH

    def jwks(self) -> dict[str, Any]:
        jwk = json.loads(RSAAlgorithm.to_jwk(private_key().public_key()))
        jwk.update({"kid": KEY_ID, "use": "sig", "endorsements": self.endorsements})
        return {"keys": [jwk]}

    def token(
        self,
        *,
        audience: str,
        service_url: str,
        issued_ago: timedelta = timedelta(0),
        signing_key: rsa.RSAPrivateKey | None = None,
        kid: str = KEY_ID,
    ) -> str:
        """A token as the Bot Framework Service signs it for one activity it sends to a bot."""
        issued = datetime.now(UTC) - issued_ago
        claims = {
            "serviceurl": service_url,
            "nbf": issued - timedelta(minutes=5),
            "exp": issued + timedelta(hours=1),
            "iss": ISSUER,
            "aud": audience,
        }
        return jwt.encode(claims, signing_key or private_key(), algorithm="RS256", headers={"kid": kid})

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's spelling
                fake.requests.append(self.path)
                if self.path == METADATA_PATH and fake.metadata_status != 200:
                    return self._json({"error": "unavailable"}, fake.metadata_status)
                if self.path == METADATA_PATH:
                    return self._json(
                        {
                            "issuer": ISSUER,
                            "authorization_endpoint": "https://invalid.botframework.com",
                            "jwks_uri": fake.url + KEYS_PATH,
                            "id_token_signing_alg_values_supported": ["RS256"],
                            "token_endpoint_auth_methods_supported": ["private_key_jwt"],
                        }
                    )
                if self.path == KEYS_PATH:
                    fake.keys_requested.set()
                    time.sleep(fake.keys_delay)
                    fake.keys_answered.set()
                    return self._json(fake.jwks())
                return self._json({"error": "not found"}, 404)

            def _json(self, body: dict[str, Any], status: int = 200) -> None:
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> "FakeBotFrameworkKeys":
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, args=(0.05,), name="fake-botframework-keys", daemon=True).start()
        return self

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
