//! Turns an error and its chain of causes into one readable line.

use std::error::Error;

/// `outer: cause: root cause`, skipping causes whose text is already part of
/// the line (many libraries repeat their source in their own message).
pub fn describe(err: &(dyn Error + 'static)) -> String {
    let mut line = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let text = cause.to_string();
        if !text.is_empty() && !line.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        source = cause.source();
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("{text}")]
    struct Layer {
        text: &'static str,
        #[source]
        source: Option<Box<Layer>>,
    }

    fn layer(text: &'static str, source: Option<Layer>) -> Layer {
        Layer {
            text,
            source: source.map(Box::new),
        }
    }

    #[test]
    fn joins_the_chain_and_drops_repeats() {
        let err = layer(
            "transport error",
            Some(layer("tcp connect error: refused", Some(layer("refused", None)))),
        );
        assert_eq!(describe(&err), "transport error: tcp connect error: refused");
    }
}
