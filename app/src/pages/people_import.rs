//! People in bulk: the upload page (the file's format, the template, the form) and the check
//! page of an uploaded file, which is confirmed there, and then shows what confirming did.

use super::account::query_param;
use crate::api::accounts::current_account;
use crate::api::people_import::{
    get_people_import, ConfirmPeopleImport, PeopleImportView, UploadProblem, MAX_UPLOAD_BYTES,
};
use crate::components::{action_error, ErrorPanel, FormErrors, Loaded, SummaryRow};
use crate::error::AppError;
use crate::routes::Route;
use crate::rules::people_import::{Column, Counts, JudgedRow, Outcome};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

/// Where the upload form posts (the server shell's multipart route) and the template's address.
pub const UPLOAD_PATH: &str = "/admin/people-import/upload";
pub const TEMPLATE_PATH: &str = "/admin/people-import/template.csv";

/// What each column holds, as the upload page explains it.
fn column_help(column: Column) -> &'static str {
    match column {
        Column::Email => "Their work email address. Required.",
        Column::Name => "Their full name. Required.",
        Column::Organisation => "The ODS code of the trust or ICB they work for, like RR8. Leave empty for NHS England staff.",
        Column::Roles => "One or more of: trust lead, peer reviewer, moderator, approver, separated by semicolons, like \"trust lead; peer reviewer\". Required. Administrators are invited one at a time.",
        Column::CareSettings => "Peer reviewers only: the care settings they can review, separated by semicolons, like \"acute; mental health\". Leave empty to keep what a reviewer has already said.",
        Column::Capacity => "Peer reviewers only: the most reviews they can take in a cycle, from 1 to 20. Leave empty for the cycle's usual number.",
    }
}

#[component]
pub fn UploadPeoplePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| current_account());
    let problem = query_param("problem");
    let error = Signal::derive(move || {
        problem
            .get()
            .and_then(|key| UploadProblem::from_key(&key))
            .map(|problem| AppError::field("file", problem.message()))
    });
    view! {
        <Title text="Upload people"/>
        <Loaded resource=me let:data>
            {match data {
                Some(signed_in) if signed_in.can.manage_accounts => view! {
                    <FormErrors error/>
                    <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
                        <ol class="nhsuk-breadcrumb__list">
                            <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=Route::People.href()>"People"</a></li>
                        </ol>
                    </nav>
                    <h1 class="nhsuk-heading-xl">"Upload people"</h1>
                    <p>"Invite many people at once, or update the people who already have an account, from a CSV or Excel (.xlsx) file. You will see what the file would do before anything changes."</p>
                    <h2 class="nhsuk-heading-m">"What the file needs"</h2>
                    <p>"The first row names the columns. Upper or lower case does not matter, and columns with other names are ignored."</p>
                    <dl class="nhsuk-summary-list">
                        {Column::ALL.into_iter().map(|column| view! { <SummaryRow key=column.label() value=column_help(column)/> }).collect_view()}
                    </dl>
                    <p>"A person who already has an account is matched by email address: their name, organisation and roles become the file's. Each new person is emailed an invitation to set their password."</p>
                    <p><a class="nhsuk-link" href=TEMPLATE_PATH download="people-template.csv">"Download the template (CSV)"</a></p>
                    <form method="post" action=UPLOAD_PATH enctype="multipart/form-data">
                        <div class=move || if error.get().is_some() { "nhsuk-form-group nhsuk-form-group--error" } else { "nhsuk-form-group" }>
                            <label class="nhsuk-label nhsuk-label--m" for="file">"Upload a file"</label>
                            <div class="nhsuk-hint" id="file-hint">{format!("A CSV or Excel (.xlsx) file, up to {} MB", MAX_UPLOAD_BYTES / (1024 * 1024))}</div>
                            {move || error.get().and_then(|error| error.message_for("file")).map(|message| view! {
                                <span class="nhsuk-error-message" id="file-error"><span class="nhsuk-u-visually-hidden">"Error: "</span>{message}</span>
                            })}
                            <input class="nhsuk-file-upload" id="file" name="file" type="file" accept=".csv,.xlsx" aria-describedby="file-hint"/>
                        </div>
                        <button class="nhsuk-button" type="submit">"Upload and check"</button>
                    </form>
                }.into_any(),
                Some(_) => view! { <ErrorPanel error=AppError::Forbidden("Only NHS England administrators can upload people.".into())/> }.into_any(),
                None => view! { <ErrorPanel error=AppError::SignInRequired/> }.into_any(),
            }}
        </Loaded>
    }
}

