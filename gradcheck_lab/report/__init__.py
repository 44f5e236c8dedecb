"""Formatters of a RunReport: terminal table and JSON (only this package formats results)."""

from gradcheck_lab.report.json_report import SCHEMA, dumps, to_json
from gradcheck_lab.report.terminal import case_text, render, render_text

__all__ = ["SCHEMA", "case_text", "dumps", "render", "render_text", "to_json"]
