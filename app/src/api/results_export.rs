//! The results tables as files: the ICS and trust tables anyone can download, and for NHS England
//! the full data file (every assessment × domain: self, each reviewer, the reply, moderated, with
//! their reasons), named or anonymised. The server writes them as CSV or Excel; the cells and the
//! notes sheet are chosen here.

use super::results::{load, LoadedResults};
use crate::error::AppError;
use crate::rules::access::{self, Actor};
use crate::rules::assessments::is_met_in;
use crate::rules::reply::reviewer_label;
use crate::rules::results::AssessmentResult;
use crate::rules::results::{published, summarise, summarise_by};
use crate::rules::review::reviewer_domain_score;
use crate::rules::scoring::domain_score;
use crate::store::AssessmentId;
use crate::store::{
    self, assessments as assessment_store, moderation as moderation_store, replies as reply_store,
    reviews as review_store,
};

/// A cell: text, or a number kept at full precision (a spreadsheet rounds it only for display).
#[derive(Clone, Debug, PartialEq)]
pub enum Cell {
    Text(String),
    Number(f64),
}

impl From<&str> for Cell {
    fn from(text: &str) -> Self {
        Cell::Text(text.to_string())
    }
}

impl From<String> for Cell {
    fn from(text: String) -> Self {
        Cell::Text(text)
    }
}

/// One table to download, with the notes that define its columns.
#[derive(Clone, Debug, PartialEq)]
pub struct Export {
    /// The file's name without extension: cycle, table and version.
    pub file_stem: String,
    /// The version of the results it holds.
    pub version: i64,
    pub sheet: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub notes: Vec<String>,
}

/// Which table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Table {
    Regions,
    Ics,
    Trusts,
}

/// A file name part from free text: letters and digits, the rest hyphens.
fn slug(text: &str) -> String {
    let slug: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    slug.split('-')
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join("-")
}

fn notes(loaded: &LoadedResults) -> Vec<String> {
    let shown = &loaded.shown;
    vec![
        format!("{}, version {} of its results, published {}.", shown.cycle_name, shown.version, shown.published_at),
        format!("About this version: {}", shown.note),
        "A section (domain) scores a level from 1 to 5: the highest level whose criteria, and those of every level below it, are all met.".into(),
        "A pillar's score is the mean of its sections that apply to the care setting; an assessment's overall score is the weighted mean of its pillars.".into(),
        "An ICS's score is the mean of its providers' assessments (one trust in one care setting), each counting once.".into(),
        "Numbers are kept at full precision; round them only to show them.".into(),
    ]
}

fn pillar_headers(loaded: &LoadedResults) -> impl Iterator<Item = String> + '_ {
    loaded.shown.pillars.iter().map(|(_, name)| name.clone())
}

