"""Runtime configuration from the environment (GOVWH_HOME, GOVWH_INBOX, GOVWH_PII_KEY)."""

import os
import secrets
import sys
from dataclasses import dataclass
from pathlib import Path

from dagster_project.lib.paths import PROJECT_ROOT

PII_KEY_FILE = "pii.key"
MIN_KEY_BYTES = 32


@dataclass(frozen=True)
class Settings:
    home: Path
    inbox: Path

    @property
    def warehouse_path(self) -> Path:
        return self.home / "warehouse.duckdb"

    @property
    def snapshot_path(self) -> Path:
        return self.home / "snapshot.duckdb"

    @property
    def reports_dir(self) -> Path:
        return self.home / "reports"

    @property
    def audit_dir(self) -> Path:
        return self.home / "audit"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @classmethod
    def from_env(cls) -> "Settings":
        home = Path(os.environ.get("GOVWH_HOME") or PROJECT_ROOT / "var").resolve()
        inbox = Path(os.environ.get("GOVWH_INBOX") or PROJECT_ROOT / "sources" / "inbox").resolve()
        home.mkdir(parents=True, exist_ok=True)
        return cls(home=home, inbox=inbox)


def pii_key(settings: Settings) -> bytes:
    """The HMAC key for pseudonyms: GOVWH_PII_KEY (hex), or a random key kept once under GOVWH_HOME.

    The key never enters the warehouse, dbt artefacts or logs.
    """
    env = os.environ.get("GOVWH_PII_KEY")
    if env:
        try:
            key = bytes.fromhex(env.strip())
        except ValueError as exc:
            raise ValueError("GOVWH_PII_KEY must be hex") from exc
        if len(key) < MIN_KEY_BYTES:
            raise ValueError(f"GOVWH_PII_KEY must hold at least {MIN_KEY_BYTES} bytes")
        return key
    path = settings.home / PII_KEY_FILE
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(MIN_KEY_BYTES))
        print(
            f"warning: GOVWH_PII_KEY is not set; created a random pseudonymisation key at {path} "
            "(keep it secret and back it up: pseudonyms change if it is lost)",
            file=sys.stderr,
        )
    return bytes.fromhex(path.read_text().strip())
