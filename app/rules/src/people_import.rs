//! Bringing people in from a spreadsheet: which column means what, and what each row would do to
//! the accounts that exist (a new person, an update of someone, no change, or refused with the
//! reason). The checks are the ones a single invitation passes ([`check_email`], [`check_roles`],
//! [`parse_capacity`]), in words for a row of a file.

use crate::accounts::{check_email, check_roles, email_key, Role};
use crate::organisations::CareSetting;
use crate::reviewers::{describe, normalised, parse_capacity, ReviewerProfile};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A spreadsheet as text: the first row's headers, and the rows beneath.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sheet {
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// What a column of the file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Column {
    Email,
    Name,
    Organisation,
    Roles,
    CareSettings,
    Capacity,
}

impl Column {
    pub const ALL: [Column; 6] = [
        Column::Email,
        Column::Name,
        Column::Organisation,
        Column::Roles,
        Column::CareSettings,
        Column::Capacity,
    ];

    pub fn label(self) -> &'static str {
        match self {
            Column::Email => "Email",
            Column::Name => "Name",
            Column::Organisation => "Organisation",
            Column::Roles => "Roles",
            Column::CareSettings => "Care settings",
            Column::Capacity => "Capacity",
        }
    }

    /// Without these a row cannot be read; organisation, care settings and capacity may be left
    /// out of a file of NHS England staff, say.
    pub fn is_required(self) -> bool {
        matches!(self, Column::Email | Column::Name | Column::Roles)
    }

    /// The headers that name the column, as [`header_key`] reads them.
    fn aliases(self) -> &'static [&'static str] {
        match self {
            Column::Email => &["email", "email address", "e mail", "e mail address"],
            Column::Name => &["name", "full name", "display name"],
            Column::Organisation => &[
                "organisation",
                "organisation ods code",
                "organisation code",
                "ods code",
                "ods",
                "org",
                "org ods code",
            ],
            Column::Roles => &["roles", "role"],
            Column::CareSettings => &[
                "care settings",
                "care setting",
                "expertise",
                "care setting expertise",
                "care settings expertise",
            ],
            Column::Capacity => &["capacity", "review capacity", "reviews", "most reviews"],
        }
    }
}

/// A header as compared: lower case, British spelling, words separated by single spaces
/// ("E-mail address" → "e mail address", "Organization ODS code" → "organisation ods code").
fn header_key(header: &str) -> String {
    header
        .to_lowercase()
        .replace("organization", "organisation")
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Which column of the file holds what: the headers used, as written, and those ignored.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Columns {
    pub used: Vec<(Column, String)>,
    pub ignored: Vec<String>,
    positions: BTreeMap<Column, usize>,
}

/// Reads the header row. The first column a header names is used; any other is ignored. A file
/// without an email, name or roles column cannot be read: the error says which are missing.
pub fn map_columns(headers: &[String]) -> Result<Columns, String> {
    let mut columns = Columns::default();
    for (position, header) in headers.iter().enumerate() {
        let key = header_key(header);
        if key.is_empty() {
            continue;
        }
        let column = Column::ALL
            .into_iter()
            .find(|column| column.aliases().contains(&key.as_str()));
        match column {
            Some(column) if !columns.positions.contains_key(&column) => {
                columns.positions.insert(column, position);
                columns.used.push((column, header.trim().to_string()));
            }
            _ => columns.ignored.push(header.trim().to_string()),
        }
    }
    let missing: Vec<&str> = Column::ALL
        .into_iter()
        .filter(|column| column.is_required() && !columns.positions.contains_key(column))
        .map(Column::label)
        .collect();
    if missing.is_empty() {
        columns.used.sort();
        Ok(columns)
    } else {
        Err(format!(
            "The first row of the file must name its columns. It has no {} column. Download the template to see the format.",
            words_list(&missing, "or")
        ))
    }
}

/// "a", "a and b", "a, b and c".
fn words_list(words: &[&str], last: &str) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [rest @ .., final_word] => format!("{} {last} {final_word}", rest.join(", ")),
    }
}

/// An account as it stands, as far as a file can change it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ExistingPerson {
    pub display_name: String,
    pub org_ods_code: Option<String>,
    pub roles: Vec<Role>,
    pub is_active: bool,
    pub profile: Option<ReviewerProfile>,
}

