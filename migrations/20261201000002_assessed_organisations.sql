-- The organisations an assessment can be of: trusts (for each care setting they provide) and
-- ICBs (their own survey, the framework's ICB care setting). An ICB's ICS is itself.
CREATE VIEW assessed_organisations AS
SELECT snapshot_id, ods_code, name, assessed_in_icb_ods_code AS ics_ods_code, region_ods_code
FROM trusts
UNION ALL
SELECT snapshot_id, ods_code, name, ods_code AS ics_ods_code, region_ods_code
FROM icbs;
