//! An assessment's final scores, each domain with why its score is what it is, and the trust's
//! queries while the provisional release is open; the moderators' list of queries to answer.

use super::assessments::param;
use crate::api::provisional::{
    get_final_scores, open_queries, AnswerQuery, DomainResult, FinalScores, OpenQuery, RaiseQuery,
};
use crate::components::charts::score_cell;
use crate::components::{action_error, flash_banner, FormErrors, Loaded, SummaryRow, TextArea};
use crate::error::AppError;
use crate::flash::Flash;
use crate::routes::Route;
use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn FinalScoresPage() -> impl IntoView {
    let id = param("id");
    let scores = Resource::new(id, get_final_scores);
    let raise = ServerAction::<RaiseQuery>::new();
    let error = action_error(raise.value());
    view! {
        <Title text="Final scores"/>
        {flash_banner(|flash| matches!(flash, Flash::Queried { .. }).then_some("Your query has been sent to NHS England. You will see the answer on this page."))}
        <FormErrors error/>
        <Loaded resource=scores let:scores>
            <Scores scores raise error/>
        </Loaded>
    }
}

#[component]
fn Scores(
    scores: FinalScores,
    raise: ServerAction<RaiseQuery>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let header = scores.header.clone();
    let query_until = scores.query_until.clone();
    view! {
        <span class="nhsuk-caption-l">{header.title()}</span>
        <h1 class="nhsuk-heading-xl">"Final scores"</h1>
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Cycle" value=header.cycle_name.clone()/>
            <SummaryRow key="Status" value=header.status.label().to_string()/>
            <SummaryRow key="Overall score, self-assessed" value=score_cell(scores.self_overall)/>
            <SummaryRow key="Overall score, final" value=score_cell(scores.final_overall)/>
        </dl>
        {query_until.clone().map(|date| view! {
            <div class="nhsuk-inset-text">
                <p>{format!("These scores are provisional. If you think a section's score is wrong, raise a query on it by {date}.")}</p>
            </div>
        })}
        {scores.domains.into_iter().map(|domain| view! {
            <DomainExplained domain assessment_id=header.id.clone() can_query=query_until.is_some() raise error/>
        }).collect_view()}
    }
}

#[component]
fn DomainExplained(
    domain: DomainResult,
    assessment_id: String,
    can_query: bool,
    raise: ServerAction<RaiseQuery>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let question_id = format!("question-{}", domain.key);
    let key = domain.key.clone();
    view! {
        <section class="nhsuk-card" id=domain.key.clone()>
            <div class="nhsuk-card__content">
                <span class="nhsuk-caption-m">{domain.pillar.clone()}</span>
                <h2 class="nhsuk-card__heading nhsuk-heading-m">{format!("{}: level {}", domain.name, domain.explanation.final_level)}</h2>
                <ol class="nhsuk-list nhsuk-list--number">
                    {domain.explanation.steps.into_iter().map(|step| view! {
                        <li>
                            <strong>{match step.level {
                                Some(level) => format!("{}: level {level}", step.by),
                                None => step.by.clone(),
                            }}</strong>
                            <ul class="nhsuk-list nhsuk-list--bullet">
                                {step.reasons.into_iter().map(|reason| view! { <li>{reason}</li> }).collect_view()}
                            </ul>
                        </li>
                    }).collect_view()}
                </ol>
                {match domain.query {
                    Some(query) => view! {
                        <h3 class="nhsuk-heading-s">"Your query"</h3>
                        <dl class="nhsuk-summary-list">
                            <SummaryRow key=format!("Raised on {}", query.raised_on) value=query.question/>
                            <SummaryRow key="NHS England's answer" value=match query.answer {
                                Some(answer) if query.upheld => format!("Upheld: the section goes back to moderation. {answer}"),
                                Some(answer) => format!("Not upheld. {answer}"),
                                None => "Not answered yet.".to_string(),
                            }/>
                        </dl>
                    }.into_any(),
                    None if can_query => view! {
                        <details class="nhsuk-details">
                            <summary class="nhsuk-details__summary"><span class="nhsuk-details__summary-text">"Query this score"</span></summary>
                            <div class="nhsuk-details__text">
                                <ActionForm action=raise>
                                    <input type="hidden" name="assessment_id" value=assessment_id/>
                                    <input type="hidden" name="domain_key" value=key/>
                                    <TextArea id=question_id name="question" label="Why you think this score is wrong" hint="Name the criteria and the evidence NHS England should look at again." error/>
                                    <button class="nhsuk-button nhsuk-button--secondary" type="submit">"Send the query"</button>
                                </ActionForm>
                            </div>
                        </details>
                    }.into_any(),
                    None => ().into_any(),
                }}
            </div>
        </section>
    }
}

#[component]
pub fn QueriesPage() -> impl IntoView {
    let queries = Resource::new(|| (), |_| open_queries());
    let answer = ServerAction::<AnswerQuery>::new();
    let error = action_error(answer.value());
    view! {
        <Title text="Queries on provisional scores"/>
        {flash_banner(|flash| (flash == Flash::Answered).then_some("Your answer has been recorded. The trust can read it on its results page."))}
        <FormErrors error/>
        <h1 class="nhsuk-heading-xl">"Queries on provisional scores"</h1>
        <Loaded resource=queries let:data>
            {match data {
                list if list.is_empty() => view! { <p>"No queries are waiting for an answer."</p> }.into_any(),
                list => list.into_iter().map(|query| view! { <QueryToAnswer query answer error/> }).collect_view().into_any(),
            }}
        </Loaded>
    }
}

#[component]
fn QueryToAnswer(
    query: OpenQuery,
    answer: ServerAction<AnswerQuery>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let answer_id = format!("answer-{}", query.id);
    let yes = format!("reopen-{}-yes", query.id);
    let no = format!("reopen-{}-no", query.id);
    view! {
        <section class="nhsuk-card">
            <div class="nhsuk-card__content">
                <h2 class="nhsuk-card__heading nhsuk-heading-m">{format!("{}: {}", query.title, query.domain)}</h2>
                <p>{format!("Raised on {}:", query.raised_on)}</p>
                <blockquote class="nhsuk-inset-text"><p>{query.question.clone()}</p></blockquote>
                <p><a class="nhsuk-link" href={Route::FinalScores { id: &query.assessment_id }.href()}>"Read why the score is what it is"</a></p>
                <ActionForm action=answer>
                    <input type="hidden" name="query_id" value=query.id.clone()/>
                    <TextArea id=answer_id name="answer" label="Your answer to the trust" error/>
                    <div class="nhsuk-form-group">
                        <fieldset class="nhsuk-fieldset">
                            <legend class="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">"Does the query change the moderation?"</legend>
                            <div class="nhsuk-radios nhsuk-radios--inline">
                                <div class="nhsuk-radios__item">
                                    <input class="nhsuk-radios__input" id=no.clone() name="reopen" type="radio" value="no" checked/>
                                    <label class="nhsuk-label nhsuk-radios__label" for=no>"No, the score stands"</label>
                                </div>
                                <div class="nhsuk-radios__item">
                                    <input class="nhsuk-radios__input" id=yes.clone() name="reopen" type="radio" value="yes"/>
                                    <label class="nhsuk-label nhsuk-radios__label" for=yes>"Yes, reopen moderation"</label>
                                </div>
                            </div>
                        </fieldset>
                    </div>
                    <button class="nhsuk-button" type="submit">"Send the answer"</button>
                </ActionForm>
            </div>
        </section>
    }
}
