"""Screenshots of the console for docs/console.md, written by the browser tests."""

from __future__ import annotations

import os
from pathlib import Path

from selenium import webdriver

SCREENSHOTS = Path(os.environ.get("C360_SCREENSHOTS", Path(__file__).parents[2] / "docs/console"))


def screenshot(driver: webdriver.Chrome, name: str, element_id: str | None = None) -> Path:
    """Save the viewport as ``docs/console/<name>.png``, scrolled to the top or to an element."""
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
