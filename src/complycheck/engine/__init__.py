"""Engines that evaluate compiled rules against facts.

``durable`` (durable-rules, the engine of record) and ``python`` (a plain-Python evaluator of
the same compiled rules) return the same hits; tests cross-check them.
"""

from __future__ import annotations

from enum import StrEnum

from .base import Engine, EngineResult, Hit


class EngineName(StrEnum):
    DURABLE = "durable"
    PYTHON = "python"


def make_engine(name: EngineName) -> Engine:
    if name is EngineName.DURABLE:
        from .durable import DurableEngine

        return DurableEngine()
    from .python import PythonEngine

    return PythonEngine()


__all__ = ["Engine", "EngineName", "EngineResult", "Hit", "make_engine"]
