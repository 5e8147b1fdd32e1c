//! Times the reviewer-assignment solver on national-scale instances built from the organisation
//! reference data: one assessment per trust and care setting it submitted (280), three reviewers
//! per trust (606), then the same ten times over (2,800 × 6,060); plus, at both scales, a tight
//! variant (capacity 1 each) and a scarce one (one reviewer per trust, too few for every place).
//! Expertise, capacity, conflicts and last cycle's reviews are drawn from a fixed seed, so every
//! run builds the same instances.
//!
//! cargo run --release -p app --example assignment_bench -- [folder with trusts.csv, icbs.csv,
//! regions.csv; default server/data/orgs/]

use app::rules::assignment::*;
use app::rules::organisations::CareSetting;
use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::Instant;

const CARE_SETTINGS: [CareSetting; 4] = [
    CareSetting::Acute,
    CareSetting::Community,
    CareSetting::MentalHealth,
    CareSetting::Ambulance,
];

fn main() {
    let folder = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "server/data/orgs/".to_string());
    let orgs = Orgs::read(&folder);
    println!(
        "{} trusts in {} ICSs over {} regions, from {folder}",
        orgs.trusts.len(),
        orgs.icb_region.len(),
        orgs.region_names.len()
    );
    let scenarios = [
        (
            "3 reviewers per trust, capacity 1-3",
            3,
            Capacity::OneToThree,
        ),
        ("tight: 3 reviewers per trust, capacity 1", 3, Capacity::One),
        (
            "scarce: 1 reviewer per trust, capacity 1-3",
            1,
            Capacity::OneToThree,
        ),
    ];
    for (scale, copies) in [("national", 1), ("10x national", 10)] {
        for (scenario, reviewers_per_trust, capacity) in scenarios {
            let input = orgs.instance(copies, reviewers_per_trust, capacity);
            run(&format!("{scale}, {scenario}"), &input);
        }
    }
}

/// Solves `input` and prints what the plan looks like.
fn run(label: &str, input: &AssignmentInput) {
    let started = Instant::now();
    let plan = assign(input);
    let took = started.elapsed();
    let violations = check_plan(input, &plan);

    let setting_of: HashMap<&str, CareSetting> = input
        .assessments
        .iter()
        .map(|a| (a.id.as_str(), a.care_setting))
        .collect();
    let expertise_of: HashMap<&str, &[CareSetting]> = input
        .reviewers
        .iter()
        .map(|r| (r.id.as_str(), r.expertise.as_slice()))
        .collect();
    let matched = plan
        .assignments
        .iter()
        .filter(|review| {
            expertise_of[review.reviewer_id.as_str()]
                .contains(&setting_of[review.assessment_id.as_str()])
        })
        .count();
    let loads = plan.load.iter().map(|&(_, load)| load);
    let places = input.assessments.len() * input.reviewers_per_assessment as usize;
    println!(
        "\n{label}: {} assessments × N={} ({places} places), {} reviewers (capacity {})",
        input.assessments.len(),
        input.reviewers_per_assessment,
        input.reviewers.len(),
        input.reviewers.iter().map(|r| r.capacity).sum::<u32>()
    );
    println!("  wall time            {:.3} s", took.as_secs_f64());
    println!("  total cost           {}", plan.total_cost);
    println!(
        "  load                 max {}, min {}",
        loads.clone().max().unwrap_or(0),
        loads.min().unwrap_or(0)
    );
    println!(
        "  care setting matched {:.1}% of {} reviews",
        100.0 * matched as f64 / plan.assignments.len().max(1) as f64,
        plan.assignments.len()
    );
    println!(
        "  uncovered            {} assessments, {} places; {} assessments with no reviewer at all",
        plan.uncovered.len(),
        plan.uncovered.iter().map(|u| u.missing).sum::<u32>(),
        plan.uncovered
            .iter()
            .filter(|u| u.missing == input.reviewers_per_assessment)
            .count()
    );
    for uncovered in plan.uncovered.iter().take(3) {
        println!("    {}: {}", uncovered.assessment_id, uncovered.reason);
    }
    println!("  hard-rule violations {}", violations.len());
    for violation in violations.iter().take(3) {
        println!("    {violation}");
    }
}

/// How many reviews each reviewer can take.
#[derive(Clone, Copy)]
enum Capacity {
    /// 1, 2 or 3, drawn at random: about twice the places needed.
    OneToThree,
    /// Exactly one: barely more than the places needed, so the soft rules must give.
    One,
}

struct Trust {
    ods_code: String,
    /// The ICS its assessments belong to: the 2025 assessment's where given, else the ODS parent.
    icb_ods_code: String,
    care_settings: Vec<CareSetting>,
}

/// The reference data the instances are built from.
struct Orgs {
    trusts: Vec<Trust>,
    icb_region: HashMap<String, String>,
    icb_names: BTreeMap<String, String>,
    region_names: BTreeMap<String, String>,
}

