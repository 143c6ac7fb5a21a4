//! `/api/v1/households/{id}/loans` and `/api/v1/loans/{id}`: poverty-alleviation microloans.

use actix_web::{get, post};
use actix_web::{web, HttpRequest, HttpResponse};
use fupin_domain::loan_lifecycle::{LoanStatus, LoanStep as Step};
use utoipa_actix_web::service_config::ServiceConfig;

use crate::acting::Acting;
use crate::auth::{
    ApproveLoans, Permission, ReadRegistry, RecordLoanEvents, RestructureLoans, WriteRegistry,
};
use crate::extract::JsonBody;
use crate::idempotency::Outcome;
use crate::problem::{AppError, Problem, ProblemBody};
use fupin_app::loans as workflow;
use fupin_app::models::loans::{ApplyForLoan, AsOfParams, Loan, LoanPage, LoanStep, Repay};

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(household_loans)
        .service(apply_for_loan)
        .service(list_loans)
        .service(interest_subsidies)
        .service(get_loan)
        .service(approve_loan)
        .service(reject_loan)
        .service(disburse_loan)
        .service(repay_loan)
        .service(extend_loan)
        .service(write_off_loan);
}

/// Apply for a loan. Breaking a policy limit (principal per household, term, borrower age) is a
/// 422 naming the rule.
#[utoipa::path(tag = "money", request_body = ApplyForLoan,
    params(("id" = String, Path, description = "Household id")),
    responses((status = 201, description = "Applied", body = Loan)))]
#[post("/api/v1/households/{id}/loans")]
pub async fn apply_for_loan(
    acting: Acting<WriteRegistry>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<ApplyForLoan>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let loan = workflow::apply(conn, ctx, &id, body.value)?;
            Outcome::created(&loan, loan.version, format!("/api/v1/loans/{}", loan.id))
        })
        .await
}

/// A household's loans with their standing today.
#[utoipa::path(tag = "money",
    params(("id" = String, Path, description = "Household id")),
    responses((status = 200, description = "The loans (one page)", body = LoanPage)))]
#[get("/api/v1/households/{id}/loans")]
pub async fn household_loans(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
) -> Result<HttpResponse, Problem> {
    let id = id.into_inner();
    let items = acting
        .read(move |conn, ctx| workflow::for_household(conn, ctx, &id))
        .await?;
    Ok(HttpResponse::Ok().json(LoanPage::whole(items)))
}

/// A loan with its schedule, outstanding principal, arrears, next due date and whether it is
/// overdue, as of `as_of` (default today).
#[utoipa::path(tag = "money",
    params(("id" = String, Path, description = "Loan id"), AsOfParams),
    responses((status = 200, description = "The loan", body = Loan)))]
#[get("/api/v1/loans/{id}")]
pub async fn get_loan(
    acting: Acting<ReadRegistry>,
    id: web::Path<String>,
    params: web::Query<AsOfParams>,
) -> Result<HttpResponse, Problem> {
    let (id, as_of) = (id.into_inner(), params.as_of.unwrap_or(acting.today));
    let loan = acting
        .read(move |conn, ctx| workflow::find(conn, ctx, &id, as_of))
        .await?;
    Ok(HttpResponse::Ok().json(loan))
}

async fn run_step<P: Permission>(
    acting: Acting<P>,
    req: HttpRequest,
    id: String,
    step: Step,
    body: JsonBody<LoanStep>,
) -> Result<HttpResponse, Problem> {
    let on = body.value.on;
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(workflow::step(conn, ctx, &id, step, on))
        })
        .await
}

/// The loan after a step, with its new version as the ETag.
fn answer(loan: Result<Loan, AppError>) -> Result<Outcome, AppError> {
    let loan = loan?;
    Outcome::ok(&loan, loan.version)
}

