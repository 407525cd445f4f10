import contextlib
import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

# A fixed, obviously fake key: tests need stable pseudonyms, never a real secret.
TEST_PII_KEY = "74657374" * 8


@pytest.fixture
def govwh_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A temporary GOVWH_HOME and inbox; returns the temporary root."""
    monkeypatch.setenv("GOVWH_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("GOVWH_INBOX", str(tmp_path / "inbox"))
    monkeypatch.setenv("GOVWH_PII_KEY", TEST_PII_KEY)
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "home" / "dagster"))
    (tmp_path / "inbox").mkdir()
    return tmp_path


@dataclass(frozen=True)
class DemoCity:
    """`govwh demo` run once on a tiny city of three months: its root (home/ and inbox/), environment and output."""

    root: Path
    env: Mapping[str, str]
    stdout: str

    @property
    def home(self) -> Path:
        return self.root / "home"

    @property
    def inbox(self) -> Path:
        return self.root / "inbox"


@pytest.fixture(scope="session")
def demo_city(tmp_path_factory: pytest.TempPathFactory) -> DemoCity:
    """`govwh demo` on a tiny city, exactly as a user runs it (a subprocess with its own environment).

    Shared read-only by the end-to-end modules; a test that changes the city works on a copy of `root`.
    """
    root = tmp_path_factory.mktemp("e2e")
    env = {"GOVWH_HOME": str(root / "home"), "GOVWH_INBOX": str(root / "inbox"),
           "GOVWH_PII_KEY": TEST_PII_KEY, "DAGSTER_HOME": str(root / "home" / "dagster")}
    govwh = Path(sys.executable).with_name("govwh")
    done = subprocess.run([str(govwh), "demo", "--scale", "tiny", "--months", "3"], env={**os.environ, **env},
                          capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return DemoCity(root, env, done.stdout)


@contextlib.contextmanager
def environment(env: Mapping[str, str]) -> Iterator[None]:
    """os.environ with `env` set, restored afterwards (for fixtures wider than a test)."""
    saved = {key: os.environ.get(key) for key in env}
    os.environ.update(env)
    try:
        yield
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
