//! Reads an organisation hierarchy from NHS England's CSV files (regions, ICBs, trusts), checking
//! every row and every reference between files, and reporting each bad row by file and line.
//! Either the whole hierarchy is valid and returned, or nothing is.

use app::rules::organisations::{
    is_valid_ods_code, is_valid_ons_code, CareSetting, Icb, OrgHierarchy, Region, Trust,
};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The England reference data shipped with the service: loaded into a new, empty database.
pub const BUNDLED: [(&str, &str); 3] = [
    ("regions.csv", include_str!("../data/orgs/regions.csv")),
    ("icbs.csv", include_str!("../data/orgs/icbs.csv")),
    ("trusts.csv", include_str!("../data/orgs/trusts.csv")),
];
pub const BUNDLED_LABEL: &str = "England, before the April 2026 ICB mergers (42 ICBs)";
pub const BUNDLED_AS_OF: &str = "2026-03-31";

/// One thing wrong with the input, located as precisely as possible.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ImportProblem {
    pub file: String,
    /// 1-based line in the file; 0 where the problem is with the set of files as a whole.
    pub line: u64,
    pub message: String,
}

impl fmt::Display for ImportProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line == 0 {
            write!(f, "{}: {}", self.file, self.message)
        } else {
            write!(f, "{}, line {}: {}", self.file, self.line, self.message)
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum FileKind {
    Regions,
    Icbs,
    Trusts,
}

const REGION_COLUMNS: [&str; 3] = ["ods_code", "name", "ons_code"];
const ICB_COLUMNS: [&str; 5] = [
    "ods_code",
    "name",
    "ons_code",
    "region_ods_code",
    "region_ons_code",
];
const TRUST_COLUMNS: [&str; 6] = [
    "ods_code",
    "name",
    "trust_type",
    "icb_ods_code",
    "region_ods_code",
    "open_date",
];

/// Parses and checks the three files, given as (name for messages, contents), in any order.
pub fn parse_hierarchy(files: &[(&str, &str)]) -> Result<OrgHierarchy, Vec<ImportProblem>> {
    let mut problems = Vec::new();
    let mut by_kind: BTreeMap<FileKind, (&str, csv::Reader<&[u8]>)> = BTreeMap::new();
    for (name, contents) in files {
        let mut reader = csv::ReaderBuilder::new()
            .trim(csv::Trim::All)
            .from_reader(contents.as_bytes());
        let kind = match reader.headers() {
            Ok(headers) => recognise(headers),
            Err(error) => {
                problems.push(problem(
                    name,
                    1,
                    format!("the header row cannot be read: {error}"),
                ));
                continue;
            }
        };
        match kind {
            Some(kind) if by_kind.contains_key(&kind) => problems.push(problem(
                name,
                0,
                format!("two files hold {}; give one of each", kind_name(kind)),
            )),
            Some(kind) => {
                by_kind.insert(kind, (name, reader));
            }
            None => problems.push(problem(
                name,
                1,
                "the header row is not that of a regions, ICBs or trusts file: a regions file has \
                 ods_code,name,ons_code; an ICBs file also has region_ods_code and region_ons_code; \
                 a trusts file has ods_code,name,trust_type,icb_ods_code,region_ods_code,open_date"
                    .into(),
            )),
        }
    }
    for kind in [FileKind::Regions, FileKind::Icbs, FileKind::Trusts] {
        if !by_kind.contains_key(&kind) {
            problems.push(problem(
                "input",
                0,
                format!("no file of {} was given", kind_name(kind)),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    let (regions_name, regions_reader) = by_kind.remove(&FileKind::Regions).expect("checked above");
    let (icbs_name, icbs_reader) = by_kind.remove(&FileKind::Icbs).expect("checked above");
    let (trusts_name, trusts_reader) = by_kind.remove(&FileKind::Trusts).expect("checked above");

    let regions = read_regions(regions_name, regions_reader, &mut problems);
    let icbs = read_icbs(icbs_name, icbs_reader, &regions, &mut problems);
    let trusts = read_trusts(trusts_name, trusts_reader, &regions, &icbs, &mut problems);
    if problems.is_empty() {
        Ok(OrgHierarchy {
            regions: regions.into_values().collect(),
            icbs: icbs.into_values().collect(),
            trusts,
        })
    } else {
        Err(problems)
    }
}

fn recognise(headers: &csv::StringRecord) -> Option<FileKind> {
    let has = |columns: &[&str]| {
        columns
            .iter()
            .all(|column| headers.iter().any(|h| h == *column))
    };
    if has(&TRUST_COLUMNS) {
        Some(FileKind::Trusts)
    } else if has(&ICB_COLUMNS) {
        Some(FileKind::Icbs)
    } else if has(&REGION_COLUMNS) {
        Some(FileKind::Regions)
    } else {
        None
    }
}

fn kind_name(kind: FileKind) -> &'static str {
    match kind {
        FileKind::Regions => "regions",
        FileKind::Icbs => "ICBs",
        FileKind::Trusts => "trusts",
    }
}

pub(crate) fn problem(file: &str, line: u64, message: String) -> ImportProblem {
    ImportProblem {
        file: file.to_string(),
        line,
        message,
    }
}

/// Reads each data row as column name → value, reporting rows the CSV reader cannot read.
pub(crate) fn rows<'a>(
    file: &'a str,
    mut reader: csv::Reader<&'a [u8]>,
    problems: &'a mut Vec<ImportProblem>,
) -> Vec<(u64, BTreeMap<String, String>)> {
    let headers = reader.headers().cloned().unwrap_or_default();
    let mut rows = Vec::new();
    for record in reader.records() {
        match record {
            Ok(record) => {
                let line = record.position().map_or(0, |position| position.line());
                let row = headers
                    .iter()
                    .zip(record.iter())
                    .map(|(h, v)| (h.to_string(), v.to_string()))
                    .collect();
                rows.push((line, row));
            }
            Err(error) => {
                let line = error.position().map_or(0, |position| position.line());
                let message = match error.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => {
                        format!("has {len} values but the header has {expected_len} columns")
                    }
                    _ => format!("cannot be read: {error}"),
                };
                problems.push(problem(file, line, message));
            }
        }
    }
    rows
}

/// Checks one ODS code value and that it is not a repeat within the file.
fn checked_code(
    file: &str,
    line: u64,
    value: &str,
    seen: &mut BTreeSet<String>,
    problems: &mut Vec<ImportProblem>,
) -> Option<String> {
    if !is_valid_ods_code(value) {
        problems.push(problem(
            file,
            line,
            format!("ODS code {value:?} is not 3 to 5 capital letters or digits"),
        ));
        None
    } else if !seen.insert(value.to_string()) {
        problems.push(problem(
            file,
            line,
            format!("ODS code {value} appears more than once"),
        ));
        None
    } else {
        Some(value.to_string())
    }
}

fn required<'r>(
    file: &str,
    line: u64,
    row: &'r BTreeMap<String, String>,
    column: &str,
    problems: &mut Vec<ImportProblem>,
) -> Option<&'r str> {
    match row.get(column).map(String::as_str) {
        Some(value) if !value.is_empty() => Some(value),
        _ => {
            problems.push(problem(file, line, format!("{column} is empty")));
            None
        }
    }
}