/// Approve an application.
#[utoipa::path(tag = "money", request_body = LoanStep,
    params(("id" = String, Path, description = "Loan id")),
    responses((status = 200, description = "Approved", body = Loan),
        (status = 403, description = "The role may not take the step (`forbidden`), or the caller took the loan's previous step (`separation_of_duties`)", body = ProblemBody, content_type = "application/problem+json"),
        (status = 409, description = "Not allowed now; `allowed_next_steps` lists what is", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/loans/{id}/approval")]
pub async fn approve_loan(
    acting: Acting<ApproveLoans>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<LoanStep>,
) -> Result<HttpResponse, Problem> {
    run_step(acting, req, id.into_inner(), Step::Approve, body).await
}

/// Reject an application.
#[utoipa::path(tag = "money", request_body = LoanStep,
    params(("id" = String, Path, description = "Loan id")),
    responses((status = 200, description = "Rejected", body = Loan),
        (status = 403, description = "The role may not take the step (`forbidden`), or the caller took the loan's previous step (`separation_of_duties`)", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/loans/{id}/rejection")]
pub async fn reject_loan(
    acting: Acting<ApproveLoans>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<LoanStep>,
) -> Result<HttpResponse, Problem> {
    run_step(acting, req, id.into_inner(), Step::Reject, body).await
}

/// Disburse an approved loan: its repayment schedule is generated and stored.
#[utoipa::path(tag = "money", request_body = LoanStep,
    params(("id" = String, Path, description = "Loan id")),
    responses((status = 200, description = "Disbursed, with its schedule", body = Loan),
        (status = 403, description = "The role may not take the step (`forbidden`), or the caller took the loan's previous step (`separation_of_duties`)", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/loans/{id}/disbursement")]
pub async fn disburse_loan(
    acting: Acting<RecordLoanEvents>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<LoanStep>,
) -> Result<HttpResponse, Problem> {
    run_step(acting, req, id.into_inner(), Step::Disburse, body).await
}

/// Record a repayment: interest first, then principal, earliest period first. A loan fully
/// paid becomes `repaid`.
#[utoipa::path(tag = "money", request_body = Repay,
    params(("id" = String, Path, description = "Loan id")),
    responses((status = 200, description = "The loan after the repayment", body = Loan)))]
#[post("/api/v1/loans/{id}/repayments")]
pub async fn repay_loan(
    acting: Acting<RecordLoanEvents>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<Repay>,
) -> Result<HttpResponse, Problem> {
    let (id, repayment) = (id.into_inner(), body.value);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(workflow::repay(conn, ctx, &id, repayment))
        })
        .await
}

/// The treasury's interest subsidy (财政贴息) for a month: per loan with interest due in it,
/// stopped for loans overdue at the month's end, and the total.
#[utoipa::path(tag = "money", params(fupin_app::models::loans::InterestSubsidyParams),
    responses((status = 200, description = "The month's ledger", body = fupin_app::models::loans::InterestSubsidies)))]
#[get("/api/v1/loans/interest-subsidies")]
pub async fn interest_subsidies(
    acting: Acting<ReadRegistry>,
    params: web::Query<fupin_app::models::loans::InterestSubsidyParams>,
) -> Result<HttpResponse, Problem> {
    let params = params.into_inner();
    let first = chrono::NaiveDate::parse_from_str(&format!("{}-01", params.month), "%Y-%m-%d")
        .map_err(|_| AppError::bad_request("month is YYYY-MM", "month 应为 YYYY-MM"))?;
    let last = first
        .checked_add_months(chrono::Months::new(1))
        .and_then(|d| d.pred_opt())
        .ok_or_else(|| AppError::bad_request("month is out of range", "month 超出范围"))?;
    let scope = super::narrow_to(&acting.scope(), params.region.as_deref())?;
    let month = params.month.clone();
    let ledger = match scope {
        None => fupin_app::models::loans::InterestSubsidies {
            month,
            lines: vec![],
            total_treasury_interest_fen: 0,
        },
        Some(scope) => {
            acting
                .read(move |conn, _ctx| {
                    workflow::interest_subsidies(conn, &scope, &month, first, last)
                })
                .await?
        }
    };
    Ok(HttpResponse::Ok().json(ledger))
}

