"""Reports: the handover and the stage deliverables, rendered from a session alone.

The public surface (import from the modules; this package imports nothing, so ``show`` stays
light)::

    render.render_document(session, playbook, *, fmt, only, templates_dir, now) -> str
    render.write_report(path, data)                     atomic write of a rendered file
    pdf.find_browser(environ) -> Path | None            a Chromium-based browser, if any
    pdf.print_pdf(html, out, *, browser, timeout)       HTML -> PDF with headless Chromium
    sections.SECTIONS / resolve_sections(only, playbook) what --only accepts
    context.build_context(session, playbook, now, sections) -> ReportContext   (templates' ``r``)
    risk_list.rank_findings(session, playbook) -> RiskList  findings ranked by launch impact
    domain_map.domain_map(session, today, playbook)     the domain map rows
    parts.Part.of(playbook) -> DeliverablePart           the checks and evidence keys a part reads

``build_context`` puts together one view per section, each built by the module named for it from
the shared ``inputs.ReportInputs``: ``handover``, ``findings`` (risk list and fix list),
``domain_map``, ``secrets_inventory``, ``email_records``, ``runbook``, ``monitoring``.
    access_map.access_map(session)                      the handover's access map rows
    summary.render_summary(session, playbook, now)      plain text for ``launch-tui show``

Templates live in the repository's ``templates/`` folder (shipped as ``launch_tui/templates``);
``environment.py`` explains the two Jinja environments and how escaping works in each.
"""
