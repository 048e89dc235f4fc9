"""Settings: read from TIAOKUAI_*, refused when unsafe, keys never echoed."""

from __future__ import annotations

import pytest

from graph.config import MIN_KEY_LENGTH, Settings, load_settings
from graph.errors import ConfigError

KEY_A = "a" * MIN_KEY_LENGTH
KEY_B = "b" * 40


def test_defaults_are_closed() -> None:
    s = load_settings()
    assert (s.host, s.port, s.api_keys, s.cors_origins) == ("127.0.0.1", 8000, [], [])
    assert not s.mutations_enabled and s.loopback_only
    assert s.max_page_size == 500 and s.default_page_size <= s.max_page_size


def test_environment_and_comma_separated_lists(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIAOKUAI_API_KEYS", f" {KEY_A}, {KEY_B},,")
    monkeypatch.setenv("TIAOKUAI_CORS_ORIGINS", "https://a.example.org,http://localhost:3000")
    monkeypatch.setenv("TIAOKUAI_PORT", "9000")
    monkeypatch.setenv("TIAOKUAI_STORE", "bolt://127.0.0.1:7687")
    s = load_settings(port=9100)
    assert s.api_keys == [KEY_A, KEY_B]
    assert s.cors_origins == ["https://a.example.org", "http://localhost:3000"]
    assert s.port == 9100  # explicit overrides win
    assert s.store == "bolt://127.0.0.1:7687"
    assert KEY_A not in str(s.public_dict())


@pytest.mark.parametrize(
    ("env", "says"),
    [
        ({"TIAOKUAI_API_KEYS": "short-secret"}, "TIAOKUAI_API_KEYS: key 1 is 12 characters long"),
        ({"TIAOKUAI_CORS_ORIGINS": "*"}, "TIAOKUAI_CORS_ORIGINS: wildcard origins are refused"),
        ({"TIAOKUAI_CORS_ORIGINS": "example.org"}, "is not an origin"),
        ({"TIAOKUAI_PORT": "70000"}, "TIAOKUAI_PORT:"),
        ({"TIAOKUAI_MAX_PAGE_SIZE": "0"}, "TIAOKUAI_MAX_PAGE_SIZE:"),
        ({"TIAOKUAI_MAX_PAGE_SIZE": "50"}, "default_page_size (100) exceeds max_page_size (50)"),
        (
            {"TIAOKUAI_REQUIRE_KEY_FOR_READS": "true"},
            "require_key_for_reads is set but TIAOKUAI_API_KEYS is empty",
        ),
        ({"TIAOKUAI_LOG_FORMAT": "xml"}, "TIAOKUAI_LOG_FORMAT:"),
    ],
)
def test_unsafe_values_are_refused(monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    with pytest.raises(ConfigError) as info:
        load_settings()
    assert says in str(info.value)
    assert "short-secret" not in str(info.value)


def test_nothing_is_read_at_import(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIAOKUAI_PORT", "not a port")
    import importlib

    import graph.api.app
    import graph.config

    importlib.reload(graph.config)
    importlib.reload(graph.api.app)  # builds nothing either
    with pytest.raises(ConfigError):
        load_settings()
    assert Settings(port=1234).port == 1234
