"""The enterprise registry: one record per enterprise that every workflow and the meter data point to.

Public API (plain keyword-only functions over a SQLAlchemy session; the caller is a Principal):

    from fugong.enterprises import service, projects, importer

    service.register_enterprise(session, principal, enterprise_id=…, uscc=…, name=…, region_code=…, …)
    service.update_enterprise(session, principal, enterprise_id=…, reason=…, **changes)
    service.get_enterprise(session, principal, enterprise_id)          -> Enterprise (or AccessDenied/LookupError)
    service.list_enterprises(session, principal, region_prefix=…, query=…)  -> {"count", "rows"}
    service.enterprise_region(session, enterprise_id)                  -> county code (registry, else meters)
    service.classes_on(session, enterprise, day)                       -> ("industrial", "white_list")
    service.create_white_list / add_to_white_list / remove_from_white_list / white_lists_on
    projects.add_project / set_project_status / list_projects / project_counts_as_of
    importer.import_enterprises(session, principal, path=…, replace=…, rejects_dir=…) -> ImportResult
    importer.sync_from_meters(session, principal, settings=…)          -> enterprises added from meter data

See docs/resumption.md (registry section) for the fields and the import format.
"""
