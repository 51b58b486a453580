"""The extraction report a person opens: reports/index.html with pictures of the pages."""
from pipeline.report.build import write_html_report
from pipeline.report.pictures import Drawer, draw_ahead

__all__ = ["Drawer", "draw_ahead", "write_html_report"]
