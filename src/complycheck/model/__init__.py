"""The plan format: pydantic models of a submitted institutional-reform plan."""