fn checked_ons(
    file: &str,
    line: u64,
    value: &str,
    problems: &mut Vec<ImportProblem>,
) -> Option<String> {
    if is_valid_ons_code(value) {
        Some(value.to_string())
    } else {
        problems.push(problem(
            file,
            line,
            format!("ONS code {value:?} is not a letter followed by 8 digits"),
        ));
        None
    }
}

fn read_regions(
    file: &str,
    reader: csv::Reader<&[u8]>,
    problems: &mut Vec<ImportProblem>,
) -> BTreeMap<String, Region> {
    let mut seen = BTreeSet::new();
    let mut regions = BTreeMap::new();
    let mut found = Vec::new();
    for (line, row) in rows(file, reader, problems) {
        let code = required(file, line, &row, "ods_code", &mut found)
            .and_then(|v| checked_code(file, line, v, &mut seen, &mut found));
        let name = required(file, line, &row, "name", &mut found);
        let ons = required(file, line, &row, "ons_code", &mut found)
            .and_then(|v| checked_ons(file, line, v, &mut found));
        if let (Some(ods_code), Some(name), Some(ons_code)) = (code, name, ons) {
            regions.insert(
                ods_code.clone(),
                Region {
                    ods_code,
                    name: name.to_string(),
                    ons_code,
                },
            );
        }
    }
    problems.append(&mut found);
    regions
}

