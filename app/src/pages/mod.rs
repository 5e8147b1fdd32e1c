//! Pages, one module per journey, and the document shell they render into.

mod account;
mod assessments;
mod assignment;
mod cycles;
mod dashboard;
mod evidence;
mod final_scores;
mod home;
mod insights;
mod moderation;
mod not_found;
mod organisations;
mod people;
pub mod people_import;
mod release;
mod reply;
mod results;
mod review;
mod reviewer_profile;
mod reviews;
mod second_factor;
mod sign_off;
mod who_is_missing;

use crate::components::{Footer, Header, PhaseBanner};
use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, SsrMode,
};

/// Whether the page at `path` has an island (`#[island]`): only those pages load the island
/// code, so every other page ships no JavaScript or WebAssembly at all. A test renders every
/// page and checks that each has the loader exactly when it has an island.
pub fn has_islands(path: &str) -> bool {
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    matches!(
        segments[..],
        ["organisations"]
            | ["assessments", _, "domains", _]
            | ["reviews", _, "domains", _]
            | ["moderation", _, "domains", _]
            | ["assessments", _, "reply", "domains", _]
    )
}

/// The HTML document. Rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let islands = use_context::<http::request::Parts>()
        .is_some_and(|request| has_islands(request.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let islands = false;
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <link rel="stylesheet" href="/nhsuk/nhsuk-frontend.min.css"/>
                // The service's own CSS, by its hashed name when the site is built with hashed names.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <link rel="icon" href="/assets/images/favicon.ico" sizes="48x48"/>
                <link rel="icon" href="/assets/images/favicon.svg" sizes="any" type="image/svg+xml"/>
                {islands.then(|| view! { <HydrationScripts options islands=true/> })}
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Pages wait for their data on the server (SsrMode::Async) so that the first response is the
    // whole page: it must work with JavaScript off, and carry the right status code.
    view! {
        <Title formatter=|page: String| format!("{page} – Digital maturity assessment – NHS England")/>
        <Router>
            <a class="nhsuk-skip-link" href="#maincontent">"Skip to main content"</a>
            <Header/>
            <PhaseBanner/>
            <div class="nhsuk-width-container">
                <main class="nhsuk-main-wrapper" id="maincontent" role="main">
                    <Routes fallback=not_found::NotFound>
                        <Route path=path!("/") view=home::HomePage ssr=SsrMode::Async/>
                        <Route path=path!("/organisations") view=organisations::DirectoryPage ssr=SsrMode::Async/>
                        <Route path=path!("/organisations/icbs/:code") view=organisations::IcbPage ssr=SsrMode::Async/>
                        <Route path=path!("/organisations/trusts/:code") view=organisations::TrustPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in") view=account::SignInPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in/code") view=second_factor::SignInCodePage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-in/set-up-app") view=second_factor::AuthenticatorSetupPage ssr=SsrMode::Async/>
                        <Route path=path!("/forgotten-password") view=account::ForgottenPasswordPage ssr=SsrMode::Async/>
                        <Route path=path!("/set-password") view=account::SetPasswordPage ssr=SsrMode::Async/>
                        <Route path=path!("/dashboard") view=dashboard::DashboardPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/mail") view=dashboard::FailedMailPage ssr=SsrMode::Async/>
                        <Route path=path!("/account") view=account::AccountPage ssr=SsrMode::Async/>
                        <Route path=path!("/account/authenticator") view=second_factor::AuthenticatorSetupPage ssr=SsrMode::Async/>
                        <Route path=path!("/invite") view=people::InvitePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/people") view=people::PeoplePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/people/:id") view=people::PersonPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/people-import") view=people_import::UploadPeoplePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/people-import/:id") view=people_import::CheckPeoplePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/cycles") view=cycles::CyclesPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/cycles/new") view=cycles::NewCyclePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/cycles/:id") view=cycles::CyclePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/cycles/:id/assignment") view=assignment::AssignmentPage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/cycles/:id/results") view=release::ReleasePage ssr=SsrMode::Async/>
                        <Route path=path!("/admin/cycles/:id/missing") view=who_is_missing::WhoIsMissingPage ssr=SsrMode::Async/>
                        <Route path=path!("/reviews") view=reviews::ReviewsPage ssr=SsrMode::Async/>
                        <Route path=path!("/reviews/:slot") view=review::ReviewTaskListPage ssr=SsrMode::Async/>
                        <Route path=path!("/reviews/:slot/domains/:key") view=review::ReviewDomainPage ssr=SsrMode::Async/>
                        <Route path=path!("/reviews/:slot/check") view=review::CheckReviewPage ssr=SsrMode::Async/>
                        <Route path=path!("/reviews/:slot/submitted") view=review::ReviewSubmittedPage ssr=SsrMode::Async/>
                        <Route path=path!("/moderation") view=moderation::ModerationQueuePage ssr=SsrMode::Async/>
                        <Route path=path!("/insights") view=insights::InsightsPage ssr=SsrMode::Async/>
                        <Route path=path!("/moderation/queries") view=final_scores::QueriesPage ssr=SsrMode::Async/>
                        <Route path=path!("/moderation/:id") view=moderation::ModerationPage ssr=SsrMode::Async/>
                        <Route path=path!("/moderation/:id/domains/:key") view=moderation::ModerationDomainPage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-off") view=sign_off::SignOffQueuePage ssr=SsrMode::Async/>
                        <Route path=path!("/sign-off/:id") view=sign_off::SignOffPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments") view=assessments::AssessmentsPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id") view=assessments::TaskListPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/domains/:key") view=assessments::DomainPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/check") view=assessments::CheckAnswersPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/submitted") view=assessments::SubmittedPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/evidence") view=evidence::EvidenceRequestsPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/results") view=final_scores::FinalScoresPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/reply") view=reply::ReplyPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/reply/domains/:key") view=reply::ReplyDomainPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/reply/check") view=reply::CheckReplyPage ssr=SsrMode::Async/>
                        <Route path=path!("/assessments/:id/reply/submitted") view=reply::ReplySubmittedPage ssr=SsrMode::Async/>
                        <Route path=path!("/results") view=results::ResultsIndexPage ssr=SsrMode::Async/>
                        <Route path=path!("/results/:cycle") view=results::NationalResultsPage ssr=SsrMode::Async/>
                        <Route path=path!("/results/:cycle/trusts") view=results::TrustLeaguePage ssr=SsrMode::Async/>
                        <Route path=path!("/results/:cycle/trusts/:code") view=results::TrustResultsPage ssr=SsrMode::Async/>
                        <Route path=path!("/results/:cycle/ics/:code") view=results::IcsResultsPage ssr=SsrMode::Async/>
                    </Routes>
                </main>
            </div>
            <Footer/>
        </Router>
    }
}

#[cfg(test)]
mod tests {
    use super::has_islands;

    #[test]
    fn only_the_directory_and_the_domain_pages_have_islands() {
        assert!(has_islands("/organisations"));
        assert!(has_islands("/assessments/a1/domains/digital-strategy"));
        assert!(has_islands("/reviews/s1/domains/digital-strategy"));
        assert!(has_islands("/moderation/a1/domains/digital-strategy"));
        assert!(has_islands(
            "/assessments/a1/reply/domains/digital-strategy"
        ));
        for path in [
            "/",
            "/organisations/trusts/RR8",
            "/assessments",
            "/assessments/a1",
            "/assessments/a1/check",
            "/reviews/s1",
            "/reviews/s1/check",
            "/moderation/a1",
            "/assessments/a1/reply",
            "/sign-in",
        ] {
            assert!(!has_islands(path), "{path}");
        }
    }
}
