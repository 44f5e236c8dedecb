"""Formatters of a RunReport (only this package formats results).

Terminal table, JSON, JUnit XML, Markdown and self-contained HTML. The HTML
report's pictures need matplotlib (extra ``plots``), imported only when drawn.
"""

from gradcheck_lab.report.html import to_html
from gradcheck_lab.report.json_report import SCHEMA, dumps, to_json
from gradcheck_lab.report.junit import to_junit
from gradcheck_lab.report.markdown import to_markdown
from gradcheck_lab.report.terminal import case_text, details_text, render, render_text

__all__ = ["SCHEMA", "case_text", "details_text", "dumps", "render", "render_text", "to_html",
           "to_json", "to_junit", "to_markdown"]
