//! The trust lead's reply to the peer reviews: the reviews as the trust sees them, an answer for
//! each adjusted section, check your reply and submit. Plain forms: they work the same with or
//! without JavaScript. NHS England reads the same pages.

use super::assessments::param;
use crate::api::replies::{
    get_domain_reply, get_reply, ReplyDomainTask, ReplyDomainView, ReplyOverview, SaveDomainReply,
    SubmitReply,
};
use crate::components::{
    action_error, field_message, form_group_class, CharacterCount, CheckAnswersRow, Choice,
    FormErrors, InlineError, Legend, Loaded, Radios, SuccessBanner, SummaryRow,
};
use crate::error::AppError;
use crate::flash::{use_flash, Flash};
use crate::routes::Route;
use crate::rules::cycles::readable_moment;
use crate::rules::deadlines::deadline_shown;
use crate::rules::reply::{ReplyOutcome, Response, COMMENT_MAX_CHARS};
use leptos::prelude::*;
use leptos_meta::Title;

fn reply_link(assessment_id: &str) -> String {
    Route::Reply { id: assessment_id }.href()
}

#[component]
fn ReplyHeading(overview_title: String, cycle_name: String, heading: String) -> impl IntoView {
    view! {
        <span class="nhsuk-caption-l">{format!("{cycle_name} – {overview_title}")}</span>
        <h1 class="nhsuk-heading-l">{heading}</h1>
    }
}

/// A domain's answer on the overview, in words; the colour only helps.
fn answer_view(domain: &ReplyDomainTask) -> AnyView {
    match (domain.adjusted, domain.response) {
        (false, _) => view! { "No adjustments" }.into_any(),
        (true, Some(response)) => view! { {response.label()} }.into_any(),
        (true, None) => {
            view! { <strong class="nhsuk-tag nhsuk-tag--grey">"Not answered"</strong> }.into_any()
        }
    }
}

fn ended_words(overview: &ReplyOverview) -> Option<String> {
    overview.ended.as_ref().map(|ended| match ended.outcome {
        ReplyOutcome::Submitted => format!(
            "Reply submitted on {} by {}.",
            readable_moment(&ended.at),
            ended.by.clone().unwrap_or_default()
        ),
        ReplyOutcome::NoReply => format!(
            "No reply was received by the deadline, {}. This is recorded as no reply, not as agreement.",
            deadline_shown(&overview.header.reply_deadline)
        ),
    })
}

#[component]
pub fn ReplyPage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_reply);
    let flash = use_flash();
    view! {
        <Loaded resource=overview error_title="Reply to the peer review" let:overview>
            {
                let saved_name = flash.get().and_then(|flash| match flash {
                    Flash::Saved { domain } => overview.domains().find(|d| d.key == domain).map(|d| d.name.clone()),
                    _ => None,
                });
                view! {
                    <Title text=format!("Reply to the peer review – {}", overview.header.title())/>
                    {saved_name.map(|name| view! { <SuccessBanner message=format!("Your reply on {name} is saved.")/> })}
                    <ReplyTasks overview/>
                }.into_any()
            }
        </Loaded>
    }
}

