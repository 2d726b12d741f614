//! Why a policy (access or sharing) could not be loaded. Deciding never fails.

use std::fmt;
use std::path::PathBuf;

/// A 1-based line and column (in characters) in a policy or schema file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Position {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for Position {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// One thing Cedar found wrong in a file, with where it is when Cedar says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub file: String,
    pub position: Option<Position>,
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.position {
            Some(at) => write!(f, "{}:{at}: {}", self.file, self.message),
            None => write!(f, "{}: {}", self.file, self.message),
        }
    }
}

/// Loading a policy failed; the node must not start.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    #[error("cannot read `{}`: {source}", path.display())]
    Read {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("schema `{file}` does not parse: {}", list(problems))]
    Schema { file: String, problems: Vec<Problem> },
    #[error("policies in `{file}` do not parse: {}", list(problems))]
    Parse { file: String, problems: Vec<Problem> },
    #[error(
        "policies in `{file}` do not validate against schema `{schema}`: {}",
        list(problems)
    )]
    Validation {
        file: String,
        schema: String,
        problems: Vec<Problem>,
    },
    #[error("policy at `{}` has no `@id(\"...\")` annotation", at(file, position))]
    MissingId {
        file: String,
        position: Option<Position>,
    },
    #[error("policy id `{id}` at `{}` is used twice", at(file, position))]
    DuplicateId {
        id: String,
        file: String,
        position: Option<Position>,
    },
}

impl PolicyError {
    /// The problems Cedar reported, each with file and position when known.
    pub fn problems(&self) -> &[Problem] {
        match self {
            PolicyError::Schema { problems, .. }
            | PolicyError::Parse { problems, .. }
            | PolicyError::Validation { problems, .. } => problems,
            _ => &[],
        }
    }
}

fn list(problems: &[Problem]) -> String {
    problems
        .iter()
        .map(Problem::to_string)
        .collect::<Vec<_>>()
        .join("; ")
}

fn at(file: &str, position: &Option<Position>) -> String {
    match position {
        Some(p) => format!("{file}:{p}"),
        None => file.to_owned(),
    }
}