/// The ICS or trust table of a published version, as anyone may download it.
pub async fn results_table(
    db: &store::Db,
    cycle_id: &str,
    version: Option<i64>,
    table: Table,
) -> Result<Export, AppError> {
    let loaded = load(db, cycle_id, version).await?;
    let framework = &loaded.framework;
    let pillars = &loaded.shown.pillars;
    // ICBs' own surveys are not providers: the ICS table gives them a column of their own.
    let providers: Vec<AssessmentResult> = loaded
        .results
        .iter()
        .filter(|r| r.is_provider())
        .cloned()
        .collect();
    let (name, headers, rows) = match table {
        Table::Regions => {
            let headers = ["Region code", "Region", "Assessments", "Trusts", "Overall"]
                .map(String::from)
                .into_iter()
                .chain(pillar_headers(&loaded))
                .collect();
            let rows = summarise_by(framework, &providers, |r| {
                (r.region_name.clone(), r.region.clone())
            })
            .into_iter()
            .map(|((region_name, code), score)| {
                let mut row: Vec<Cell> = vec![
                    code.into(),
                    region_name.into(),
                    Cell::Number(score.assessments as f64),
                    Cell::Number(score.organisations as f64),
                    Cell::Number(score.overall),
                ];
                row.extend(
                    pillars
                        .iter()
                        .map(|(key, _)| score.pillar(key).map_or_else(|| "".into(), Cell::Number)),
                );
                row
            })
            .collect();
            ("regions", headers, rows)
        }
        Table::Ics => {
            let headers = [
                "ICS code",
                "ICS",
                "Region",
                "Assessments",
                "Trusts",
                "Overall",
            ]
            .map(String::from)
            .into_iter()
            .chain(pillar_headers(&loaded))
            .chain(["ICB's own survey, overall".to_string()])
            .collect();
            let rows = summarise_by(framework, &providers, |r| r.ics.clone())
                .into_iter()
                .filter_map(|(code, score)| {
                    let member = loaded.results.iter().find(|r| r.ics == code)?;
                    let mut row: Vec<Cell> = vec![
                        code.clone().into(),
                        member.ics_name.clone().into(),
                        member.region_name.clone().into(),
                        Cell::Number(score.assessments as f64),
                        Cell::Number(score.organisations as f64),
                        Cell::Number(score.overall),
                    ];
                    row.extend(
                        pillars.iter().map(|(key, _)| {
                            score.pillar(key).map_or_else(|| "".into(), Cell::Number)
                        }),
                    );
                    let own = loaded
                        .results
                        .iter()
                        .find(|r| !r.is_provider() && r.organisation == code);
                    row.push(own.map_or_else(|| "".into(), |own| Cell::Number(own.scores.overall)));
                    Some(row)
                })
                .collect();
            ("ics", headers, rows)
        }
        Table::Trusts => {
            let mut headers: Vec<String> = [
                "ODS code",
                "Trust",
                "Care setting",
                "ICS",
                "Region",
                "Overall",
            ]
            .map(String::from)
            .into_iter()
            .chain(pillar_headers(&loaded))
            .collect();
            if loaded.shown.with_self_scores {
                headers.push("Self-assessed overall".into());
            }
            let rows = providers
                .iter()
                .map(|result| {
                    let mut row: Vec<Cell> = vec![
                        result.organisation.clone().into(),
                        result.organisation_name.clone().into(),
                        result.care_setting.label().into(),
                        result.ics_name.clone().into(),
                        result.region_name.clone().into(),
                        Cell::Number(result.scores.overall),
                    ];
                    row.extend(pillars.iter().map(|(key, _)| {
                        result
                            .scores
                            .pillar(key)
                            .map_or_else(|| "".into(), Cell::Number)
                    }));
                    if let Some(own) = &result.self_scores {
                        row.push(Cell::Number(own.overall));
                    }
                    row
                })
                .collect();
            ("trusts", headers, rows)
        }
    };
    // The national mean goes last, so a reader can check any group against it.
    let mut rows: Vec<Vec<Cell>> = rows;
    if let Some(england) = summarise(framework, &providers, published) {
        // Every table has the overall score, then the pillars in order.
        let overall = headers
            .iter()
            .position(|header| header == "Overall")
            .unwrap_or(1);
        let mut row: Vec<Cell> = vec![Cell::from(""); headers.len()];
        row[0] = "England".into();
        row[overall] = Cell::Number(england.overall);
        for (index, (key, _)) in pillars.iter().enumerate() {
            if let Some(score) = england.pillar(key) {
                row[overall + 1 + index] = Cell::Number(score);
            }
        }
        rows.push(row);
    }
    Ok(Export {
        file_stem: format!(
            "{}-{name}-v{}",
            slug(&loaded.shown.cycle_name),
            loaded.shown.version
        ),
        version: loaded.shown.version,
        sheet: match table {
            Table::Regions => "Regions".into(),
            Table::Ics => "ICSs".into(),
            Table::Trusts => "Trusts".into(),
        },
        headers,
        rows,
        notes: notes(&loaded),
    })
}

