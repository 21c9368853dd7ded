"""Widgets that render view values; none parses untrusted text as markup."""
