"""Observation checks (stage 6): are the key routes monitored, and do responses carry request
IDs? :mod:`.plan` says which routes deserve a monitor; exports, the coverage check and the
TUI's monitor loop all read it.
"""
