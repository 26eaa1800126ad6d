"""Screenshots of the console, written by the browser tests.

They go to a scratch directory, so a test run leaves the checkout as it was;
``C360_SCREENSHOTS=docs/console`` refreshes the ones docs/console.md shows.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from selenium import webdriver

SCREENSHOTS = Path(
    os.environ.get("C360_SCREENSHOTS") or Path(tempfile.gettempdir()) / "c360-console-screenshots"
)


def screenshot(driver: webdriver.Chrome, name: str, element_id: str | None = None) -> Path:
    """Save the viewport as ``<SCREENSHOTS>/<name>.png``, scrolled to the top or to an element."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    if element_id is None:
        driver.execute_script("window.scrollTo(0, 0)")
    else:
        driver.execute_script(
            "document.getElementById(arguments[0]).scrollIntoView({block: 'start'})", element_id
        )
    path = SCREENSHOTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path
