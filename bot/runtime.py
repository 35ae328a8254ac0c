"""What every command needs: the validated configuration, the secrets and the database."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.config import AppConfig, Secrets, load_config
from storage.db import Database


@dataclass
class Runtime:
    config: AppConfig
    secrets: Secrets
    db: Database

    @classmethod
    def open(cls, config_file: Path | None = None, *, required: bool = False) -> "Runtime":
        return cls.of(load_config(config_file, required=required))

    @classmethod
    def of(cls, config: AppConfig) -> "Runtime":
        return cls(config=config, secrets=Secrets(), db=Database(config.resolved_database_url))

    async def close(self) -> None:
        await self.db.dispose()