/// What a readable row asks for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonRow {
    pub email: String,
    pub display_name: String,
    pub org_ods_code: Option<String>,
    /// Each role once, in [`Role::ALL`] order.
    pub roles: Vec<Role>,
    /// The reviewer's profile, if the row gives care settings; otherwise any saved profile stays.
    pub profile: Option<ReviewerProfile>,
}

/// One difference between an account and its row, in words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Change {
    pub what: String,
    pub before: String,
    pub after: String,
}

/// What confirming would do with a row.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Outcome {
    New,
    Update(Vec<Change>),
    Unchanged,
    /// Why the row is skipped: each problem found, in words.
    Refused(Vec<String>),
}

/// A row of the file as typed, with its outcome.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgedRow {
    /// The row's number in the spreadsheet: the header is row 1.
    pub row: usize,
    pub email: String,
    pub name: String,
    pub organisation: String,
    pub roles: String,
    pub outcome: Outcome,
    /// What the row asks for, unless it is refused.
    pub person: Option<PersonRow>,
}

/// How many rows have each outcome.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub new: usize,
    pub updates: usize,
    pub unchanged: usize,
    pub refused: usize,
}

/// Every row of a file judged against the accounts as they stand.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Judgement {
    pub columns: Columns,
    /// In the file's order.
    pub rows: Vec<JudgedRow>,
}

impl Judgement {
    pub fn counts(&self) -> Counts {
        let mut counts = Counts::default();
        for row in &self.rows {
            match row.outcome {
                Outcome::New => counts.new += 1,
                Outcome::Update(_) => counts.updates += 1,
                Outcome::Unchanged => counts.unchanged += 1,
                Outcome::Refused(_) => counts.refused += 1,
            }
        }
        counts
    }

    /// The rows as the check page lists them: refused rows first, then the file's order.
    pub fn rows_to_show(&self) -> Vec<&JudgedRow> {
        let mut rows: Vec<&JudgedRow> = self.rows.iter().collect();
        rows.sort_by_key(|row| !matches!(row.outcome, Outcome::Refused(_)));
        rows
    }
}

/// Roles as the file writes them and the pages show them: "Trust lead; Peer reviewer".
pub fn roles_in_words(roles: &[Role]) -> String {
    roles
        .iter()
        .map(|role| role.label())
        .collect::<Vec<_>>()
        .join("; ")
}

/// A cell that lists several things: "trust lead; peer reviewer", "acute, mental health".
fn list_items(cell: &str) -> impl Iterator<Item = &str> {
    cell.split([';', ',', '|', '/', '\n'])
        .map(str::trim)
        .filter(|item| !item.is_empty())
}

fn parse_role(word: &str) -> Result<Role, String> {
    let key = header_key(word);
    let role = match key.as_str() {
        "trust lead" | "lead" | "trust lead deputy" | "deputy trust lead" => Role::TrustLead,
        "peer reviewer" | "reviewer" => Role::PeerReviewer,
        "moderator" => Role::Moderator,
        "approver" => Role::Approver,
        "administrator" | "admin" => {
            return Err(
                "Administrators are invited one at a time, on the invite page, not from a file"
                    .to_string(),
            )
        }
        _ => {
            return Err(format!(
                "“{}” is not a role: use trust lead, peer reviewer, moderator or approver",
                word.trim()
            ))
        }
    };
    Ok(role)
}

fn parse_care_setting(word: &str) -> Result<CareSetting, String> {
    CareSetting::from_label(&header_key(word)).ok_or_else(|| {
        format!(
            "“{}” is not a care setting: use acute, community, mental health, ambulance or ICB",
            word.trim()
        )
    })
}

/// The cells of one row, by column; a missing cell is empty.
struct Cells<'a> {
    row: &'a [String],
    columns: &'a Columns,
}

impl Cells<'_> {
    fn get(&self, column: Column) -> &str {
        self.columns
            .positions
            .get(&column)
            .and_then(|position| self.row.get(*position))
            .map_or("", |cell| cell.trim())
    }
}

