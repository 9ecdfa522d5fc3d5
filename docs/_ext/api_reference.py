"""The Python API reference, generated from each module's ``__all__``, docstrings and type hints.

A page asks for a module with ``{generated} api MODULE``; the generator writes autodoc directives for every
name in that module's ``__all__``, grouped as modules, classes, exceptions, functions and data. The modules
are read in the order of ``api_modules`` (``conf.py``): a class or function already documented under an
earlier name (``tutorflow_nb.ContentClient`` before ``tutorflow_nb.sync_clients.ContentClient``) is
linked to, not documented twice.

Type hints name objects where they are defined (``tutorflow_nb.jobs.BatchResult``), or by a bare name a
module imports only for type checkers. A reference that Sphinx cannot find is looked up here: the object it
names is found (in the module, or in its ``if TYPE_CHECKING:`` imports) and the reference goes to the name
it is documented under. A name of this package that is documented nowhere stays an error (the build is
nitpicky); a name of another project shows as plain text, since the build reads no other site.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import importlib
import importlib.util
import inspect
import sys
import types
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

from docutils import nodes
from generated import generator
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.errors import ExtensionError
from sphinx.pycode import ModuleAnalyzer

PACKAGE = "tutorflow_nb"
GROUPS = ("Modules", "Classes", "Exceptions", "Functions", "Data")


@dataclass
class Entry:
    """One name of a module's ``__all__`` and where the reference documents it."""

    name: str
    group: str
    obj: Any
    documented_as: str | None = None
    """Set when an earlier module documents the same object."""


@dataclass
class Plan:
    """Every documented module's entries, and the documented name of each class, function and module."""

    modules: dict[str, list[Entry]] = field(default_factory=dict)
    names: dict[int, str] = field(default_factory=dict)


def _group(obj: Any) -> str:
    if isinstance(obj, types.ModuleType):
        return "Modules"
    if inspect.isclass(obj):
        return "Exceptions" if issubclass(obj, BaseException) else "Classes"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return "Functions"
    return "Data"


def _identified(obj: Any) -> bool:
    """Objects a reference can name by identity (a constant such as ``2`` may be shared by chance)."""
    return isinstance(obj, types.ModuleType) or inspect.isclass(obj) or inspect.isfunction(obj)


def plan(modules: list[str]) -> Plan:
    """What each module's page documents, in reading order."""
    result = Plan()
    for module_name in modules:
        module = importlib.import_module(module_name)
        names = getattr(module, "__all__", None)
        if names is None:
            raise ExtensionError(f"api_modules: {module_name} has no __all__ to document")
        result.names.setdefault(id(module), module_name)
        entries = []
        for name in names:
            obj = getattr(module, name)
            entry = Entry(name, _group(obj), obj)
            if _identified(obj):
                earlier = result.names.get(id(obj))
                if earlier is not None and earlier != f"{module_name}.{name}":
                    entry.documented_as = earlier
                else:
                    result.names[id(obj)] = f"{module_name}.{name}"
            entries.append(entry)
        result.modules[module_name] = entries
    return result


_PLANS: dict[tuple[str, ...], Plan] = {}


def _plan(app: Sphinx) -> Plan:
    """The plan for this build's ``api_modules``, made once per process (it holds live objects)."""
    modules = tuple(app.config.api_modules)
    if modules not in _PLANS:
        _PLANS[modules] = plan(list(modules))
    return _PLANS[modules]


