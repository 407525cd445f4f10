import time
from pathlib import Path

import pytest

from sources.generator import generate

TINY = {"scale": "tiny", "start": "2025-01", "months": 12, "seed": 7}


@pytest.fixture(scope="session")
def inbox(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny city over a year: what every pipeline test runs on."""
    root = tmp_path_factory.mktemp("tiny") / "inbox"
    began = time.perf_counter()
    generate(root, **TINY)
    # The tiny scale backs every pipeline test: it has to stay quick.
    assert time.perf_counter() - began < 15
    return root