fn read_icbs(
    file: &str,
    reader: csv::Reader<&[u8]>,
    regions: &BTreeMap<String, Region>,
    problems: &mut Vec<ImportProblem>,
) -> BTreeMap<String, Icb> {
    let mut seen = BTreeSet::new();
    let mut icbs = BTreeMap::new();
    let mut found = Vec::new();
    for (line, row) in rows(file, reader, problems) {
        let code = required(file, line, &row, "ods_code", &mut found)
            .and_then(|v| checked_code(file, line, v, &mut seen, &mut found));
        let name = required(file, line, &row, "name", &mut found);
        let ons = required(file, line, &row, "ons_code", &mut found)
            .and_then(|v| checked_ons(file, line, v, &mut found));
        let region =
            required(file, line, &row, "region_ods_code", &mut found).and_then(
                |value| match regions.get(value) {
                    None => {
                        found.push(problem(
                            file,
                            line,
                            format!("region {value} is not in the regions file"),
                        ));
                        None
                    }
                    Some(region)
                        if row
                            .get("region_ons_code")
                            .is_some_and(|ons| ons != &region.ons_code) =>
                    {
                        found.push(problem(
                            file,
                            line,
                            format!(
                            "region_ons_code does not match region {value}, whose ONS code is {}",
                            region.ons_code
                        ),
                        ));
                        None
                    }
                    Some(region) => Some(region.ods_code.clone()),
                },
            );
        if let (Some(ods_code), Some(name), Some(ons_code), Some(region_ods_code)) =
            (code, name, ons, region)
        {
            icbs.insert(
                ods_code.clone(),
                Icb {
                    ods_code,
                    name: name.to_string(),
                    ons_code,
                    region_ods_code,
                },
            );
        }
    }
    problems.append(&mut found);
    icbs
}

fn read_trusts(
    file: &str,
    reader: csv::Reader<&[u8]>,
    regions: &BTreeMap<String, Region>,
    icbs: &BTreeMap<String, Icb>,
    problems: &mut Vec<ImportProblem>,
) -> Vec<Trust> {
    let mut seen = BTreeSet::new();
    let mut trusts = Vec::new();
    let mut found = Vec::new();
    for (line, row) in rows(file, reader, problems) {
        let code = required(file, line, &row, "ods_code", &mut found)
            .and_then(|v| checked_code(file, line, v, &mut seen, &mut found));
        let name = required(file, line, &row, "name", &mut found);
        let settings = care_settings(
            file,
            line,
            row.get("trust_type").map_or("", String::as_str),
            &mut found,
        );
        let icb =
            required(file, line, &row, "icb_ods_code", &mut found).and_then(|value| {
                match icbs.get(value) {
                    Some(icb) => Some(icb),
                    None => {
                        found.push(problem(
                            file,
                            line,
                            format!("ICB {value} is not in the ICBs file"),
                        ));
                        None
                    }
                }
            });
        let region = required(file, line, &row, "region_ods_code", &mut found).and_then(|value| {
            if !regions.contains_key(value) {
                found.push(problem(
                    file,
                    line,
                    format!("region {value} is not in the regions file"),
                ));
                None
            } else if icb.is_some_and(|icb| icb.region_ods_code != value) {
                found.push(problem(
                    file,
                    line,
                    format!(
                        "region {value} is not the region of its ICB, {}",
                        icb.map_or("", |icb| icb.region_ods_code.as_str())
                    ),
                ));
                None
            } else {
                Some(value.to_string())
            }
        });
        // The ICS the national assessment places the trust in; its ODS parent where not given.
        let assessed_in = match row.get("dma_2025_icb_ods_code").map(String::as_str) {
            None | Some("") => icb.map(|icb| icb.ods_code.clone()),
            Some(value) if icbs.contains_key(value) => Some(value.to_string()),
            Some(value) => {
                found.push(problem(
                    file,
                    line,
                    format!("dma_2025_icb_ods_code {value} is not in the ICBs file"),
                ));
                None
            }
        };
        let opened_on = required(file, line, &row, "open_date", &mut found).and_then(|value| {
            match iso_date(value) {
                Some(date) => Some(date),
                None => {
                    found.push(problem(
                        file,
                        line,
                        format!("open_date {value:?} is not a real date written YYYYMMDD"),
                    ));
                    None
                }
            }
        });
        if let (
            Some(ods_code),
            Some(name),
            Some(care_settings),
            Some(icb),
            Some(region_ods_code),
            Some(assessed_in_icb_ods_code),
            Some(opened_on),
        ) = (code, name, settings, icb, region, assessed_in, opened_on)
        {
            trusts.push(Trust {
                ods_code,
                name: name.to_string(),
                icb_ods_code: icb.ods_code.clone(),
                region_ods_code,
                assessed_in_icb_ods_code,
                care_settings,
                opened_on,
            });
        }
    }
    problems.append(&mut found);
    trusts
}

