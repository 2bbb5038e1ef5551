"""Typing hygiene: the package ships ``py.typed`` and a stub of the native module that covers
every public native name (checked here by name, and by ``mypy.stubtest`` against the
runtime signatures); mypy rejects misuse of the typed API; ``__version__`` is the crate's."""

from __future__ import annotations

import ast
import importlib.util
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import weixinkit
from weixinkit import _native
from services import REPO

PACKAGE = Path(weixinkit.__file__).resolve().parent
SOURCE = REPO / "bindings" / "python" / "python"


def _mypy_or_skip() -> None:
    if importlib.util.find_spec("mypy") is None:
        if os.environ.get("WEIXINKIT_REQUIRE_MYPY") == "1":
            pytest.fail("mypy is not installed (bindings/python/test.sh installs it)")
        pytest.skip("mypy is not installed")


def _members(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    """The names a stub body defines: functions, classes, (annotated) assignments."""
    out: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            out[node.name] = node
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            out[node.target.id] = node
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    out[target.id] = node
    return out


def _public(obj: object) -> set[str]:
    return {n for n in dir(obj) if not n.startswith("_")}


def test_the_stub_names_every_public_native_name():
    stub = ast.parse((PACKAGE / "_native.pyi").read_text(encoding="utf-8"))
    defined = _members(stub.body)
    public = _public(_native)
    assert public, "the native module exports nothing?"
    missing = sorted(public - set(defined))
    assert not missing, f"not in weixinkit/_native.pyi: {missing}"
    stale = sorted(n for n in defined if not n.startswith("_") and n not in public)
    assert not stale, f"in weixinkit/_native.pyi but not in the native module: {stale}"

    checked = 0
    for name in sorted(public):
        runtime = getattr(_native, name)
        if not isinstance(runtime, type):
            continue
        node = defined[name]
        assert isinstance(node, ast.ClassDef), name
        members = _members(node.body)
        missing = sorted(_public(runtime) - set(members))
        assert not missing, f"{name} members not in the stub: {missing}"
        checked += 1
        # The variants of the enums (Event.TEXT, ReceiverIdPolicy.EXACT, …) and their fields.
        for variant in sorted(_public(runtime)):
            inner = getattr(runtime, variant)
            if isinstance(inner, type) and issubclass(inner, runtime):
                fields = set(inner.__match_args__)
                assert fields <= set(_members(members[variant].body)), f"{name}.{variant}"
    assert checked >= 20
    # The Open Platform table's rows, blocking and asyncio alike.
    assert {"all_authorizers", "handle_callback", "authorizer_list"} <= set(
        _members(defined["AsyncComponent"].body))


def test_the_stub_matches_the_runtime_signatures():
    _mypy_or_skip()
    done = subprocess.run(
        [sys.executable, "-m", "mypy.stubtest", "weixinkit._native"],
        capture_output=True, text=True, timeout=600,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]


def test_py_typed_and_the_stub_are_installed():
    assert (PACKAGE / "py.typed").is_file()
    assert (PACKAGE / "_native.pyi").is_file()
    # The installed stub is the one in the source tree.
    assert (PACKAGE / "_native.pyi").read_text(encoding="utf-8") == (
        SOURCE / "weixinkit" / "_native.pyi").read_text(encoding="utf-8")


def test_mypy_rejects_misuse_of_the_typed_api(tmp_path):
    _mypy_or_skip()
    bad = tmp_path / "misuse.py"
    bad.write_text(textwrap.dedent("""\
        from weixinkit import AsyncComponent, Component, Token, WeixinkitError

        def blocking(c: Component) -> None:
            c.authorizer_list("0")                                  # line 4
            secret: str = c.component_access_token()                # line 5
            c.authorizer("wx1").api_domain_ip().decode()            # line 6

        async def asynchronous(c: AsyncComponent) -> None:
            token: Token = c.component_access_token()               # line 9
            code: str = WeixinkitError.Api(1, "x").errcode          # line 10
        """))
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", "--python-version",
         "3.10", str(bad)],
        capture_output=True, text=True, timeout=600,
        env=dict(os.environ, MYPYPATH=str(SOURCE)),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    lines = {int(m.group(1)) for m in re.finditer(r"misuse\.py:(\d+): error", done.stdout)}
    assert lines == {4, 5, 6, 9, 10}, done.stdout


def _crate_version() -> str:
    text = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    try:
        import tomllib
    except ImportError:  # Python 3.10
        package = text.split("[package]", 1)[1].split("\n[", 1)[0]
        found = re.search(r'^version\s*=\s*"([^"]+)"', package, re.M)
        assert found, "no version in Cargo.toml's [package]"
        return found.group(1)
    return str(tomllib.loads(text)["package"]["version"])


def test_version_is_the_crate_version():
    assert isinstance(weixinkit.__version__, str)
    assert weixinkit.__version__ == _crate_version()
