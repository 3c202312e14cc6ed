"""Imports flow one way: blueprints -> domain services/queries -> models -> core.

Nothing under timebank/<domain>/ touches the request or imports blueprints; services never
flash, abort, redirect or commit.
"""

import ast
import functools
import shutil
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "timebank"
DOMAINS = ["units", "members", "auth", "audit", "core", "demo", "shifts", "notifications"]
FORBIDDEN_NAMES = {"request", "session", "g", "current_user", "flash", "abort", "redirect"}


@functools.cache
def _tree(path: Path) -> ast.Module:
    """The parsed module at `path`, once per run (several tests read the whole package)."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _domain_files():
    for domain in DOMAINS:
        yield from (PACKAGE / domain).rglob("*.py")


def _imports(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            yield node.module or "", [a.name for a in node.names], node.level
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], 0


def test_domains_do_not_import_request_state_or_blueprints():
    problems = []
    for path in _domain_files():
        for module, names, _level in _imports(_tree(path)):
            if "blueprints" in module.split("."):
                problems.append(f"{path}: imports {module}")
            if module in {"flask", "flask_login"} and FORBIDDEN_NAMES & set(names):
                if path.name == "i18n.py" and path.parent.name == "core":
                    continue  # the locale selector reads the request by design
                problems.append(f"{path}: imports {sorted(FORBIDDEN_NAMES & set(names))}")
    assert not problems, "\n".join(problems)


def test_services_only_flush_never_commit():
    problems = []
    for path in _domain_files():
        if path.name not in {"services.py", "imports.py", "queries.py", "seed.py"}:
            continue
        source = path.read_text(encoding="utf-8")
        if ".commit()" in source:
            problems.append(str(path))
    assert not problems, problems


def test_models_do_not_commit():
    for path in PACKAGE.rglob("models.py"):
        assert ".commit()" not in path.read_text(encoding="utf-8"), path


def test_no_module_is_too_long():
    too_long = [
        (p, n)
        for p in PACKAGE.rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > 600
    ]
    assert not too_long, too_long


#: Folders under timebank/ that are edges (they handle requests), not domains.
EDGES = {"blueprints", "http"}


def _absolute(path: Path, module: str, level: int, root: Path = PACKAGE) -> str:
    """The absolute dotted name an import statement in `path` (under `root`) refers to."""
    if not level:
        return module
    package = list(path.relative_to(root.parent).with_suffix("").parts[:-1])
    base = package[: len(package) - (level - 1)]
    return ".".join(base + ([module] if module else []))


def _imported(path: Path, root: Path = PACKAGE):
    """Every module an import in `path` names, at module top or inside a function."""
    for module, names, level in _imports(_tree(path)):
        target = _absolute(path, module, level, root)
        yield target
        yield from (f"{target}.{name}" for name in names)


def test_no_domain_imports_notifications():
    """Notifications sits above the domains whose signals it hears: they announce what
    happened (`<domain>/signals.py`) and never call it, not even lazily."""
    domains = [p for p in PACKAGE.iterdir() if (p / "__init__.py").exists() and p.name not in EDGES]
    assert {"shifts", "members", "ledger", "mobilisation", "core"} <= {p.name for p in domains}
    problems = [
        f"{path.relative_to(PACKAGE)}: imports {target}"
        for domain in domains
        if domain.name != "notifications"
        for path in domain.rglob("*.py")
        for target in _imported(path)
        if target == "timebank.notifications" or target.startswith("timebank.notifications.")
    ]
    assert not problems, "\n".join(problems)


def test_notices_modules_hold_data_and_depend_only_on_core():
    """A domain's notices.py words its notices and imports nothing above core."""
    paths = sorted(PACKAGE.glob("*/notices.py"))
    assert {p.parent.name for p in paths} >= {"shifts", "members", "ledger", "mobilisation"}
    for path in paths:
        for target in _imported(path):
            top = target.split(".")
            assert top[0] != "timebank" or top[1:2] == ["core"], f"{path}: imports {target}"


