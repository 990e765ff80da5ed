"""The house's floors, kept true: every import in `service/` and `workers/` runs downward.

Read from the source with `ast` (nothing is imported), so a deferred import inside a function
counts as much as one at the top of a module — it is still a dependency, only a late one.
A new top-level module of `service/` fails here until it is given a floor, because an
unclassified module is one whose imports nobody checks.

The floors, top to bottom (README, "Layout"):

    wiring        service.app
    front doors   service.cli  service.api  service.dashboard    (siblings: none imports another)
    web plumbing  service.web                                     (for the API and the dashboard only)
    use cases     service.datasets ledger journal assessments batches projects   (no cycles)
    adapters      service.jobs database models artifacts settings auth orphans
    library       workers                                         (imports nothing from service;
                                                                   its parts form no cycle)
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

WIRING = 0
FRONT_DOORS = 1
WEB = 2
USE_CASES = 3
ADAPTERS = 4
LIBRARY = 5

FLOOR_NAMES = {
    WIRING: "wiring",
    FRONT_DOORS: "front doors",
    WEB: "web plumbing",
    USE_CASES: "use cases",
    ADAPTERS: "adapters",
    LIBRARY: "library",
}

# Each unit is a top-level package or module of `service/`; `service` itself (its __init__) is
# the package's empty door and sits with the wiring.
FLOORS: dict[str, int] = {
    "service": WIRING,
    "service.app": WIRING,
    "service.cli": FRONT_DOORS,
    "service.api": FRONT_DOORS,
    "service.dashboard": FRONT_DOORS,
    "service.web": WEB,
    "service.datasets": USE_CASES,
    "service.ledger": USE_CASES,
    "service.journal": USE_CASES,
    "service.assessments": USE_CASES,
    "service.batches": USE_CASES,
    "service.projects": USE_CASES,
    "service.exports": USE_CASES,
    "service.jobs": ADAPTERS,
    "service.database": ADAPTERS,
    "service.models": ADAPTERS,
    "service.artifacts": ADAPTERS,
    "service.settings": ADAPTERS,
    "service.auth": ADAPTERS,
    "service.orphans": ADAPTERS,
}

# The plumbing of HTTP is shared by the two doors that speak it, and by the wiring that mounts them.
WEB_USERS = {"service.app", "service.api", "service.dashboard", "service.web"}

# The few imports that run against a rule on purpose, each with its reason: (importer, imported module).
EXCEPTIONS: dict[tuple[str, str], str] = {
    # `readiness serve` is the process that runs the wiring: whoever starts the house stands outside it.
    # (With several API processes uvicorn imports it by name, "service.app:app_from_environment".)
    ("service.cli.serve", "service.app"): "the server command starts the wired app",
}


@dataclass(frozen=True)
class Import:
    """One import statement's target, where it was written."""

    module: str  # the importing module, dotted
    path: Path
    line: int
    target: str  # the imported module, dotted (for `from a import b`, `a.b` when b is a module)


@dataclass(frozen=True)
class Violation:
    """One import that breaks one rule."""

    imp: Import
    rule: str

    def __str__(self) -> str:
        where = f"{self.imp.path.relative_to(ROOT)}:{self.imp.line}"
        return f"{where}: {self.imp.module} imports {self.imp.target} — {self.rule}"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def source_modules(package: str) -> list[Path]:
    return sorted(p for p in (ROOT / package).rglob("*.py") if "__pycache__" not in p.parts)


def _is_module(dotted: str) -> bool:
    base = ROOT.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(path: Path) -> list[Import]:
    """Every import in the file, at any depth (functions, `if TYPE_CHECKING:` blocks included)."""
    return imports_in(path.read_text(encoding="utf-8"), module_name(path), path)


