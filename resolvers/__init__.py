"""Contact 360 domain: identifier kinds, merge policy, resolution, survivorship, profiles.

Pure functions of their inputs: nothing here does I/O, reads the clock or imports the web
framework or a database driver (``tests/unit/test_purity.py`` holds that line).
"""
