"""Monitor and load definitions for the tools that run them beyond one machine.

Each renderer takes the session's monitor plan (:mod:`launch_tui.core.monitor_plan`) and
returns ``{relative file name: text}``; ``launch-tui export`` writes them (:mod:`.files`).

- :mod:`.prometheus`: blackbox_exporter modules, a Prometheus scrape config, alert rules;
- :mod:`.gatus`: a Gatus configuration;
- :mod:`.k6`: one k6 script per route, with the route's p95 budget as a threshold.

Untrusted text (route names, URLs) is written only as quoted, escaped strings: YAML
double-quoted scalars and JavaScript string literals are both produced by ``json.dumps``.
"""