/// Reads a row into what it asks for, or every problem with it.
fn read_row(cells: &Cells, known_orgs: &BTreeSet<String>) -> Result<PersonRow, Vec<String>> {
    let mut problems = Vec::new();
    let email = cells.get(Column::Email);
    if email.is_empty() {
        problems.push("No email address".to_string());
    } else if check_email(email).is_err() {
        problems.push(format!(
            "“{email}” is not an email address like name@nhs.net"
        ));
    }
    let name = cells.get(Column::Name);
    if name.is_empty() {
        problems.push("No name".to_string());
    } else if name.chars().count() > 100 {
        problems.push("The name is longer than 100 characters".to_string());
    }
    let org = cells.get(Column::Organisation).to_uppercase();
    let org = (!org.is_empty()).then_some(org);
    if let Some(code) = org.as_ref().filter(|code| !known_orgs.contains(*code)) {
        problems.push(format!("There is no trust or ICB with the ODS code {code}"));
    }
    let mut roles = BTreeSet::new();
    for word in list_items(cells.get(Column::Roles)) {
        match parse_role(word) {
            Ok(role) => {
                roles.insert(role);
            }
            Err(problem) => problems.push(problem),
        }
    }
    let roles: Vec<Role> = roles.into_iter().collect();
    if check_roles(&roles, org.as_deref()).is_err() {
        problems.push(if roles.is_empty() {
            "No roles: give one or more of trust lead, peer reviewer, moderator and approver"
                .to_string()
        } else {
            "Trust leads and peer reviewers need the ODS code of their organisation".to_string()
        });
    }
    let mut expertise = Vec::new();
    for word in list_items(cells.get(Column::CareSettings)) {
        match parse_care_setting(word) {
            Ok(setting) => expertise.push(setting),
            Err(problem) => problems.push(problem),
        }
    }
    let capacity_text = cells.get(Column::Capacity);
    let capacity = parse_capacity(capacity_text).unwrap_or_else(|_| {
        problems.push(format!(
            "The capacity “{capacity_text}” is not a whole number from 1 to 20"
        ));
        None
    });
    let gives_profile = !cells.get(Column::CareSettings).is_empty() || !capacity_text.is_empty();
    if gives_profile && !roles.contains(&Role::PeerReviewer) {
        problems.push(
            "Care settings and capacity are for peer reviewers: add the peer reviewer role or leave them empty"
                .to_string(),
        );
    } else if !capacity_text.is_empty() && cells.get(Column::CareSettings).is_empty() {
        problems.push(
            "Give the care settings the reviewer can review as well as their capacity".to_string(),
        );
    }
    if !problems.is_empty() {
        return Err(problems);
    }
    Ok(PersonRow {
        email: email.to_string(),
        display_name: name.to_string(),
        org_ods_code: org,
        roles,
        profile: (!expertise.is_empty()).then(|| ReviewerProfile {
            expertise: normalised(&expertise),
            capacity,
        }),
    })
}

/// What a readable row would change for a person who has an account, or why it may not.
fn compare(person: &PersonRow, existing: &ExistingPerson) -> Outcome {
    if !existing.is_active {
        return Outcome::Refused(vec![
            "This account is disabled: enable it on the person's page first".to_string(),
        ]);
    }
    if existing.roles.contains(&Role::Admin) {
        return Outcome::Refused(vec![
            "This person is an administrator: change their account on their page".to_string(),
        ]);
    }
    let mut changes = Vec::new();
    let mut change = |what: &str, before: String, after: String| {
        if before != after {
            changes.push(Change {
                what: what.to_string(),
                before,
                after,
            });
        }
    };
    change(
        "Name",
        existing.display_name.clone(),
        person.display_name.clone(),
    );
    let org = |code: &Option<String>| code.clone().unwrap_or_else(|| "none".to_string());
    change(
        "Organisation",
        org(&existing.org_ods_code),
        org(&person.org_ods_code),
    );
    let mut roles = existing.roles.clone();
    roles.sort();
    change(
        "Roles",
        roles_in_words(&roles),
        roles_in_words(&person.roles),
    );
    if let Some(profile) = &person.profile {
        change(
            "Reviewer profile",
            existing
                .profile
                .as_ref()
                .map_or_else(|| "none".to_string(), describe),
            describe(profile),
        );
    }
    if changes.is_empty() {
        Outcome::Unchanged
    } else {
        Outcome::Update(changes)
    }
}

