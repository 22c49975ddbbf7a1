"""The waiver file: waivers (豁免) kept beside the plans rather than inside them.

A waiver in a plan (``waivers:`` of :class:`~complycheck.model.plan.Plan`) is for that plan; a
waiver in a waiver file also names the plan it is for.
"""

from __future__ import annotations

from pydantic import Field

from .plan import Ident, Model, Waiver


class FileWaiver(Waiver):
    """A waiver of a waiver file: a plan's waiver and the id of the plan it is for."""

    plan: Ident


class WaiverFile(Model):
    """A waiver file: ``waivers:``, a list of waivers, each naming its plan."""

    waivers: list[FileWaiver] = Field(default_factory=list)
