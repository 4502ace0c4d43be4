"""Shared fixtures: a small generated export, an in-memory ranker, isolated stores.

Every test runs against stores under a temporary folder, never the repo's own.

Two models:

- ``ranker``: a few-tree lambdarank booster trained in memory on the small export (no MLflow),
  wrapped in a ``RankerBundle``. Every test that serves, explains or plans uses it.
- ``champion``: the same config trained through the whole pipeline, registered in the isolated
  MLflow store and loaded back by alias. Only tests of the registry, the pipeline, reloads and
  processes that load the champion themselves ask for it; those tests are marked ``slow``
  automatically (see ``pytest_collection_modifyitems``).
"""

from __future__ import annotations

import logging
import os
import re
import uuid
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import NoReturn

import pytest
import sqlalchemy as sa

from features.export import Export
from features.loader import load_export
from features.rules import RuleSet, load_ruleset
from serving.settings import get_service_settings
from training.bundle import RankerBundle, load_champion
from training.config import TrainingConfig, load_config
from training.dataset import TrainingData, build_training_data
from training.model import train_ranker
from training.pipeline import train_and_register
from training.registry import promote
from training.settings import get_settings
from training.synthetic import generate_export

SMALL_EMPLOYEES = 400
SMALL_SEED = 7
CHROMIUM = Path("/usr/bin/chromium")
POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432"


def in_ci() -> bool:
    """True when the environment says this is CI (``CI=true``, as CI services set it)."""
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def unavailable(reason: str) -> NoReturn:
    """A browser or server the test needs is missing: skip here, but fail under CI.

    On a laptop without Chromium or PostgreSQL the test is reported as skipped (``-ra`` lists
    it); in CI it must run, so a missing one fails the run instead of passing quietly.
    """
    if in_ci():
        pytest.fail(f"{reason}; CI=true needs it, so this fails instead of skipping", pytrace=False)
    pytest.skip(reason)


def pytest_runtest_setup(item: pytest.Item) -> None:
    """A test marked ``browser`` needs Debian's Chromium."""
    if item.get_closest_marker("browser") and not CHROMIUM.exists():
        unavailable("Debian's chromium is not installed (make install installs it)")


NIP_PATTERN = re.compile(r"(?<![0-9A-Za-z])\d{18}(?![0-9A-Za-z])")
"""A NIP: 18 digits on their own (not inside a longer number or a hash)."""

CLIENT_LOGGERS = ("httpx", "httpcore")
"""The tests' own HTTP clients: they log the URLs a test asks for, the product does not."""