fn outcome_cell(outcome: &Outcome) -> impl IntoView {
    match outcome {
        Outcome::New => view! {
            <strong class="nhsuk-tag nhsuk-tag--green">"New"</strong>
            <p class="nhsuk-body-s">"Invited by email"</p>
        }
        .into_any(),
        Outcome::Update(changes) => view! {
            <strong class="nhsuk-tag nhsuk-tag--blue">"Update"</strong>
            <ul class="nhsuk-list nhsuk-body-s">
                {changes.iter().map(|change| view! { <li>{format!("{}: {} → {}", change.what, change.before, change.after)}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
        Outcome::Unchanged => view! { <strong class="nhsuk-tag nhsuk-tag--grey">"No change"</strong> }.into_any(),
        Outcome::Refused(reasons) => view! {
            <strong class="nhsuk-tag nhsuk-tag--red">"Refused"</strong>
            <ul class="nhsuk-list nhsuk-body-s">
                {reasons.iter().map(|reason| view! { <li>{reason.clone()}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
    }
}

fn rows_table(caption: String, rows: Vec<&JudgedRow>) -> impl IntoView {
    view! {
        <table class="nhsuk-table">
            <caption class="nhsuk-table__caption">{caption}</caption>
            <thead class="nhsuk-table__head">
                <tr class="nhsuk-table__row">
                    <th class="nhsuk-table__header" scope="col">"Row"</th>
                    <th class="nhsuk-table__header" scope="col">"Email address"</th>
                    <th class="nhsuk-table__header" scope="col">"Name"</th>
                    <th class="nhsuk-table__header" scope="col">"Organisation"</th>
                    <th class="nhsuk-table__header" scope="col">"Roles"</th>
                    <th class="nhsuk-table__header" scope="col">"Outcome"</th>
                </tr>
            </thead>
            <tbody class="nhsuk-table__body">
                {rows.into_iter().map(|row| view! {
                    <tr class="nhsuk-table__row" id=format!("row-{}", row.row)>
                        <td class="nhsuk-table__cell">{row.row}</td>
                        <td class="nhsuk-table__cell">{row.email.clone()}</td>
                        <td class="nhsuk-table__cell">{row.name.clone()}</td>
                        <td class="nhsuk-table__cell">{row.organisation.clone()}</td>
                        <td class="nhsuk-table__cell">{row.roles.clone()}</td>
                        <td class="nhsuk-table__cell">{outcome_cell(&row.outcome)}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

fn counts_list(counts: Counts, done: bool) -> impl IntoView {
    let (new, updates) = if done {
        ("People invited", "People updated")
    } else {
        ("New people to invite", "People to update")
    };
    view! {
        <dl class="nhsuk-summary-list">
            <SummaryRow key=new value=counts.new.to_string()/>
            <SummaryRow key=updates value=counts.updates.to_string()/>
            <SummaryRow key="No change" value=counts.unchanged.to_string()/>
            <SummaryRow key="Refused" value=counts.refused.to_string()/>
        </dl>
    }
}

#[component]
pub fn CheckPeoplePage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.read().get("id").unwrap_or_default();
    let upload = Resource::new(id, get_people_import);
    let confirm = ServerAction::<ConfirmPeopleImport>::new();
    let error = action_error(confirm.value());
    view! {
        <Title text="Check the people in the file"/>
        <FormErrors error/>
        <Loaded resource=upload error_title="Upload people" let:upload>
            {upload_view(upload, confirm)}
        </Loaded>
    }
}

fn upload_view(upload: PeopleImportView, confirm: ServerAction<ConfirmPeopleImport>) -> AnyView {
    let breadcrumbs = view! {
        <nav class="nhsuk-breadcrumb" aria-label="Breadcrumb">
            <ol class="nhsuk-breadcrumb__list">
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=Route::People.href()>"People"</a></li>
                <li class="nhsuk-breadcrumb__list-item"><a class="nhsuk-breadcrumb__link" href=Route::PeopleImport.href()>"Upload people"</a></li>
            </ol>
        </nav>
    };
    if let Some(report) = upload.report {
        let counts = report.counts;
        return view! {
            {breadcrumbs}
            <div class="nhsuk-panel nhsuk-panel--confirmation">
                <h1 class="nhsuk-panel__title">"People imported"</h1>
                <div class="nhsuk-panel__body">{format!("{} invited, {} updated", counts.new, counts.updates)}</div>
            </div>
            <p>{format!("From {}. The invitations are on their way.", upload.file_name)}</p>
            {counts_list(counts, true)}
            {(!report.refused.is_empty()).then(|| rows_table(
                format!("{} rows were skipped", report.refused.len()),
                report.refused.iter().collect(),
            ))}
            <p><a class="nhsuk-link" href=Route::People.href()>"Go to people"</a></p>
        }
        .into_any();
    }
    let Some(check) = upload.check else {
        return view! { <ErrorPanel error=AppError::Internal/> }.into_any();
    };
    let counts = check.counts();
    let refused: Vec<(usize, String)> = check
        .rows
        .iter()
        .filter_map(|row| match &row.outcome {
            Outcome::Refused(reasons) => Some((row.row, reasons.join("; "))),
            _ => None,
        })
        .collect();
    let used = check
        .columns
        .used
        .iter()
        .map(|(column, header)| {
            if column.label().eq_ignore_ascii_case(header) {
                header.clone()
            } else {
                format!("{header} (as {})", column.label().to_lowercase())
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let ignored = if check.columns.ignored.is_empty() {
        "None".to_string()
    } else {
        check.columns.ignored.join(", ")
    };
    let changes = counts.new + counts.updates;
    view! {
        {(!refused.is_empty()).then(|| view! {
            <div class="nhsuk-error-summary" aria-labelledby="error-summary-title" role="alert" tabindex="-1">
                <h2 class="nhsuk-error-summary__title" id="error-summary-title">{format!("{} rows cannot be imported", refused.len())}</h2>
                <div class="nhsuk-error-summary__body">
                    <p>"They will be skipped. To include them, correct the file and upload it again."</p>
                    <ul class="nhsuk-list nhsuk-error-summary__list" role="list">
                        {refused.into_iter().map(|(row, reasons)| view! {
                            <li><a href=format!("#row-{row}")>{format!("Row {row}: {reasons}")}</a></li>
                        }).collect_view()}
                    </ul>
                </div>
            </div>
        })}
        {breadcrumbs}
        <h1 class="nhsuk-heading-xl">"Check the people in the file"</h1>
        <p>{format!("{}. Nothing has changed yet.", upload.file_name)}</p>
        {counts_list(counts, false)}
        <dl class="nhsuk-summary-list">
            <SummaryRow key="Columns used" value=used/>
            <SummaryRow key="Columns ignored" value=ignored/>
        </dl>
        {if changes == 0 {
            view! {
                <div class="nhsuk-inset-text"><p>"Nothing in this file changes anyone's account."</p></div>
            }.into_any()
        } else {
            view! {
                <ActionForm action=confirm>
                    <input type="hidden" name="import_id" value=upload.id.clone()/>
                    <input type="hidden" name="file_sha256" value=upload.file_sha256.clone()/>
                    <button class="nhsuk-button" type="submit">{format!("Confirm: invite {} and update {}", counts.new, counts.updates)}</button>
                </ActionForm>
            }.into_any()
        }}
        <p><a class="nhsuk-link" href=Route::PeopleImport.href()>"Upload another file"</a></p>
        {rows_table(format!("{} rows", check.rows.len()), check.rows_to_show())}
    }
    .into_any()
}
