"""The layers of the README's Architecture, checked on the source with `ast`.

Each layer may import only the ones below it:

    pages/          page scripts (every file a page of app.catalog.PAGES)
    app/            Streamlit helpers
    vgcore/workshop curriculum: plain Python, no streamlit
    vgcore/charts   Altair builders: may import the engine, not the workshop
    vgcore engine   config, data, model, train, probes, results, activations, heads, inits,
                    optimizers: no altair, no streamlit, no workshop, no charts

and nothing in `vgcore` imports streamlit or the app, so `import vgcore` works in a
notebook or a CLI with no Streamlit installed. The vgcore modules form no import cycle.

The checks read every `import` statement in the files (also those inside functions,
which still run when the function is called), not `sys.modules`, so they hold whatever
the test session happens to have imported already. Imports under `if TYPE_CHECKING:`
never run; they count for the layer rules but not for cycles.
"""
from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from app.catalog import PAGES

ROOT = Path(__file__).resolve().parents[1]
VGCORE = ROOT / "vgcore"
# The engine's modules by name; any other module in vgcore/ but the CLI, the charts, the
# workshop and the package's own files is engine too and obeys the same rules.
DESIGN_ENGINE = ("config", "data", "model", "train", "probes", "results", "activations",
                 "heads", "inits", "optimizers", "kinds", "mlp", "recurrent.train")
NOT_ENGINE = ("__init__", "__main__", "cli", "charts", "workshop")
ENGINE = tuple(sorted(
    ".".join(p.relative_to(VGCORE).with_suffix("").parts) for p in VGCORE.rglob("*.py")
    if p.relative_to(VGCORE).parts[0].removesuffix(".py") not in NOT_ENGINE
    and p.stem != "__init__"))
# Top-level packages nothing in vgcore may import: the Streamlit layers.
APP_LAYERS = ("streamlit", "app", "pages", "streamlit_app")


def _module_name(path: Path) -> str:
    """vgcore/workshop/presets.py -> vgcore.workshop.presets; .../__init__.py -> package."""
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _vgcore_files() -> dict[str, Path]:
    return {_module_name(p): p for p in sorted(VGCORE.rglob("*.py"))}


MODULES = _vgcore_files()


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or \
        (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _import_nodes(tree: ast.AST, *, runtime_only: bool = False,
                  import_time_only: bool = False) -> list[ast.stmt]:
    """Every Import / ImportFrom in the tree. runtime_only: not those under
    `if TYPE_CHECKING:` (they never run). import_time_only: also not those inside a
    function body (they run when the function is called, not when the module loads)."""
    found: list[ast.stmt] = []

    def visit(node: ast.AST) -> None:
        if isinstance(node, ast.If) and runtime_only and _is_type_checking(node.test):
            for child in node.orelse:
                visit(child)
            return
        if import_time_only and isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                  ast.Lambda)):
            return
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            found.append(node)
        for child in ast.iter_child_nodes(node):
            visit(child)
    visit(tree)
    return found


