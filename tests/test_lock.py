"""The lock files pin exactly what pyproject.toml asks for (re-lock with `make lock`)."""

import re
import tomllib

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.factories import ROOT

PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==([^\s\\;]+)", re.MULTILINE)


def _pins(name: str) -> dict[str, str]:
    text = (ROOT / name).read_text(encoding="utf-8")
    return {canonicalize_name(n): v for n, v in PIN.findall(text)}


def _direct(name: str) -> set[str]:
    """The packages the lock says it took from pyproject.toml ("# via timebank")."""
    direct, package = set(), None
    for line in (ROOT / name).read_text(encoding="utf-8").splitlines():
        if pin := PIN.match(line):
            package = canonicalize_name(pin[1])
        elif package and re.search(r"#\s+(via )?timebank \(pyproject\.toml\)", line):
            direct.add(package)
    return direct


def _wanted(*extras: str) -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    wanted = list(project["dependencies"])
    for extra in extras:
        wanted += project["optional-dependencies"][extra]
    return [Requirement(r) for r in wanted]


@pytest.mark.parametrize(
    ("lock", "extras"), [("requirements.lock", ()), ("requirements-test.lock", ("test",))]
)
def test_the_lock_pins_every_dependency_within_its_range(lock, extras):
    pins, wanted = _pins(lock), _wanted(*extras)
    stale = [
        f"{r}: locked {pins.get(canonicalize_name(r.name), 'nothing')}"
        for r in wanted
        if canonicalize_name(r.name) not in pins
        or not r.specifier.contains(pins[canonicalize_name(r.name)], prereleases=True)
    ]
    assert not stale, f"{lock} is stale (run `make lock`): {stale}"
    assert _direct(lock) == {canonicalize_name(r.name) for r in wanted}, (
        f"{lock} names other direct dependencies than pyproject.toml (run `make lock`)"
    )


def test_both_locks_pin_the_same_versions():
    app, test = _pins("requirements.lock"), _pins("requirements-test.lock")
    assert app.keys() <= test.keys()
    assert {n: test[n] for n in app} == app
