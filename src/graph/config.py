"""Settings for the API server, read from ``TIAOKUAI_*`` environment variables (pydantic-settings).

Nothing is read or built at import time: call :func:`load_settings` (or construct
:class:`Settings` yourself in tests). Unsafe or malformed values are refused with a
:class:`~graph.errors.ConfigError` that names the variable, so a misconfigured server never starts.

==============================  ===============================================================
variable                        meaning (default)
==============================  ===============================================================
``TIAOKUAI_STORE``              store path or ``bolt://``/``neo4j://`` URI (the default path)
``TIAOKUAI_HOST``               interface to listen on (``127.0.0.1``)
``TIAOKUAI_PORT``               port (``8000``)
``TIAOKUAI_KEYS_FILE``          the keys file: named keys, roles, region scopes (docs/security.md)
``TIAOKUAI_PUBLIC_READ``        with a keys file, queries without a key read everything (``false``)
``TIAOKUAI_AUDIT_LOG``          also append audit records to this file, one JSON a line
``TIAOKUAI_API_KEYS``           deprecated: comma-separated unscoped write keys
``TIAOKUAI_REQUIRE_KEY_FOR_READS``  queries need a key too (``false``; implied by a keys file)
``TIAOKUAI_CORS_ORIGINS``       comma-separated browser origins allowed (none: CORS closed)
``TIAOKUAI_MAX_PAGE_SIZE``      largest ``first`` a connection accepts (``500``)
``TIAOKUAI_DEFAULT_PAGE_SIZE``  ``first`` when omitted (``100``)
``TIAOKUAI_MAX_DEPTH``          deepest query accepted (``12``)
``TIAOKUAI_MAX_ALIASES``        most aliases in one document (``30``)
``TIAOKUAI_MAX_TOKENS``         most tokens in one document (``4000``)
``TIAOKUAI_MAX_BODY_BYTES``     largest request body; larger is 413 (``1000000``)
``TIAOKUAI_MAX_HOPS``           largest ``maxHops`` for shortestPath (``12``)
``TIAOKUAI_GRAPHIQL``           serve GraphiQL at ``/graphql`` to browsers (``true``)
``TIAOKUAI_LOG_FORMAT``         ``json`` (one JSON object a line) or ``text`` (key=value)
``TIAOKUAI_MAX_COST``           largest query cost admitted (``10000``; docs/graphql.md, Limits)
``TIAOKUAI_COST_PER_MINUTE``    cost points per client per minute (``300000``; 0: no limit)
``TIAOKUAI_REQUEST_TIMEOUT``    seconds a request may run (``10``)
``TIAOKUAI_CACHE_MB``           answers cached per worker process, in MB (``64``; 0: none)
``TIAOKUAI_RESPONSE_CACHE``     cache whole answers of queries within that (``true``)
``TIAOKUAI_INTROSPECTION``      allow schema introspection (``true``)
``TIAOKUAI_HEAVY_COST``         queries this costly run in a low-priority process (``1000``)
``TIAOKUAI_HEAVY_PROCESSES``    such processes per worker (``1``)
``TIAOKUAI_WORKERS``            worker processes of ``serve`` (the number of CPUs)
==============================  ===============================================================
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from .errors import ConfigError

__all__ = ["Settings", "load_settings", "MIN_KEY_LENGTH"]

#: API keys shorter than this are refused: they are guessable.
MIN_KEY_LENGTH = 16

_LOOPBACK = {"127.0.0.1", "::1", "localhost"}


def _split(value: Any) -> Any:
    """``"a, b,,c"`` -> ``["a", "b", "c"]``; lists pass through."""
    if isinstance(value, str):
        return [part.strip() for part in value.split(",") if part.strip()]
    return value


class Settings(BaseSettings):
    """What the API server needs to know. Every field maps to ``TIAOKUAI_<FIELD>``."""

    model_config = SettingsConfigDict(env_prefix="TIAOKUAI_", extra="ignore", frozen=True)

    store: str | None = Field(
        default=None, description="Store path or Neo4j URI; None means the default path."
    )
    host: str = Field(default="127.0.0.1", description="Interface to listen on.")
    port: int = Field(default=8000, ge=1, le=65535, description="TCP port.")
    api_keys: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Keys accepted in `Authorization: Bearer KEY` for mutations."
    )
    require_key_for_reads: bool = Field(default=False, description="Queries need a key as well.")
    keys_file: Path | None = Field(
        default=None,
        description="The keys file (TOML): named keys with a role and a region scope (docs/security.md). "
        "With one, queries need a key too unless public_read.",
    )
    public_read: bool = Field(
        default=False, description="With a keys file: queries without a key are answered, unscoped."
    )
    audit_log: Path | None = Field(
        default=None, description="Append every audit record to this file too (what `tiaokuai audit` reads)."
    )
    cors_origins: Annotated[list[str], NoDecode] = Field(
        default_factory=list, description="Browser origins allowed by CORS; empty means none."
    )
    max_page_size: int = Field(default=500, ge=1, le=10_000)
    default_page_size: int = Field(default=100, ge=1)
    max_depth: int = Field(default=12, ge=2, le=50)
    max_aliases: int = Field(default=30, ge=1, le=1_000)
    max_tokens: int = Field(default=4_000, ge=50, le=100_000)
    max_body_bytes: int = Field(default=1_000_000, ge=1_024, le=100_000_000)
    max_hops: int = Field(default=12, ge=1, le=50)
    neo4j_timeout: float = Field(
        default=5.0,
        gt=0,
        le=300,
        description="Seconds a request waits for Neo4j (connecting and retrying) before it answers "
        "'store unavailable'; the driver's own default is 30 to 60 s, too long for a dashboard.",
    )
    graphiql: bool = True
    log_format: Literal["json", "text"] = "json"
    # -- limits of a shared service (graph.api.limits; docs/graphql.md, "Limits") --
    max_cost: int = Field(
        default=10_000, ge=1, description="Largest cost a query may have; costlier ones are refused."
    )
    cost_per_minute: int = Field(
        default=300_000, ge=0, description="Cost points per client (key or address) per minute; 0: no limit."
    )
    request_timeout: float = Field(default=10.0, gt=0, le=3_600, description="Seconds a request may run.")
    cache_mb: float = Field(default=64.0, ge=0, description="Answers cached per worker process, in MB.")
    response_cache: bool = Field(
        default=True, description="Cache whole answers of queries (within TIAOKUAI_CACHE_MB)."
    )
    introspection: bool = Field(default=True, description="Allow schema introspection (__schema, __type).")
    heavy_cost: int = Field(
        default=1_000,
        ge=0,
        description="Queries costing at least this run in a lower-priority process of `serve` (0: never).",
    )
    heavy_processes: int = Field(default=1, ge=1, le=16, description="Such processes per worker.")
    workers: int | None = Field(
        default=None, ge=1, le=64, description="Worker processes of `serve`; None: the number of CPUs."
    )

    @field_validator("api_keys", "cors_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        return _split(value)

    @field_validator("api_keys")
    @classmethod
    def _strong_keys(cls, keys: list[str]) -> list[str]:
        for i, key in enumerate(keys, start=1):
            if len(key) < MIN_KEY_LENGTH:
                # Never echo the key itself.
                raise ValueError(
                    f"key {i} is {len(key)} characters long; use at least {MIN_KEY_LENGTH} "
                    "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
                )
            if any(c.isspace() for c in key):
                raise ValueError(f"key {i} contains whitespace")
        return list(dict.fromkeys(keys))

    @field_validator("cors_origins")
    @classmethod
    def _explicit_origins(cls, origins: list[str]) -> list[str]:
        for origin in origins:
            if origin == "*" or "*" in origin:
                raise ValueError("wildcard origins are refused; list each origin (https://host:port)")
            if not origin.startswith(("http://", "https://")) or origin.endswith("/"):
                raise ValueError(f"{origin!r} is not an origin like https://dashboard.example.org")
        return origins

    @model_validator(mode="after")
    def _consistent(self) -> Settings:
        if self.default_page_size > self.max_page_size:
            raise ValueError(
                f"default_page_size ({self.default_page_size}) exceeds max_page_size ({self.max_page_size})"
            )
        if self.require_key_for_reads and not self.api_keys and self.keys_file is None:
            raise ValueError(
                "require_key_for_reads is set but TIAOKUAI_API_KEYS is empty (and there is no TIAOKUAI_KEYS_FILE)"
            )
        return self

    @property
    def mutations_enabled(self) -> bool:
        return bool(self.api_keys) or self.keys_file is not None

    @property
    def reads_need_key(self) -> bool:
        """Queries without a valid key are refused (401)."""
        if self.require_key_for_reads:
            return True
        return self.keys_file is not None and not self.public_read

    @property
    def loopback_only(self) -> bool:
        return self.host in _LOOPBACK

    def public_dict(self) -> dict[str, Any]:
        """The settings for logs and ``/readyz``: keys replaced by their number."""
        data = self.model_dump()
        data["api_keys"] = f"{len(self.api_keys)} key(s)"
        return data


def load_settings(**overrides: Any) -> Settings:
    """Settings from the environment (``TIAOKUAI_*``), with explicit ``overrides`` winning.

    Raises :class:`ConfigError` listing every bad value as ``TIAOKUAI_NAME: message``.
    """
    try:
        return Settings(**{k: v for k, v in overrides.items() if v is not None})
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            name = f"TIAOKUAI_{loc.upper()}" if loc else "settings"
            msg = err["msg"].removeprefix("Value error, ")
            lines.append(f"{name}: {msg}")
        raise ConfigError("invalid settings:\n  " + "\n  ".join(lines)) from None
