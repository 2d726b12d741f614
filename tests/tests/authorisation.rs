//! Authorisation over the real gRPC interfaces of a running node: every RPC
//! of the node, warning, subscription and audit services, by every role set,
//! on this organisation's data and on another organisation's (received
//! through a real federation), with no token, and with another
//! organisation's token, is allowed or denied exactly as
//! `policies/access.cedar` says; a denied write changes nothing. On any
//! difference the whole matrix is printed, `!` marking the cells that differ.

// Test code: a failed unwrap is a failed test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "authorisation/calls.rs"]
mod calls;
#[path = "authorisation/fixtures.rs"]
mod fixtures;
#[path = "authorisation/fresh.rs"]
mod fresh;
#[path = "authorisation/rows.rs"]
mod rows;
#[path = "authorisation/rules.rs"]
mod rules;

use std::fmt::Write as _;
use std::time::Instant;
use tocsin_server::model::caller::Role;
use tocsin_tests::federation::LocalFederation;
use tonic::{Code, Status};

use fixtures::{Clients, Fixtures, HOME, OTHER, Staff, specs, token};
use rows::{ROWS, Row};
use rules::{COLUMNS, Column, Expect, Shape, expected};

/// What one call got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Outcome {
    /// Answered, or refused for a reason other than permission (the state
    /// did not allow it, or what it names does not exist).
    Allowed,
    /// PERMISSION_DENIED, or a reply with what the caller may not see withheld.
    Denied,
    /// NOT_FOUND on data the caller may not touch: hidden rather than refused.
    Hidden,
    Unauthenticated,
    /// A status that says the request itself was wrong: it proves nothing.
    Broken,
}

impl Outcome {
    fn of(row: &Row, got: &Result<bool, Status>) -> Self {
        match got {
            Ok(true) => Outcome::Allowed,
            Ok(false) => Outcome::Denied,
            Err(s) => match s.code() {
                Code::PermissionDenied => Outcome::Denied,
                Code::Unauthenticated => Outcome::Unauthenticated,
                Code::NotFound if row.hides => Outcome::Hidden,
                Code::NotFound | Code::FailedPrecondition | Code::Aborted | Code::AlreadyExists => {
                    Outcome::Allowed
                }
                _ => Outcome::Broken,
            },
        }
    }

    fn fits(self, expect: Expect) -> bool {
        matches!(
            (expect, self),
            (Expect::Allow, Outcome::Allowed)
                | (Expect::Deny, Outcome::Denied | Outcome::Hidden)
                | (Expect::Unauthenticated, Outcome::Unauthenticated)
        )
    }

    fn cell(self) -> &'static str {
        match self {
            Outcome::Allowed => "allow",
            Outcome::Denied => "deny",
            Outcome::Hidden => "hide",
            Outcome::Unauthenticated => "unauth",
            Outcome::Broken => "error",
        }
    }
}

/// One call of the matrix and what came of it.
struct Cell {
    expect: Expect,
    outcome: Outcome,
    status: Option<Status>,
    /// A denied write that changed the node's state: what changed.
    changed: Option<String>,
}

impl Cell {
    fn wrong(&self) -> bool {
        !self.outcome.fits(self.expect) || self.changed.is_some()
    }
}

/// One column's callers: the column's user, and the same subject as an
/// analyst to author what the column calls its own.
struct Caller {
    column: Column,
    who: Clients,
    author: Clients,
}

async fn callers(federation: &LocalFederation, staff: &Staff) -> Vec<Caller> {
    let home = federation.node(HOME).unwrap();
    let channel = home.channel().await.unwrap();
    let mut callers = Vec::new();
    for column in COLUMNS {
        let (who, author) = match column {
            Column::Roles(roles) => (
                Clients::of(home, &column.subject(), roles).await,
                Clients::of(home, &column.subject(), &[Role::Analyst]).await,
            ),
            Column::NoToken => (Clients::new(channel.clone(), None), staff.analyst.clone()),
            Column::OtherOrgUser => {
                let foreign = token(federation.node(OTHER).unwrap(), "ada", &Role::ALL).await;
                (
                    Clients::new(channel.clone(), Some(&foreign)),
                    staff.analyst.clone(),
                )
            }
        };
        callers.push(Caller { column, who, author });
    }
    callers
}

