"""Run the example service: python -m service (listens on $PORT, default 8080)."""

import os
from wsgiref.simple_server import make_server

from service.app import make_app


def main() -> None:
    port = int(os.environ.get("PORT", "8080"))
    app = make_app(os.environ.get("SERVICE_VERSION", "dev"))
    # A container's service listens on all of its interfaces.
    with make_server("0.0.0.0", port, app) as server:  # noqa: S104
        server.serve_forever()


if __name__ == "__main__":
    main()
