"""The rulebook: rule files as data, their loading, and their compilation."""