/// The full data file of a cycle's latest version, for NHS England: a row per assessment and
/// domain with the trust's level, each reviewer's, the reply, and the moderated level with its
/// rationale. Anonymised, reviewers are numbered instead of named; and always in the rows of
/// the `reader`'s own organisation, whose reviewers NHS England staff from it may not learn.
pub async fn full_data(
    db: &store::Db,
    cycle_id: &str,
    anonymised: bool,
    reader: &Actor,
) -> Result<Export, AppError> {
    let loaded = load(db, cycle_id, None).await?;
    let framework = &loaded.framework;
    let mut gathered = Vec::with_capacity(loaded.results.len());
    for result in &loaded.results {
        let id = &result.assessment_id;
        gathered.push((
            result,
            assessment_store::all_answers(db, &AssessmentId::from(id)).await?,
            review_store::submitted_reviews(db, &AssessmentId::from(id)).await?,
            reply_store::all_replies(db, &AssessmentId::from(id)).await?,
            moderation_store::all_moderations(db, &AssessmentId::from(id)).await?,
        ));
    }
    let most_reviewers = gathered
        .iter()
        .map(|(_, _, reviews, _, _)| reviews.len())
        .max()
        .unwrap_or(0);
    let mut headers: Vec<String> = [
        "ODS code",
        "Trust",
        "Care setting",
        "ICS",
        "Pillar",
        "Domain",
        "Self level",
    ]
    .map(String::from)
    .into();
    for index in 0..most_reviewers {
        let label = reviewer_label(index);
        headers.push(label.clone());
        headers.push(format!("{label} level"));
        headers.push(format!("{label} comment"));
    }
    headers.extend(
        [
            "Reply",
            "Reply comment",
            "Moderated level",
            "Moderation rationale",
            "Published level",
        ]
        .map(String::from),
    );
    let mut rows = Vec::new();
    let mut own_reviewers_numbered = false;
    for (result, answers, reviews, replies, moderated) in gathered {
        let reviewers_named =
            !anonymised && access::may_view_moderation(reader, &result.organisation).is_ok();
        own_reviewers_numbered |= !anonymised && !reviewers_named;
        for (pillar, domain) in framework.domains_for(result.care_setting) {
            let trust = answers.get(&domain.key).cloned().unwrap_or_default();
            let mut row: Vec<Cell> = vec![
                result.organisation.clone().into(),
                result.organisation_name.clone().into(),
                result.care_setting.label().into(),
                result.ics_name.clone().into(),
                pillar.name.clone().into(),
                domain.name.clone().into(),
                Cell::Number(f64::from(domain_score(is_met_in(&trust), domain))),
            ];
            for index in 0..most_reviewers {
                match reviews.get(index) {
                    Some(review) => {
                        let saved = review.domains.get(&domain.key).cloned().unwrap_or_default();
                        row.push(if reviewers_named {
                            format!(
                                "{} ({})",
                                review.slot.reviewer_name, review.slot.reviewer_org
                            )
                            .into()
                        } else {
                            reviewer_label(index).into()
                        });
                        row.push(Cell::Number(f64::from(reviewer_domain_score(
                            domain,
                            &trust,
                            &saved.judgements,
                        ))));
                        row.push(saved.comment.into());
                    }
                    None => row.extend([Cell::from(""), Cell::from(""), Cell::from("")]),
                }
            }
            let reply = replies.get(&domain.key);
            row.push(reply.map_or("", |r| r.response.label()).into());
            row.push(reply.map_or_else(String::new, |r| r.comment.clone()).into());
            let moderation = moderated.get(&domain.key);
            row.push(moderation.map_or_else(|| "".into(), |m| Cell::Number(f64::from(m.score))));
            row.push(
                moderation
                    .map_or_else(String::new, |m| m.rationale.clone())
                    .into(),
            );
            let level = result
                .scores
                .domains
                .iter()
                .find(|(key, _)| *key == domain.key)
                .map(|(_, l)| *l);
            row.push(level.map_or_else(|| "".into(), |l| Cell::Number(f64::from(l))));
            rows.push(row);
        }
    }
    let mut notes = notes(&loaded);
    notes.push(if anonymised {
        "Anonymised: reviewers are numbered in the order they were assigned, not named.".into()
    } else {
        "Names reviewers: for NHS England only. Do not share outside NHS England.".into()
    });
    if own_reviewers_numbered {
        notes.push(
            "Your own organisation's reviewers are numbered, not named: NHS England staff do not see who reviewed their own organisation.".into(),
        );
    }
    Ok(Export {
        file_stem: format!(
            "{}-full-data{}-v{}",
            slug(&loaded.shown.cycle_name),
            if anonymised { "-anonymised" } else { "" },
            loaded.shown.version
        ),
        version: loaded.shown.version,
        sheet: "Data".into(),
        headers,
        rows,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn a_file_name_keeps_letters_and_digits_only() {
        assert_eq!(slug("DMA 2026/27 (final)"), "dma-2026-27-final");
    }
}