def imports_in(source: str, module: str, path: Path) -> list[Import]:
    """The imports of `source`, the text of `module` (a package's when `path` is an __init__.py)."""
    is_package = path.name == "__init__.py"
    tree = ast.parse(source, filename=str(path))
    found: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend(Import(module, path, node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                # Relative: `.` is the importing module's package (the module itself for __init__).
                anchor = module.split(".")
                if not is_package:
                    anchor = anchor[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, node.module] if node.module else anchor)
            else:
                base = node.module or ""
            for alias in node.names:
                candidate = f"{base}.{alias.name}"
                target = candidate if _is_module(candidate) else base
                found.append(Import(module, path, node.lineno, target))
    return found


def unit_of(dotted: str) -> str | None:
    """The floor-bearing unit of an own module: `service.X` or `workers.X`; None for third parties."""
    parts = dotted.split(".")
    if parts[0] not in ("service", "workers"):
        return None
    return ".".join(parts[:2])


def floor_of(unit: str) -> int | None:
    if unit == "workers" or unit.startswith("workers."):
        return LIBRARY
    return FLOORS.get(unit)


def all_imports() -> list[Import]:
    return [imp for package in ("service", "workers") for path in source_modules(package)
            for imp in imports_of(path)]


def unclassified_modules() -> list[str]:
    units = {unit_of(module_name(p)) for p in source_modules("service")}
    return sorted(u for u in units if u is not None and floor_of(u) is None)


def floor_violations(imports: list[Import]) -> list[Violation]:
    """Imports that run upward, cross between the sibling doors, or reach web plumbing from elsewhere."""
    found: list[Violation] = []
    for imp in imports:
        source, target = unit_of(imp.module), unit_of(imp.target)
        if source is None or target is None or source == target:
            continue
        if (imp.module, imp.target) in EXCEPTIONS:
            continue
        source_floor, target_floor = floor_of(source), floor_of(target)
        if source_floor is None or target_floor is None:
            continue  # unclassified: reported by its own test
        if source_floor == LIBRARY and target.startswith("service"):
            found.append(Violation(imp, "workers imports nothing from service"))
        elif target_floor < source_floor:
            found.append(Violation(
                imp, f"imports run downward only ({FLOOR_NAMES[source_floor]} may not import "
                     f"{FLOOR_NAMES[target_floor]})"))
        elif source_floor == target_floor == FRONT_DOORS:
            found.append(Violation(imp, "front doors are siblings: the CLI, the API and the dashboard "
                                        "never import each other (move what they share below them)"))
        elif target == "service.web" and source not in WEB_USERS:
            found.append(Violation(imp, "web plumbing is shared by the API and the dashboard only"))
    return found


def cycles(edges: dict[str, dict[str, list[Import]]]) -> list[list[str]]:
    """Strongly connected components with more than one member (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in edges.get(node, {}):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            visit(node)
    return components


def cycle_violations(imports: list[Import], floor: int, rule: str) -> list[Violation]:
    """The imports that close a cycle among the units of one floor, one per edge inside a cycle."""
    edges: dict[str, dict[str, list[Import]]] = {}
    for imp in imports:
        source, target = unit_of(imp.module), unit_of(imp.target)
        if (source is None or target is None or source == target
                or floor_of(source) != floor or floor_of(target) != floor):
            continue
        edges.setdefault(source, {}).setdefault(target, []).append(imp)
    found: list[Violation] = []
    for component in cycles(edges):
        members = set(component)
        for source in component:
            for target, imps in sorted(edges.get(source, {}).items()):
                if target in members:
                    found.extend(Violation(imp, f"{rule}: {' ↔ '.join(component)}") for imp in imps)
    return found


def _report(violations: list[Violation]) -> str:
    return "\n".join(str(v) for v in sorted(violations, key=str))


def test_every_service_module_has_a_floor() -> None:
    assert unclassified_modules() == [], (
        "these service modules belong to no floor; add them to FLOORS in tests/test_layers.py "
        f"(and to the README's Layout): {unclassified_modules()}")


def test_imports_run_downward() -> None:
    violations = floor_violations(all_imports())
    assert not violations, "\n" + _report(violations)


def test_every_exception_is_still_needed() -> None:
    # An exception outliving its import would let the same import come back unnoticed.
    present = {(imp.module, imp.target) for imp in all_imports()}
    stale = sorted(set(EXCEPTIONS) - present)
    assert not stale, f"these imports are gone; remove them from EXCEPTIONS in tests/test_layers.py: {stale}"


def test_use_cases_import_each_other_without_cycles() -> None:
    violations = cycle_violations(all_imports(), USE_CASES, "use cases import each other in a circle")
    assert not violations, "\n" + _report(violations)


def test_workers_parts_import_each_other_without_cycles() -> None:
    violations = cycle_violations(all_imports(), LIBRARY, "workers' parts import each other in a circle")
    assert not violations, "\n" + _report(violations)


def test_the_checker_sees_deferred_and_relative_imports() -> None:
    # The rules are only as good as the reading: an import inside a function and a relative one must both
    # be found, or an upward import could hide there.
    source = (
        "from . import engine\n"
        "from ..models import base\n"
        "def late():\n"
        "    from service.api.routes import api_router\n"
        "    import workers.split\n"
    )
    path = ROOT / "service" / "database" / "migrate.py"
    found = imports_in(source, "service.database.migrate", path)
    assert [(imp.line, imp.target) for imp in found] == [
        (1, "service.database.engine"),
        (2, "service.models.base"),
        (4, "service.api.routes"),
        (5, "workers.split"),
    ]
    [upward] = floor_violations(found)
    assert upward.imp.line == 4 and "adapters may not import front doors" in str(upward)
    assert str(upward).startswith("service/database/migrate.py:4: service.database.migrate imports service.api")


def test_a_circle_is_reported_at_every_import_that_closes_it() -> None:
    here = ROOT / "workers" / "split.py"
    ring = [Import("workers.a", here, 1, "workers.b.c"), Import("workers.b.c", here, 2, "workers.a")]
    assert len(cycle_violations(ring, LIBRARY, "circle")) == 2
    assert cycle_violations(ring[:1], LIBRARY, "circle") == []
