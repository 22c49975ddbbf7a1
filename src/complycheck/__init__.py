"""complycheck: rule-checking compliance engine for institutional-reform (机构编制) plans."""

__version__ = "0.1.0"

__all__ = ["__version__"]