/// Extend the maturity (展期): the last period falls due on the new date. Audited with the reason.
#[utoipa::path(tag = "money", request_body = fupin_app::models::loans::ExtendLoan,
    params(("id" = String, Path, description = "Loan id")),
    responses((status = 200, description = "Extended", body = Loan),
        (status = 403, description = "The role may not take the step (`forbidden`), or the caller took the loan's previous step, approved or disbursed it (`separation_of_duties`)", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/loans/{id}/extension")]
pub async fn extend_loan(
    acting: Acting<RestructureLoans>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<fupin_app::models::loans::ExtendLoan>,
) -> Result<HttpResponse, Problem> {
    let (id, b) = (id.into_inner(), body.value);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            answer(workflow::extend(
                conn,
                ctx,
                &id,
                b.on,
                b.new_maturity_on,
                &b.reason,
            ))
        })
        .await
}

/// Write a loan off (核销): no more repayments, no more interest subsidy.
#[utoipa::path(tag = "money", request_body = fupin_app::models::loans::WriteOffLoan,
    params(("id" = String, Path, description = "Loan id")),
    responses((status = 200, description = "Written off", body = Loan),
        (status = 403, description = "The role may not take the step (`forbidden`), or the caller took the loan's previous step, approved or disbursed it (`separation_of_duties`)", body = ProblemBody, content_type = "application/problem+json")))]
#[post("/api/v1/loans/{id}/write-off")]
pub async fn write_off_loan(
    acting: Acting<RestructureLoans>,
    req: HttpRequest,
    id: web::Path<String>,
    body: JsonBody<fupin_app::models::loans::WriteOffLoan>,
) -> Result<HttpResponse, Problem> {
    let (id, b) = (id.into_inner(), body.value);
    acting
        .write_once(&req, body.fingerprint, move |conn, ctx| {
            let reason = Some(b.reason.as_str());
            answer(workflow::step_with_reason(
                conn,
                ctx,
                &id,
                Step::WriteOff,
                b.on,
                reason,
                None,
            ))
        })
        .await
}

/// Loans in a region (and everything under it), by village, with their standing today.
#[utoipa::path(tag = "money", params(fupin_app::models::loans::LoanListParams),
    responses((status = 200, description = "One page of loans", body = LoanPage)))]
#[get("/api/v1/loans")]
pub async fn list_loans(
    acting: Acting<ReadRegistry>,
    params: web::Query<fupin_app::models::loans::LoanListParams>,
) -> Result<HttpResponse, Problem> {
    use fupin_persistence::ListKey;
    let params = params.into_inner();
    let page = fupin_app::pagination::PageParams {
        limit: params.limit,
        cursor: params.cursor.clone(),
    }
    .resolve(&format!(
        "{:?}|{:?}",
        params.region,
        params.status.map(LoanStatus::as_str)
    ))?;
    // Every parameter is checked (above) before a region outside the scope short-cuts to an
    // empty page: a bad `limit` or `cursor` is a 400 wherever the region lies.
    let Some(scope) = super::narrow_to(&acting.scope(), params.region.as_deref())? else {
        return Ok(HttpResponse::Ok().json(LoanPage::empty()));
    };
    let (fetch, after, status) = (page.fetch(), page.after_key()?, params.status);
    let items = acting
        .read(move |conn, ctx| {
            let after = after.as_deref().and_then(ListKey::decode);
            let rows = fupin_persistence::loans::page(
                conn,
                &scope,
                status.map(LoanStatus::as_str),
                after,
                fetch,
            )?;
            rows.into_iter()
                .map(|row| workflow::view(conn, row, ctx.today))
                .collect::<Result<Vec<_>, _>>()
        })
        .await?;
    let (items, next_cursor) =
        page.finish(items, |loan| ListKey::encode(&loan.region_code, &loan.id));
    Ok(HttpResponse::Ok().json(LoanPage { items, next_cursor }))
}
