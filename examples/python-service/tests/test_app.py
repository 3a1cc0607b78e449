"""Tests of the example service's routes."""

import json
from wsgiref.util import setup_testing_defaults

import pytest

from service.app import MAX_NAME_LENGTH, greeting, make_app


@pytest.mark.parametrize(
    ("name", "want"),
    [
        ("Ada", "Hello, Ada!"),
        ("  Grace ", "Hello, Grace!"),
        ("", "Hello, World!"),
        ("é" * MAX_NAME_LENGTH, "Hello, " + "é" * MAX_NAME_LENGTH + "!"),
    ],
)
def test_greeting(name, want):
    assert greeting(name) == want


def test_greeting_too_long():
    with pytest.raises(ValueError, match="longer than 64"):
        greeting("x" * (MAX_NAME_LENGTH + 1))


def call(method, path, query=""):
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "QUERY_STRING": query}
    setup_testing_defaults(environ)
    got = {}

    def start_response(status, headers):
        got["status"] = status
        got["headers"] = dict(headers)

    body = b"".join(make_app("1.2.3")(environ, start_response))
    return got["status"], got["headers"], json.loads(body)


TOO_LONG = "name is longer than 64 characters"


@pytest.mark.parametrize(
    ("method", "path", "query", "status", "body"),
    [
        ("GET", "/healthz", "", "200 OK", {"status": "ok", "version": "1.2.3"}),
        ("GET", "/hello", "name=Ada", "200 OK", {"message": "Hello, Ada!"}),
        ("GET", "/hello", "", "200 OK", {"message": "Hello, World!"}),
        ("GET", "/hello", "name=" + "x" * 65, "400 Bad Request", {"error": TOO_LONG}),
        ("POST", "/hello", "", "405 Method Not Allowed", {"error": "method not allowed"}),
        ("GET", "/nope", "", "404 Not Found", {"error": "not found"}),
    ],
)
def test_routes(method, path, query, status, body):
    got_status, headers, got_body = call(method, path, query)
    assert got_status == status
    assert headers["Content-Type"] == "application/json"
    assert got_body == body
