import os
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