def _resolved(path: Path, node: ast.stmt) -> tuple[str, list[str]]:
    """(the module an import statement names, the names it takes from it); relative
    imports resolved against the importing file's package."""
    if isinstance(node, ast.Import):
        return "", [alias.name for alias in node.names]
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    if node.level:
        base = package.split(".")
        base = base[:len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module
    return target, [alias.name for alias in node.names]


def imports_of(path: Path, *, runtime_only: bool = False, import_time_only: bool = False
               ) -> set[str]:
    """The absolute names of the modules a file imports. `from X import y` counts as X.y
    when that is a vgcore module (`from . import charts`), else as X (`from vgcore import
    ExperimentConfig` runs vgcore/__init__.py)."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    names: set[str] = set()
    for node in _import_nodes(tree, runtime_only=runtime_only,
                              import_time_only=import_time_only):
        target, taken = _resolved(path, node)
        if not target:                          # import a.b, c
            names.update(taken)
            continue
        submodules = {f"{target}.{name}" for name in taken} & set(MODULES)
        names.update(submodules)
        if len(submodules) < len(taken):        # some name is an attribute of `target`
            names.add(target)
    return names


def _within(name: str, packages: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in packages)


def import_graph(*, import_time_only: bool = True) -> dict[str, set[str]]:
    """vgcore module -> the vgcore modules it imports when it loads (import_time_only) or
    at any time (also inside its functions)."""
    return {mod: {n for n in imports_of(path, runtime_only=True,
                                        import_time_only=import_time_only)
                  if n in MODULES and n != mod}
            for mod, path in MODULES.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as [a, b, ..., a], or None (depth-first search, colouring nodes)."""
    state: dict[str, int] = {}          # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == 1:
                return path[path.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        path.pop()
        state[node] = 2
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


# -- the checker checks itself ---------------------------------------------------------

def test_import_resolution_and_cycle_finder_work():
    """The graph sees relative, absolute and `from . import module` imports, tells
    imports inside functions from those that run on load, and the cycle finder reports
    a cycle when there is one (else an empty graph would pass)."""
    loaded, anytime = import_graph(), import_graph(import_time_only=False)
    assert "vgcore.activations" in loaded["vgcore.config"]         # from .activations import
    assert "vgcore.activations" in loaded["vgcore.model"]          # from . import activations
    assert "vgcore" not in loaded["vgcore.model"]                  # ... not the package
    assert "vgcore.charts" in loaded["vgcore.workshop.presets"]    # from vgcore import charts
    assert "vgcore.workshop.experiments" in loaded["vgcore.workshop.presets"]  # from .experiments
    assert "vgcore.workshop.warmup" not in loaded["vgcore.cli"]    # imported inside cmd_warm
    assert "vgcore.workshop.warmup" in anytime["vgcore.cli"]       # ... which the full graph sees
    assert "vgcore.model" not in loaded["vgcore.results"]          # under TYPE_CHECKING only
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) is None


def test_engine_modules_exist():
    """Every engine module named in DESIGN_ENGINE is in vgcore/ (and so checked below)."""
    assert set(DESIGN_ENGINE) <= set(ENGINE)


# -- the layer rules ----------------------------------------------------------------------

def test_no_import_cycle_when_modules_load():
    """Loading the vgcore modules never re-enters a module that is still loading: no cycle
    among the imports that run when a module loads."""
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_no_import_cycle_even_through_imports_inside_functions():
    """The vgcore modules form a layered graph: no cycle even counting imports written
    inside functions (a lazy import hides a cycle from the loader, not from the design)."""
    cycle = find_cycle(import_graph(import_time_only=False))
    assert cycle is None, "import cycle: " + " -> ".join(cycle)


def test_every_vgcore_import_names_an_existing_module():
    """Every import of a vgcore module in vgcore/, relative or absolute, at load time or
    inside a function, names a module or package that exists (a moved module's stale
    relative import fails only when its function is first called)."""
    missing = []
    for path in MODULES.values():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in _import_nodes(tree):
            target, taken = _resolved(path, node)
            for module in ([target] if target else taken):
                if _within(module, ("vgcore",)) and module not in MODULES:
                    missing.append(f"{path.relative_to(ROOT)}:{node.lineno}: {module}")
    assert not missing, f"imports of missing modules: {missing}"


@pytest.mark.parametrize("name", ENGINE)
def test_engine_imports_no_charts_workshop_altair_or_streamlit(name):
    """The engine is plain torch/numpy/pandas: no altair (charts are a layer above), no
    streamlit, and neither vgcore.workshop nor vgcore.charts."""
    bad = sorted(n for n in imports_of(MODULES[f"vgcore.{name}"])
                 if _within(n, ("altair", "streamlit", "vgcore.workshop", "vgcore.charts")))
    assert not bad, f"vgcore/{name}.py imports {bad}"


@pytest.mark.parametrize("name", sorted(MODULES))
def test_vgcore_never_imports_streamlit_or_the_app(name):
    """No file under vgcore/ (the workshop included) imports streamlit or the app's own
    modules: `import vgcore` works without Streamlit."""
    bad = sorted(n for n in imports_of(MODULES[name]) if _within(n, APP_LAYERS))
    assert not bad, f"{MODULES[name].relative_to(ROOT)} imports {bad}"


# vgcore.charts is a package: its __init__ re-exports the builders of one module per subject.
CHARTS = sorted(n for n in MODULES if _within(n, ("vgcore.charts",)))


def _chart_may_import(name: str) -> bool:
    if _within(name, ("vgcore",)):
        return not _within(name, ("vgcore.workshop", "vgcore.cli"))
    return name.split(".")[0] in sys.stdlib_module_names or \
        _within(name, ("altair", "pandas", "numpy"))


@pytest.mark.parametrize("name", CHARTS)
def test_charts_import_only_the_engine_altair_and_pandas(name):
    """Every module of the charts builds on the engine only (and altair, pandas, numpy, the
    standard library): never the workshop, which builds on charts, nor streamlit."""
    bad = sorted(n for n in imports_of(MODULES[name]) if not _chart_may_import(n))
    assert not bad, f"{MODULES[name].relative_to(ROOT)} imports {bad}"


def test_the_charts_check_sees_every_chart_module():
    assert "vgcore.charts" in CHARTS and len(CHARTS) == len(list(
        (VGCORE / "charts").glob("*.py")))
    assert not _chart_may_import("vgcore.workshop.presets")
    assert not _chart_may_import("streamlit") and _chart_may_import("vgcore.results")


def test_catalog_is_plain_data():
    """app/catalog.py imports no streamlit, so tests can read the navigation."""
    bad = sorted(n for n in imports_of(ROOT / "app" / "catalog.py")
                 if _within(n, ("streamlit",)))
    assert not bad


# -- pages --------------------------------------------------------------------------------

def test_pages_folder_holds_exactly_the_catalog_pages():
    """Every file in pages/ is a page of app.catalog.PAGES, and every page lives there."""
    files = sorted(f"pages/{p.name}" for p in (ROOT / "pages").iterdir()
                   if p.name != "__pycache__")
    listed = [p.path for p in PAGES]
    assert len(set(listed)) == len(listed), "a page is listed twice"
    assert sorted(listed) == files


def _config_literals(path: Path) -> list[int]:
    """Line numbers of `ExperimentConfig(...)` calls in a file."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    lines = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Call):
            func = node.func
            name = func.id if isinstance(func, ast.Name) else \
                func.attr if isinstance(func, ast.Attribute) else ""
            if name == "ExperimentConfig":
                lines.append(node.lineno)
    return lines


@pytest.mark.parametrize("page", sorted(p.path for p in PAGES))
def test_pages_build_no_config_of_their_own(page):
    """A page reads its default experiment from vgcore.workshop.experiments (so tests and
    the warm-up see it without Streamlit); it never writes an ExperimentConfig(...)."""
    lines = _config_literals(ROOT / page)
    assert not lines, f"{page} builds an ExperimentConfig on line(s) {lines}"


def test_config_literal_finder_works(tmp_path):
    """The finder spots both spellings of a config literal."""
    script = tmp_path / "page.py"
    script.write_text("import vgcore\nc = ExperimentConfig(lr=1)\n"
                      "d = vgcore.ExperimentConfig()\ne = c.replace(lr=2)\n")
    assert _config_literals(script) == [2, 3]


# -- at run time --------------------------------------------------------------------------

def test_importing_vgcore_loads_no_streamlit():
    """In a fresh interpreter, the library, its CLI, its charts and the workshop import
    without pulling in streamlit."""
    code = ("import vgcore, vgcore.cli, vgcore.charts, vgcore.workshop.presets, "
            "vgcore.workshop.exercises; import sys; assert 'streamlit' not in sys.modules")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]


# Code that runs in the app or the CLI: scikit-learn may appear in tests and bench only.
RUN_TIME_FILES = sorted([*VGCORE.rglob("*.py"), *(ROOT / "app").glob("*.py"),
                         *(ROOT / "pages").glob("*.py"), ROOT / "streamlit_app.py"])


@pytest.mark.parametrize("path", RUN_TIME_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_nothing_at_run_time_imports_sklearn(path):
    """scikit-learn costs a server ~70 MiB of memory: its digits are shipped as data
    (vgcore/datasets/digits.npz) and its moons generator is reproduced in vgcore.data."""
    assert not {n for n in imports_of(path) if _within(n, ("sklearn",))}


def test_a_digits_and_a_moons_run_load_no_sklearn():
    """In a fresh interpreter, the library, the app's modules and a run on each data set
    scikit-learn used to provide leave scikit-learn unimported."""
    code = ("import sys, vgcore, vgcore.cli, vgcore.charts, vgcore.workshop.experiments\n"
            "import app.blocks, app.catalog, app.links, app.runner, app.widgets\n"
            "from vgcore import ExperimentConfig, run\n"
            "for name in ('digits', 'moons'):\n"
            "    run(ExperimentConfig(dataset=name, train_size=60, test_size=20, epochs=1,"
            " hidden=(8,)))\n"
            "assert not [m for m in sys.modules if m.split('.')[0] == 'sklearn'], "
            "sorted(m for m in sys.modules if m.startswith('sklearn'))[:5]")
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True,
                          text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
