"""Which proxies' forwarded headers uvicorn is told to believe: none unless configured."""

from __future__ import annotations

import pytest

from tableside.config import ConfigError, Settings


def test_no_proxy_is_trusted_by_default_so_forwarded_headers_are_off() -> None:
    assert Settings.from_env({}).uvicorn_options() == {
        "proxy_headers": False,
        "forwarded_allow_ips": [],
    }


def test_the_configured_proxies_are_the_only_ones_trusted() -> None:
    settings = Settings.from_env({"TABLESIDE_TRUSTED_PROXIES": " 10.0.0.5, 10.1.0.0/16 ,"})
    assert settings.trusted_proxies == ("10.0.0.5", "10.1.0.0/16")
    assert settings.uvicorn_options() == {
        "proxy_headers": True,
        "forwarded_allow_ips": ["10.0.0.5", "10.1.0.0/16"],
    }


@pytest.mark.parametrize("value", ["*", "proxy.local", "10.0.0.300", "10.0.0.0/40"])
def test_anything_but_addresses_and_networks_is_refused(value: str) -> None:
    with pytest.raises(ConfigError, match="TABLESIDE_TRUSTED_PROXIES"):
        Settings.from_env({"TABLESIDE_TRUSTED_PROXIES": value})