@generator("api")
def _api_page(app: Sphinx, docname: str, arg: str) -> str:
    """``MODULE [LEVEL]``: the module's names, grouped under headings of LEVEL (default 2: ``##``)."""
    module_name, _, level = arg.partition(" ")
    heading = "#" * int(level or 2)
    entries = _plan(app).modules.get(module_name)
    if entries is None:
        raise ExtensionError(f"{docname}: {module_name} is not in api_modules (conf.py): add it there")
    out = [f"```{{eval-rst}}\n.. automodule:: {module_name}\n   :no-members:\n```\n"]
    for group in GROUPS:
        members = [e for e in entries if e.group == group]
        if not members:
            continue
        out.append(f"{heading} {group}\n")
        elsewhere = [e for e in members if e.documented_as]
        here = [e for e in members if not e.documented_as]
        if elsewhere:
            role = "mod" if group == "Modules" else "obj"
            listed = ", ".join(f"{{py:{role}}}`~{e.documented_as}`" for e in elsewhere)
            out.append(f"Documented with their own page or under an earlier name: {listed}.\n")
        if group == "Modules":
            out.extend(f"- {{py:mod}}`{module_name}.{e.name}`" for e in here)
            out.append("")
            continue
        directives = []
        for e in here:
            target = f"{module_name}.{e.name}"
            if group in ("Classes", "Exceptions"):
                directive = "autoclass" if group == "Classes" else "autoexception"
                undocumented = getattr(e.obj, "__module__", "") not in app.config.api_documented_members_only
                options = (
                    "   :members:\n" + ("   :undoc-members:\n" if undocumented else "") + "   :show-inheritance:\n"
                )
                directives.append(f".. {directive}:: {target}\n{options}")
            elif group == "Functions":
                directives.append(f".. autofunction:: {target}\n")
            else:
                directives.append(_data(module_name, e.name))
        if directives:
            out.append("```{eval-rst}\n" + "\n".join(directives) + "```\n")
    return "\n".join(out)


def _data(module_name: str, name: str) -> str:
    """A constant with the docstring written under its assignment (where it is defined, if re-exported).

    Never the value's own docstring: autodoc falls back to ``dict.__doc__`` for a dict without one.
    """
    module = importlib.import_module(module_name)
    home, attr = getattr(module, "_LAZY", {}).get(name, (module_name, name))
    docs = ModuleAnalyzer.for_module(home).find_attr_docs().get(("", attr or name), [])
    body = "".join(f"   {line}\n" if line.strip() else "\n" for line in docs)
    return f".. py:data:: {name}\n   :module: {module_name}\n\n{body}"


_PROSE: dict[tuple[str, str], list[str]] = {}
_ATTRIBUTES = ("attribute", "property", "data")