#[component]
fn ReplyTasks(overview: ReplyOverview) -> impl IntoView {
    let header = overview.header.clone();
    let id = header.id.clone();
    let editable = overview.locked_reason.is_none();
    let reviewer_labels: Vec<String> = overview.reviewers.iter().map(|r| r.label.clone()).collect();
    view! {
        <ReplyHeading overview_title=header.title() cycle_name=header.cycle_name.clone() heading="Reply to the peer review".to_string()/>
        {ended_words(&overview).map(|words| view! { <div class="nhsuk-inset-text"><p>{words}</p></div> })}
        {match (editable, overview.locked_reason.clone()) {
            (true, _) => view! {
                <p>{format!("Peer reviewers from other integrated care systems have reviewed your self-assessment. Accept or contest each section they adjusted by {}. NHS England's moderators read your reply when they set the final scores.", deadline_shown(&header.reply_deadline))}</p>
            }.into_any(),
            (false, Some(reason)) if overview.ended.is_none() => view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> }.into_any(),
            _ => ().into_any(),
        }}
        <h2 class="nhsuk-heading-m">"The reviewers' verdicts"</h2>
        <dl class="nhsuk-summary-list">
            {overview.reviewers.iter().map(|reviewer| view! {
                <div class="nhsuk-summary-list__row">
                    <dt class="nhsuk-summary-list__key">{reviewer.label.clone()}</dt>
                    <dd class="nhsuk-summary-list__value">
                        <p>{reviewer.verdict.label()}</p>
                        {(!reviewer.summary.is_empty()).then(|| view! { <p>{reviewer.summary.clone()}</p> })}
                    </dd>
                </div>
            }).collect_view()}
        </dl>
        {overview.pillars.iter().map(|pillar| view! {
            <table class="nhsuk-table">
                <caption class="nhsuk-table__caption">{pillar.name.clone()}</caption>
                <thead class="nhsuk-table__head">
                    <tr class="nhsuk-table__row">
                        <th class="nhsuk-table__header" scope="col">"Section"</th>
                        <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">"Your level"</th>
                        {reviewer_labels.iter().map(|label| view! { <th class="nhsuk-table__header nhsuk-table__header--numeric" scope="col">{label.clone()}</th> }).collect_view()}
                        <th class="nhsuk-table__header" scope="col">"Your reply"</th>
                    </tr>
                </thead>
                <tbody class="nhsuk-table__body">
                    {pillar.domains.iter().map(|domain| view! {
                        <tr class="nhsuk-table__row">
                            <td class="nhsuk-table__cell">
                                {if domain.adjusted {
                                    view! { <a href={Route::ReplyDomain { id: &id, key: &domain.key }.href()}>{domain.name.clone()}</a> }.into_any()
                                } else {
                                    view! { {domain.name.clone()} }.into_any()
                                }}
                            </td>
                            <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{domain.self_score}</td>
                            {domain.reviewer_scores.iter().map(|score| view! { <td class="nhsuk-table__cell nhsuk-table__cell--numeric">{*score}</td> }).collect_view()}
                            <td class="nhsuk-table__cell">{answer_view(domain)}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        }).collect_view()}
        <a class="nhsuk-button" href={Route::ReplyCheck { id: &id }.href()}>
            {if editable { "Check your reply and submit" } else { "Read the whole reply" }}
        </a>
        <p><a class="nhsuk-link" href={Route::Assessment { id: &id }.href()}>"Back to your self-assessment"</a></p>
    }
}

#[component]
pub fn ReplyDomainPage() -> impl IntoView {
    let id = param("id");
    let key = param("key");
    let view_data = Resource::new(move || (id(), key()), |(id, key)| get_domain_reply(id, key));
    let save = ServerAction::<SaveDomainReply>::new();
    let error = action_error(save.value());
    view! {
        <Loaded resource=view_data error_title="Reply" let:data>
            {view! {
            <Title text=format!("Reply on {} – {}", data.domain_name, data.header.title())/>
            <FormErrors error/>
            <ReplyDomain data action=save error/>
        }.into_any()}
        </Loaded>
    }
}

#[component]
fn ReplyDomain(
    data: ReplyDomainView,
    action: ServerAction<SaveDomainReply>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let id = data.header.id.clone();
    let back_link = reply_link(&id);
    let editable = data.locked_reason.is_none() && data.adjusted;
    let message = |field: &'static str| field_message(error, field);
    let (response_error, comment_error, evidence_error) =
        (message("response"), message("comment"), message("evidence"));
    // What was entered, when the form comes back with an error; otherwise the saved reply.
    let entered = {
        let saved = data.reply.clone();
        move |name: &'static str| {
            let saved = saved.clone();
            move || {
                error
                    .get()
                    .and_then(|error| error.entered(name).map(str::to_string))
                    .or_else(|| {
                        saved.as_ref().map(|reply| match name {
                            "response" => reply.response.key().to_string(),
                            "comment" => reply.comment.clone(),
                            _ => reply.evidence.clone(),
                        })
                    })
                    .unwrap_or_default()
            }
        }
    };
    let response = entered("response");
    view! {
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=reply_link(&id)>"Reply to the peer review"</a></li>
            </ol>
        </nav>
        <span class="nhsuk-caption-l">{format!("{} – {}", data.pillar_name, data.header.title())}</span>
        <h1 class="nhsuk-heading-l">{data.domain_name.clone()}</h1>
        <p>{format!("Your answers gave this section level {} of 5.", data.self_score)}</p>
        {data.reviews.iter().map(|review| view! {
            <div class="nhsuk-card">
                <div class="nhsuk-card__content">
                    <h2 class="nhsuk-card__heading nhsuk-heading-m">{format!("{}: level {}", review.label, review.level)}</h2>
                    {(!review.flags.is_empty()).then(|| view! {
                        <p>{format!("Flags: {}", review.flags.iter().map(|flag| flag.label()).collect::<Vec<_>>().join(", "))}</p>
                    })}
                    {if review.adjustments.is_empty() {
                        view! { <p>"Agreed with every answer."</p> }.into_any()
                    } else {
                        view! { <ul>{review.adjustments.iter().map(|line| view! { <li>{line.clone()}</li> }).collect_view()}</ul> }.into_any()
                    }}
                    {review.confidence.map(|confidence| view! { <p>{format!("Confidence: {}", confidence.label().to_lowercase())}</p> })}
                    {(!review.comment.is_empty()).then(|| view! { <p>{format!("Comment: {}", review.comment)}</p> })}
                </div>
            </div>
        }).collect_view()}
        {data.last_saved.clone().map(|text| view! { <p class="nhsuk-body-s">{text}</p> })}
        {data.locked_reason.clone().filter(|_| data.adjusted).map(|reason| view! { <div class="nhsuk-inset-text"><p>{reason}</p></div> })}
        {(!data.adjusted).then(|| view! { <p>"No reviewer adjusted this section, so there is nothing to reply to."</p> })}
        {editable.then(|| view! {
            <ActionForm action>
                <input type="hidden" name="assessment_id" value=id.clone()/>
                <input type="hidden" name="domain_key" value=data.domain_key.clone()/>
                <input type="hidden" name="version" value=data.version.to_string()/>
                <Radios id="response" legend="Your reply" legend_as=Legend::Heading error=response_error choices={Response::ALL.into_iter().map(|choice| {
                    let response = response.clone();
                    Choice {
                        id: format!("response-{}", choice.key()),
                        name: "response".into(),
                        value: choice.key().into(),
                        label: match choice {
                            Response::Accept => "We accept the reviewers' adjustments",
                            Response::Contest => "We contest the reviewers' adjustments",
                        }
                        .into(),
                        checked: Signal::derive(move || response() == choice.key()),
                    }
                }).collect()}/>
                <div class=move || form_group_class(comment_error.get().is_some())>
                    <label class="nhsuk-label" for="comment">"Why you contest them"</label>
                    <div class="nhsuk-hint" id="comment-hint">"Required if you contest. The moderator reads it beside the reviews."</div>
                    {move || comment_error.get().map(|message| view! { <InlineError message/> })}
                    <CharacterCount id="comment".to_string() name="comment".to_string() text=entered("comment")() max=COMMENT_MAX_CHARS described_by="comment-hint".to_string()/>
                </div>
                <div class=move || form_group_class(evidence_error.get().is_some())>
                    <label class="nhsuk-label" for="evidence">"Further evidence (optional)"</label>
                    <div class="nhsuk-hint" id="evidence-hint">"Name documents the reviewers may have missed, for example board papers with their dates."</div>
                    {move || evidence_error.get().map(|message| view! { <InlineError message/> })}
                    <textarea class="nhsuk-textarea" id="evidence" name="evidence" rows="3" aria-describedby="evidence-hint">{entered("evidence")}</textarea>
                </div>
                <button class="nhsuk-button" type="submit">"Save and continue"</button>
            </ActionForm>
        })}
        {(!editable).then(|| data.reply.clone()).flatten().map(|reply| view! {
            <h2 class="nhsuk-heading-m">"Your reply"</h2>
            <dl class="nhsuk-summary-list">
                <SummaryRow key="Reply" value=reply.response.label()/>
                <SummaryRow key="Comment" value=if reply.comment.is_empty() { "None".to_string() } else { reply.comment.clone() }/>
                <SummaryRow key="Further evidence" value=if reply.evidence.is_empty() { "None".to_string() } else { reply.evidence.clone() }/>
            </dl>
        })}
        <p><a class="nhsuk-link" href=back_link>"Back to the reply"</a></p>
    }
}

#[component]
pub fn CheckReplyPage() -> impl IntoView {
    let id = param("id");
    let overview = Resource::new(id, get_reply);
    let submit = ServerAction::<SubmitReply>::new();
    let error = action_error(submit.value());
    view! {
        <Loaded resource=overview error_title="Check your reply" let:overview>
            <CheckReply overview action=submit error/>
        </Loaded>
    }
}

#[component]
fn CheckReply(
    overview: ReplyOverview,
    action: ServerAction<SubmitReply>,
    error: Signal<Option<AppError>>,
) -> impl IntoView {
    let header = overview.header.clone();
    let id = header.id.clone();
    let back_link = reply_link(&id);
    let editable = overview.locked_reason.is_none();
    let declaration_message = field_message(error, "declaration");
    let adjusted: Vec<ReplyDomainTask> = overview
        .domains()
        .filter(|domain| domain.adjusted)
        .cloned()
        .collect();
    view! {
        <Title text=format!("Check your reply – {}", header.title())/>
        <FormErrors error/>
        <ReplyHeading overview_title=header.title() cycle_name=header.cycle_name.clone() heading=if editable { "Check your reply".to_string() } else { "Your reply".to_string() }/>
        {ended_words(&overview).map(|words| view! { <div class="nhsuk-inset-text"><p>{words}</p></div> })}
        {(editable && !overview.unanswered.is_empty()).then(|| view! {
            <div class="nhsuk-warning-callout">
                <h2 class="nhsuk-warning-callout__label"><span role="text"><span class="nhsuk-u-visually-hidden">"Important: "</span>"Sections to answer"</span></h2>
                <p>{format!("Accept or contest every adjusted section before you submit. Not yet answered: {}.", overview.unanswered.join(", "))}</p>
            </div>
        })}
        {if adjusted.is_empty() {
            view! { <p>"No reviewer adjusted any section, so your reply only needs your declaration."</p> }.into_any()
        } else {
            view! {
                <dl class="nhsuk-summary-list">
                    {adjusted.iter().map(|domain| view! {
                        <CheckAnswersRow key=domain.name.clone() href={Route::ReplyDomain { id: &id, key: &domain.key }.href()} editable section=format!("your reply on {}", domain.name) value={view! {
                            {format!("Your level {}; reviewers {}", domain.self_score, domain.reviewer_scores.iter().map(u8::to_string).collect::<Vec<_>>().join(" and "))}
                            <br/>
                            {domain.response.map_or("Not answered", |response| response.label())}
                        }.into_any()}/>
                    }).collect_view()}
                </dl>
            }.into_any()
        }}
        {(editable && overview.unanswered.is_empty()).then(|| view! {
            <h2 class="nhsuk-heading-m">"Declaration"</h2>
            <ActionForm action>
                <input type="hidden" name="assessment_id" value=id.clone()/>
                <div class=move || form_group_class(declaration_message.get().is_some())>
                    {move || declaration_message.get().map(|message| view! { <InlineError message/> })}
                    <div class="nhsuk-checkboxes" id="declaration">
                        <div class="nhsuk-checkboxes__item">
                            <input class="nhsuk-checkboxes__input" id="declaration-confirmed" name="declaration" type="checkbox" value="confirmed"/>
                            <label class="nhsuk-label nhsuk-checkboxes__label" for="declaration-confirmed">
                                "I confirm this reply is accurate to the best of my knowledge and can be shown to NHS England's moderators."
                            </label>
                        </div>
                    </div>
                </div>
                <p>"Once submitted, the reply cannot be changed."</p>
                <button class="nhsuk-button" type="submit">"Submit reply"</button>
            </ActionForm>
        })}
        <p><a class="nhsuk-link" href=back_link>"Back to the reply"</a></p>
    }
}

#[component]
pub fn ReplySubmittedPage() -> impl IntoView {
    let id = param("id");
    view! {
        <Title text="Reply submitted"/>
        <div class="nhsuk-panel">
            <h1 class="nhsuk-panel__title">"Reply submitted"</h1>
            <div class="nhsuk-panel__body">"We have emailed a receipt to your trust's leads."</div>
        </div>
        <h2 class="nhsuk-heading-m">"What happens next"</h2>
        <p>"NHS England's moderators read your self-assessment, the peer reviews and your reply, and set the final scores. A second person at NHS England signs them off before they are published."</p>
        <p><a class="nhsuk-link" href=move || reply_link(&id())>"Read your reply"</a></p>
        <p><a class="nhsuk-link" href="/assessments">"Back to your assessments"</a></p>
    }
}
