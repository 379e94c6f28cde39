"""The local web app (``rubric-forms serve``): the same pipelines as the commands, behind a page in the browser.

- :mod:`generator.web.security`: the per-run token, the Host check, CSRF and the upload size limit;
- :mod:`generator.web.workspace`: the workspace folder and its SQLite state (jobs, uploads, results);
- :mod:`generator.web.jobs`: long work in a background thread, its progress in SQLite;
- :mod:`generator.web.pipelines`: the jobs themselves, calls into the library API;
- :mod:`generator.web.app`: the Starlette application and its pages.
"""
