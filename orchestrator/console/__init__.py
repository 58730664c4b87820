"""The orchestrator's web console: a small single-page app (``static/``) on top of the
console JSON endpoints of :mod:`orchestrator.api.console`.

- :mod:`.summary` turns an execution's history into per-state outcomes (pure);
- :mod:`.graph` turns a definition into the nodes, edges and groups the page lays out
  with elkjs (npm, ``package.json`` + ``package-lock.json``, installed by ``make console``);
- :mod:`.statuses` is the status vocabulary the page receives (labels and tones);
- :mod:`.designer` gives the workflow designer its templates, Task presets and defaults.
"""
