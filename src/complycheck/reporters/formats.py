"""The report formats, by name: the registry's keys and the command line's choices."""

from __future__ import annotations

from enum import StrEnum


class OutputFormat(StrEnum):
    RICH = "rich"
    TEXT = "text"
    JSON = "json"
    SARIF = "sarif"
    JUNIT = "junit"
    GITHUB = "github"
    MARKDOWN = "markdown"


FORMAT_HELP = {
    OutputFormat.RICH: "the report for reading (the default)",
    OutputFormat.TEXT: "one line per finding: file:line:col: ID severity message",
    OutputFormat.JSON: "the canonical report as JSON (both languages)",
    OutputFormat.SARIF: "SARIF 2.1.0, for GitHub code scanning",
    OutputFormat.JUNIT: "JUnit XML, for GitLab and Jenkins test reports",
    OutputFormat.GITHUB: "GitHub Actions annotations (::error file=...)",
    OutputFormat.MARKDOWN: "Markdown for a pull-request comment",
}
