"""The steward console: a static single-page app served by ``c360 serve`` itself.

Its HTML, JavaScript and styles live in ``static/`` and ship in the package; cytoscape.js is
vendored under ``static/vendor/`` (see ``VENDORED.md`` there). Nothing is built and nothing
is loaded from another host.
"""
