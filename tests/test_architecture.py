"""The rules of the house that imports cannot express (the import rules are import-linter
contracts in pyproject.toml): services never commit, routers run no SQL, and no domain reads
the clock except through app.core.clock."""

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"
SQL_CALLS = frozenset({"execute", "scalar", "scalars", "stream", "stream_scalars", "text",
                       "exec_driver_sql"})
CLOCK_CALLS = frozenset({("datetime", "now"), ("datetime", "utcnow"), ("datetime", "today"),
                         ("date", "today"), ("time", "time"), ("time", "time_ns")})


def _calls(path: Path) -> Iterator[tuple[int, str, str | None]]:
    """(line, called name, the name it is called on) of every call in the module."""
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if not isinstance(node, ast.Call):
            continue
        function = node.func
        if isinstance(function, ast.Attribute):
            owner = function.value
            owner_name = owner.id if isinstance(owner, ast.Name) else (
                owner.attr if isinstance(owner, ast.Attribute) else None)
            yield node.lineno, function.attr, owner_name
        elif isinstance(function, ast.Name):
            yield node.lineno, function.id, None


def _where(path: Path, line: int) -> str:
    return f"{path.relative_to(APP.parent)}:{line}"


def _domain_modules(name: str) -> list[Path]:
    return sorted(p for p in APP.glob(f"*/{name}") if p.parent.name != "core")


@pytest.mark.parametrize("path", _domain_modules("service.py"), ids=lambda p: p.parent.name)
def test_services_never_commit(path: Path):
    commits = [_where(path, line) for line, name, _ in _calls(path) if name == "commit"]
    assert commits == [], "a service flushes; the request's unit of work commits"


@pytest.mark.parametrize("path", _domain_modules("router.py"), ids=lambda p: p.parent.name)
def test_routers_run_no_sql(path: Path):
    sql = [f"{_where(path, line)} {name}()" for line, name, _ in _calls(path)
           if name in SQL_CALLS]
    assert sql == [], "a router calls a service; the SQL lives in a repository"


def test_no_domain_reads_the_clock_itself():
    readers = [f"{_where(path, line)} {owner}.{name}()"
               for path in sorted(APP.rglob("*.py")) if path != APP / "core" / "clock.py"
               for line, name, owner in _calls(path) if (owner, name) in CLOCK_CALLS]
    assert readers == [], "read the time through app.core.clock, which the tests control"


def test_the_rules_see_the_code():
    """The globs above find the modules they police (a moved tree would pass vacuously)."""
    assert len(_domain_modules("service.py")) >= 10
    assert len(_domain_modules("router.py")) >= 10
