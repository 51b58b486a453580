"""The extraction report a person opens: reports/index.html with pictures of the pages."""
from pipeline.report.build import write_html_report
from pipeline.report.pictures import Drawer

__all__ = ["Drawer", "write_html_report"]
