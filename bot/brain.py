"""The loaded knowledge a running bot serves from, swappable as a whole (hot reload)."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from knowledge.catalogue import Catalogue, load_catalogue
from knowledge.matcher import Matcher, MatcherSettings


@dataclass(frozen=True)
class Brain:
    """Catalogue and matcher built together from one validated load."""

    catalogue: Catalogue
    matcher: Matcher


def load_brain(settings: MatcherSettings | None = None, require_complete: bool = True) -> Brain:
    """Load and validate the catalogue, build the matcher (raises CatalogueError)."""
    catalogue = load_catalogue(require_complete=require_complete)
    return Brain(catalogue=catalogue, matcher=Matcher(catalogue, settings))


class BrainHolder:
    """Holds the brain in service; `reload` swaps it only if the new one validates."""

    def __init__(self, brain: Brain, settings: MatcherSettings | None = None):
        self._brain = brain
        self._settings = settings
        self._lock = threading.Lock()

    @property
    def brain(self) -> Brain:
        """The brain in service now."""
        return self._brain

    def reload(self) -> Brain:
        """Load a fresh brain; on CatalogueError the old one stays and the error propagates."""
        new = load_brain(self._settings)
        with self._lock:
            self._brain = new
        return new
