"""The layer rule (issue 16): an app reaches only the apps below it, in its imports and in its templates.

`lint-imports` checks the imports against the contracts in pyproject.toml ([tool.importlinter]); these tests
show those contracts fail on an upward import, and hold every app's templates to the same order: an
`{% include %}` or `{% extends %}` of a higher app's template, or a URL name in a higher app's namespace,
fails with the file and line. `make lint` runs this file too.
"""

import re
import subprocess
import sys
import tomllib
from pathlib import Path
from types import ModuleType

import pytest
from django.template import TemplateDoesNotExist, engines
from django.urls import get_resolver

ROOT = Path(__file__).resolve().parent.parent
CONFIG = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]
CONTRACTS = {contract["id"]: contract for contract in CONFIG["contracts"]}
# Lowest first, from the layers contract itself, so the imports and the templates follow one order.
ORDER = [layer.strip("()") for layer in reversed(CONTRACTS["layers"]["layers"])]

# Templates allowed to reach higher apps, each with the reason and the issue that removes it. None today:
# the account 360, which composes every app's card, is dashboard's page (dashboard/templates/dashboard/account.html).
ALLOWED: set[str] = set()

TAG = re.compile(r"{%\s*(\w+)(.*?)%}")
QUOTED = re.compile(r"""(["'])(.*?)\1""")
URL_NAME = re.compile(r"^([a-z_]+):[\w:-]+$")


