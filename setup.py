"""Packaging for scrapyd: `scrapyd-deploy` runs `python setup.py bdist_egg` with this file.

Without a committed setup.py, scrapyd-deploy writes its own, which ships Python modules only:
a job that needs a data file then dies with ``finish_reason: start_error`` while scrapyd lists
it as finished. So every non-Python file under ``newsportal/`` goes into the egg as package data,
found by walking the tree, so that a data file added later cannot be forgotten here.

No install_requires: the scrapyd host installs requirements.txt itself (see docs/deploy.md).
"""

from pathlib import Path

from setuptools import find_packages, setup

HERE = Path(__file__).resolve().parent
PACKAGE = "newsportal"
# Build and editor litter that must never reach the egg.
IGNORED_SUFFIXES = {".py", ".pyc", ".pyo", ".swp"}
IGNORED_DIRS = {"__pycache__"}


def package_data_files(package: str) -> list[str]:
    """Every non-Python file below the package, relative to it (setuptools' package_data form)."""
    root = HERE / package
    files = []
    for path in sorted(root.rglob("*")):
        if not path.is_file() or path.suffix in IGNORED_SUFFIXES:
            continue
        relative = path.relative_to(root)
        if IGNORED_DIRS.intersection(relative.parts) or path.name.startswith("."):
            continue
        files.append(relative.as_posix())
    return files


setup(
    name=PACKAGE,
    version="0.1.0",
    packages=find_packages(include=[PACKAGE, f"{PACKAGE}.*"]),
    package_data={PACKAGE: package_data_files(PACKAGE)},
    include_package_data=False,
    # scrapyd's runner reads this entry point to find the settings module inside the egg.
    entry_points={"scrapy": ["settings = newsportal.settings"]},
)