/// "Acute;Community" → [Acute, Community]. A trust's own settings never include ICB.
fn care_settings(
    file: &str,
    line: u64,
    value: &str,
    problems: &mut Vec<ImportProblem>,
) -> Option<Vec<CareSetting>> {
    let mut settings = Vec::new();
    for label in value
        .split(';')
        .map(str::trim)
        .filter(|label| !label.is_empty())
    {
        match CareSetting::from_label(label) {
            Some(setting) if setting != CareSetting::Icb => {
                if !settings.contains(&setting) {
                    settings.push(setting);
                }
            }
            _ => {
                problems.push(problem(
                    file,
                    line,
                    format!("trust_type {label:?} is not one of Acute, Community, Mental Health, Ambulance"),
                ));
                return None;
            }
        }
    }
    settings.sort();
    Some(settings)
}

/// "20171001" → "2017-10-01", if it is a real date.
fn iso_date(value: &str) -> Option<String> {
    let date = jiff::civil::Date::strptime("%Y%m%d", value).ok()?;
    Some(date.strftime("%Y-%m-%d").to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const REGIONS: &str =
        "ods_code,name,ons_code\nY63,North East and Yorkshire,E40000012\nY56,London,E40000003\n";
    const ICBS: &str = "ods_code,name,region,ons_code,region_ods_code,region_ons_code\n\
        QWO,NHS West Yorkshire Integrated Care Board,North East and Yorkshire,E54000054,Y63,E40000012\n\
        QMJ,NHS North Central London Integrated Care Board,London,E54000028,Y56,E40000003\n";
    const TRUSTS: &str = "ods_code,name,trust_type,icb_ods_code,region_ods_code,dma_2025_icb_ods_code,dma_2025_name,open_date\n\
        RR8,LEEDS TEACHING HOSPITALS NHS TRUST,Acute,QWO,Y63,QWO,LEEDS,19980401\n\
        RX9,YORKSHIRE AMBULANCE SERVICE NHS TRUST,Ambulance,QWO,Y63,QMJ,YAS,20060701\n\
        RVN,AVON AND WILTSHIRE MENTAL HEALTH PARTNERSHIP NHS TRUST,,QWO,Y63,,,19990401\n\
        G6V2S,NORTH LONDON NHS FOUNDATION TRUST,Mental Health;Community,QMJ,Y56,QMJ,NL,20241101\n";

    fn parse_with_trusts(trusts: &str) -> Result<OrgHierarchy, Vec<ImportProblem>> {
        parse_hierarchy(&[
            ("trusts.csv", trusts),
            ("regions.csv", REGIONS),
            ("icbs.csv", ICBS),
        ])
    }

    fn messages(trusts: &str) -> Vec<String> {
        parse_with_trusts(trusts)
            .expect_err("the file has a bad row")
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_good_set_of_files_gives_the_whole_hierarchy() {
        let hierarchy = parse_with_trusts(TRUSTS).expect("valid files");
        assert_eq!(hierarchy.regions.len(), 2);
        assert_eq!(hierarchy.icbs.len(), 2);
        assert_eq!(hierarchy.trusts.len(), 4);
        let ambulance = hierarchy
            .trusts
            .iter()
            .find(|t| t.ods_code == "RX9")
            .unwrap();
        assert_eq!(ambulance.assessed_in_icb_ods_code, "QMJ");
        assert_eq!(ambulance.opened_on, "2006-07-01");
        let no_setting = hierarchy
            .trusts
            .iter()
            .find(|t| t.ods_code == "RVN")
            .unwrap();
        assert!(no_setting.care_settings.is_empty());
        assert_eq!(
            no_setting.assessed_in_icb_ods_code, "QWO",
            "defaults to the ODS parent"
        );
        let two = hierarchy
            .trusts
            .iter()
            .find(|t| t.ods_code == "G6V2S")
            .unwrap();
        assert_eq!(
            two.care_settings,
            vec![CareSetting::Community, CareSetting::MentalHealth]
        );
    }

    #[test]
    fn the_bundled_england_data_is_valid() {
        let hierarchy = parse_hierarchy(&BUNDLED).expect("the shipped reference data is valid");
        assert_eq!(
            (
                hierarchy.regions.len(),
                hierarchy.icbs.len(),
                hierarchy.trusts.len()
            ),
            (7, 42, 202)
        );
        let reassigned = hierarchy
            .trusts
            .iter()
            .filter(|t| t.assessed_in_icb_ods_code != t.icb_ods_code)
            .count();
        assert_eq!(
            reassigned, 11,
            "server/data/orgs/README.md: 11 trusts are assessed outside their ODS parent"
        );
    }

    #[test]
    fn an_unknown_icb_is_reported_by_line() {
        let bad = TRUSTS.replace(
            "RR8,LEEDS TEACHING HOSPITALS NHS TRUST,Acute,QWO",
            "RR8,LEEDS TEACHING HOSPITALS NHS TRUST,Acute,QXX",
        );
        assert_eq!(
            messages(&bad),
            vec!["trusts.csv, line 2: ICB QXX is not in the ICBs file"]
        );
    }

    #[test]
    fn a_malformed_or_repeated_ods_code_is_reported() {
        let bad = TRUSTS.replace("RX9,", "rx9,").replace("G6V2S,", "RR8,");
        assert_eq!(
            messages(&bad),
            vec![
                "trusts.csv, line 3: ODS code \"rx9\" is not 3 to 5 capital letters or digits",
                "trusts.csv, line 5: ODS code RR8 appears more than once",
            ]
        );
    }

    #[test]
    fn an_unknown_care_setting_is_reported() {
        let bad = TRUSTS.replace("Acute,QWO", "Acute;Dental,QWO");
        assert_eq!(
            messages(&bad),
            vec!["trusts.csv, line 2: trust_type \"Dental\" is not one of Acute, Community, Mental Health, Ambulance"]
        );
    }

    #[test]
    fn an_impossible_date_is_reported() {
        let bad = TRUSTS.replace("19980401", "19981301");
        assert_eq!(
            messages(&bad),
            vec!["trusts.csv, line 2: open_date \"19981301\" is not a real date written YYYYMMDD"]
        );
    }

    #[test]
    fn a_row_with_missing_values_is_reported() {
        let bad = format!("{TRUSTS}RAE,SHORT ROW,Acute\n");
        assert_eq!(
            messages(&bad),
            vec!["trusts.csv, line 6: has 3 values but the header has 8 columns"]
        );
    }

    #[test]
    fn a_region_that_is_not_its_icbs_region_is_reported() {
        let bad = TRUSTS.replace("Acute,QWO,Y63", "Acute,QWO,Y56");
        assert_eq!(
            messages(&bad),
            vec!["trusts.csv, line 2: region Y56 is not the region of its ICB, Y63"]
        );
    }

    #[test]
    fn an_icb_in_an_unknown_region_is_reported() {
        let bad_icbs = ICBS.replace(",Y56,E40000003", ",Y99,E40000003");
        let problems =
            parse_hierarchy(&[("r.csv", REGIONS), ("i.csv", &bad_icbs), ("t.csv", TRUSTS)])
                .unwrap_err();
        assert!(
            problems
                .iter()
                .any(|p| p.to_string() == "i.csv, line 3: region Y99 is not in the regions file"),
            "{problems:?}"
        );
    }

    #[test]
    fn every_bad_row_is_reported_not_just_the_first() {
        let bad = TRUSTS.replace("19980401", "x").replace("20060701", "y");
        assert_eq!(messages(&bad).len(), 2);
    }

    #[test]
    fn a_missing_or_unrecognised_file_is_reported() {
        let problems =
            parse_hierarchy(&[("regions.csv", REGIONS), ("notes.csv", "a,b\n1,2\n")]).unwrap_err();
        let text: Vec<String> = problems.iter().map(ToString::to_string).collect();
        assert!(
            text[0].starts_with("notes.csv, line 1: the header row is not that of"),
            "{text:?}"
        );
        assert!(text.contains(&"input: no file of ICBs was given".to_string()));
        assert!(text.contains(&"input: no file of trusts was given".to_string()));
    }
}
