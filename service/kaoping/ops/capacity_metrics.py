"""Prometheus gauges for admission control and the month cache, read at scrape time
(registered by kaoping.ops.server when --metrics-listen is given)."""
from __future__ import annotations


class CapacityCollector:
    def __init__(self, admission, month_cache):
        self.admission, self.month_cache = admission, month_cache

    def describe(self):
        return []

    def collect(self):
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
        a, cache = self.admission, self.month_cache
        slots = GaugeMetricFamily("kaoping_admission_in_flight", "calls admitted and running, by kind "
                                  "(all: every kind but health)", labels=["kind"])
        for kind, value in (("all", a.in_flight), ("streams", a.streams), ("reflection", a.reflection)):
            slots.add_metric([kind], value)
        yield slots
        yield GaugeMetricFamily("kaoping_admission_limit", "the bound on kaoping_admission_in_flight{kind=all}",
                                value=a.max_in_flight)
        yield CounterMetricFamily("kaoping_admission_refused", "calls refused because a server-wide "
                                  "bound was reached", value=a.refused)
        yield CounterMetricFamily("kaoping_idle_streams_closed", "client streams ended for idleness",
                                  value=a.watchdog.closed)
        yield GaugeMetricFamily("kaoping_month_cache_entries", "township months of scores cached",
                                value=len(cache))
        yield GaugeMetricFamily("kaoping_month_cache_bytes", "their estimated memory", value=cache.bytes)
        yield CounterMetricFamily("kaoping_month_computations", "township months computed (cache misses "
                                  "that were not joined to a running computation)", value=cache.computed)
