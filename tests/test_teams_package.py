"""`outcomebot teams package` writes a zip Teams accepts: manifest.json and the two icons."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
APP_ID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"


def run_cli(*args: str, cwd: Path, app_id: str | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TEAMS_", "OUTCOMEBOT_"))}
    env["PYTHONPATH"] = str(ROOT)
    if app_id:
        env["TEAMS_APP_ID"] = app_id
    return subprocess.run([sys.executable, "-m", "bot", *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=60)


def png_size_and_pixels(data: bytes) -> tuple[int, int, bytes]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, width, height = 8, b"", 0, 0
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos : pos + 8])
        chunk = data[pos + 8 : pos + 8 + length]
        crc = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])[0]
        assert crc == zlib.crc32(kind + chunk) & 0xFFFFFFFF
        if kind == b"IHDR":
            width, height = struct.unpack(">II", chunk[:8])
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    return width, height, zlib.decompress(idat)


PUBLISHER = ("--developer", "Acme Corp", "--website-url", "https://acme.example/bot",
             "--privacy-url", "https://acme.example/privacy", "--terms-url", "https://acme.example/terms")


def test_teams_package_has_a_current_manifest_with_the_bot_commands_and_both_icons(tmp_path: Path) -> None:
    (tmp_path / "app.yaml").write_text(
        "publisher:\n  name: Acme Corp\n  website_url: https://acme.example/bot\n"
        "  privacy_url: https://acme.example/privacy\n  terms_url: https://acme.example/terms\n", encoding="utf-8")
    result = run_cli("teams", "package", "--output", "dist/outcomebot.zip", cwd=tmp_path, app_id=APP_ID)
    assert result.returncode == 0, result.stderr
    assert "Upload" in result.stdout
    with zipfile.ZipFile(tmp_path / "dist" / "outcomebot.zip") as archive:
        assert sorted(archive.namelist()) == ["color.png", "manifest.json", "outline.png"]
        manifest = json.loads(archive.read("manifest.json"))
        color = png_size_and_pixels(archive.read("color.png"))
        outline = png_size_and_pixels(archive.read("outline.png"))
    assert float(manifest["manifestVersion"]) >= 1.17
    assert manifest["$schema"].endswith(f"v{manifest['manifestVersion']}/MicrosoftTeams.schema.json")
    assert manifest["id"] == APP_ID
    assert manifest["developer"]["name"] == "Acme Corp" and manifest["developer"]["privacyUrl"] == "https://acme.example/privacy"
    bot = manifest["bots"][0]
    assert bot["botId"] == APP_ID and sorted(bot["scopes"]) == ["personal", "team"]
    titles = [c["title"] for c in bot["commandLists"][0]["commands"]]
    assert titles == ["okrs", "okrs @person", "checkin", "win TEXT", "blockers", "outcomes", "help"]
    assert all(len(t) <= 32 for t in titles) and len(titles) <= 10
    assert len(manifest["description"]["short"]) <= 80 and len(manifest["name"]["short"]) <= 30
    assert manifest["icons"] == {"color": "color.png", "outline": "outline.png"}
    assert color[:2] == (192, 192) and outline[:2] == (32, 32)
    # The outline icon is white on transparent: every pixel is either clear or opaque white.
    rows = outline[2]
    pixels = {rows[r * (1 + 32 * 4) + 1 + c * 4 : r * (1 + 32 * 4) + 5 + c * 4] for r in range(32) for c in range(32)}
    assert pixels == {b"\xff\xff\xff\xff", b"\x00\x00\x00\x00"}


def test_teams_package_without_an_app_id_says_how_to_give_one(tmp_path: Path) -> None:
    result = run_cli("teams", "package", *PUBLISHER, cwd=tmp_path)
    assert result.returncode == 1
    assert "TEAMS_APP_ID" in result.stderr and "--app-id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "outcomebot-teams.zip").exists()


def test_teams_package_refuses_non_https_links(tmp_path: Path) -> None:
    result = run_cli("teams", "package", *PUBLISHER, "--privacy-url", "http://example.com/p", cwd=tmp_path, app_id=APP_ID)
    assert result.returncode == 1 and "https://" in result.stderr


def test_teams_package_never_ships_a_placeholder_publisher(tmp_path: Path) -> None:
    result = run_cli("teams", "package", "--developer", "Acme Corp", cwd=tmp_path, app_id=APP_ID)
    assert result.returncode == 1
    assert ("The Teams package needs who publishes it. Give --website-url (app.yaml publisher.website_url), "
            "--privacy-url (app.yaml publisher.privacy_url), --terms-url (app.yaml publisher.terms_url)") in result.stderr
    assert not (tmp_path / "outcomebot-teams.zip").exists()