def _hide_from_napoleon(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    """Keep napoleon from reading an attribute's first words before a colon as its type.

    This package's attribute and property docstrings are sentences ("What the run ended with: ...") and
    their types are in the annotations, so napoleon is given nothing to read, and the sentence is put back
    after it (``_give_back``).
    """
    if what in _ATTRIBUTES and lines:
        _PROSE[(what, name)] = list(lines)
        lines.clear()


def _give_back(app: Sphinx, what: str, name: str, obj: Any, options: Any, lines: list[str]) -> None:
    if (what, name) in _PROSE:
        lines[:] = _PROSE.pop((what, name))


@cache
def _type_checking_imports(module_name: str) -> dict[str, str]:
    """The names a module imports under ``if TYPE_CHECKING:``, each with the dotted path it comes from."""
    module = sys.modules.get(module_name)
    source_file = getattr(module, "__file__", None)
    if not source_file:
        return {}
    tree = ast.parse(Path(source_file).read_text(encoding="utf-8"))
    package = module_name if source_file.endswith("__init__.py") else module_name.rpartition(".")[0]
    found: dict[str, str] = {}
    for stmt in ast.walk(tree):
        if not (isinstance(stmt, ast.If) and "TYPE_CHECKING" in ast.unparse(stmt.test)):
            continue
        for imp in stmt.body:
            if isinstance(imp, ast.ImportFrom):
                base = importlib.util.resolve_name("." * imp.level + (imp.module or ""), package)
                for alias in imp.names:
                    found[alias.asname or alias.name] = f"{base}.{alias.name}"
            elif isinstance(imp, ast.Import):
                for alias in imp.names:
                    found[alias.asname or alias.name] = alias.name
    return found


def _find(dotted: str) -> Any:
    """The object a dotted path names, importing the longest module prefix; raises LookupError."""
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            obj: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        try:
            for part in parts[cut:]:
                obj = getattr(obj, part)
        except AttributeError:
            raise LookupError(dotted) from None
        return obj
    raise LookupError(dotted)


def _candidates(node: pending_xref) -> Iterator[str]:
    """Dotted paths the target may mean: as written, in its module (and the module its class comes from),
    in those modules' type-checking imports."""
    target: str = node["reftarget"].lstrip(".~")
    module_name = node.get("py:module") or ""
    yield target
    head, _, rest = target.partition(".")
    modules = [module_name, *_ancestors(module_name)]
    if node.get("py:class"):
        with contextlib.suppress(LookupError):
            modules.insert(0, getattr(_find(f"{module_name}.{node['py:class']}"), "__module__", ""))
    for module in modules:
        if not module:
            continue
        imported = _type_checking_imports(module).get(head)
        if imported:
            yield f"{imported}.{rest}" if rest else imported
        yield f"{module}.{target}"


def _ancestors(module_name: str) -> list[str]:
    parts = module_name.split(".")
    return [".".join(parts[:i]) for i in range(len(parts) - 1, 0, -1)]


def documented_name(app: Sphinx, dotted: str) -> str | None:
    """The name the reference documents the object ``dotted`` names under (its own, or an earlier one)."""
    names = _plan(app).names
    parts = dotted.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            owner = _find(".".join(parts[:cut]))
        except LookupError:
            continue
        if _identified(owner) and id(owner) in names:
            return ".".join([names[id(owner)], *parts[cut:]])
    return None


def _missing_reference(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.Element | None:
    if node.get("refdomain") != "py":
        return None
    domain = env.get_domain("py")
    for candidate in _candidates(node):
        if any(part.startswith("_") and not part.startswith("__") for part in candidate.split(".")):
            return contnode  # a private name: shown, never documented
        try:
            obj = _find(candidate)
        except LookupError:
            continue
        if isinstance(obj, (TypeVar, ParamSpec)):
            return contnode  # a type variable stands for whatever it is bound to
        home = obj.__name__ if isinstance(obj, types.ModuleType) else getattr(obj, "__module__", None)
        if not str(home).startswith(PACKAGE):
            return contnode  # another project's name: plain text, as nitpick_ignore_regex says
        name = documented_name(app, candidate)
        if name is None:
            continue
        retargeted = node.deepcopy()
        retargeted["reftarget"] = name
        found = domain.resolve_any_xref(env, node["refdoc"], app.builder, name, retargeted, contnode)
        if found:
            return found[0][1]
    return None


def _readable_defaults(
    app: Sphinx, what: str, name: str, obj: Any, options: Any, signature: str | None, annotation: str | None
) -> tuple[str | None, str | None] | None:
    """A dataclass field made by a factory shows as ``...``: ``<factory>`` is no Python, and Sphinx would read
    the whole signature word by word."""
    if signature and "<factory>" in signature:
        return signature.replace("<factory>", "..."), annotation
    return None


def _builtins_exactly(app: Sphinx, doctree: nodes.document) -> None:
    """``type[...]`` in a signature means the builtin, never some class's attribute named ``type``."""
    for node in doctree.findall(pending_xref):
        if node.get("refdomain") == "py" and node.get("reftarget") in vars(builtins) and "refspecific" in node:
            del node["refspecific"]  # Sphinx searches loosely when the attribute is there at all


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_config_value("api_modules", [], "env", [list])
    app.add_config_value("api_documented_members_only", [], "env", [list])
    app.connect("missing-reference", _missing_reference)
    app.connect("doctree-read", _builtins_exactly)
    app.connect("autodoc-process-signature", _readable_defaults)
    app.connect("autodoc-process-docstring", _hide_from_napoleon, priority=400)  # napoleon's is 500
    app.connect("autodoc-process-docstring", _give_back, priority=600)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