# --- layers ------------------------------------------------------------------------------
#: The layers, lowest first (docs/architecture.md). A module may import its own domain and
#: any lower layer, never a higher one nor a peer of its own layer; lazy imports count.
#: Every folder under timebank/ must be placed here (test_every_folder_has_a_layer).
LAYERS = [
    {"core", "extensions", "config", "integrations"},
    {"models"},  # each <domain>/models.py, *_models.py (cross-domain relations), timebank/models.py
    {"rights"},  # auth/permissions.py: the one permission helper
    {"audit"},
    {"units"},
    {"members"},
    {"auth"},
    {"shifts"},
    {"ledger"},
    {"checkin"},
    {"dispatch", "mobilisation"},
    {"party", "certificates", "exchange", "sms"},  # read the service records below them
    {"rankings"},
    {"notifications"},
    {"demo"},
    {"blueprints", "http"},
    {"app"},  # timebank/__init__.py (the app factory), cli.py, scheduler.py
]
RANK = {name: i for i, layer in enumerate(LAYERS) for name in layer}


def _layer(parts: list[str]) -> tuple[str, str]:
    """(layer, domain) of a module given as its dotted parts after `timebank`."""
    if not parts or parts[0] in {"cli", "scheduler", "__init__"}:
        return "app", "app"
    if parts[0] in {"models", "extensions", "config"}:
        return ("models" if parts[0] == "models" else "core"), parts[0]
    domain = parts[0]
    if len(parts) > 1 and (parts[1] == "models" or parts[1].endswith("_models")):
        return "models", domain
    if parts[:2] == ["auth", "permissions"]:
        return "rights", "rights"
    return domain, domain


def _module_parts(path: Path, root: Path = PACKAGE) -> list[str]:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return parts[:-1] if parts[-1] == "__init__" else parts


def _upward_imports(root: Path = PACKAGE, paths=None) -> list[str]:
    """Every import in `paths` (by default all modules under `root`, the package or a copy
    of it) that runs up or sideways."""
    problems = []
    for path in root.rglob("*.py") if paths is None else paths:
        source_layer, source_domain = _layer(_module_parts(path, root))
        for target in {t for t in _imported(path, root) if t.startswith("timebank.")}:
            parts = target.split(".")[1:]
            if (root.joinpath(*parts).with_suffix(".py")).exists() or (
                root.joinpath(*parts) / "__init__.py"
            ).exists():
                layer, domain = _layer(parts)
            else:
                continue  # a name imported from a module, checked as the module itself
            if domain == source_domain or layer == source_layer in {"models", "core"}:
                continue
            if RANK[layer] >= RANK[source_layer]:
                problems.append(f"{path.relative_to(root)} ({source_layer}) -> {target}")
    return sorted(problems)


def test_every_folder_has_a_layer():
    folders = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    folders |= {p.stem for p in PACKAGE.glob("*.py") if p.stem not in {"__init__"}}
    missing = {f for f in folders if _layer([f])[0] not in RANK}
    assert not missing, f"place these in LAYERS: {sorted(missing)}"


def test_no_import_runs_upward_or_sideways():
    assert _upward_imports() == []


def _python_files_only(folder: str, names: list[str]) -> set[str]:
    return {n for n in names if not n.endswith(".py") and not (Path(folder) / n).is_dir()}


def test_the_layer_test_sees_a_new_upward_import(tmp_path):
    """A lazy import of rankings from the ledger (the old cycle) would fail the test.

    The probe goes into a copy of the package's modules, never into timebank/ itself:
    tests on other workers read the tree at the same time.
    """
    copy = tmp_path / "timebank"
    shutil.copytree(PACKAGE, copy, ignore=_python_files_only)
    sneaky = copy / "ledger" / "_sneaky_probe.py"
    sneaky.write_text("def f():\n    from ..rankings import totals\n", encoding="utf-8")
    assert any("_sneaky_probe" in p for p in _upward_imports(copy, [sneaky]))


def test_lazy_imports_are_few_and_in_the_allowed_files():
    """Imports inside functions only in the app factory, the CLI and API registration and
    the scheduler (ruff PLC0415 allows them there alone): nowhere else."""
    allowed = {PACKAGE / "__init__.py", PACKAGE / "cli.py", PACKAGE / "scheduler.py"}
    allowed.add(PACKAGE / "blueprints" / "api" / "__init__.py")  # the API's registration
    lazy = []
    for path in PACKAGE.rglob("*.py"):
        tree = _tree(path)
        top = {id(node) for node in tree.body}
        lazy += [
            f"{path.relative_to(PACKAGE)}:{node.lineno}"
            for node in ast.walk(tree)
            if isinstance(node, ast.Import | ast.ImportFrom) and id(node) not in top
            if path not in allowed
        ]
    assert lazy == [], lazy