def lint_imports(config: Path, cwd: Path) -> subprocess.CompletedProcess:
    """lint-imports on `config`, the packages found from `cwd`; no cache left behind."""
    return subprocess.run(
        [str(Path(sys.executable).with_name("lint-imports")), str(config), "--no-cache"],
        cwd=cwd,
        env={"PYTHONPATH": str(cwd), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=False,
    )


def app_of_path(path: Path) -> str | None:
    """The app (a layer) a file belongs to; None for the project's own templates, config and tests."""
    parts = path.resolve().relative_to(ROOT).parts if path.resolve().is_relative_to(ROOT) else ()
    return parts[0] if parts and parts[0] in ORDER else None


def app_of_template(name: str) -> str | None:
    try:
        found = engines["django"].engine.find_template(name.split("#")[0])[1]
    except TemplateDoesNotExist:
        return None
    return app_of_path(Path(found.name))


def namespace_apps() -> dict[str, str | None]:
    """URL namespace -> the app whose urls module defines it ('ingestion' is health's, 'api' config's)."""
    apps = {}
    for namespace, (_prefix, resolver) in get_resolver().namespace_dict.items():
        module = resolver.urlconf_name
        if isinstance(module, list | tuple):
            # A list wired in config/urls.py: the app it names (accounts' routes with dashboard's account 360),
            # or else the app of its first view (health's tracking API, the `ingestion` namespace).
            top = namespace if namespace in ORDER else module[0].callback.__module__.split(".")[0]
        else:
            top = (module.__name__ if isinstance(module, ModuleType) else str(module)).split(".")[0]
        apps[namespace] = top if top in ORDER else None
    return apps


def upward_reaches(template: Path, app: str, namespaces: dict[str, str | None], root: Path = ROOT) -> list[str]:
    """'file:line: what' (the file from `root`) for each include, extends or URL name in `template` that
    reaches above `app`."""
    found = []
    for number, line in enumerate(template.read_text().splitlines(), start=1):
        for tag, arguments in TAG.findall(line):
            literals = [text for _quote, text in QUOTED.findall(arguments)]
            reaches = []
            if tag in ("include", "extends") and literals:
                reaches.append((app_of_template(literals[0]), f"{tag} {literals[0]!r}"))
            for literal in literals:
                named = URL_NAME.match(literal)
                if named and named.group(1) in namespaces:
                    reaches.append((namespaces[named.group(1)], f"url name {literal!r}"))
            for target, what in reaches:
                if target is not None and ORDER.index(target) > ORDER.index(app):
                    found.append(f"{template.relative_to(root)}:{number}: {what} reaches {target}, above {app}")
    return found


def app_templates(root: Path) -> list[tuple[Path, str]]:
    return [
        (template, app)
        for app in ORDER
        if (root / app / "templates").is_dir()
        for template in sorted((root / app / "templates").rglob("*.html"))
    ]


def test_the_layers_contract_names_every_app():
    apps = {path.parent.name for path in ROOT.glob("*/apps.py")} - {"config"}
    assert apps <= set(ORDER), f"apps missing from the layers contract: {sorted(apps - set(ORDER))}"
    assert ORDER[0] == "tenancy"
    assert ORDER[-1] == "demo"


def test_no_template_reaches_a_higher_app():
    namespaces = namespace_apps()
    assert (namespaces["accounts"], namespaces["dashboard"], namespaces["api"]) == ("accounts", "dashboard", None)
    assert namespaces["ingestion"] == "health"
    found, allowed_reaching = [], set()
    for template, app in app_templates(ROOT):
        reaches = upward_reaches(template, app, namespaces)
        if str(template.relative_to(ROOT)) in ALLOWED:
            allowed_reaching.add(str(template.relative_to(ROOT)))
        else:
            found += reaches
    assert found == [], "Templates reaching a higher app (issue 16's layer rule):\n" + "\n".join(found)
    # An exception nobody needs any more is one the next template could hide behind.
    assert not [name for name in ALLOWED if not upward_reaches(ROOT / name, app_of_path(ROOT / name), namespaces)]


def test_a_planted_template_that_reaches_up_is_named_with_its_line(tmp_path):
    template = tmp_path / "accounts" / "templates" / "accounts" / "page.html"
    template.parent.mkdir(parents=True)
    template.write_text(
        '{% extends "base.html" %}\n'
        '{% include "accounts/_health_band.html" %}\n'
        "<a href=\"{% url 'health:account' 1 %}\">health</a>\n"
        '{% include "journeys/board/_card.html" with x=1 %} {% url "renewals:index" %}\n'
    )
    assert app_templates(tmp_path) == [(template, "accounts")]
    found = upward_reaches(template, "accounts", namespace_apps(), root=tmp_path)
    where = "accounts/templates/accounts/page.html"
    assert found == [
        f"{where}:3: url name 'health:account' reaches health, above accounts",
        f"{where}:4: include 'journeys/board/_card.html' reaches journeys, above accounts",
        f"{where}:4: url name 'renewals:index' reaches renewals, above accounts",
    ]


@pytest.fixture
def planted_tree(tmp_path):
    """Empty packages for every layer, and the contracts of pyproject.toml over them."""
    for app in ORDER:
        (tmp_path / app).mkdir()
        (tmp_path / app / "__init__.py").write_text("")
    for app in ("health", "renewals", "journeys"):
        for module in ("peers", "signals", "models"):
            (tmp_path / app / f"{module}.py").write_text("")
    indent = "\n    "
    lines = ["[importlinter]", "root_packages =" + indent + indent.join(ORDER)]
    for contract in CONFIG["contracts"]:
        lines.append(f"[importlinter:contract:{contract['id']}]")
        for key, value in contract.items():
            if key != "id":
                shown = indent + indent.join(value) if isinstance(value, list) else str(value)
                lines.append(f"{key} = {shown}")
    (tmp_path / ".importlinter").write_text("\n".join(lines) + "\n")
    return tmp_path


def test_the_contracts_hold_on_downward_imports(planted_tree):
    (planted_tree / "health" / "reads.py").write_text("import accounts\nimport tenancy\n")
    (planted_tree / "journeys" / "board.py").write_text("from renewals import peers\nfrom health import peers\n")
    (planted_tree / "communications" / "receivers.py").write_text("from journeys.signals import x\n")
    result = lint_imports(planted_tree / ".importlinter", planted_tree)
    assert result.returncode == 0, result.stdout + result.stderr


def test_an_upward_import_breaks_the_layers_contract(planted_tree):
    (planted_tree / "accounts" / "cards.py").write_text("from health import scores  # noqa\n")
    result = lint_imports(planted_tree / ".importlinter", planted_tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "accounts is not allowed to import health" in result.stdout
    assert "accounts.cards -> health" in result.stdout


@pytest.mark.parametrize(
    ("reader", "lower"),
    [("journeys", "renewals"), ("communications", "health"), ("communications", "journeys")],
)
def test_reading_a_lower_apps_models_instead_of_its_peers_breaks_a_contract(planted_tree, reader, lower):
    (planted_tree / reader / "cards.py").write_text(f"from {lower} import models\n")
    result = lint_imports(planted_tree / ".importlinter", planted_tree)
    assert result.returncode == 1, result.stdout + result.stderr
    assert f"{reader} is not allowed to import {lower}" in result.stdout
    assert f"{reader}.cards -> {lower}.models" in result.stdout