impl Orgs {
    fn read(folder: &str) -> Orgs {
        let icbs = read_csv(folder, "icbs.csv");
        let trusts = read_csv(folder, "trusts.csv")
            .iter()
            .map(|row| {
                let assessed_in = &row["dma_2025_icb_ods_code"];
                Trust {
                    ods_code: row["ods_code"].clone(),
                    icb_ods_code: if assessed_in.is_empty() {
                        row["icb_ods_code"].clone()
                    } else {
                        assessed_in.clone()
                    },
                    care_settings: row["trust_type"]
                        .split(';')
                        .filter_map(|label| {
                            CARE_SETTINGS
                                .into_iter()
                                .find(|s| s.label().eq_ignore_ascii_case(label.trim()))
                        })
                        .collect(),
                }
            })
            .collect();
        Orgs {
            trusts,
            icb_region: icbs
                .iter()
                .map(|row| (row["ods_code"].clone(), row["region_ods_code"].clone()))
                .collect(),
            icb_names: icbs
                .iter()
                .map(|row| {
                    let name = row["name"].replace(" Integrated Care Board", " ICS");
                    (row["ods_code"].clone(), name)
                })
                .collect(),
            region_names: read_csv(folder, "regions.csv")
                .iter()
                .map(|row| (row["ods_code"].clone(), row["name"].clone()))
                .collect(),
        }
    }

    /// The trusts `copies` times over (copies beyond the first get codes like "R0A-2" in the same
    /// ICS), each assessed in every care setting it submitted, with `reviewers_per_trust` reviewers
    /// from each trust.
    fn instance(
        &self,
        copies: usize,
        reviewers_per_trust: usize,
        capacity: Capacity,
    ) -> AssignmentInput {
        let mut random = XorShift(0x5eed_1234_abcd_9876);
        let mut input = AssignmentInput {
            names: self
                .icb_names
                .iter()
                .chain(&self.region_names)
                .map(|(code, name)| (code.clone(), name.clone()))
                .collect(),
            ..AssignmentInput::default()
        };
        let mut trust_codes = Vec::new();
        for copy in 1..=copies {
            for trust in &self.trusts {
                let code = match copy {
                    1 => trust.ods_code.clone(),
                    _ => format!("{}-{copy}", trust.ods_code),
                };
                let region = self.icb_region[&trust.icb_ods_code].clone();
                for &setting in &trust.care_settings {
                    input.assessments.push(Assessment {
                        id: format!("{code}/{}", setting.label()),
                        trust_ods_code: code.clone(),
                        icb_ods_code: trust.icb_ods_code.clone(),
                        region_ods_code: region.clone(),
                        care_setting: setting,
                    });
                }
                for n in 1..=reviewers_per_trust {
                    // One of their trust's settings (any, for a trust with none), and a quarter
                    // know one more.
                    let own = &trust.care_settings;
                    let mut expertise = match own.len() {
                        0 => vec![CARE_SETTINGS[random.below(4)]],
                        n => vec![own[random.below(n)]],
                    };
                    if random.below(4) == 0 {
                        expertise.push(CARE_SETTINGS[random.below(4)]);
                    }
                    expertise.sort_unstable();
                    expertise.dedup();
                    input.reviewers.push(Reviewer {
                        id: format!("{code}/reviewer-{n}"),
                        org_ods_code: code.clone(),
                        icb_ods_code: trust.icb_ods_code.clone(),
                        region_ods_code: region.clone(),
                        expertise,
                        capacity: match capacity {
                            Capacity::OneToThree => 1 + random.below(3) as u32,
                            Capacity::One => 1,
                        },
                    });
                }
                trust_codes.push(code);
            }
        }
        // One reviewer in ten declares a conflict with some trust.
        for reviewer in &input.reviewers {
            if random.below(10) == 0 {
                input.conflicts.push(Conflict {
                    reviewer_id: reviewer.id.clone(),
                    trust_ods_code: trust_codes[random.below(trust_codes.len())].clone(),
                });
            }
        }
        // Last cycle each trust had two reviewers, drawn from anywhere.
        let mut previous = HashSet::new();
        for trust in &trust_codes {
            for _ in 0..2 {
                let reviewer = &input.reviewers[random.below(input.reviewers.len())];
                previous.insert((reviewer.id.clone(), trust.clone()));
            }
        }
        input.previous_reviews = previous.into_iter().collect();
        input.previous_reviews.sort();
        input
    }
}

/// A CSV file's rows as column → value, for simple files whose quoted fields hold no newlines.
fn read_csv(folder: &str, file: &str) -> Vec<HashMap<String, String>> {
    let path = std::path::Path::new(folder).join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let header = split_csv_line(lines.next().unwrap_or_default());
    lines
        .map(|line| header.iter().cloned().zip(split_csv_line(line)).collect())
        .collect()
}

fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.trim_end_matches('\r').chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                fields.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(String::new()),
            _ => fields.last_mut().unwrap().push(c),
        }
    }
    fields
}

/// xorshift64: enough randomness for test data, with no dependency.
struct XorShift(u64);

impl XorShift {
    /// A number in 0..n.
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 % n as u64) as usize
    }
}
