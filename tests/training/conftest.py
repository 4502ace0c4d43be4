"""Fixtures of the training tests: the tiny config and the small export's ranking data."""

from __future__ import annotations

from pathlib import Path

import pytest

from training.config import TrainingConfig, load_config

TEST_CONFIG = Path(__file__).resolve().parents[2] / "training" / "configs" / "test.yaml"


@pytest.fixture(scope="session")
def tiny_config() -> TrainingConfig:
    """The few-tree test config."""
    return load_config(TEST_CONFIG)


@pytest.fixture(scope="session")
def ruleset():
    """Rule set v1."""
    from features.rules import load_ruleset

    return load_ruleset()


@pytest.fixture(scope="session")
def training_data(small_export, tiny_config, ruleset):
    """Ranking rows of every past round of the small export, split by time."""
    from training.dataset import build_training_data

    return build_training_data(small_export, tiny_config, ruleset, progress=False)
