"""The web app: plain HTML, CSS and JavaScript in ``static/`` (no build step), served by the API at ``/app/``.

Vendored libraries live in ``static/vendor/``, each with its licence; see ``static/vendor/README.md``.
"""
