"""The extraction report a person opens: reports/index.html with pictures of the pages."""
from pipeline.report.build import draw_ahead, write_html_report

__all__ = ["draw_ahead", "write_html_report"]
