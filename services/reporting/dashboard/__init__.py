"""The officers' live dashboard: a zh-CN page served by the reporting API (``routes``), its Jinja2
template (``templates/``), a little plain JavaScript and CSS (``static/``) and the pinned front-end
libraries from npm (``package.json`` / ``package-lock.json`` → ``node_modules/``, served as ``/dashboard/vendor``)."""
