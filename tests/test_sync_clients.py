"""The sync clients are generated from the async ones: checked in, typed, and never out of step."""

from __future__ import annotations

import importlib.util
import inspect
import sys
from pathlib import Path

import pytest

from tutorflow_nb import admin, content, platform, sync_clients

ROOT = Path(__file__).resolve().parents[1]


def _generator():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("generate_sync", ROOT / "scripts" / "generate_sync.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["generate_sync"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_checked_in_file_is_what_the_generator_writes() -> None:
    generated = _generator().generate()
    assert (ROOT / "tutorflow_nb" / "sync_clients.py").read_text() == generated, (
        "tutorflow_nb/sync_clients.py is out of date: run python scripts/generate_sync.py"
    )


def _async_classes() -> list[type]:
    found = []
    for module in (content, admin, platform):
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == module.__name__ and (
                getattr(cls, "__sync_group__", False)
                or (cls.__name__.startswith("Async") and cls.__name__.endswith("Client"))
            ):
                found.append(cls)
    return found


@pytest.mark.parametrize("async_cls", _async_classes(), ids=lambda c: c.__name__)
def test_every_public_method_has_a_twin_with_the_same_signature(async_cls: type) -> None:
    twin = getattr(sync_clients, async_cls.__name__.removeprefix("Async"))
    for name, fn in vars(async_cls).items():
        if name.startswith("_") or not inspect.isfunction(fn):
            continue
        twin_name = "close" if name == "aclose" else name
        assert hasattr(twin, twin_name), f"{twin.__name__} has no {twin_name}"
        theirs = inspect.signature(fn)
        ours = inspect.signature(getattr(twin, twin_name))
        assert list(ours.parameters) == list(theirs.parameters), name
        for param in theirs.parameters.values():
            mine = ours.parameters[param.name]
            assert (mine.kind, mine.default) == (param.kind, param.default), f"{twin.__name__}.{name}({param.name})"
        assert getattr(twin, twin_name).__doc__ == fn.__doc__


def test_groups_are_sync_twins_and_share_the_async_state(live_server, tf_org) -> None:  # type: ignore[no-untyped-def]
    client = sync_clients.ContentClient(live_server.base_url, tf_org.content_key)
    with client:
        assert isinstance(client.expansions, sync_clients.Expansions) and client.expansions.aio is client.aio.expansions
        assert isinstance(client.modules, sync_clients.Resources) and client.modules.kind == "modules"
        assert client.http is client.aio.http and client.key_prefix == client.aio.key_prefix
        again = sync_clients.ContentClient.from_async(client.aio)
        assert again.aio is client.aio and repr(again) == repr(client) and repr(client).startswith("<ContentClient ")


def test_the_package_ships_its_types() -> None:
    assert (ROOT / "tutorflow_nb" / "py.typed").exists()
