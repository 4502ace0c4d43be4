"""The service's logs: one valid JSON object a line, whatever the message holds."""

from __future__ import annotations

import io
import json
import logging

from serving.server import LOG_CONFIG, JsonLines


def test_log_lines_are_json_even_with_quotes_and_tracebacks() -> None:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonLines())
    logger = logging.getLogger("tests.server.json")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        logger.warning('%s - "%s %s HTTP/1.1" %d', "127.0.0.1:5000", "GET", "/health", 200)
        try:
            raise ValueError('a "quoted" failure')
        except ValueError:
            logger.exception("shortlist failed")
    finally:
        logger.removeHandler(handler)
    first, second = (json.loads(line) for line in stream.getvalue().splitlines() if line[0] == "{")
    assert first["message"] == '127.0.0.1:5000 - "GET /health HTTP/1.1" 200'
    assert first["level"] == "WARNING" and first["logger"] == "tests.server.json"
    assert second["message"] == "shortlist failed" and 'a "quoted" failure' in second["exception"]


def test_the_uvicorn_log_config_uses_it() -> None:
    assert LOG_CONFIG["formatters"]["json"]["()"] is JsonLines
