"""govreport: China's government information-disclosure annual reports as checked data.

>>> import govreport
>>> r = govreport.extract("行政许可\\t3\\n行政处罚\\t7\\n行政强制\\t0\\n")
>>> r.value("art20_6", "penalties", "decisions")
7
"""

from __future__ import annotations

import logging

from govreport import output, verify  # noqa: F401  (they register Report's views and verify)
from govreport.api import extract
from govreport.errors import ExitCode, GovreportError
from govreport.report import Cell, Issue, Report
from govreport.settings import ExtractSettings

__version__ = "0.1.0"
__all__ = ["Cell", "ExitCode", "ExtractSettings", "GovreportError", "Issue", "Report", "__version__", "extract"]

logging.getLogger("govreport").addHandler(logging.NullHandler())