/// Judges every row of `sheet` against the accounts that exist (by [`email_key`]) and the trusts
/// and ICBs known (by ODS code). Rows with every cell empty are skipped; a second row for one
/// email address is refused.
pub fn judge(
    sheet: &Sheet,
    existing: &BTreeMap<String, ExistingPerson>,
    known_orgs: &BTreeSet<String>,
) -> Result<Judgement, String> {
    let columns = map_columns(&sheet.headers)?;
    let mut first_row_of: BTreeMap<String, usize> = BTreeMap::new();
    let mut rows = Vec::with_capacity(sheet.rows.len());
    for (index, cells) in sheet.rows.iter().enumerate() {
        if cells.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let row = index + 2;
        let cells = Cells {
            row: cells,
            columns: &columns,
        };
        let email = cells.get(Column::Email);
        let earlier = (!email.is_empty())
            .then(|| *first_row_of.entry(email_key(email)).or_insert(row))
            .filter(|first| *first != row);
        let read = read_row(&cells, known_orgs);
        let (outcome, person) = match (read, earlier) {
            (Err(mut problems), Some(first)) => {
                problems.insert(0, format!("The same email address as row {first}"));
                (Outcome::Refused(problems), None)
            }
            (Err(problems), None) => (Outcome::Refused(problems), None),
            (Ok(_), Some(first)) => (
                Outcome::Refused(vec![format!("The same email address as row {first}")]),
                None,
            ),
            (Ok(person), None) => {
                let outcome = existing
                    .get(&email_key(&person.email))
                    .map_or(Outcome::New, |existing| compare(&person, existing));
                let person = (!matches!(outcome, Outcome::Refused(_))).then_some(person);
                (outcome, person)
            }
        };
        rows.push(JudgedRow {
            row,
            email: email.to_string(),
            name: cells.get(Column::Name).to_string(),
            organisation: cells.get(Column::Organisation).to_string(),
            roles: cells.get(Column::Roles).to_string(),
            outcome,
            person,
        });
    }
    Ok(Judgement { columns, rows })
}

/// What a confirmed import did, kept to show afterwards.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub counts: Counts,
    /// The rows skipped, with their reasons.
    pub refused: Vec<JudgedRow>,
}

impl From<&Judgement> for ImportReport {
    fn from(judgement: &Judgement) -> Self {
        ImportReport {
            counts: judgement.counts(),
            refused: judgement
                .rows
                .iter()
                .filter(|row| matches!(row.outcome, Outcome::Refused(_)))
                .cloned()
                .collect(),
        }
    }
}

