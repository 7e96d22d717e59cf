"""What the real-browser, load and scale tests do when a tool they need is missing."""
from __future__ import annotations

import os

import pytest


def unavailable(suite: str, reason: str) -> None:
    """Skip `suite` on a developer's machine without the tool; under CI (env CI set),
    where `.ci/run` installs every tool, a missing one is a failure, never a quiet skip."""
    if os.environ.get("CI"):
        pytest.fail(f"{suite} cannot run under CI: {reason}", pytrace=False)
    pytest.skip(reason)
