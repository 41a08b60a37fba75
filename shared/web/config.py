"""The suite's web settings, read from the environment once, at an entry point.

`SiteConfig.from_env()` is the only place that reads the public addresses (AIENERGY_BASE_URL,
AIENERGY_<APP>_URL, SPACE_HOST) and where a server listens (GRADIO_SERVER_NAME, GRADIO_SERVER_PORT);
entry points pass the config, or its `links`, to the code that needs them.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

from shared.web.links import APP_PATHS, Links

BASE_URL_ENV = "AIENERGY_BASE_URL"
# Hugging Face sets SPACE_HOST (e.g. "org-name.hf.space") inside a running Space.
SPACE_HOST_ENV = "SPACE_HOST"
HOST_ENV = "GRADIO_SERVER_NAME"
PORT_ENV = "GRADIO_SERVER_PORT"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7860
# Addresses a server listening on them is reached at from the same machine.
LOOPBACK_HOSTS = ("0.0.0.0", "127.0.0.1")


def app_url_env(key: str) -> str:
    """The variable holding the address of app `key` when it runs on its own ('AIENERGY_LABEL_URL')."""
    return f"AIENERGY_{key.upper()}_URL"


@dataclass(frozen=True)
class SiteConfig:
    """Where the suite is published and where this process listens.

    Attributes:
        links: The public addresses of the suite and of each app.
        host: Interface the server listens on.
        port: Port the server listens on.
        space_host: The Hugging Face Space's host name ('' when not running on a Space).
    """

    links: Links = field(default_factory=Links)
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    space_host: str = ""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> SiteConfig:
        """Settings from the environment (or `env`): the suite's address is $AIENERGY_BASE_URL, else
        the Space's https address on Hugging Face, else '' (relative links)."""
        env = os.environ if env is None else env
        space_host = env.get(SPACE_HOST_ENV, "").strip().rstrip("/")
        base = env.get(BASE_URL_ENV, "").rstrip("/") or (f"https://{space_host}" if space_host else "")
        own = {key: env.get(app_url_env(key), "").rstrip("/") for key in APP_PATHS}
        return cls(
            links=Links(base, own["leaderboard"], own["submit"], own["label"]),
            host=env.get(HOST_ENV, DEFAULT_HOST),
            port=int(env.get(PORT_ENV, str(DEFAULT_PORT))),
            space_host=space_host,
        )

    @property
    def on_space(self) -> bool:
        """True when running inside a Hugging Face Space."""
        return bool(self.space_host)

    @property
    def local_address(self) -> str:
        """The address this server is opened at from its own machine ('http://localhost:7860')."""
        shown = "localhost" if self.host in LOOPBACK_HOSTS else self.host
        return f"http://{shown}:{self.port}"

    def with_base_url(self, base_url: str) -> SiteConfig:
        """The same settings with another public address of the suite."""
        return replace(self, links=replace(self.links, base_url=base_url.rstrip("/")))

    def served_locally(self) -> SiteConfig:
        """The settings of the whole suite served from here: off a Space, with no public address
        configured, labels and QR codes need an absolute link, and the address served is the best known."""
        if self.on_space or self.links.base_url:
            return self
        return self.with_base_url(self.local_address)

    def serving_alone(self, key: str) -> SiteConfig:
        """The settings of app `key` served alone at the root of its own address: its links point there
        (the suite's short /r/ links exist only in app.py) unless its own address is configured."""
        if self.links.own_address(key):
            return self
        own = self.links.suite_url() or self.local_address
        return replace(self, links=replace(self.links, **{key: own}))
