import json
import logging

from app.platform.logs import JsonFormatter, TextFormatter, _RequestIdFilter, request_id_var


def record(msg: str = "hello %s", exc: bool = False) -> logging.LogRecord:
    exc_info = None
    if exc:
        try:
            raise ValueError("boom")
        except ValueError:
            import sys

            exc_info = sys.exc_info()
    r = logging.LogRecord("emporium.test", logging.ERROR, __file__, 1, msg, ("world",), exc_info)
    _RequestIdFilter().filter(r)
    return r


def test_json_lines_carry_the_request_id_and_the_traceback():
    token = request_id_var.set("req-42")
    try:
        line = json.loads(JsonFormatter().format(record(exc=True)))
    finally:
        request_id_var.reset(token)
    assert line["message"] == "hello world" and line["level"] == "ERROR"
    assert line["request_id"] == "req-42"
    assert "ValueError: boom" in line["exception"]


def test_outside_a_request_there_is_no_request_id():
    assert "request_id" not in json.loads(JsonFormatter().format(record()))
    assert "[request" not in TextFormatter().format(record())
