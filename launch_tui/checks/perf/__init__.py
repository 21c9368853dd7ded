"""The ``perf.*`` checks: first response, latency per route, the slowest routes, Server-Timing and
page weight; ``probes`` holds the requests per route that these checks (and ``http.caching``)
share within a run."""
