"""Shared fixtures: the real catalogue and matcher, loaded once per test session."""

from __future__ import annotations

import pytest

from bot.brain import Brain, BrainHolder, load_brain
from bot.dialogue import Dialogue

pytest_plugins = ["tests.support.telegram_fixtures"]


@pytest.fixture(scope="session")
def brain() -> Brain:
    """The shipped catalogue, validated, with its matcher."""
    return load_brain()


@pytest.fixture(scope="session")
def matcher(brain: Brain):
    return brain.matcher


@pytest.fixture(scope="session")
def catalogue(brain: Brain):
    return brain.catalogue


@pytest.fixture()
def dialogue(brain: Brain) -> Dialogue:
    return Dialogue(BrainHolder(brain))