class LogLines(logging.Handler):
    """Every log line the product writes during the session, as its formatter would print it."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if not record.name.startswith(CLIENT_LOGGERS):
            self.lines.append(f"{record.name}: {self.format(record)}")


def personal_data(lines: Iterable[str], names: Iterable[str] = ()) -> list[str]:
    """The lines that hold a NIP or one of ``names``."""
    wanted = [name for name in names if name]
    return [line for line in lines if NIP_PATTERN.search(line) or any(n in line for n in wanted)]


@pytest.fixture(scope="session")
def log_lines() -> Iterator[LogLines]:
    """Collect every log line of the session (the root logger at INFO at least)."""
    root = logging.getLogger()
    handler, level = LogLines(), root.level
    root.addHandler(handler)
    root.setLevel(min(level, logging.INFO))
    yield handler
    root.removeHandler(handler)
    root.setLevel(level)


@pytest.fixture(autouse=True)
def no_personal_data_in_logs(request: pytest.FixtureRequest, log_lines: LogLines) -> Iterator[None]:
    """Fail a test whose logs hold a NIP, or a name of the small export when it uses it."""
    root = logging.getLogger()
    if log_lines not in root.handlers:  # a test's dictConfig replaced the root's handlers
        root.addHandler(log_lines)
    start = len(log_lines.lines)
    yield
    names: Iterable[str] = ()
    if "small_export" in request.fixturenames:
        names = request.getfixturevalue("small_export").employees["name"].astype(str)
    leaks = personal_data(log_lines.lines[start:], names)
    assert not leaks, f"personal data in the logs: {leaks[:3]}"


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A throwaway database on the PostgreSQL server at 127.0.0.1:5432, dropped afterwards."""
    admin = sa.create_engine(f"{POSTGRES}/postgres", isolation_level="AUTOCOMMIT")
    name = f"asn_jobfit_test_{uuid.uuid4().hex[:8]}"
    try:
        with admin.connect() as connection:
            connection.execute(sa.text(f'CREATE DATABASE "{name}"'))
    except sa.exc.OperationalError as error:
        admin.dispose()
        unavailable(f"no PostgreSQL server at 127.0.0.1:5432 ({type(error).__name__})")
    yield f"postgresql://postgres@127.0.0.1:5432/{name}"
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", autouse=True)
def isolated_stores(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Point MLflow, the service database and the models folder at a temporary folder."""
    root = tmp_path_factory.mktemp("stores")
    overrides = {
        "MLFLOW_TRACKING_URI": f"sqlite:///{root / 'mlflow.db'}",
        "ASN_JOBFIT_MLFLOW_ARTIFACT_ROOT": str(root / "mlartifacts"),
        "DATABASE_URL": f"sqlite:///{root / 'service.db'}",
        "ASN_JOBFIT_MODELS_DIR": str(root / "models"),
        "ASN_JOBFIT_COMPILED_DIR": str(root / "compiled"),
    }
    saved = {key: os.environ.get(key) for key in overrides}
    os.environ.update(overrides)
    get_settings.cache_clear()
    get_service_settings.cache_clear()
    yield root
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value
    get_settings.cache_clear()
    get_service_settings.cache_clear()


@pytest.fixture(scope="session")
def small_export_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small synthetic export (CSV) written by the generator, shared by the session."""
    out = tmp_path_factory.mktemp("export") / "small"
    generate_export(out, employees=SMALL_EMPLOYEES, seed=SMALL_SEED, fmt="csv")
    return out


@pytest.fixture(scope="session")
def small_export(small_export_dir: Path) -> Export:
    """The small export, loaded and validated."""
    return load_export(small_export_dir)


TINY_TRAINING_CONFIG = Path(__file__).resolve().parents[1] / "training" / "configs" / "test.yaml"


@pytest.fixture(scope="session")
def tiny_config() -> TrainingConfig:
    """The few-tree test config (``training/configs/test.yaml``)."""
    return load_config(TINY_TRAINING_CONFIG)


@pytest.fixture(scope="session")
def ruleset() -> RuleSet:
    """Rule set v1."""
    return load_ruleset()


@pytest.fixture(scope="session")
def training_data(
    small_export: Export, tiny_config: TrainingConfig, ruleset: RuleSet
) -> TrainingData:
    """Ranking rows of every past round of the small export, split by time."""
    return build_training_data(small_export, tiny_config, ruleset, progress=False)


@pytest.fixture(scope="session")
def ranker(training_data: TrainingData, tiny_config: TrainingConfig) -> RankerBundle:
    """A seeded few-tree ranker trained in memory on the small export; no MLflow involved.

    The same rows, config and trainer as the pipeline, so its booster is the one the
    ``champion`` fixture registers; only the registry's round trip is left out.
    """
    booster = train_ranker(
        training_data.part("train"), training_data.part("validation"), tiny_config
    )
    return RankerBundle(
        booster=booster,
        feature_columns=training_data.data.feature_columns,
        ruleset_version=training_data.ruleset_version,
        code_version="test",
        data_hash=training_data.snapshot_hash,
        name="asn-jobfit",
        version="test",
    )


@pytest.fixture(scope="session")
def champion(small_export_dir: Path, isolated_stores: Path) -> RankerBundle:
    """A few-tree ranker trained on the small export, registered and loaded by alias.

    Trained with ``training/configs/test.yaml`` into the isolated MLflow store; if the gate
    refuses it, it is promoted by hand so that a champion always exists.
    """
    result = train_and_register(small_export_dir, TINY_TRAINING_CONFIG, progress=False)
    if not result.decision.promoted:
        promote(result.version)
    return load_champion(get_settings())


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the xdist_group marks
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark ``slow`` what is slow by construction, and group tests for ``--dist loadgroup``.

    ``slow``, so that the marker stays honest:

    - every test that needs the MLflow-trained ``champion`` (directly or through another
      fixture): it trains, evaluates and registers a model through the whole pipeline;
    - every ``browser`` test: it serves the app over HTTP and drives a real Chromium.

    Tests that start a server process, a notebook kernel or run for seconds say ``slow``
    themselves.

    ``xdist_group`` (used only by ``pytest -n N --dist loadgroup``): the tests that need the
    champion run on one worker, so it is trained once; every other test goes with its file,
    as with ``--dist loadfile``, so module fixtures are built once.
    """
    for item in items:
        needs_champion = "champion" in getattr(item, "fixturenames", ())
        if needs_champion or item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.slow)
        group = "champion" if needs_champion else item.nodeid.split("::", 1)[0]
        item.add_marker(pytest.mark.xdist_group(group))
