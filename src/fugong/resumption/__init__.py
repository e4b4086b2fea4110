"""Enterprise resumption (复工码): staff rosters, filings and approval by policy, bundles, safety-critical
posts, declared-vs-metered cross-check, the daily report up the hierarchy. See docs/resumption.md.

    roster      upsert_employee, import_roster, day_counts, staff_counts_by_county
    filings     create_filing, submit_filing, decide, record_inspection, declare_resumed, queue, filing_view
    policies    load_policy (presets: commitment-harbin-2020, periods-wenzhou-2020, priorities-shanghai-2020)
    gate        county_gate: the county's current risk level and measures profile
    safety      coverage, check_enterprise (re-assessment)
    bundles     file_bundle, completeness, bundle_groups
    crosscheck  crosscheck (declared vs metered)
    report      report_for, live_rows, freeze_day (columns: report.COLUMNS)
"""
