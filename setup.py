"""Build step of fugong: compile the message catalogues (.po → .mo) into the package.

Everything else is in pyproject.toml. ``pip install .`` (a wheel) and ``pip install -e .`` (editable)
both run build_py, so an installed fugong always has compiled catalogues; Babel is a build requirement.
"""

from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

LOCALE = Path(__file__).resolve().parent / "src" / "fugong" / "locale"


def compile_catalogues() -> None:
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    for po in sorted(LOCALE.glob("*/LC_MESSAGES/*.po")):
        with po.open("rb") as fh:
            catalogue = read_po(fh, locale=po.parts[-3])
        with po.with_suffix(".mo").open("wb") as fh:
            write_mo(fh, catalogue)


class build_py_with_catalogues(build_py):
    def run(self):
        compile_catalogues()
        # The package-data list may have been computed before the .mo files existed.
        self.__dict__.pop("data_files", None)
        super().run()


setup(cmdclass={"build_py": build_py_with_catalogues})