/// The template offered for download on the upload page.
pub const TEMPLATE_CSV: &str = "Email,Name,Organisation,Roles,Care settings,Capacity\r\n\
jo.bloggs@nhs.net,Jo Bloggs,RR8,trust lead,,\r\n\
sam.patel@nhs.net,Sam Patel,RY6,peer reviewer,acute; community,3\r\n\
alex.jones@nhs.net,Alex Jones,RR8,trust lead; peer reviewer,mental health,\r\n\
chris.moderator@nhs.net,Chris Moderator,,moderator,,\r\n";

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn sheet(headers: &[&str], rows: &[&[&str]]) -> Sheet {
        Sheet {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows: rows
                .iter()
                .map(|row| row.iter().map(|cell| cell.to_string()).collect())
                .collect(),
        }
    }

    fn orgs() -> BTreeSet<String> {
        ["RR8", "RY6", "QWO"]
            .into_iter()
            .map(String::from)
            .collect()
    }

    const HEADERS: [&str; 6] = [
        "Email",
        "Name",
        "Organisation",
        "Roles",
        "Care settings",
        "Capacity",
    ];

    fn existing_lead() -> BTreeMap<String, ExistingPerson> {
        BTreeMap::from([(
            "jo@nhs.net".to_string(),
            ExistingPerson {
                display_name: "Jo Bloggs".into(),
                org_ods_code: Some("RR8".into()),
                roles: vec![Role::TrustLead],
                is_active: true,
                profile: None,
            },
        )])
    }

    fn refusal(judgement: &Judgement, row: usize) -> Vec<String> {
        match &judgement
            .rows
            .iter()
            .find(|r| r.row == row)
            .unwrap()
            .outcome
        {
            Outcome::Refused(reasons) => reasons.clone(),
            other => panic!("row {row} is {other:?}"),
        }
    }

    #[test]
    fn headers_match_whatever_their_case_with_a_few_aliases_and_the_rest_are_ignored() {
        let columns = map_columns(
            &[
                "E-mail address",
                "Full name",
                "ODS code",
                "ROLE",
                "Notes",
                "email",
                "Expertise",
            ]
            .map(String::from),
        )
        .unwrap();
        assert_eq!(
            columns.used,
            vec![
                (Column::Email, "E-mail address".to_string()),
                (Column::Name, "Full name".to_string()),
                (Column::Organisation, "ODS code".to_string()),
                (Column::Roles, "ROLE".to_string()),
                (Column::CareSettings, "Expertise".to_string()),
            ]
        );
        assert_eq!(
            columns.ignored,
            vec!["Notes".to_string(), "email".to_string()]
        );
        assert_eq!(
            map_columns(&["Email".to_string(), "Organization".to_string()]),
            Err("The first row of the file must name its columns. It has no Name or Roles column. Download the template to see the format.".into())
        );
    }

    #[test]
    fn each_row_is_new_an_update_unchanged_or_refused_with_its_reasons() {
        let file = sheet(
            &HEADERS,
            &[
                &[
                    "new@nhs.net",
                    "Nia New",
                    "ry6",
                    "Peer reviewer",
                    "Acute; mental health",
                    "3",
                ],
                &[
                    "JO@nhs.net",
                    "Jo Bloggs",
                    "RR8",
                    "trust lead; reviewer",
                    "community",
                    "",
                ],
                &["", "", "", "", "", ""],
                &["not-an-email", "", "XXX", "superuser; admin", "", "0"],
                &["lead@nhs.net", "Lee Lead", "", "trust lead", "", ""],
                &["new@NHS.net", "Nia Again", "RY6", "moderator", "", ""],
                &["mod@nhs.net", "Mo", "", "moderator", "acute", ""],
                &["rev@nhs.net", "Rev", "RR8", "peer reviewer", "", "4"],
            ],
        );
        let judgement = judge(&file, &existing_lead(), &orgs()).unwrap();
        assert_eq!(
            judgement.counts(),
            Counts {
                new: 1,
                updates: 1,
                unchanged: 0,
                refused: 5
            }
        );
        let new = &judgement.rows[0];
        assert_eq!((new.row, &new.outcome), (2, &Outcome::New));
        assert_eq!(
            new.person.as_ref().unwrap().profile,
            Some(ReviewerProfile {
                expertise: vec![CareSetting::Acute, CareSetting::MentalHealth],
                capacity: Some(3)
            })
        );
        assert_eq!(
            new.person.as_ref().unwrap().org_ods_code.as_deref(),
            Some("RY6")
        );
        assert_eq!(
            judgement.rows[1].outcome,
            Outcome::Update(vec![
                Change {
                    what: "Roles".into(),
                    before: "Trust lead".into(),
                    after: "Trust lead; Peer reviewer".into()
                },
                Change {
                    what: "Reviewer profile".into(),
                    before: "none".into(),
                    after: "Community; the cycle's usual number of reviews".into()
                },
            ])
        );
        assert_eq!(judgement.rows[2].row, 5, "the empty row 4 is skipped");
        assert_eq!(
            refusal(&judgement, 5),
            vec![
                "“not-an-email” is not an email address like name@nhs.net",
                "No name",
                "There is no trust or ICB with the ODS code XXX",
                "“superuser” is not a role: use trust lead, peer reviewer, moderator or approver",
                "Administrators are invited one at a time, on the invite page, not from a file",
                "No roles: give one or more of trust lead, peer reviewer, moderator and approver",
                "The capacity “0” is not a whole number from 1 to 20",
                "Care settings and capacity are for peer reviewers: add the peer reviewer role or leave them empty",
            ]
        );
        assert_eq!(
            refusal(&judgement, 6),
            vec!["Trust leads and peer reviewers need the ODS code of their organisation"]
        );
        assert_eq!(
            refusal(&judgement, 7),
            vec!["The same email address as row 2"]
        );
        assert_eq!(
            refusal(&judgement, 8),
            vec!["Care settings and capacity are for peer reviewers: add the peer reviewer role or leave them empty"]
        );
        assert_eq!(
            refusal(&judgement, 9),
            vec!["Give the care settings the reviewer can review as well as their capacity"]
        );
        let shown: Vec<usize> = judgement.rows_to_show().iter().map(|row| row.row).collect();
        assert_eq!(shown, vec![5, 6, 7, 8, 9, 2, 3], "refused rows first");
    }

    #[test]
    fn the_same_row_again_is_unchanged_and_disabled_accounts_and_administrators_are_refused() {
        let file = sheet(
            &["email", "name", "org", "roles"],
            &[&["jo@nhs.net", "Jo Bloggs", "RR8", "Trust lead"]],
        );
        let mut existing = existing_lead();
        let judgement = judge(&file, &existing, &orgs()).unwrap();
        assert_eq!(judgement.rows[0].outcome, Outcome::Unchanged);
        assert!(judgement.columns.ignored.is_empty());

        existing.get_mut("jo@nhs.net").unwrap().is_active = false;
        assert_eq!(
            refusal(&judge(&file, &existing, &orgs()).unwrap(), 2),
            vec!["This account is disabled: enable it on the person's page first"]
        );
        let person = existing.get_mut("jo@nhs.net").unwrap();
        person.is_active = true;
        person.roles = vec![Role::Admin, Role::TrustLead];
        assert_eq!(
            refusal(&judge(&file, &existing, &orgs()).unwrap(), 2),
            vec!["This person is an administrator: change their account on their page"]
        );
    }

    #[test]
    fn the_template_reads_without_a_refusal() {
        let mut lines = TEMPLATE_CSV.lines();
        let headers: Vec<String> = lines.next().unwrap().split(',').map(String::from).collect();
        let rows: Vec<Vec<String>> = lines
            .map(|line| line.split(',').map(String::from).collect())
            .collect();
        let judgement = judge(&Sheet { headers, rows }, &BTreeMap::new(), &orgs()).unwrap();
        assert_eq!(judgement.counts().new, 4, "{judgement:?}");
    }

    /// What the accounts would be after confirming `judgement`, as the store does it.
    fn after_confirming(
        judgement: &Judgement,
        mut existing: BTreeMap<String, ExistingPerson>,
    ) -> BTreeMap<String, ExistingPerson> {
        for person in judgement.rows.iter().filter_map(|row| row.person.as_ref()) {
            let key = email_key(&person.email);
            let profile = person
                .profile
                .clone()
                .or_else(|| existing.get(&key).and_then(|p| p.profile.clone()));
            existing.insert(
                key,
                ExistingPerson {
                    display_name: person.display_name.clone(),
                    org_ods_code: person.org_ods_code.clone(),
                    roles: person.roles.clone(),
                    is_active: true,
                    profile,
                },
            );
        }
        existing
    }

    fn cell() -> impl Strategy<Value = String> {
        prop_oneof![
            Just(String::new()),
            "[a-c]{1,2}@nhs\\.net",
            "[A-C][a-z]{0,3}",
            Just("RR8".to_string()),
            Just("rr8".to_string()),
            Just("ZZZ".to_string()),
            Just("trust lead".to_string()),
            Just("peer reviewer; lead".to_string()),
            Just("moderator".to_string()),
            Just("admin".to_string()),
            Just("acute, ICB".to_string()),
            Just("5".to_string()),
            Just("21".to_string()),
            "\\PC{0,6}",
        ]
    }

    proptest! {
        #[test]
        fn every_row_is_judged_once_and_confirming_then_uploading_again_changes_nothing(
            rows in prop::collection::vec(prop::collection::vec(cell(), 0..7), 0..25),
        ) {
            let file = Sheet { headers: HEADERS.map(String::from).to_vec(), rows };
            let judgement = judge(&file, &existing_lead(), &orgs()).unwrap();
            let non_empty = file.rows.iter().filter(|row| row.iter().any(|c| !c.trim().is_empty())).count();
            prop_assert_eq!(judgement.rows.len(), non_empty);
            let counts = judgement.counts();
            prop_assert_eq!(counts.new + counts.updates + counts.unchanged + counts.refused, non_empty);
            let mut keys = BTreeSet::new();
            for row in &judgement.rows {
                prop_assert_eq!(row.person.is_some(), !matches!(row.outcome, Outcome::Refused(_)));
                if let Outcome::Refused(reasons) = &row.outcome {
                    prop_assert!(!reasons.is_empty());
                }
                if let Some(person) = &row.person {
                    prop_assert!(check_email(&person.email).is_ok());
                    prop_assert!(check_roles(&person.roles, person.org_ods_code.as_deref()).is_ok());
                    prop_assert!(!person.roles.contains(&Role::Admin));
                    prop_assert!(person.org_ods_code.iter().all(|code| orgs().contains(code)));
                    prop_assert!(keys.insert(email_key(&person.email)), "one row per address");
                }
            }
            let again = judge(&file, &after_confirming(&judgement, existing_lead()), &orgs()).unwrap();
            for row in &again.rows {
                prop_assert!(
                    matches!(row.outcome, Outcome::Unchanged | Outcome::Refused(_)),
                    "row {} is {:?} the second time", row.row, row.outcome
                );
            }
        }
    }
}
