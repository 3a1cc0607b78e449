"""The routes of the example service, as a WSGI application (standard library only)."""

import json
from collections.abc import Callable, Iterable
from urllib.parse import parse_qs

MAX_NAME_LENGTH = 64

StartResponse = Callable[[str, list[tuple[str, str]]], object]


def greeting(name: str) -> str:
    """Greet name, or the world when name is blank.

    Raises ValueError for names longer than MAX_NAME_LENGTH characters.
    """
    name = name.strip() or "World"
    if len(name) > MAX_NAME_LENGTH:
        raise ValueError(f"name is longer than {MAX_NAME_LENGTH} characters")
    return f"Hello, {name}!"


def _json(start_response: StartResponse, status: str, body: dict[str, str]) -> Iterable[bytes]:
    data = json.dumps(body).encode()
    headers = [("Content-Type", "application/json"), ("Content-Length", str(len(data)))]
    start_response(status, headers)
    return [data]


def make_app(version: str = "dev") -> Callable[[dict, StartResponse], Iterable[bytes]]:
    """Return the WSGI application: GET /healthz and GET /hello?name=."""

    def app(environ: dict, start_response: StartResponse) -> Iterable[bytes]:
        method = environ.get("REQUEST_METHOD", "GET")
        path = environ.get("PATH_INFO", "/")
        if path not in ("/healthz", "/hello"):
            return _json(start_response, "404 Not Found", {"error": "not found"})
        if method != "GET":
            return _json(start_response, "405 Method Not Allowed", {"error": "method not allowed"})
        if path == "/healthz":
            return _json(start_response, "200 OK", {"status": "ok", "version": version})
        query = parse_qs(environ.get("QUERY_STRING", ""))
        try:
            message = greeting(query.get("name", [""])[0])
        except ValueError as err:
            return _json(start_response, "400 Bad Request", {"error": str(err)})
        return _json(start_response, "200 OK", {"message": message})

    return app
