"""The service's swappable state, held in one place so that a reload swaps all of it at once.

A :class:`Runtime` is immutable: the engine (export, prepared pool, champion, rule set,
predictor) and the campaign scorer over that same engine, or the reason the service is not
ready. :class:`RuntimeHolder` keeps the current one; the app's lifespan fills it, and the admin
reload endpoint and SIGHUP swap it. A request reads the runtime once and keeps it to the end,
even if a reload swaps the holder meanwhile.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

from features.errors import JobfitError, NotReadyError
from serving.campaigns.scoring import RankerScorer
from serving.engine import Engine
from serving.settings import ServiceSettings
from training.bundle import load_champion
from training.monitor import MonitorStatus, latest_status

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Runtime:
    """What requests read that a reload replaces: the engine and the campaign scorer over it.

    Attributes
    ----------
    engine : Engine or None
        None while the service is not ready.
    scorer : RankerScorer or None
        Scores campaign vacancies through ``engine`` (None with it).
    reason : str or None
        Why the service is not ready (None when it is).
    monitor : MonitorStatus or None
        The latest drift monitor run, read from MLflow at load and reload (None: none yet).
    """

    engine: Engine | None
    scorer: RankerScorer | None
    reason: str | None
    monitor: MonitorStatus | None = None

    @classmethod
    def over(cls, engine: Engine) -> Runtime:
        """A ready runtime over ``engine``."""
        return cls(engine=engine, scorer=RankerScorer(engine), reason=None)

    @classmethod
    def not_ready(cls, reason: str) -> Runtime:
        """A runtime that answers every request needing a model with 503 and ``reason``."""
        return cls(engine=None, scorer=None, reason=reason)

    def ready(self) -> Engine:
        """The engine, or :class:`NotReadyError` (503) saying why there is none."""
        if self.engine is None:
            raise NotReadyError(f"the service is not ready: {self.reason}")
        return self.engine

    def ready_scorer(self) -> RankerScorer:
        """The campaign scorer, or :class:`NotReadyError` (503)."""
        self.ready()
        assert self.scorer is not None
        return self.scorer

    @property
    def model(self) -> str:
        """The champion in use as "name vN" (what campaign reports record)."""
        bundle = self.ready().bundle
        return f"{bundle.name} v{bundle.version}"


class RuntimeHolder:
    """The one mutable box of the service: the current :class:`Runtime` and how to replace it."""

    def __init__(self, settings: ServiceSettings, data_dir: Path) -> None:
        self.settings, self.data_dir = settings, Path(data_dir)
        self._current = Runtime.not_ready("starting")
        self._lock = threading.Lock()
        self.after_reload: Callable[[], None] | None = None
        """Called after a successful :meth:`reload` (several workers: reload the others)."""

    @property
    def current(self) -> Runtime:
        """The runtime in use now."""
        return self._current

    def swap(self, runtime: Runtime) -> Runtime:
        """Put ``runtime`` in use (engine and campaign scorer together), with the latest
        drift monitor status read from MLflow."""
        runtime = replace(runtime, monitor=latest_status(self.settings))
        self._current = runtime
        return runtime

    def load(self) -> Runtime:
        """Load the export and the champion; a user error leaves the service not ready."""
        try:
            return self.swap(Runtime.over(Engine.load(self.settings, self.data_dir)))
        except JobfitError as error:
            logger.warning("service not ready: %s (an admin reads why)", type(error).__name__)
            return self.swap(Runtime.not_ready(str(error)))

    def reload(self) -> Runtime:
        """Load the current champion and swap it in (the admin endpoint and SIGHUP).

        The data and its prepared pool are kept when an engine exists; only the model (and
        its rule set and compiled copy) changes. Raises the loading error, keeping the old
        runtime, when the champion cannot be loaded.
        """
        with self._lock:
            engine = self._current.engine
            if engine is None:
                new = Engine.load(self.settings, self.data_dir)
            else:
                new = engine.with_bundle(load_champion(self.settings), self.settings)
            logger.info("champion in use: %s v%s", new.bundle.name, new.bundle.version)
            runtime = self.swap(Runtime.over(new))
        if self.after_reload is not None:
            self.after_reload()
        return runtime
