"""Tests of the entry point, without opening a socket."""

import service.__main__ as entry


class FakeServer:
    def __init__(self, host, port, app):
        self.host, self.port, self.app = host, port, app
        self.served = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def serve_forever(self):
        self.served = True


def test_main_listens_on_port(monkeypatch):
    servers = []

    def make_server(host, port, app):
        servers.append(FakeServer(host, port, app))
        return servers[-1]

    monkeypatch.setattr(entry, "make_server", make_server)
    monkeypatch.setenv("PORT", "9099")
    entry.main()
    assert len(servers) == 1
    assert (servers[0].host, servers[0].port, servers[0].served) == ("0.0.0.0", 9099, True)
    assert callable(servers[0].app)
