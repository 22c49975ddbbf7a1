"""complycheck: rule-checking compliance engine for institutional-reform (机构编制) plans."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("complycheck")
except PackageNotFoundError:  # pragma: no cover - running from a source tree
    __version__ = "0.0.0+source"

__all__ = ["__version__"]
