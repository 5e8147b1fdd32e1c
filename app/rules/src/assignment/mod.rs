//! Proposing peer reviewers for submitted assessments (workflow step 3).
//!
//! Each assessment needs N reviewers. The hard rules are never broken: a reviewer is never from the
//! assessed trust's ICS, never from the trust itself, never someone who declared a conflict with
//! the trust, never over their capacity and never twice on one assessment. The soft rules are costs
//! to keep low: a reviewer without expertise in the care setting, each further review a reviewer
//! takes (each dearer than the last, so load spreads out), a reviewer who reviewed the same trust
//! last cycle, and a reviewer from the same region.
//!
//! [`assign`] fills as many reviewer places as the hard rules allow and, among the plans that do,
//! returns one of least total cost. It solves a min-cost flow: source → assessment (N places) →
//! eligible reviewer (one place each) → sink (one edge per review, priced by load), plus an
//! "uncovered" edge from each assessment to the sink that costs more than any real plan could, so
//! coverage always comes first, and dearer still for an assessment's last empty place, so every
//! assessment gets its first reviewer before any gets its second. Nationally almost every reviewer is eligible for almost every
//! assessment, far too many pairs to put in the network, so it starts from each assessment's few
//! cheapest reviewers and adds the pairs that the solution's node potentials price as improving
//! (column generation) until there are none: the potentials then prove the plan optimal over all
//! pairs.
//!
//! One concept a file: `types` holds the input and the plan, `problem` the input indexed with its
//! hard and soft rules (and [`check_plan`], [`eligible_reviewers`]), `solver` the column generation
//! over `flow`, a generic min-cost flow network, and `explanation` the reasons in words.

mod explanation;
#[cfg(test)]
mod fixtures;
mod flow;
mod problem;
mod solver;
mod types;

pub use problem::{check_plan, eligible_reviewers};
pub use solver::assign;
pub use types::{
    Assessment, AssignmentInput, AssignmentPlan, Conflict, Costs, ProposedReview, Reviewer,
    Uncovered,
};
