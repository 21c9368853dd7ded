"""Handover checks: does the client hold every account, and what renews when for how much?

``handover.access_map`` (:mod:`.access_map`, rules in :mod:`.access_judge`) and
``handover.renewals`` (:mod:`.renewals`) judge the session itself — its services, people and
stack, and what stage 1 measured — rather than the network. Personal mailboxes are recognised
by a shipped list of consumer mail domains (:mod:`launch_tui.core.mailboxes`).
"""
