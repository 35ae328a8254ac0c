"""The SQLite database file is owner-only: it holds check-in text, blockers and emails.

SQLite creates a database's `-wal` and `-shm` files with the database file's own permissions,
so creating the (empty) database file 0600 before SQLite first opens it keeps all three away
from other local users, whatever the umask. `outcomebot init` creates the directory for app.yaml
and the database next to it 0700 when it does not exist.
Existing files and directories are left as the admin set them.
"""

from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy.engine import make_url

OWNER_ONLY_FILE = 0o600
OWNER_ONLY_DIR = 0o700


def sqlite_file(url: str) -> Path | None:
    """The file a SQLite URL names; None for other databases and in-memory ones."""
    parsed = make_url(url)
    database = parsed.database or ""
    if parsed.get_backend_name() != "sqlite" or database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database)


def create_owner_only(url: str) -> None:
    """Create a SQLite database's empty file owner-only when it does not exist yet (a missing
    directory is left missing: SQLite then fails as it would, naming the path)."""
    path = sqlite_file(url)
    if path is None or path.exists() or not path.parent.is_dir():
        return
    try:
        descriptor = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, OWNER_ONLY_FILE)
    except FileExistsError:  # another process created it just now
        return
    os.close(descriptor)
    os.chmod(path, OWNER_ONLY_FILE)


def make_owner_only_directories(folder: Path) -> None:
    """`mkdir -p` where every directory it creates is 0700 (existing ones are left alone)."""
    missing = [parent for parent in [*reversed(folder.parents), folder] if not parent.exists()]
    for directory in missing:
        directory.mkdir(mode=OWNER_ONLY_DIR, exist_ok=True)
        os.chmod(directory, OWNER_ONLY_DIR)  # mkdir's mode is cut by the umask