/// Makes `row`'s call as every caller, each on what was made for it. The
/// calls the policy denies go first, between two snapshots of the node's
/// state: if they differ, each denied call is marked as having changed it.
async fn run_row(row: &Row, callers: &[Caller], fx: &Fixtures, staff: &Staff) -> Vec<Cell> {
    let mut targets = Vec::new();
    for caller in callers {
        targets.push(fresh::prepare(row.fresh, fx, staff, &caller.author).await);
    }
    let expects: Vec<Expect> = callers
        .iter()
        .map(|c| expected(c.column, row.actions, row.shape))
        .collect();
    let (denied, allowed): (Vec<usize>, Vec<usize>) =
        (0..callers.len()).partition(|&i| expects[i] != Expect::Allow);
    let mut got: Vec<Option<Result<bool, Status>>> = callers.iter().map(|_| None).collect();
    let before = if row.writes {
        Some(fresh::snapshot(staff, fx).await)
    } else {
        None
    };
    for &i in &denied {
        got[i] = Some(calls::call(row, &callers[i].who, fx, &targets[i]).await);
    }
    let changed = match before {
        Some(before) => fresh::changes(&before, &fresh::snapshot(staff, fx).await),
        None => None,
    };
    for &i in &allowed {
        got[i] = Some(calls::call(row, &callers[i].who, fx, &targets[i]).await);
    }
    expects
        .into_iter()
        .zip(got)
        .map(|(expect, got)| {
            let got = got.expect("every caller called");
            let outcome = Outcome::of(row, &got);
            let denied = expect != Expect::Allow && outcome != Outcome::Allowed;
            Cell {
                expect,
                outcome,
                status: got.err(),
                changed: changed.clone().filter(|_| denied),
            }
        })
        .collect()
}

/// The matrix, rows by columns; `!` marks a cell that differs from the
/// policy, `*` a denied write that changed something. Then what each
/// differing cell got.
fn render(cells: &[Vec<Cell>]) -> String {
    let mut table = format!("{:<50}", "rpc (target) [whose]");
    for column in COLUMNS {
        let _ = write!(table, " {:>16}", column.name());
    }
    let mut details = String::new();
    for (row, cells) in ROWS.iter().zip(cells) {
        let label = format!("{} [{}]", row.label(), row.whose.tag());
        let _ = write!(table, "\n{label:<50}");
        for (column, cell) in COLUMNS.iter().zip(cells) {
            let mark = match (cell.changed.is_some(), !cell.outcome.fits(cell.expect)) {
                (true, _) => "*",
                (false, true) => "!",
                (false, false) => "",
            };
            let _ = write!(table, " {:>16}", format!("{}{mark}", cell.outcome.cell()));
            if cell.wrong() {
                let _ = write!(
                    details,
                    "\n{label} by {}: expected {:?}, got {}{}{}",
                    column.name(),
                    cell.expect,
                    cell.outcome.cell(),
                    cell.status
                        .as_ref()
                        .map(|s| format!(" ({:?}: {})", s.code(), s.message()))
                        .unwrap_or_default(),
                    cell.changed
                        .as_ref()
                        .map(|c| format!(", and changed: {c}"))
                        .unwrap_or_default(),
                );
            }
        }
    }
    format!("{table}\n{details}")
}

#[tokio::test]
async fn every_rpc_by_every_role_on_own_and_others_data_is_decided_as_the_policy_says() {
    let started = Instant::now();
    let federation = LocalFederation::start(&specs()).await.unwrap();
    let home = federation.node(HOME).unwrap();
    let staff = Staff::of(home).await;
    let fx = Fixtures::prepare(&federation, &staff).await;
    let callers = callers(&federation, &staff).await;

    let mut cells = Vec::new();
    for row in &ROWS {
        cells.push(run_row(row, &callers, &fx, &staff).await);
    }

    let total = cells.iter().flatten().count();
    let wrong = cells.iter().flatten().filter(|c| c.wrong()).count();
    assert_eq!(total, ROWS.len() * COLUMNS.len());
    assert!(
        wrong == 0,
        "{wrong} of {total} calls differ from the access policy (`!`) or changed state when denied (`*`):\n{}",
        render(&cells)
    );
    // No row is trivially open or shut: each is denied to some role set
    // (WhoAmI only to callers without a trusted token), and allowed to some,
    // except on another organisation's assessments and under four eyes.
    for (row, line) in ROWS.iter().zip(&cells) {
        let some = |e: Expect| line.iter().any(|c| c.expect == e);
        assert!(
            some(Expect::Deny) || row.rpc == "WhoAmI",
            "{} is denied to no one",
            row.label()
        );
        let shut = matches!(row.shape, Shape::OtherOrg | Shape::OwnInReview);
        assert_eq!(some(Expect::Allow), !shut, "{} allowed to anyone", row.label());
    }
    eprintln!(
        "authorisation matrix: {} rows × {} columns in {:?}",
        ROWS.len(),
        COLUMNS.len(),
        started.elapsed()
    );
}
