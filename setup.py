"""Build step of the package (the metadata is in pyproject.toml).

``pip install .`` ships what a deployment needs besides the code: the
compiled message catalogues (``.mo``, from the ``.po`` files; without them
every page is English under ``<html lang="ja">``) and the Alembic migrations,
copied into ``leadshare/migrations`` so that ``flask --app wsgi db upgrade``
finds them inside the installed package.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

ROOT = Path(__file__).resolve().parent


class BuildWithCataloguesAndMigrations(build_py):
    """build_py, plus compiled catalogues and the migrations inside the package."""

    def run(self) -> None:
        """Build the Python packages, then add the .mo files and the migrations."""
        super().run()
        if self.dry_run:
            return
        target = Path(self.build_lib) / "leadshare"
        compile_catalogues(ROOT / "leadshare" / "translations", target / "translations")
        migrations = target / "migrations"
        shutil.rmtree(migrations, ignore_errors=True)
        shutil.copytree(
            ROOT / "migrations", migrations, ignore=shutil.ignore_patterns("__pycache__", "*.pyc")
        )


def compile_catalogues(source: Path, target: Path) -> None:
    """Compile every ``<lang>/LC_MESSAGES/*.po`` under ``source`` to ``.mo`` under ``target``."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po_path in sorted(source.glob("*/LC_MESSAGES/*.po")):
        with po_path.open("rb") as po_file:
            catalogue = read_po(po_file, locale=po_path.parts[-3])
        mo_path = target / po_path.relative_to(source).with_suffix(".mo")
        mo_path.parent.mkdir(parents=True, exist_ok=True)
        with mo_path.open("wb") as mo_file:
            write_mo(mo_file, catalogue, use_fuzzy=True)


setup(cmdclass={"build_py": BuildWithCataloguesAndMigrations})
