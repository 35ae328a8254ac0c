"""The Teams app package: manifest.json plus the two icons, zipped, ready to upload to Teams.

The icons are drawn here (a target: outcomes over output) and written as PNG with zlib and
struct, so no imaging library is needed.
"""

from __future__ import annotations

import io
import json
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

MANIFEST_VERSION = "1.17"
MANIFEST_SCHEMA = f"https://developer.microsoft.com/en-us/json-schemas/teams/v{MANIFEST_VERSION}/MicrosoftTeams.schema.json"
ACCENT = (0x2E, 0x5B, 0xBA)
COLOR_ICON_SIZE = 192
OUTLINE_ICON_SIZE = 32
_GUID = re.compile(r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")

# The words people send the bot, as Teams shows them in the command menu.
COMMANDS: tuple[tuple[str, str], ...] = (
    ("okrs", "Your objectives and key results, with progress"),
    ("okrs @person", "A report's OKRs (for their manager chain and admins)"),
    ("checkin", "Start this period's check-in now"),
    ("win TEXT", "Share a win"),
    ("blockers", "Open blockers (yours, or your reports')"),
    ("outcomes", "The company outcomes"),
    ("help", "What OutcomeBot can do"),
)


class PackageError(ValueError):
    """The package cannot be built as asked (e.g. the app id is not a GUID)."""


@dataclass(frozen=True)
class AppListing:
    app_id: str
    version: str = "0.1.0"
    short_name: str = "OutcomeBot"
    developer_name: str = "Our company"
    website_url: str = "https://example.com/outcomebot"
    privacy_url: str = "https://example.com/outcomebot/privacy"
    terms_url: str = "https://example.com/outcomebot/terms"


def manifest(listing: AppListing) -> dict[str, Any]:
    if not _GUID.match(listing.app_id or ""):
        raise PackageError(
            f"the app id must be the Azure Bot's Microsoft App ID (a GUID), not {listing.app_id!r}; "
            "set TEAMS_APP_ID or pass --app-id"
        )
    for label, url in (("website", listing.website_url), ("privacy", listing.privacy_url), ("terms", listing.terms_url)):
        if not url.startswith("https://"):
            raise PackageError(f"the {label} URL must start with https:// (Teams requires it): {url!r}")
    commands = [{"title": title, "description": description} for title, description in COMMANDS]
    return {
        "$schema": MANIFEST_SCHEMA,
        "manifestVersion": MANIFEST_VERSION,
        "version": listing.version,
        "id": listing.app_id,
        "developer": {
            "name": listing.developer_name,
            "websiteUrl": listing.website_url,
            "privacyUrl": listing.privacy_url,
            "termsOfUseUrl": listing.terms_url,
        },
        "name": {"short": listing.short_name[:30], "full": f"{listing.short_name} — outcome check-ins"[:100]},
        "description": {
            "short": "Weekly check-ins on your key results, blockers and wins.",
            "full": (
                "OutcomeBot asks each person every week (and every month, deeper) how their key results "
                "moved, what blocks them and what they won. Managers get a digest of blockers and "
                "coaching nudges; wins are celebrated in the team channel when their author allows it."
            ),
        },
        "icons": {"color": "color.png", "outline": "outline.png"},
        "accentColor": "#{:02X}{:02X}{:02X}".format(*ACCENT),
        "bots": [
            {
                "botId": listing.app_id,
                "scopes": ["personal", "team"],
                "supportsFiles": False,
                "isNotificationOnly": False,
                "commandLists": [{"scopes": ["personal", "team"], "commands": commands}],
            }
        ],
        "permissions": ["identity", "messageTeamMembers"],
        "validDomains": [],
    }


def png(width: int, height: int, pixels: list[bytes]) -> bytes:
    """An RGBA PNG from rows of width*4 bytes."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + row for row in pixels)
    header = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")


def _target(size: int, *, ring: tuple[int, int, int, int], background: tuple[int, int, int, int]) -> bytes:
    """Concentric rings and a bull's-eye, in `ring` colour on `background`."""
    centre = (size - 1) / 2
    unit = size / 16
    rows = []
    for y in range(size):
        row = bytearray()
        for x in range(size):
            distance = ((x - centre) ** 2 + (y - centre) ** 2) ** 0.5 / unit
            on = distance <= 1.6 or 3.2 <= distance <= 4.6 or 6.0 <= distance <= 7.4
            row += bytes(ring if on else background)
        rows.append(bytes(row))
    return png(size, size, rows)


def color_icon() -> bytes:
    return _target(COLOR_ICON_SIZE, ring=(255, 255, 255, 255), background=(*ACCENT, 255))


def outline_icon() -> bytes:
    """Teams wants the outline icon white on a transparent background."""
    return _target(OUTLINE_ICON_SIZE, ring=(255, 255, 255, 255), background=(0, 0, 0, 0))


def build_package(listing: AppListing) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", json.dumps(manifest(listing), indent=2, ensure_ascii=False))
        archive.writestr("color.png", color_icon())
        archive.writestr("outline.png", outline_icon())
    return buffer.getvalue()


def write_package(listing: AppListing, path: Path) -> Path:
    data = build_package(listing)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path
